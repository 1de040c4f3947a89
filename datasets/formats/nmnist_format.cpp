// N-MNIST as a dataset format (format.h): Train/<digit>/*.bin + Test/<digit>/*.bin, or one .bin file.
#include <filesystem>

#include "nmnist.h"
#include "recorded_format.h"

namespace tp {

namespace {

constexpr ParamSpec kParams[] = {
    kPathParam,
    kTestPathParam,
    kCacheDirParam,
    {.key = "first_saccade_only", .type = ParamType::Bool, .def = "true",
     .help = "keep only the first of the three saccades (t < 100 ms), as tonic's first_saccade_only"},
    kDenoiseParam,
};

Events read(const std::string& file, bool firstSaccadeOnly)
{
    Events events = readNmnistFile(file);
    return firstSaccadeOnly ? firstSaccade(events) : events;
}

std::string extra(bool firstSaccadeOnly) { return firstSaccadeOnly ? " first saccade" : " all saccades"; }

FileSource fileSource(const DatasetSpec& spec, const std::string& file, const FileType&, FileRole)
{
    FileSource s;
    s.display = "N-MNIST";
    s.sensor = kNmnistSensor;
    s.classes = kNmnistClasses;
    s.pipeline = eventPipeline(spec);
    s.files = {file};
    const std::string folder = std::filesystem::path(file).parent_path().filename().string();
    const int label = folder.size() == 1 && folder[0] >= '0' && folder[0] <= '9'
                          ? folder[0] - '0'
                          : unlabelled(s, file, "not inside a digit folder 0..9 (an N-MNIST sample's label is its "
                                                "folder)");
    const bool first = spec.params.value("first_saccade_only", true);
    s.loader = [file, label, first](std::size_t) { return oneSample(read(file, first), label); };
    s.extra = extra(first);
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const bool first = spec.params.value("first_saccade_only", true);
    auto data = std::make_unique<EventDataset>("N-MNIST", kNmnistSensor, kNmnistClasses, std::vector<std::string>{},
                                               eventPipeline(spec), false);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<NmnistEntry>>(scanNmnist(source.path, split == Split::Train));
        data->fill(split, entries->size(), perFile(entries, [first](const std::string& f) { return read(f, first); }),
                   true, source.cache_dir, filesIdentity(*entries, extra(first)));
    }
    return data;
}

std::optional<FileType> detect(const PathProbe& p)
{
    if (p.folder)
        return p.hasFolder("Train") && p.hasFolder("Test") ? std::optional<FileType>("") : std::nullopt;
    return p.name.size() > 4 && p.name.ends_with(".bin") ? std::optional<FileType>("nmnist-bin") : std::nullopt;
}

} // namespace

extern const DatasetFormat kNmnistFormat{
    .kind = "nmnist",
    .display = "N-MNIST",
    .description = "handwritten digits 0..9 seen by an ATIS camera in three saccades (Orchard et al. 2015), 34x34x2",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"time_window_us": 1000})",
    .check = checkFrameMode,
    .shape = [](const DatasetSpec& spec) { return binnedShape(kNmnistSensor, eventPipeline(spec), kNmnistClasses); },
    .detect = detect,
    .look_for = "a folder with Train/ and Test/ (digit folders 0..9 of .bin files), or one .bin file "
                "(5-byte events; label from its digit folder)",
    .open = open,
};

} // namespace tp
