// SHD and SSC as dataset formats (format.h): one HDF5 format, <kind>_train.h5 + <kind>_test.h5 in
// a folder, or one such file.
#include <filesystem>
#include <mutex>
#include <optional>

#include "recorded_format.h"
#include "shd.h"

namespace tp {

namespace {

namespace fs = std::filesystem;

constexpr ParamSpec kParams[] = {kPathParam, kTestPathParam, kCacheDirParam, kDropLastParam};

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

FileSource fileSource(const DatasetSpec& spec, const std::string& file, const FileType&, FileRole)
{
    FileSource s;
    s.display = spec.kind == "ssc" ? "SSC" : "SHD";
    s.sensor = kShdSensor;
    s.pipeline = eventPipeline(spec);
    s.files = {file};
    std::tie(s.classes, s.names) = shdClasses(file, spec.kind);
    s.groups = shdSampleCount(file);
    const ShdLoader shd = shdLoader(file, s.classes);
    s.loader = shd.loader;
    s.release = shd.release;
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const std::string& kind = spec.kind;
    std::unique_ptr<EventDataset> data;
    for (const Split split : {Split::Train, Split::Test}) {
        const std::string file =
            (fs::path(source.path) / (kind + (split == Split::Train ? "_train.h5" : "_test.h5"))).string();
        if (!fs::exists(file))
            throw IoError("cannot read " + file + ": no such file (dataset.path must be the folder holding " + kind +
                          "_train.h5 and " + kind + "_test.h5, decompressed, or one such file)");
        if (!data) {
            // Class names and count from the training file's keys (and labels, if keys are absent).
            auto [classes, names] = shdClasses(file, kind);
            data = std::make_unique<EventDataset>(kind == "ssc" ? "SSC" : "SHD", kShdSensor, classes, names,
                                                  eventPipeline(spec), spec.params.value("drop_last", false));
        }
        const ShdLoader shd = shdLoader(file, data->classes());
        data->fill(split, shdSampleCount(file), shd.loader, true, source.cache_dir, sourceIdentity({file}));
        shd.release();
    }
    return data;
}

bool hdf5(const PathProbe& p) { return !p.folder && p.startsWith("\x89HDF\r\n\x1a\n"); }

} // namespace

extern const DatasetFormat kShdFormat{
    .kind = "shd",
    .display = "SHD",
    .description = "Spiking Heidelberg Digits: spoken digits 0..9 in English and German through a 700-channel "
                   "cochlea model (Cramer et al. 2020)",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"time_window_us": 10000})",
    .check = checkFrameMode,
    .shape = [](const DatasetSpec& spec) { return binnedShape(kShdSensor, eventPipeline(spec), kShdClasses); },
    .detect = [](const PathProbe& p) -> std::optional<FileType> {
        if (p.folder)
            return p.has("shd_train.h5") ? std::optional<FileType>("") : std::nullopt;
        return hdf5(p) && !p.name.starts_with("ssc") ? std::optional<FileType>("hdf5") : std::nullopt;
    },
    .look_for = "a folder with shd_train.h5 and shd_test.h5 (or ssc_train.h5, ...), or one HDF5 file "
                "(signature \\x89HDF) with /spikes/times, /spikes/units and /labels",
    .family = "shd",
    .open = open,
};

extern const DatasetFormat kSscFormat{
    .kind = "ssc",
    .display = "SSC",
    .description = "Spiking Speech Commands: the 35 words of Speech Commands v2 through the SHD cochlea model "
                   "(Cramer et al. 2020)",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"time_window_us": 10000})",
    .check = checkFrameMode,
    .shape = [](const DatasetSpec& spec) { return binnedShape(kShdSensor, eventPipeline(spec), kSscClasses); },
    .detect = [](const PathProbe& p) -> std::optional<FileType> {
        if (p.folder)
            return p.has("ssc_train.h5") ? std::optional<FileType>("") : std::nullopt;
        return hdf5(p) && p.name.starts_with("ssc") ? std::optional<FileType>("hdf5") : std::nullopt;
    },
    .look_for = "a folder with ssc_train.h5 and ssc_test.h5, or one HDF5 file named ssc* (signature \\x89HDF) with "
                "/spikes/times, /spikes/units and /labels",
    .family = "shd",
    .open = open,
};

} // namespace tp
