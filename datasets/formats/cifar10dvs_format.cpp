// CIFAR10-DVS as a dataset format (format.h): <class>/*.aedat (AEDAT 2.0) in ten class folders, or
// one recording.
#include <filesystem>

#include "cifar10dvs.h"
#include "recorded_format.h"

namespace tp {

namespace {

/// AEDAT 2.0 address conventions by name, in DvsAddressConvention's order (cifar10dvs.h).
constexpr const char* kConventions[] = {"anti_diagonal_mirror", "raw", "mirror_x", "swapped_axes"};
static_assert(int(DvsAddressConvention::SwappedAxes) == 3 && int(kCifar10DvsConvention) == 0);

constexpr ParamSpec kParams[] = {
    kPathParam,
    kTestPathParam,
    kDropLastParam,
    kCacheDirParam,
    kDenoiseParam,
    {.key = "address_convention", .type = ParamType::Choice, .def = "\"anti_diagonal_mirror\"",
     .help = "how the AEDAT 2.0 address bits map to x and y (the recordings are mirrored about the anti-diagonal)",
     .choices = kConventions},
    kCropPaddingParam,
    kRandomFlipParam,
};

DvsAddressConvention addressConvention(const DatasetSpec& spec)
{
    const std::string name = spec.params.value("address_convention", std::string(kConventions[0]));
    return DvsAddressConvention(indexOf(std::span(kConventions), name));  // a valid spec names one of them
}

std::string extra(DvsAddressConvention convention) { return " convention " + std::to_string(int(convention)); }

FileSource fileSource(const DatasetSpec& spec, const std::string& file, const FileType&, FileRole)
{
    FileSource s;
    s.display = "CIFAR10-DVS";
    s.sensor = kCifar10DvsSensor;
    s.classes = kCifar10DvsClassCount;
    s.names.assign(kCifar10DvsClasses.begin(), kCifar10DvsClasses.end());
    s.pipeline = eventPipeline(spec);
    s.files = {file};
    int label = indexOf(kCifar10DvsClasses, std::filesystem::path(file).parent_path().filename().string());
    if (label == kUnlabelled)
        unlabelled(s, file, "not inside a class folder airplane ... truck (a recording's label is its folder)");
    const DvsAddressConvention convention = addressConvention(spec);
    s.loader = [file, label, convention](std::size_t) { return oneSample(readAedat2(file, convention), label); };
    s.extra = extra(convention);
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const DvsAddressConvention convention = addressConvention(spec);
    std::vector<std::string> names(kCifar10DvsClasses.begin(), kCifar10DvsClasses.end());
    auto data = std::make_unique<EventDataset>("CIFAR10-DVS", kCifar10DvsSensor, kCifar10DvsClassCount, names,
                                               eventPipeline(spec), spec.params.value("drop_last", false));
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<CifarEntry>>(scanCifar10Dvs(source.path, split == Split::Train));
        auto read = [convention](const std::string& file) { return readAedat2(file, convention); };
        data->fill(split, entries->size(), perFile(entries, read), true, source.cache_dir,
                   filesIdentity(*entries, extra(convention)));
    }
    return data;
}

std::optional<FileType> detect(const PathProbe& p)
{
    if (p.folder)
        return p.hasFolder("airplane") ? std::optional<FileType>("") : std::nullopt;
    return p.startsWith("#!AER-DAT2.0") ? std::optional<FileType>("aedat2") : std::nullopt;
}

} // namespace

extern const DatasetFormat kCifar10DvsFormat{
    .kind = "cifar10dvs",
    .display = "CIFAR10-DVS",
    .description = "the ten CIFAR-10 classes as moving images recorded by a DVS128 camera (Li et al. 2017), 128x128x2",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"n_time_bins": 10, "resize": [48, 48]})",  // the reference's bilinear 128 -> 48
    .check = checkFrameMode,
    .shape = [](const DatasetSpec& spec) {
        return binnedShape(kCifar10DvsSensor, eventPipeline(spec), kCifar10DvsClassCount);
    },
    .detect = detect,
    .look_for = "a folder with the class folders airplane/ ... truck/, or one AEDAT 2.0 recording (first line "
                "#!AER-DAT2.0; label from its class folder)",
    .open = open,
};

} // namespace tp
