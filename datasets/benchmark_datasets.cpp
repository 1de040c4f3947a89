#include "benchmark_datasets.h"

#include <filesystem>
#include <mutex>
#include <optional>

#include "core/errors.h"
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
    auto data = std::make_unique<EventDataset>("N-MNIST", kNmnistSensor, 10, std::vector<std::string>{}, pipeline,
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
                          "_train.h5 and " + kind + "_test.h5, decompressed)");
        if (!data) {
            // Class names and count from the training file's keys (and labels, if keys are absent).
            const ShdContents train = readShd(file);
            int classes = int(train.keys.size());
            for (auto label : train.labels)
                classes = std::max(classes, label + 1);
            data = std::make_unique<EventDataset>(display, SensorSize{700, 1, 1}, classes, train.keys, pipeline,
                                                  dropLast);
        }
        // The file is read only when the cache cannot serve the split (or for raw access).
        auto contents = std::make_shared<std::optional<ShdContents>>();
        auto lock = std::make_shared<std::mutex>();
        EventDataset::GroupLoader loader = [file, contents, lock](std::size_t i) {
            std::lock_guard guard(*lock);
            if (!*contents)
                *contents = readShd(file);
            std::vector<Loaded> out(1);
            out[0].events = (*contents)->samples.at(i);
            out[0].label = (*contents)->labels.at(i);
            return out;
        };
        data->fill(split, shdSampleCount(file), loader, true, cacheDir, sourceIdentity({file}));
        contents->reset();  // free the spikes
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
            if (slice <= 0) {
                out.push_back({std::move(events), label, std::nullopt, -1});
                return;
            }
            for (auto& part : sliceEventsByTime(events, slice))
                out.push_back({std::move(part), label, std::nullopt, -1});
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
    auto data = std::make_unique<EventDataset>("Speech Commands", SensorSize{kGscChannels, 1, 1},
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

} // namespace tp
