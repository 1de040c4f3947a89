#include "registry.h"

#include <filesystem>

#include "sample_cache.h"

namespace tp {

// The built-in formats, one line each, in the order datasetKinds() lists them (generators first).
extern const DatasetFormat kRandmanFormat;     // generators/randman_format.cpp
extern const DatasetFormat kRecordingsFormat;  // recordings/recordings_format.cpp
extern const DatasetFormat kNmnistFormat;      // formats/nmnist_format.cpp
extern const DatasetFormat kShdFormat;         // formats/shd_format.cpp
extern const DatasetFormat kSscFormat;         // formats/shd_format.cpp
extern const DatasetFormat kDvsGestureFormat;  // formats/dvsgesture_format.cpp
extern const DatasetFormat kCifar10DvsFormat;  // formats/cifar10dvs_format.cpp
extern const DatasetFormat kGscFormat;         // formats/gsc_format.cpp

namespace {

std::vector<const DatasetFormat*>& formatList()
{
    // The user's own recordings come before SHD/SSC: an HDF5 file's first bytes do not tell SHD
    // from x/y/t/p events, so the event-array reader claims .h5 files not named shd*/ssc* (a
    // renamed SHD file still opens with dataset.kind "shd": the experiment's own kind detects first).
    static std::vector<const DatasetFormat*> list{&kRandmanFormat,    &kRecordingsFormat, &kNmnistFormat,
                                                  &kShdFormat,        &kSscFormat,        &kDvsGestureFormat,
                                                  &kCifar10DvsFormat, &kGscFormat};
    return list;
}

[[noreturn]] void fail(const std::string& path, const std::string& message)
{
    throw ConfigError(std::vector<ConfigIssue>{{path, message}});
}

void validate(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    validateDatasetSpec(spec, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));
}

/// Data found to be of `found` is data of `format` (itself, or one of its family).
bool sameData(const std::string& found, const DatasetFormat& format)
{
    const DatasetFormat* f = findDatasetFormat(found);
    return f == &format || (f && *format.family && std::string(format.family) == f->family);
}

/// What `path` holds when it is data of `format`: its own detect() first (a path may suit
/// several formats), then every format. Throws IoError when no format knows the path.
DatasetPath detectFor(const DatasetFormat& format, const std::string& path)
{
    if (const auto own = format.detect(probePath(path)))
        return {format.kind, *own};
    return detectDatasetPath(path);
}

/// The format of a file at dataset.path or dataset.test_path (`key`), which must be the
/// experiment's (or of its family).
FileType fileFormat(const DatasetFormat& format, const std::string& key, const std::string& file)
{
    const DatasetPath found = detectFor(format, file);
    if (!sameData(found.kind, format))
        fail(key, file + " is a " + datasetDisplayName(found.kind) + " file, but dataset.kind is \"" + format.kind +
                      "\"");
    return found.format;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, bool training)
{
    validate(spec);
    const DatasetFormat& format = *findDatasetFormat(spec.kind);
    DatasetSource source;
    source.training = training;
    if (!format.recorded)
        return format.open(spec, source);

    source.path = spec.params.at("path").get<std::string>();
    const std::string& path = source.path;
    if (path.empty())
        fail("dataset.path", "set it to your copy of " + std::string(format.display) +
                                 " (e.g. --set dataset.path=/data/" + spec.kind + ")");
    // Binned samples are cached on disk unless dataset.cache_dir is "" (default: defaultCacheDir()).
    source.cache_dir = spec.params.value("cache_dir", defaultCacheDir());
    source.test_path = spec.params.value("test_path", std::string());
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
        source.format = fileFormat(format, "dataset.path", path);
        if (!source.test_path.empty())
            source.test_format = fileFormat(format, "dataset.test_path", source.test_path);
        return format.open(spec, source);
    }
    if (!source.test_path.empty())
        fail("dataset.test_path", "only for a dataset.path that is one file; " + path +
                                      " is not a file (a dataset folder brings its own test split)");
    if (!std::filesystem::exists(path, ec))
        return format.open(spec, source);  // its reader says what it misses there
    const std::string found = detectFor(format, path).kind;
    if (!sameData(found, format))
        throw IoError(path + " holds " + datasetDisplayName(found) + " data, not " + format.display +
                      ": set dataset.kind to \"" + found + "\" (" + format.display + ": " + format.look_for + ")");
    return format.open(spec, source);
}

} // namespace

const std::vector<const DatasetFormat*>& datasetFormats() { return formatList(); }

const DatasetFormat* findDatasetFormat(const std::string& kind)
{
    for (const DatasetFormat* format : formatList())
        if (kind == format->kind)
            return format;
    return nullptr;
}

void registerDatasetFormat(const DatasetFormat& format)
{
    if (findDatasetFormat(format.kind))
        throw ConfigError(std::string("dataset format \"") + format.kind + "\" is registered already");
    formatList().push_back(&format);
}

std::vector<std::string> datasetKinds()
{
    std::vector<std::string> kinds;
    for (const DatasetFormat* format : formatList())
        kinds.emplace_back(format->kind);
    return kinds;
}

std::string datasetDisplayName(const std::string& kind)
{
    const DatasetFormat* format = findDatasetFormat(kind);
    return format ? format->display : kind;
}

void validateDatasetSpec(const DatasetSpec& spec, std::vector<ConfigIssue>& issues)
{
    const DatasetFormat* format = findDatasetFormat(spec.kind);
    if (!format) {
        std::string known;
        for (const std::string& kind : datasetKinds())
            known += (known.empty() ? "" : ", ") + kind;
        issues.push_back({"dataset.kind", "unknown dataset kind \"" + spec.kind + "\" (known: " + known + ")"});
        return;
    }
    if (format->recorded && spec.params.is_object() && !spec.params.contains("path"))
        issues.push_back({"dataset.path", "missing: set it to your copy of " + std::string(format->display)});
    // "kind" is DatasetSpec::kind; tolerate a parser that leaves it in params as well.
    nlohmann::json params = spec.params;
    if (params.is_object())
        params.erase("kind");
    checkParams(params, "dataset", format->params, issues);
    checkParams(spec.binning, "binning", format->binning, issues);
    if (format->check)
        format->check(spec, issues);
}

std::optional<DatasetShape> nominalDatasetShape(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    validateDatasetSpec(spec, issues);
    if (!issues.empty())
        return std::nullopt;
    const DatasetShape shape = findDatasetFormat(spec.kind)->shape(spec);
    if (shape.input[0] * shape.input[1] * shape.input[2] == 0)
        return std::nullopt;  // known only once the data is read
    return shape;
}

DatasetShape plannedDatasetShape(const DatasetSpec& spec)
{
    validate(spec);
    const DatasetFormat& format = *findDatasetFormat(spec.kind);
    const DatasetShape shape = format.shape(spec);
    const std::string inputs = "give the network's input size with --set network.inputs=N (dense layers)";
    if (shape.input[0] * shape.input[1] * shape.input[2] == 0)
        for (const ParamSpec& param : format.params)
            if (param.type == ParamType::Size2)  // the format's size setting (recordings: sensor_size)
                fail("dataset." + std::string(param.key), std::string("the input shape of ") + format.display +
                                                              " is known only once the files are read: set dataset." +
                                                              param.key + ", or " + inputs);
    const std::string path = format.recorded ? spec.params.value("path", std::string()) : std::string();
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec) ||
        (std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec)))
        return shape;  // the data is not there (yet): the format's shape
    std::string found;
    try {
        found = detectFor(format, path).kind;
    } catch (const InputError& e) {
        fail("dataset.path", std::string("no ") + format.display + " dataset there, so its input shape is not known: " +
                                 inputs + ". " + e.what());
    }
    if (!sameData(found, format))
        fail("dataset.path", path + " holds " + datasetDisplayName(found) + " data, not " + format.display +
                                 ": set dataset.kind to \"" + found + "\", or " + inputs);
    return shape;
}

std::unique_ptr<Dataset> openDataset(const DatasetSpec& spec) { return open(spec, true); }

std::unique_ptr<Dataset> inspectDataset(const DatasetSpec& spec) { return open(spec, false); }

} // namespace tp
