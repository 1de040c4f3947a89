#pragma once
/// What the recorded formats (formats/) share: the parameters every reader takes, the event
/// binning section and its pipeline, the shape of binned frames, and one file opened as a
/// dataset (openFileDataset), so that a format's own file holds only what is its own.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event_dataset.h"
#include "format.h"
#include "sample_cache.h"

namespace tp {

inline constexpr ParamSpec kPathParam{
    .key = "path", .type = ParamType::String,
    .help = "the dataset folder, or one file of the format (required; may be empty until the data is there)"};
inline constexpr ParamSpec kTestPathParam{
    .key = "test_path", .type = ParamType::String, .def = "\"\"",
    .help = "with a dataset.path that is one file: a second file of the same format, the test split"};
inline constexpr ParamSpec kCacheDirParam{
    .key = "cache_dir", .type = ParamType::String,
    .help = "folder of the binned-sample cache (default: $TRACEPROP_CACHE or ~/.cache/traceprop; \"\" = no cache)"};
inline constexpr ParamSpec kDenoiseParam{
    .key = "denoise_us", .type = ParamType::Int, .lo = 0, .hi = 1e9, .def = "0", .unit = "us",
    .help = "Denoise: drop events without a neighbour event within this time (0 = off)"};
inline constexpr ParamSpec kDropLastParam{
    .key = "drop_last", .type = ParamType::Bool, .def = "false",
    .help = "drop the last training batch when it is smaller than run.batch"};
inline constexpr ParamSpec kCropPaddingParam{
    .key = "random_crop_padding", .type = ParamType::Int, .lo = 0, .hi = 64, .def = "0", .unit = "px",
    .help = "training only: RandomCrop of the binned frames after this much zero padding (0 = off)"};
inline constexpr ParamSpec kRandomFlipParam{
    .key = "random_flip", .type = ParamType::Bool, .def = "false",
    .help = "training only: flip the binned frames horizontally with probability 1/2"};

/// The "binning" section of event formats: tonic's ToFrame (exactly one of its four modes,
/// checkFrameMode) after an optional Downsample, then an optional frame resize.
inline constexpr ParamSpec kEventBinningParams[] = {
    {.key = "time_window_us", .type = ParamType::Int, .lo = 1, .hi = 1e12, .unit = "us",
     .help = "ToFrame: one frame per time window (one of the four frame modes)"},
    {.key = "event_count", .type = ParamType::Int, .lo = 1, .hi = 1e9, .unit = "events",
     .help = "ToFrame: one frame per this many events (one of the four frame modes)"},
    {.key = "n_time_bins", .type = ParamType::Int, .lo = 1, .hi = 1e6, .unit = "frames",
     .help = "ToFrame: this many frames of equal duration (one of the four frame modes)"},
    {.key = "n_event_bins", .type = ParamType::Int, .lo = 1, .hi = 1e6, .unit = "frames",
     .help = "ToFrame: this many frames of equal event count (one of the four frame modes)"},
    {.key = "overlap", .type = ParamType::Number, .lo = 0, .hi = kNoLimit, .hi_open = true, .def = "0",
     .help = "ToFrame overlap of consecutive frames: us, events, or a fraction in [0, 1) for the n_*_bins modes"},
    {.key = "include_incomplete", .type = ParamType::Bool, .def = "false",
     .help = "ToFrame: keep a last frame shorter than the window or event count"},
    {.key = "spatial_factor", .type = ParamType::Number, .lo = 0, .hi = 1, .lo_open = true, .def = "1",
     .help = "Downsample before binning: x and y times this factor (the sensor shrinks to floor(W * f))"},
    {.key = "resize", .type = ParamType::Size2,
     .help = "bilinear resize (align_corners) of the binned frames to [width, height]"},
};

/// The four frame modes of the binning section (exactly one is set).
inline constexpr const char* kFrameModes[] = {"time_window_us", "event_count", "n_time_bins", "n_event_bins"};

/// DatasetFormat::check of event formats: exactly one frame mode in the binning section.
void checkFrameMode(const DatasetSpec& spec, std::vector<ConfigIssue>& issues);

/// The pipeline of a valid event-format spec: its binning section, dataset.denoise_us,
/// dataset.random_crop_padding and dataset.random_flip.
EventPipeline eventPipeline(const DatasetSpec& spec);

/// The shape of `sensor`'s frames after `pipeline` (binnedSensor, as EventDataset) and `classes`.
DatasetShape binnedShape(const SensorSize& sensor, const EventPipeline& pipeline, int classes);

/// Which split a file opened as a dataset makes.
enum class FileRole {
    All,    ///< the single split "all" (no test file)
    Train,  ///< the training split (a test file is given)
    Test,
};

/// One file as the samples of one split, with what the dataset around it needs to know.
struct FileSource {
    std::string display;
    SensorSize sensor{};
    int classes = 0;
    std::vector<std::string> names;
    EventPipeline pipeline;        ///< eventPipeline(spec), or none for ready features (GSC)
    std::size_t groups = 1;
    EventDataset::GroupLoader loader;
    std::function<void()> release = [] {};
    std::vector<std::string> files;  ///< what the cache identity covers
    std::string extra;               ///< reader options in the cache identity
    std::string note;                ///< for EventDataset::notes() (e.g. why the file is unlabelled)
};

/// A format's reader of one file of a valid spec (`format`: what detect() found it to be).
using FileReader = FileSource (*)(const DatasetSpec& spec, const std::string& file, const FileType& format, FileRole role);

/// The dataset of source.path, one file (and source.test_path, if any): without a test file the
/// file is the single split "all" (EventDataset::singleSplit(), in Split::Train); with one, the
/// training and test splits. Binned with the training file's pipeline, drop_last from
/// dataset.drop_last. For training (source.training) a test file is required and every sample
/// needs a label; ConfigError says so. Throws IoError / FormatError as the reader.
std::unique_ptr<EventDataset> openFileDataset(const DatasetSpec& spec, const DatasetSource& source, FileReader read);

/// A loader of one file per sample: entries hold `file` and `label`.
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

/// The cache identity of entries that each hold a `file`, plus the reader options `extra`.
template <typename Entry>
std::string filesIdentity(const std::vector<Entry>& entries, const std::string& extra)
{
    std::vector<std::string> files;
    for (const auto& e : entries)
        files.push_back(e.file);
    return sourceIdentity(files) + extra;
}

/// One sample of `events`.
std::vector<Loaded> oneSample(Events events, int label);

/// The index of `name` in `names`, or kUnlabelled.
template <typename Names>
int indexOf(const Names& names, const std::string& name)
{
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name)
            return int(i);
    return kUnlabelled;
}

/// Name order with digit runs compared as numbers ("s2" < "s10"); names equal by number fall
/// back to bytes. The order of files in every folder layout.
bool naturalLess(const std::string& l, const std::string& r);

/// A file without a label: sets the source's note saying `why` and returns kUnlabelled.
int unlabelled(FileSource& source, const std::string& file, const std::string& why);

} // namespace tp
