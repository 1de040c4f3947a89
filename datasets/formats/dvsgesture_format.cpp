// DVS128 Gesture as a dataset format (format.h): IBM's AEDAT 3.1 recordings with labels CSVs and
// trials lists, tonic's .npy trials (ibmGestureTrain/ ibmGestureTest/), or one file of either.
#include <filesystem>

#include "dvsgesture.h"
#include "npy.h"
#include "recorded_format.h"

namespace tp {

namespace {

namespace fs = std::filesystem;

constexpr ParamSpec kParams[] = {
    kPathParam,
    kTestPathParam,
    kCacheDirParam,
    kDenoiseParam,
    {.key = "train_slice_us", .type = ParamType::Int, .lo = 0, .hi = 1e12, .def = "0", .unit = "us",
     .help = "cut training trials into slices of this length (SliceByTime; 0 = whole trials); test trials stay whole"},
    kCropPaddingParam,
    kRandomFlipParam,
};

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

/// The trials of a recording cut by its labels CSV, each appended by appendTrial.
std::vector<Loaded> recordingTrials(const std::string& aedat, const std::string& labels, std::int64_t slice_us)
{
    std::vector<Loaded> out;
    for (auto& [events, label] : cutTrials(readAedat31(aedat), readGestureLabels(labels)))
        appendTrial(std::move(events), label, slice_us, out);
    return out;
}

std::vector<Loaded> npyTrial(const std::string& file, int label, std::int64_t slice_us)
{
    std::vector<Loaded> out;
    appendTrial(readGestureNpy(file), label, slice_us, out);
    return out;
}

FileSource fileSource(const DatasetSpec& spec, const std::string& file, const FileType& format, FileRole role)
{
    const std::int64_t slice_us = role == FileRole::Train ? spec.params.value("train_slice_us", std::int64_t(0)) : 0;
    const fs::path p(file);
    FileSource s;
    s.display = "DVS128 Gesture";
    s.sensor = kDvsGestureSensor;
    s.classes = kDvsGestureClasses;
    s.names.assign(kDvsGestureClassNames.begin(), kDvsGestureClassNames.end());
    s.pipeline = eventPipeline(spec);
    s.files = {file};
    s.extra = " slice " + std::to_string(slice_us);
    if (format == "npy") {
        const std::string stem = p.stem().string();
        int label = kUnlabelled;
        for (int c = 0; c < kDvsGestureClasses; ++c)
            if (stem == std::to_string(c))
                label = c;
        if (label == kUnlabelled)
            unlabelled(s, file, "its name is not a class 0..10 (a tonic trial's label is its file name)");
        s.loader = [file, label, slice_us](std::size_t) { return npyTrial(file, label, slice_us); };
        s.extra += " npy";
        return s;
    }
    const std::string labels = (p.parent_path() / (p.stem().string() + "_labels.csv")).string();
    if (fs::exists(labels)) {
        s.files.push_back(labels);
        s.note = file + ": trials cut by " + labels;
        s.loader = [file, labels, slice_us](std::size_t) { return recordingTrials(file, labels, slice_us); };
    } else {
        unlabelled(s, file, "no " + p.stem().string() + "_labels.csv beside it to cut its trials: the whole "
                   "recording is one sample");
        s.loader = [file](std::size_t) { return oneSample(readAedat31(file), kUnlabelled); };
    }
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const std::string& root = source.path;
    std::vector<std::string> names(kDvsGestureClassNames.begin(), kDvsGestureClassNames.end());
    auto data = std::make_unique<EventDataset>("DVS128 Gesture", kDvsGestureSensor, kDvsGestureClasses, names,
                                               eventPipeline(spec), false);
    const bool npy = fs::is_directory(fs::path(root) / "ibmGestureTrain");
    for (const Split split : {Split::Train, Split::Test}) {
        const bool train = split == Split::Train;
        const std::int64_t slice = train ? spec.params.value("train_slice_us", std::int64_t(0)) : 0;
        const std::string extra = " slice " + std::to_string(slice);
        if (npy) {
            auto entries = std::make_shared<std::vector<GestureNpySample>>(scanGestureNpy(root, train));
            EventDataset::GroupLoader loader = [entries, slice](std::size_t i) {
                return npyTrial((*entries)[i].file, (*entries)[i].label, slice);
            };
            data->fill(split, entries->size(), loader, true, source.cache_dir, filesIdentity(*entries, extra + " npy"));
            continue;
        }
        auto recordings = std::make_shared<std::vector<GestureRecording>>(scanDvsGesture(root, train));
        EventDataset::GroupLoader loader = [recordings, slice](std::size_t i) {
            return recordingTrials((*recordings)[i].aedat, (*recordings)[i].labels, slice);
        };
        std::vector<std::string> files;
        for (const auto& r : *recordings) {
            files.push_back(r.aedat);
            files.push_back(r.labels);
        }
        data->fill(split, recordings->size(), loader, true, source.cache_dir, sourceIdentity(files) + extra);
    }
    return data;
}

std::optional<FileType> detect(const PathProbe& p)
{
    if (p.folder)
        return p.has("trials_to_train.txt") || p.hasFolder("ibmGestureTrain") ? std::optional<FileType>("")
                                                                                : std::nullopt;
    if (p.startsWith("#!AER-DAT3.1"))
        return "aedat3.1";
    // A plain (N, 4) array; a structured one (descr a list of fields) is an x/y/t/p event recording.
    if (p.startsWith(kNpyMagic) && npyHeadIsStructured(p.head) != true)
        return "npy";
    return std::nullopt;
}

} // namespace

extern const DatasetFormat kDvsGestureFormat{
    .kind = "dvsgesture",
    .display = "DVS128 Gesture",
    .description = "11 hand and arm gestures of 29 people under five lightings, DVS128 camera (Amir et al. 2017), "
                   "128x128x2",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"time_window_us": 75000, "spatial_factor": 0.25})",
    .check = checkFrameMode,
    .shape = [](const DatasetSpec& spec) {
        return binnedShape(kDvsGestureSensor, eventPipeline(spec), kDvsGestureClasses);
    },
    .detect = detect,
    .look_for = "a folder with trials_to_train.txt or ibmGestureTrain/, or one AEDAT 3.1 recording (first line "
                "#!AER-DAT3.1; trials from <name>_labels.csv beside it), or one tonic .npy trial (\\x93NUMPY, a "
                "plain (N, 4) array; label from its name 0..10)",
    .open = open,
};

} // namespace tp
