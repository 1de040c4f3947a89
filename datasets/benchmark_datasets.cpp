#include "benchmark_datasets.h"

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <tuple>

#include "core/errors.h"
#include "dataset_path.h"
#include "dvsgesture.h"
#include "gsc.h"
#include "nmnist.h"
#include "sample_cache.h"
#include "shd.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// A loader of one file per sample.
template <typename Entry, typename Read>
EventDataset::GroupLoader perFile(std::shared_ptr<std::vector<Entry>> entries, Read read)
{
    return [entries, read](std::size_t i) {
        const Entry& e = (*entries)[i];
        std::vector<Loaded> out(1);
        out[0].events = read(e.file);
        out[0].label = e.label;
        return out;
    };
}

/// Appends one trial: whole (`slice_us` 0) or cut into training slices of `slice_us`.
void appendTrial(Events events, int label, std::int64_t slice_us, std::vector<Loaded>& out)
{
    if (slice_us <= 0) {
        out.push_back({std::move(events), label, std::nullopt, -1});
        return;
    }
    for (auto& part : sliceEventsByTime(events, slice_us))
        out.push_back({std::move(part), label, std::nullopt, -1});
}

/// Class count and names of an SHD/SSC file: its /extra/keys, or without keys the labels it uses
/// (at most the release's 20 SHD / 35 SSC classes). A label outside those declared classes is a
/// FormatError naming the sample (one bad label must not size the readout and the confusion
/// matrix: label 65535 would make 65,536 classes).
std::pair<int, std::vector<std::string>> shdClasses(const std::string& file, const std::string& kind)
{
    const ShdContents contents = readShd(file);
    const bool keyed = !contents.keys.empty();
    const int declared = keyed ? int(contents.keys.size()) : (kind == "ssc" ? kSscClasses : kShdClasses);
    int classes = keyed ? declared : 0;
    for (std::size_t i = 0; i < contents.labels.size(); ++i) {
        const int label = contents.labels[i];
        if (label >= declared)
            throw FormatError(file, "dataset /labels",
                              "sample " + std::to_string(i) + " has label " + std::to_string(label) + ", outside the " +
                                  std::to_string(declared) + " classes " +
                                  (keyed ? std::string("of /extra/keys") : "of " + kind + " (no /extra/keys)") +
                                  " (labels are 0.." + std::to_string(declared - 1) + ")");
        classes = std::max(classes, label + 1);
    }
    return {classes, contents.keys};
}

/// One group per sample of an SHD/SSC file, read whole on first use: only when the cache cannot
/// serve the split, or for raw access. `release` frees the spikes after a fill.
struct ShdLoader {
    EventDataset::GroupLoader loader;
    std::function<void()> release;
};

ShdLoader shdLoader(const std::string& file, int classes)
{
    auto contents = std::make_shared<std::optional<ShdContents>>();
    auto lock = std::make_shared<std::mutex>();
    EventDataset::GroupLoader loader = [file, contents, lock, classes](std::size_t i) {
        std::lock_guard guard(*lock);
        if (!*contents)
            *contents = readShd(file);
        std::vector<Loaded> out(1);
        out[0].events = (*contents)->samples.at(i);
        out[0].label = (*contents)->labels.at(i);
        if (out[0].label >= classes)
            throw FormatError(file, "dataset /labels",
                              "sample " + std::to_string(i) + " has label " + std::to_string(out[0].label) +
                                  ", outside the " + std::to_string(classes) + " classes of the training file");
        return out;
    };
    return {loader, [contents, lock] {
                std::lock_guard guard(*lock);
                contents->reset();
            }};
}

template <typename Entry>
std::string filesIdentity(const std::vector<Entry>& entries, const std::string& extra)
{
    std::vector<std::string> files;
    for (const auto& e : entries)
        files.push_back(e.file);
    return sourceIdentity(files) + extra;
}

} // namespace

std::unique_ptr<EventDataset> openNmnistDataset(const std::string& root, bool firstSaccadeOnly,
                                                const EventPipeline& pipeline, const std::string& cacheDir)
{
    auto data = std::make_unique<EventDataset>("N-MNIST", kNmnistSensor, kNmnistClasses, std::vector<std::string>{}, pipeline,
                                               false);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<NmnistEntry>>(scanNmnist(root, split == Split::Train));
        auto read = [firstSaccadeOnly](const std::string& file) {
            Events events = readNmnistFile(file);
            return firstSaccadeOnly ? firstSaccade(events) : events;
        };
        data->fill(split, entries->size(), perFile(entries, read), true, cacheDir,
                   filesIdentity(*entries, firstSaccadeOnly ? " first saccade" : " all saccades"));
    }
    return data;
}

std::unique_ptr<EventDataset> openShdDataset(const std::string& kind, const std::string& folder,
                                             const EventPipeline& pipeline, bool dropLast, const std::string& cacheDir)
{
    const std::string display = kind == "ssc" ? "SSC" : "SHD";
    std::unique_ptr<EventDataset> data;
    for (const Split split : {Split::Train, Split::Test}) {
        const std::string file = (fs::path(folder) / (kind + (split == Split::Train ? "_train.h5" : "_test.h5"))).string();
        if (!fs::exists(file))
            throw IoError("cannot read " + file + ": no such file (dataset.path must be the folder holding " + kind +
                          "_train.h5 and " + kind + "_test.h5, decompressed, or one such file)");
        if (!data) {
            // Class names and count from the training file's keys (and labels, if keys are absent).
            auto [classes, names] = shdClasses(file, kind);
            data = std::make_unique<EventDataset>(display, kShdSensor, classes, names, pipeline, dropLast);
        }
        const ShdLoader shd = shdLoader(file, data->classes());
        data->fill(split, shdSampleCount(file), shd.loader, true, cacheDir, sourceIdentity({file}));
        shd.release();
    }
    return data;
}

std::unique_ptr<EventDataset> openDvsGestureDataset(const std::string& root, std::int64_t trainSlice_us,
                                                    const EventPipeline& pipeline, const std::string& cacheDir)
{
    std::vector<std::string> names(kDvsGestureClassNames.begin(), kDvsGestureClassNames.end());
    auto data = std::make_unique<EventDataset>("DVS128 Gesture", kDvsGestureSensor, kDvsGestureClasses, names,
                                               pipeline, false);
    const bool npy = fs::is_directory(fs::path(root) / "ibmGestureTrain");
    for (const Split split : {Split::Train, Split::Test}) {
        const bool train = split == Split::Train;
        const std::int64_t slice = train ? trainSlice_us : 0;
        auto cut = [slice](Events events, int label, std::vector<Loaded>& out) {
            appendTrial(std::move(events), label, slice, out);
        };
        const std::string extra = " slice " + std::to_string(slice);
        if (npy) {
            auto entries = std::make_shared<std::vector<GestureNpySample>>(scanGestureNpy(root, train));
            EventDataset::GroupLoader loader = [entries, cut](std::size_t i) {
                std::vector<Loaded> out;
                cut(readGestureNpy((*entries)[i].file), (*entries)[i].label, out);
                return out;
            };
            data->fill(split, entries->size(), loader, true, cacheDir, filesIdentity(*entries, extra + " npy"));
            continue;
        }
        auto recordings = std::make_shared<std::vector<GestureRecording>>(scanDvsGesture(root, train));
        EventDataset::GroupLoader loader = [recordings, cut](std::size_t i) {
            const GestureRecording& r = (*recordings)[i];
            std::vector<Loaded> out;
            for (auto& [events, label] : cutTrials(readAedat31(r.aedat), readGestureLabels(r.labels)))
                cut(std::move(events), label, out);
            return out;
        };
        std::vector<std::string> files;
        for (const auto& r : *recordings) {
            files.push_back(r.aedat);
            files.push_back(r.labels);
        }
        data->fill(split, recordings->size(), loader, true, cacheDir, sourceIdentity(files) + extra);
    }
    return data;
}

std::unique_ptr<EventDataset> openCifar10DvsDataset(const std::string& root, DvsAddressConvention convention,
                                                    const EventPipeline& pipeline, bool dropLast,
                                                    const std::string& cacheDir)
{
    std::vector<std::string> names(kCifar10DvsClasses.begin(), kCifar10DvsClasses.end());
    auto data = std::make_unique<EventDataset>("CIFAR10-DVS", kCifar10DvsSensor, kCifar10DvsClassCount, names,
                                               pipeline, dropLast);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<CifarEntry>>(scanCifar10Dvs(root, split == Split::Train));
        auto read = [convention](const std::string& file) { return readAedat2(file, convention); };
        data->fill(split, entries->size(), perFile(entries, read), true, cacheDir,
                   filesIdentity(*entries, " convention " + std::to_string(int(convention))));
    }
    return data;
}

std::unique_ptr<EventDataset> openGscDataset(const std::string& root, const std::string& cacheDir)
{
    const GscSplit scan = scanGsc(root);
    auto data = std::make_unique<EventDataset>("Speech Commands", kGscSensor,
                                               int(scan.classes.size()), scan.classes, EventPipeline{}, false);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<GscEntry>>(split == Split::Train ? scan.train : scan.test);
        EventDataset::GroupLoader loader = [entries](std::size_t i) {
            const GscEntry& e = (*entries)[i];
            int rate = 0;
            const std::vector<float> audio = readWav(e.file, &rate);
            std::vector<Loaded> out(1);
            out[0].label = e.label;
            out[0].ready = gscFeatures(audio, e.label);
            out[0].duration_s = double(audio.size()) / kGscSampleRate;
            return out;
        };
        data->fill(split, entries->size(), loader, true, cacheDir, filesIdentity(*entries, " gsc features"));
    }
    return data;
}

namespace {

/// One file as the samples of one split, with what the dataset around it needs to know.
struct FileSource {
    std::string display;
    SensorSize sensor{};
    int classes = 0;
    std::vector<std::string> names;
    EventPipeline pipeline;        ///< the caller's, or none for ready features (GSC)
    std::size_t groups = 1;
    EventDataset::GroupLoader loader;
    std::function<void()> release = [] {};
    std::vector<std::string> files;  ///< what the cache identity covers
    std::string extra;               ///< reader options in the cache identity
    std::string note;
};

std::vector<Loaded> one(Events events, int label)
{
    std::vector<Loaded> out(1);
    out[0].events = std::move(events);
    out[0].label = label;
    return out;
}

/// The index of `name` in `names`, or kUnlabelled.
template <typename Names>
int indexOf(const Names& names, const std::string& name)
{
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name)
            return int(i);
    return kUnlabelled;
}

FileSource fileSource(const std::string& kind, const std::string& file, const EventPipeline& pipeline,
                      const FileDatasetOptions& o, std::int64_t slice_us)
{
    const fs::path p(file);
    const std::string folder = p.parent_path().filename().string();
    FileSource s;
    s.pipeline = pipeline;
    s.files = {file};
    auto unlabelled = [&](const std::string& why) {
        s.note = file + ": " + why + ", so it is unlabelled (dataset info and frames show it; train refuses it)";
        return kUnlabelled;
    };
    const FileFormat format = detectDatasetPath(file).format;
    if (kind == "shd" || kind == "ssc") {
        s.display = kind == "ssc" ? "SSC" : "SHD";
        s.sensor = kShdSensor;
        std::tie(s.classes, s.names) = shdClasses(file, kind);
        s.groups = shdSampleCount(file);
        const ShdLoader shd = shdLoader(file, s.classes);
        s.loader = shd.loader;
        s.release = shd.release;
    } else if (kind == "nmnist") {
        s.display = "N-MNIST";
        s.sensor = kNmnistSensor;
        s.classes = kNmnistClasses;
        const int label = folder.size() == 1 && folder[0] >= '0' && folder[0] <= '9'
                              ? folder[0] - '0'
                              : unlabelled("not inside a digit folder 0..9 (an N-MNIST sample's label is its folder)");
        const bool first = o.first_saccade_only;
        s.loader = [file, label, first](std::size_t) {
            Events events = readNmnistFile(file);
            return one(first ? firstSaccade(events) : std::move(events), label);
        };
        s.extra = first ? " first saccade" : " all saccades";
    } else if (kind == "dvsgesture") {
        s.display = "DVS128 Gesture";
        s.sensor = kDvsGestureSensor;
        s.classes = kDvsGestureClasses;
        s.names.assign(kDvsGestureClassNames.begin(), kDvsGestureClassNames.end());
        s.extra = " slice " + std::to_string(slice_us);
        if (format == FileFormat::Npy) {
            const std::string stem = p.stem().string();
            int label = kUnlabelled;
            for (int c = 0; c < kDvsGestureClasses; ++c)
                if (stem == std::to_string(c))
                    label = c;
            if (label == kUnlabelled)
                unlabelled("its name is not a class 0..10 (a tonic trial's label is its file name)");
            s.loader = [file, label, slice_us](std::size_t) {
                std::vector<Loaded> out;
                appendTrial(readGestureNpy(file), label, slice_us, out);
                return out;
            };
            s.extra += " npy";
        } else {
            const std::string labels = (p.parent_path() / (p.stem().string() + "_labels.csv")).string();
            if (fs::exists(labels)) {
                s.files.push_back(labels);
                s.note = file + ": trials cut by " + labels;
                s.loader = [file, labels, slice_us](std::size_t) {
                    std::vector<Loaded> out;
                    for (auto& [events, label] : cutTrials(readAedat31(file), readGestureLabels(labels)))
                        appendTrial(std::move(events), label, slice_us, out);
                    return out;
                };
            } else {
                unlabelled("no " + p.stem().string() + "_labels.csv beside it to cut its trials: the whole "
                           "recording is one sample");
                s.loader = [file](std::size_t) { return one(readAedat31(file), kUnlabelled); };
            }
        }
    } else if (kind == "cifar10dvs") {
        s.display = "CIFAR10-DVS";
        s.sensor = kCifar10DvsSensor;
        s.classes = kCifar10DvsClassCount;
        s.names.assign(kCifar10DvsClasses.begin(), kCifar10DvsClasses.end());
        int label = indexOf(kCifar10DvsClasses, folder);
        if (label == kUnlabelled)
            unlabelled("not inside a class folder airplane ... truck (a recording's label is its folder)");
        const DvsAddressConvention convention = o.convention;
        s.loader = [file, label, convention](std::size_t) { return one(readAedat2(file, convention), label); };
        s.extra = " convention " + std::to_string(int(convention));
    } else if (kind == "gsc") {
        s.display = "Speech Commands";
        s.sensor = kGscSensor;
        s.pipeline = EventPipeline{};
        const fs::path root = p.parent_path().parent_path();
        std::error_code ec;
        int label = kUnlabelled;
        if (!root.empty() && (fs::exists(root / "testing_list.txt", ec) || fs::exists(root / "validation_list.txt", ec))) {
            s.names = gscClasses(root.string());
            s.classes = int(s.names.size());
            label = indexOf(s.names, folder);
            if (label == kUnlabelled)
                unlabelled("its folder is not a word folder of the Speech Commands tree " + root.string());
        } else {
            unlabelled("not inside a Speech Commands tree (a word folder of a folder holding testing_list.txt), "
                       "so neither its class nor the class list is known");
        }
        s.loader = [file, label](std::size_t) {
            int rate = 0;
            const std::vector<float> audio = readWav(file, &rate);
            std::vector<Loaded> out(1);
            out[0].label = label;
            out[0].ready = gscFeatures(audio, label);
            out[0].duration_s = double(audio.size()) / kGscSampleRate;
            return out;
        };
        s.extra = " gsc features";
    } else {
        throw ConfigError("dataset.kind '" + kind + "' has no single-file reader");
    }
    return s;
}

} // namespace

std::unique_ptr<EventDataset> openFileDataset(const std::string& kind, const std::string& file,
                                              const std::string& testFile, const EventPipeline& pipeline,
                                              const FileDatasetOptions& options, const std::string& cacheDir)
{
    const bool single = testFile.empty();
    FileSource train = fileSource(kind, file, pipeline, options, single ? 0 : options.train_slice_us);
    auto data = std::make_unique<EventDataset>(train.display, train.sensor, train.classes, train.names, train.pipeline,
                                               options.drop_last);
    data->setSingleSplit(single);
    auto fill = [&](Split split, FileSource& source) {
        if (!source.note.empty())
            data->addNote(source.note);
        data->fill(split, source.groups, source.loader, true, cacheDir, sourceIdentity(source.files) + source.extra);
        source.release();
    };
    fill(Split::Train, train);
    if (!single) {
        FileSource test = fileSource(kind, testFile, pipeline, options, 0);
        fill(Split::Test, test);
    }
    return data;
}

} // namespace tp
