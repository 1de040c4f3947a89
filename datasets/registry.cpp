#include "registry.h"

#include "benchmark_datasets.h"
#include "dataset_path.h"
#include "dvsgesture.h"
#include "gsc.h"
#include "nmnist.h"
#include "sample_cache.h"
#include "shd.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>

namespace tp {

namespace {

struct KindInfo {
    const char* kind;
    const char* display;
    bool fileBacked;
    bool available;      ///< a reader exists in this build
    SensorSize sensor;   ///< what the reader bins on (file-backed kinds)
    int classes;         ///< the format's classes (nominalDatasetShape)
};

constexpr KindInfo kKinds[] = {
    {"randman", "Randman", false, true, {}, 0},
    {"nmnist", "N-MNIST", true, true, kNmnistSensor, kNmnistClasses},
    {"shd", "SHD", true, true, kShdSensor, kShdClasses},
    {"ssc", "SSC", true, true, kShdSensor, kSscClasses},
    {"dvsgesture", "DVS128 Gesture", true, true, kDvsGestureSensor, kDvsGestureClasses},
    {"cifar10dvs", "CIFAR10-DVS", true, true, kCifar10DvsSensor, kCifar10DvsClassCount},
    {"gsc", "Google Speech Commands", true, true, kGscSensor, kGscClasses},
};

const KindInfo* findKind(const std::string& kind)
{
    for (const auto& info : kKinds)
        if (kind == info.kind)
            return &info;
    return nullptr;
}

enum class ValueType { Int, Seed, Number, Bool, String, Size2 };

/// One allowed key of the randman spec. Numbers must lie in (lo, hi) with the ends open or
/// closed as marked; integers in [lo, hi].
struct KeyRule {
    const char* key;
    ValueType type;
    double lo;
    double hi;
    bool loOpen = false;
    bool hiOpen = false;
};

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

const KeyRule kRandmanParamRules[] = {
    {"classes", ValueType::Int, 2, 1000},
    {"units", ValueType::Int, 1, 100000},
    {"dim", ValueType::Int, 1, 8},
    {"alpha", ValueType::Number, 0, kNoLimit, true, true},
    {"spikes", ValueType::Int, 1, 100},
    {"samples_per_class", ValueType::Int, 2, 1000000},
    {"train_fraction", ValueType::Number, 0, 1, true, true},
    {"seed", ValueType::Seed, 0, 0},
    {"shuffle", ValueType::Bool, 0, 0},
};

const KeyRule kNmnistParamRules[] = {
    {"path", ValueType::String, 0, 0},
    {"test_path", ValueType::String, 0, 0},
    {"cache_dir", ValueType::String, 0, 0},
    {"first_saccade_only", ValueType::Bool, 0, 0},
    {"denoise_us", ValueType::Int, 0, 1e9},
};

const KeyRule kShdParamRules[] = {
    {"path", ValueType::String, 0, 0},
    {"test_path", ValueType::String, 0, 0},
    {"cache_dir", ValueType::String, 0, 0},
    {"drop_last", ValueType::Bool, 0, 0},
};

const KeyRule kDvsGestureParamRules[] = {
    {"path", ValueType::String, 0, 0},
    {"test_path", ValueType::String, 0, 0},
    {"cache_dir", ValueType::String, 0, 0},
    {"denoise_us", ValueType::Int, 0, 1e9},
    {"train_slice_us", ValueType::Int, 0, 1e12},
    {"random_crop_padding", ValueType::Int, 0, 64},
    {"random_flip", ValueType::Bool, 0, 0},
};

const KeyRule kCifarParamRules[] = {
    {"path", ValueType::String, 0, 0},
    {"test_path", ValueType::String, 0, 0},
    {"drop_last", ValueType::Bool, 0, 0},
    {"cache_dir", ValueType::String, 0, 0},
    {"denoise_us", ValueType::Int, 0, 1e9},
    {"address_convention", ValueType::String, 0, 0},
    {"random_crop_padding", ValueType::Int, 0, 64},
    {"random_flip", ValueType::Bool, 0, 0},
};

const KeyRule kGscParamRules[] = {
    {"path", ValueType::String, 0, 0},
    {"test_path", ValueType::String, 0, 0},
    {"cache_dir", ValueType::String, 0, 0},
};

/// AEDAT 2.0 address conventions by name (cifar10dvs.h).
const std::pair<const char*, DvsAddressConvention> kConventions[] = {
    {"anti_diagonal_mirror", DvsAddressConvention::AntiDiagonalMirror},
    {"raw", DvsAddressConvention::Raw},
    {"mirror_x", DvsAddressConvention::MirrorX},
    {"swapped_axes", DvsAddressConvention::SwappedAxes},
};

/// Binning of event datasets: tonic's ToFrame (one of the four modes) after an optional Downsample.
const KeyRule kEventBinningRules[] = {
    {"time_window_us", ValueType::Int, 1, 1e12},
    {"event_count", ValueType::Int, 1, 1e9},
    {"n_time_bins", ValueType::Int, 1, 1e6},
    {"n_event_bins", ValueType::Int, 1, 1e6},
    {"overlap", ValueType::Number, 0, kNoLimit, false, true},
    {"include_incomplete", ValueType::Bool, 0, 0},
    {"spatial_factor", ValueType::Number, 0, 1, true, false},
    {"resize", ValueType::Size2, 0, 0},
};
constexpr const char* kFrameModes[] = {"time_window_us", "event_count", "n_time_bins", "n_event_bins"};

const KeyRule kRandmanBinningRules[] = {
    {"steps", ValueType::Int, 1, 100000},
    {"step_frac", ValueType::Number, 0, 1, true, false},
    {"offset_frac", ValueType::Number, 0, 1, false, true},
};

std::string describe(const nlohmann::json& value)
{
    if (value.is_number_float())
        return "the number " + value.dump();
    if (value.is_number_integer())
        return "the integer " + value.dump();
    if (value.is_string())
        return "a string";
    if (value.is_boolean())
        return "a boolean";
    if (value.is_null())
        return "null";
    if (value.is_array())
        return "an array";
    return "an object";
}

std::string formatLimit(double x)
{
    if (x == std::floor(x) && std::abs(x) < 1e15)
        return std::to_string(static_cast<long long>(x));
    nlohmann::json j = x;
    return j.dump();
}

std::string intervalText(const KeyRule& rule)
{
    if (rule.hi == kNoLimit)
        return std::string(rule.loOpen ? "> " : ">= ") + formatLimit(rule.lo);
    return std::string(rule.loOpen ? "(" : "[") + formatLimit(rule.lo) + ", " + formatLimit(rule.hi)
           + (rule.hiOpen ? ")" : "]");
}

std::string knownKeys(std::span<const KeyRule> rules)
{
    std::string text;
    for (const auto& rule : rules)
        text += (text.empty() ? "" : ", ") + std::string(rule.key);
    return text;
}

/// Checks one value against its rule; appends at most one issue.
void checkValue(const KeyRule& rule, const nlohmann::json& value, const std::string& path,
                std::vector<ConfigIssue>& issues)
{
    switch (rule.type) {
    case ValueType::Size2: {
        const bool ok = value.is_array() && value.size() == 2 && value[0].is_number_integer() &&
                        value[1].is_number_integer() && value[0].get<std::int64_t>() >= 1 &&
                        value[1].get<std::int64_t>() >= 1 && value[0].get<std::int64_t>() <= 4096 &&
                        value[1].get<std::int64_t>() <= 4096;
        if (!ok)
            issues.push_back({path, "expected [width, height], integers in 1..4096, got " + value.dump()});
        return;
    }
    case ValueType::String:
        if (!value.is_string())
            issues.push_back({path, "expected a string, got " + describe(value)});
        return;
    case ValueType::Bool:
        if (!value.is_boolean())
            issues.push_back({path, "expected a boolean (true or false), got " + describe(value)});
        return;
    case ValueType::Seed:
        if (!value.is_number_integer())
            issues.push_back({path, "expected a non-negative integer, got " + describe(value)});
        else if (!value.is_number_unsigned() && value.get<std::int64_t>() < 0)
            issues.push_back({path, "must be a non-negative integer (got " + value.dump() + ")"});
        return;
    case ValueType::Int: {
        if (!value.is_number_integer()) {
            issues.push_back({path, "expected an integer, got " + describe(value)});
            return;
        }
        const bool tooBig = value.is_number_unsigned()
                            && value.get<std::uint64_t>() > std::uint64_t(rule.hi);
        const bool outside = tooBig || value.get<std::int64_t>() < std::int64_t(rule.lo)
                             || value.get<std::int64_t>() > std::int64_t(rule.hi);
        if (outside)
            issues.push_back({path, "must be an integer in " + intervalText(rule) + " (got "
                                        + value.dump() + ")"});
        return;
    }
    case ValueType::Number: {
        if (!value.is_number()) {
            issues.push_back({path, "expected a number, got " + describe(value)});
            return;
        }
        const double x = value.get<double>();
        const bool aboveLo = rule.loOpen ? x > rule.lo : x >= rule.lo;
        const bool belowHi = rule.hi == kNoLimit ? std::isfinite(x) : (rule.hiOpen ? x < rule.hi : x <= rule.hi);
        if (!(aboveLo && belowHi))
            issues.push_back({path, "must be " + std::string(rule.hi == kNoLimit ? "" : "in ")
                                        + intervalText(rule) + " (got " + value.dump() + ")"});
        return;
    }
    }
}

/// Checks every key of `object` (the JSON at `section`) against `rules`.
void checkObject(const nlohmann::json& object, const std::string& section,
                 std::span<const KeyRule> rules, std::vector<ConfigIssue>& issues)
{
    if (!object.is_object()) {
        issues.push_back({section, "expected an object, got " + describe(object)});
        return;
    }
    for (const auto& [key, value] : object.items()) {
        // "kind" is DatasetSpec::kind; tolerate a parser that leaves it in params as well.
        if (section == "dataset" && key == "kind")
            continue;
        const std::string path = section + "." + key;
        const auto rule = std::find_if(rules.begin(), rules.end(),
                                       [&k = key](const KeyRule& r) { return k == r.key; });
        if (rule == rules.end())
            issues.push_back({path, "unknown key (known: " + knownKeys(rules) + ")"});
        else
            checkValue(*rule, value, path, issues);
    }
}

void checkFileBacked(const DatasetSpec& spec, const KindInfo& info, std::vector<ConfigIssue>& issues)
{
    if (!spec.params.is_object()) {
        issues.push_back({"dataset", "expected an object, got " + describe(spec.params)});
        return;
    }
    const auto path = spec.params.find("path");
    if (path == spec.params.end())
        issues.push_back({"dataset.path", "missing: set it to your copy of " + std::string(info.display)});
    else if (!path->is_string())
        issues.push_back({"dataset.path", "expected a string, got " + describe(*path)});
    if (!spec.binning.is_object()) {
        issues.push_back({"binning", "expected an object, got " + describe(spec.binning)});
        return;
    }
    if (!info.available)
        return;  // keys of readers that come later are left to them
    const std::string kind = info.kind;
    if (kind == "gsc") {  // fixed log-mel features: no binning
        checkObject(spec.params, "dataset", kGscParamRules, issues);
        checkObject(spec.binning, "binning", {}, issues);
        return;
    }
    if (kind == "nmnist")
        checkObject(spec.params, "dataset", kNmnistParamRules, issues);
    else if (kind == "dvsgesture")
        checkObject(spec.params, "dataset", kDvsGestureParamRules, issues);
    else if (kind == "cifar10dvs")
        checkObject(spec.params, "dataset", kCifarParamRules, issues);
    else
        checkObject(spec.params, "dataset", kShdParamRules, issues);
    if (const auto c = spec.params.find("address_convention"); c != spec.params.end() && c->is_string()) {
        bool known = false;
        std::string names;
        for (const auto& [name, value] : kConventions) {
            known = known || *c == name;
            names += (names.empty() ? "" : ", ") + std::string(name);
        }
        if (!known)
            issues.push_back({"dataset.address_convention", "unknown convention (known: " + names + ")"});
    }
    checkObject(spec.binning, "binning", kEventBinningRules, issues);
    int modes = 0;
    for (const char* mode : kFrameModes)
        modes += spec.binning.contains(mode);
    if (modes != 1)
        issues.push_back({"binning", std::string(modes ? "set only one" : "set one") +
                                         " of time_window_us, event_count, n_time_bins, n_event_bins"});
}

/// Data detectDatasetPath finds to be `found` is data of `kind` (SHD and SSC are one format).
bool sameFormat(const std::string& found, const std::string& kind)
{
    auto hdf5 = [](const std::string& k) { return k == "shd" || k == "ssc"; };
    return found == kind || (hdf5(found) && hdf5(kind));
}

/// The binning pipeline of a valid event-dataset spec.
EventPipeline eventPipeline(const DatasetSpec& spec)
{
    const auto& b = spec.binning;
    EventPipeline pipe;
    pipe.denoise_us = spec.params.value("denoise_us", std::int64_t(0));
    pipe.spatial_factor = b.value("spatial_factor", 1.0);
    if (b.contains("resize")) {
        pipe.resize_width = b["resize"][0].get<int>();
        pipe.resize_height = b["resize"][1].get<int>();
    }
    pipe.crop_padding = spec.params.value("random_crop_padding", 0);
    pipe.random_flip = spec.params.value("random_flip", false);
    ToFrameParams& f = pipe.frame;
    if (b.contains("time_window_us"))
        f.time_window = b["time_window_us"].get<std::int64_t>();
    if (b.contains("event_count"))
        f.event_count = b["event_count"].get<std::int64_t>();
    if (b.contains("n_time_bins"))
        f.n_time_bins = b["n_time_bins"].get<int>();
    if (b.contains("n_event_bins"))
        f.n_event_bins = b["n_event_bins"].get<int>();
    f.overlap = b.value("overlap", 0.0);
    f.include_incomplete = b.value("include_incomplete", false);
    return pipe;
}

} // namespace

std::vector<std::string> datasetKinds()
{
    std::vector<std::string> kinds;
    for (const auto& info : kKinds)
        kinds.emplace_back(info.kind);
    return kinds;
}

std::string datasetDisplayName(const std::string& kind)
{
    const KindInfo* info = findKind(kind);
    return info ? info->display : kind;
}

void validateDatasetSpec(const DatasetSpec& spec, std::vector<ConfigIssue>& issues)
{
    const KindInfo* info = findKind(spec.kind);
    if (!info) {
        std::string known;
        for (const auto& kind : kKinds)
            known += (known.empty() ? "" : ", ") + std::string(kind.kind);
        issues.push_back({"dataset.kind", "unknown dataset kind \"" + spec.kind + "\" (known: " + known + ")"});
        return;
    }
    if (info->fileBacked) {
        checkFileBacked(spec, *info, issues);
        return;
    }
    checkObject(spec.params, "dataset", kRandmanParamRules, issues);
    checkObject(spec.binning, "binning", kRandmanBinningRules, issues);
}

RandmanParams randmanParams(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    if (spec.kind != "randman")
        issues.push_back({"dataset.kind", "expected \"randman\", got \"" + spec.kind + "\""});
    else
        validateDatasetSpec(spec, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));

    RandmanParams params;
    const auto& p = spec.params;
    const auto& b = spec.binning;
    params.classes = p.value("classes", params.classes);
    params.units = p.value("units", params.units);
    params.dim = p.value("dim", params.dim);
    params.alpha = p.value("alpha", params.alpha);
    params.spikes = p.value("spikes", params.spikes);
    params.samples_per_class = p.value("samples_per_class", params.samples_per_class);
    params.train_fraction = p.value("train_fraction", params.train_fraction);
    params.seed = p.value("seed", params.seed);
    params.shuffle = p.value("shuffle", params.shuffle);
    params.steps = b.value("steps", params.steps);
    params.step_frac = b.value("step_frac", params.step_frac);
    params.offset_frac = b.value("offset_frac", params.offset_frac);
    return params;
}

std::optional<DatasetShape> nominalDatasetShape(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    validateDatasetSpec(spec, issues);
    if (!issues.empty())
        return std::nullopt;
    const KindInfo& info = *findKind(spec.kind);
    if (!info.fileBacked) {
        const RandmanParams p = randmanParams(spec);
        return DatasetShape{{p.units, 1, 1}, p.classes};
    }
    const EventPipeline pipeline = spec.kind == "gsc" ? EventPipeline{} : eventPipeline(spec);
    return DatasetShape{frameShape(binnedSensor(info.sensor, pipeline)), info.classes};
}

DatasetShape plannedDatasetShape(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    validateDatasetSpec(spec, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));
    const DatasetShape shape = *nominalDatasetShape(spec);
    const KindInfo& info = *findKind(spec.kind);
    const std::string path = info.fileBacked ? spec.params.value("path", std::string()) : std::string();
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec) ||
        (std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec)))
        return shape;  // the data is not there (yet): the format's shape
    const std::string inputs = "give the network's input size with --set network.inputs=N (dense layers)";
    std::string found;
    try {
        found = detectDatasetPath(path).kind;
    } catch (const InputError& e) {
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.path", std::string("no ") + info.display + " dataset there, so its input shape is not known: " +
                                 inputs + ". " + e.what()}});
    }
    if (!sameFormat(found, spec.kind))
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.path", path + " holds " + datasetDisplayName(found) + " data, not " + info.display +
                                 ": set dataset.kind to \"" + found + "\", or " + inputs}});
    return shape;
}

namespace {

DvsAddressConvention addressConvention(const DatasetSpec& spec)
{
    for (const auto& [name, value] : kConventions)
        if (spec.params.value("address_convention", std::string()) == name)
            return value;
    return kCifar10DvsConvention;
}

/// A file's kind must be the experiment's (SHD and SSC files are the same format).
void checkFileKind(const DatasetSpec& spec, const std::string& key, const std::string& file)
{
    const std::string found = detectDatasetPath(file).kind;
    if (!sameFormat(found, spec.kind))
        throw ConfigError(std::vector<ConfigIssue>{
            {key, file + " is a " + datasetDisplayName(found) + " file, but dataset.kind is \"" + spec.kind + "\""}});
}

/// One file (and an optional test file) as a dataset; for training, both splits and labels.
std::unique_ptr<Dataset> openFiles(const DatasetSpec& spec, const std::string& path, const std::string& cacheDir,
                                   bool training)
{
    const std::string testPath = spec.params.value("test_path", std::string());
    checkFileKind(spec, "dataset.path", path);
    if (!testPath.empty())
        checkFileKind(spec, "dataset.test_path", testPath);
    if (training && testPath.empty())
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.test_path", path + " is one file, so it is one split (\"all\"), and training also needs a "
                                  "test split: set dataset.test_path to a second file of the same format (e.g. "
                                  "shd_test.h5 beside shd_train.h5), or set dataset.path to the folder holding "
                                  "both splits"}});
    FileDatasetOptions o;
    o.first_saccade_only = spec.params.value("first_saccade_only", true);
    o.train_slice_us = spec.params.value("train_slice_us", std::int64_t(0));
    o.drop_last = spec.params.value("drop_last", false);
    o.convention = addressConvention(spec);
    auto data = openFileDataset(spec.kind, path, testPath, spec.kind == "gsc" ? EventPipeline{} : eventPipeline(spec), o,
                                cacheDir);
    if (training)
        for (const Split split : {Split::Train, Split::Test})
            if (const std::size_t n = data->stats(split).unlabelled)
                throw ConfigError(std::vector<ConfigIssue>{
                    {split == Split::Train ? "dataset.path" : "dataset.test_path",
                     std::to_string(n) + " sample(s) without a label, which training cannot use: " +
                         (data->notes().empty() ? std::string("no label found") : data->notes().back())}});
    return data;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, bool training)
{
    std::vector<ConfigIssue> issues;
    validateDatasetSpec(spec, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));

    const KindInfo& info = *findKind(spec.kind);
    if (!info.fileBacked)
        return std::make_unique<RandmanDataset>(randmanParams(spec));

    const std::string name = info.display;
    const std::string path = spec.params.at("path").get<std::string>();
    if (path.empty())
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.path", "set it to your copy of " + name + " (e.g. --set dataset.path=/data/"
                                 + spec.kind + ")"}});
    if (!info.available)
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.kind", "the " + name + " reader is not available in this build yet"}});
    // Binned samples are cached on disk unless dataset.cache_dir is "" (default: defaultCacheDir()).
    const std::string cacheDir = spec.params.value("cache_dir", defaultCacheDir());
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec))
        return openFiles(spec, path, cacheDir, training);
    if (!spec.params.value("test_path", std::string()).empty())
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.test_path", "only for a dataset.path that is one file; " + path +
                                      " is not a file (a dataset folder brings its own test split)"}});
    const std::string& kind = spec.kind;
    if (kind == "nmnist")
        return openNmnistDataset(path, spec.params.value("first_saccade_only", true), eventPipeline(spec), cacheDir);
    if (kind == "gsc")
        return openGscDataset(path, cacheDir);
    if (kind == "dvsgesture")
        return openDvsGestureDataset(path, spec.params.value("train_slice_us", std::int64_t(0)), eventPipeline(spec),
                                     cacheDir);
    if (kind == "cifar10dvs")
        return openCifar10DvsDataset(path, addressConvention(spec), eventPipeline(spec),
                                     spec.params.value("drop_last", false), cacheDir);
    return openShdDataset(spec.kind, path, eventPipeline(spec), spec.params.value("drop_last", false), cacheDir);
}

} // namespace

std::unique_ptr<Dataset> openDataset(const DatasetSpec& spec) { return open(spec, true); }

std::unique_ptr<Dataset> inspectDataset(const DatasetSpec& spec) { return open(spec, false); }

} // namespace tp
