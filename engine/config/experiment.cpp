#include "config/experiment.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>

#include "config/params.h"
#include "core/file_read.h"

namespace tp {
namespace {

using json = nlohmann::json;

std::string childPath(const std::string& parent, const std::string& key)
{
    return parent.empty() ? key : parent + "." + key;
}

std::string joinNames(std::initializer_list<const char*> names)
{
    std::string text;
    for (const char* name : names)
        text += (text.empty() ? "" : ", ") + std::string(name);
    return text;
}

/// Short description of a value for "expected X, got Y" messages.
std::string describe(const json& value)
{
    if (value.is_string()) {
        std::string text = value.get<std::string>();
        if (text.size() > 40)
            text = text.substr(0, 37) + "...";
        return "string \"" + text + "\"";
    }
    if (value.is_number())
        return "number " + value.dump();
    if (value.is_boolean())
        return "boolean " + value.dump();
    return value.type_name();
}

std::string formatNumber(double value)
{
    if (std::floor(value) == value && std::fabs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    return json(value).dump();
}

/// Bounds of a real-valued field; open ends exclude the bound, infinite ends are unbounded.
struct RealRange {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool loOpen = false;
    bool hiOpen = false;

    bool contains(double v) const
    {
        return (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    }
    std::string text() const
    {
        std::string lower = std::isinf(lo) ? "" : (loOpen ? "> " : ">= ") + formatNumber(lo);
        std::string upper = std::isinf(hi) ? "" : (hiOpen ? "< " : "<= ") + formatNumber(hi);
        if (!lower.empty() && !upper.empty())
            return lower + " and " + upper;
        return lower.empty() ? upper : lower;
    }
};


/// The spec of `key` in `section` (a programming error when missing).
const ParamSpec& spec(std::span<const ParamSpec> section, const char* key)
{
    if (const ParamSpec* p = findParam(section, key))
        return *p;
    throw std::logic_error(std::string("no parameter '") + key + "' in the experiment's table");
}

RealRange rangeOf(const ParamSpec& p) { return {p.lo, p.hi, p.lo_open, p.hi_open}; }

/// Collects issues while walking one document; never throws.
class Reader {
public:
    explicit Reader(std::vector<ConfigIssue>& issues) : m_issues(issues) {}

    void fail(const std::string& path, const std::string& message)
    {
        m_issues.push_back({path, message});
    }

    static const json* find(const json& object, const char* key)
    {
        auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }

    void checkKeys(const json& object, const std::string& path, std::initializer_list<const char*> known)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            bool ok = false;
            for (const char* name : known)
                ok = ok || it.key() == name;
            if (!ok)
                fail(childPath(path, it.key()),
                     "unknown key '" + it.key() + "' (known: " + joinNames(known) + ")");
        }
    }

    /// The sub-object at `key`, or nullptr when absent (reported if required) or not an object.
    const json* object(const json& parent, const char* key, const std::string& path, bool required)
    {
        const json* value = find(parent, key);
        const std::string where = childPath(path, key);
        if (!value) {
            if (required)
                fail(where, "missing (required object)");
            return nullptr;
        }
        if (!value->is_object()) {
            fail(where, "expected an object, got " + describe(*value));
            return nullptr;
        }
        return value;
    }

    void readReal(const json& parent, const char* key, const std::string& path, double& out,
                  const RealRange& range)
    {
        const json* value = find(parent, key);
        if (!value)
            return;
        const std::string where = childPath(path, key);
        if (!value->is_number()) {
            fail(where, "expected a number, got " + describe(*value));
            return;
        }
        const double v = value->get<double>();
        if (!std::isfinite(v)) {
            fail(where, "expected a finite number, got " + value->dump());
            return;
        }
        if (!range.contains(v)) {
            fail(where, "must be " + range.text() + ", got " + value->dump());
            return;
        }
        out = v;
    }

    /// An integral JSON number (a float without fractional part counts), or nullopt (reported).
    std::optional<double> integral(const json& value, const std::string& where)
    {
        if (!value.is_number()) {
            fail(where, "expected an integer, got " + describe(value));
            return std::nullopt;
        }
        const double v = value.get<double>();
        if (value.is_number_float() && (!std::isfinite(v) || std::floor(v) != v)) {
            fail(where, "expected an integer, got " + value.dump());
            return std::nullopt;
        }
        return v;
    }

    void readInt(const json& parent, const char* key, const std::string& path, int& out,
                 std::int64_t lo, std::int64_t hi, const std::string& why = {})
    {
        const json* value = find(parent, key);
        if (!value)
            return;
        const std::string where = childPath(path, key);
        const auto v = integral(*value, where);
        if (!v)
            return;
        if (*v < static_cast<double>(lo) || *v > static_cast<double>(hi)) {
            fail(where, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                            ", got " + value->dump() + (why.empty() ? "" : " (" + why + ")"));
            return;
        }
        out = static_cast<int>(*v);
    }

    void readUint64(const json& parent, const char* key, const std::string& path, std::uint64_t& out)
    {
        const json* value = find(parent, key);
        if (!value)
            return;
        const std::string where = childPath(path, key);
        if (value->is_number_unsigned()) {
            out = value->get<std::uint64_t>();
            return;
        }
        const auto v = integral(*value, where);
        if (!v)
            return;
        // 2^64 is exact as a double; anything at or above it does not fit.
        if (*v < 0.0 || *v >= 18446744073709551616.0) {
            fail(where, "must be a non-negative integer below 2^64, got " + value->dump());
            return;
        }
        out = static_cast<std::uint64_t>(*v);
    }

    void readBool(const json& parent, const char* key, const std::string& path, bool& out)
    {
        const json* value = find(parent, key);
        if (!value)
            return;
        if (!value->is_boolean()) {
            fail(childPath(path, key), "expected a boolean (true or false), got " + describe(*value));
            return;
        }
        out = value->get<bool>();
    }

    /// Reads a string; returns false when absent or of the wrong type (reported).
    bool readString(const json& parent, const char* key, const std::string& path, std::string& out)
    {
        const json* value = find(parent, key);
        if (!value)
            return false;
        if (!value->is_string()) {
            fail(childPath(path, key), "expected a string, got " + describe(*value));
            return false;
        }
        out = value->get<std::string>();
        return true;
    }

    /// Reads one of `names` and stores its index in `out` (names listed in enumerator order).
    template <typename Enum>
    void readChoice(const json& parent, const char* key, const std::string& path, Enum& out,
                    std::initializer_list<const char*> names)
    {
        std::string text;
        if (!readString(parent, key, path, text))
            return;
        int index = 0;
        for (const char* name : names) {
            if (text == name) {
                out = static_cast<Enum>(index);
                return;
            }
            ++index;
        }
        fail(childPath(path, key), "unknown value '" + text + "' (known: " + joinNames(names) + ")");
    }

private:
    std::vector<ConfigIssue>& m_issues;
};

void readIntSpec(Reader& r, const json& parent, const std::string& path, std::span<const ParamSpec> section,
                 const char* key, int& out)
{
    const ParamSpec& p = spec(section, key);
    r.readInt(parent, key, path, out, std::int64_t(p.lo), std::int64_t(p.hi));
}

/// Returns false when the file was written by a newer TraceProp (the caller stops there:
/// such a file may legitimately use keys this version does not know).
bool parseSchemaVersion(Reader& r, const json& doc, int& out, std::vector<ConfigIssue>& newer)
{
    const json* value = Reader::find(doc, "schema_version");
    if (!value) {
        r.fail("schema_version", "missing (required; this TraceProp writes schema_version " +
                                     std::to_string(kExperimentSchemaVersion) + ")");
        return true;
    }
    const auto v = r.integral(*value, "schema_version");
    if (!v)
        return true;
    if (*v > kExperimentSchemaVersion) {
        newer.push_back({"schema_version", "written by a newer TraceProp (schema_version " +
                                               value->dump() + " > " +
                                               std::to_string(kExperimentSchemaVersion) + "); upgrade"});
        return false;
    }
    if (*v < 1) {
        r.fail("schema_version", "must be >= 1, got " + value->dump());
        return true;
    }
    out = static_cast<int>(*v);
    return true;
}

void parseNetwork(Reader& r, const json& doc, NetworkSpec& net)
{
    const json* network = r.object(doc, "network", "", true);
    if (!network)
        return;
    r.checkKeys(*network, "network", {"inputs", "layers", "readout", "norm", "init_weights"});
    r.readString(*network, "init_weights", "network", net.init_weights);
    if (r.readString(*network, "norm", "network", net.norm) && net.norm != "none" && net.norm != "weight")
        r.fail("network.norm", "unknown normalisation '" + net.norm + "' (known: none, weight)");
    readIntSpec(r, *network, "network", experimentParams("network"), "inputs", net.inputs);

    const json* layers = Reader::find(*network, "layers");
    if (!layers) {
        r.fail("network.layers", "missing (required: 1 to 16 layers)");
    } else if (!layers->is_array()) {
        r.fail("network.layers", "expected an array of layers, got " + describe(*layers));
    } else {
        if (layers->empty() || layers->size() > 16)
            r.fail("network.layers", "must have 1 to 16 layers, got " + std::to_string(layers->size()));
        for (std::size_t i = 0; i < layers->size(); ++i) {
            const std::string path = "network.layers[" + std::to_string(i) + "]";
            const json& entry = (*layers)[i];
            if (!entry.is_object()) {
                r.fail(path, "expected an object, got " + describe(entry));
                continue;
            }
            LayerSpec layer;
            if (r.readString(entry, "type", path, layer.type) && layer.type != "lif" && layer.type != "conv")
                r.fail(path + ".type", "unknown layer type '" + layer.type + "' (known: lif, conv)");
            if (layer.type == "conv") {
                // Conv LIF block: size = output channels, 3x3 stride 1 pad 1, pooling of the spike map.
                r.checkKeys(entry, path, {"type", "size", "pool"});
                readIntSpec(r, entry, path, experimentParams("layer.conv"), "size", layer.size);
                if (r.readString(entry, "pool", path, layer.pool) && layer.pool != "none" && layer.pool != "max2" &&
                    layer.pool != "avgpool2x2")
                    r.fail(path + ".pool", "unknown pooling '" + layer.pool + "' (known: none, max2, avgpool2x2)");
            } else {
                r.checkKeys(entry, path, {"type", "size", "recurrent"});
                readIntSpec(r, entry, path, experimentParams("layer.lif"), "size", layer.size);
                r.readBool(entry, "recurrent", path, layer.recurrent);
            }
            net.layers.push_back(layer);
        }
    }

    if (const json* readout = r.object(*network, "readout", "network", false)) {
        r.checkKeys(*readout, "network.readout", {"leak"});
        r.readReal(*readout, "leak", "network.readout", net.readout_leak, rangeOf(spec(experimentParams("network.readout"), "leak")));
    }
}

void parseNeuron(Reader& r, const json& doc, NeuronSpec& neuron)
{
    const json* section = r.object(doc, "neuron", "", false);
    if (!section)
        return;
    r.checkKeys(*section, "neuron", {"alpha", "beta", "v_th", "reset", "surrogate"});
    r.readReal(*section, "alpha", "neuron", neuron.alpha, rangeOf(spec(experimentParams("neuron"), "alpha")));
    r.readReal(*section, "beta", "neuron", neuron.beta, rangeOf(spec(experimentParams("neuron"), "beta")));
    r.readReal(*section, "v_th", "neuron", neuron.v_th, rangeOf(spec(experimentParams("neuron"), "v_th")));
    if (r.readString(*section, "reset", "neuron", neuron.reset) && neuron.reset.empty())
        r.fail("neuron.reset",
               "must not be empty (\"soft\" = soft reset, any other string = hard reset)");
    if (const json* surrogate = r.object(*section, "surrogate", "neuron", false)) {
        r.checkKeys(*surrogate, "neuron.surrogate", {"type", "scale"});
        std::string type;
        if (r.readString(*surrogate, "type", "neuron.surrogate", type) && type != "arctan")
            r.fail("neuron.surrogate.type", "unknown surrogate type '" + type + "' (known: arctan)");
        r.readReal(*surrogate, "scale", "neuron.surrogate", neuron.surrogate_scale,
                   rangeOf(spec(experimentParams("neuron.surrogate"), "scale")));
    }
}

/// The rule's name here; its other keys are the rule's own (its ParamSpec table), checked with
/// the name by validateRuleSpec (defined by the rule registry) once the layers are known.
const json* parseRule(Reader& r, const json& doc, RuleSpec& rule)
{
    const json* section = r.object(doc, "rule", "", false);
    if (!section)
        return nullptr;
    if (r.readString(*section, "name", "rule", rule.name) && rule.name.empty())
        r.fail("rule.name", "must not be empty");
    if (section->is_object()) {
        rule.params = *section;
        rule.params.erase("name");
    }
    // TP's keys, read into RuleSpec when valid (validateRuleSpec reports them otherwise).
    if (const json* v = Reader::find(*section, "train_s"); v && v->is_boolean())
        rule.train_s = v->get<bool>();
    if (const json* v = Reader::find(*section, "readout_trace"); v && v->is_string())
        rule.readout_trace = *v == "exact" ? ReadoutTrace::Exact : ReadoutTrace::Beta;
    return section;
}

/// Returns true when "dataset" has a usable kind (only then is a dataset validator called).
bool parseDataset(Reader& r, const json& doc, DatasetSpec& dataset)
{
    bool ok = false;
    if (const json* section = r.object(doc, "dataset", "", true)) {
        if (!Reader::find(*section, "kind"))
            r.fail("dataset.kind", "missing (required string, e.g. \"randman\", \"nmnist\", \"shd\")");
        else if (r.readString(*section, "kind", "dataset", dataset.kind)) {
            ok = !dataset.kind.empty();
            if (!ok)
                r.fail("dataset.kind", "must not be empty");
        }
        dataset.params = *section;
        dataset.params.erase("kind");
    }
    if (const json* binning = r.object(doc, "binning", "", false))
        dataset.binning = *binning;
    return ok;
}

void parseRun(Reader& r, const json& doc, RunSpec& run)
{
    const json* section = r.object(doc, "run", "", false);
    if (!section)
        return;
    r.checkKeys(*section, "run", {"epochs", "batch", "lr", "lr_min_ratio", "seed", "threads",
                                  "precision", "path", "shuffle", "adam"});
    readIntSpec(r, *section, "run", experimentParams("run"), "epochs", run.epochs);
    const ParamSpec& batch = spec(experimentParams("run"), "batch");
    r.readInt(*section, "batch", "run", run.batch, std::int64_t(batch.lo), std::int64_t(batch.hi),
              "TP needs at least 2 samples per batch: its contrastive loss compares the samples "
              "of a batch, and with 1 sample nothing is learned");
    r.readReal(*section, "lr", "run", run.lr, rangeOf(spec(experimentParams("run"), "lr")));
    r.readReal(*section, "lr_min_ratio", "run", run.lr_min_ratio, rangeOf(spec(experimentParams("run"), "lr_min_ratio")));
    r.readUint64(*section, "seed", "run", run.seed);
    readIntSpec(r, *section, "run", experimentParams("run"), "threads", run.threads);
    r.readChoice(*section, "precision", "run", run.precision, {"float32", "float64"});
    r.readChoice(*section, "path", "run", run.path, {"auto", "dense", "event"});
    r.readBool(*section, "shuffle", "run", run.shuffle);
    if (const json* adam = r.object(*section, "adam", "run", false)) {
        r.checkKeys(*adam, "run.adam", {"beta1", "beta2", "eps"});
        r.readReal(*adam, "beta1", "run.adam", run.adam_beta1, rangeOf(spec(experimentParams("run.adam"), "beta1")));
        r.readReal(*adam, "beta2", "run.adam", run.adam_beta2, rangeOf(spec(experimentParams("run.adam"), "beta2")));
        r.readReal(*adam, "eps", "run.adam", run.adam_eps, rangeOf(spec(experimentParams("run.adam"), "eps")));
    }
}

const char* precisionName(Precision p) { return p == Precision::Float64 ? "float64" : "float32"; }

const char* pathName(ComputePath p)
{
    switch (p) {
    case ComputePath::Dense: return "dense";
    case ComputePath::Event: return "event";
    case ComputePath::Auto: break;
    }
    return "auto";
}

std::string trimmed(const std::string& text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool isIndex(const std::string& segment)
{
    if (segment.empty() || segment.size() > 9)
        return false;
    for (char c : segment)
        if (c < '0' || c > '9')
            return false;
    return true;
}

} // namespace

namespace {

/// The value at a dotted path ("network.layers.0.size"), or nullptr.
const json* findPath(const json& doc, const std::string& path)
{
    const json* node = &doc;
    std::size_t begin = 0;
    while (begin <= path.size()) {
        const std::size_t end = std::min(path.find('.', begin), path.size());
        const std::string part = path.substr(begin, end - begin);
        if (part.empty())
            return nullptr;
        if (node->is_object()) {
            auto it = node->find(part);
            if (it == node->end())
                return nullptr;
            node = &*it;
        } else if (node->is_array() && part.find_first_not_of("0123456789") == std::string::npos && part.size() < 9) {
            const std::size_t index = std::stoul(part);
            if (index >= node->size())
                return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
        begin = end + 1;
    }
    return node;
}

void parseLesson(Reader& r, const json& doc, Experiment& e)
{
    const json* section = r.object(doc, "lesson", "", false);
    if (!section)
        return;
    LessonSpec& lesson = e.lesson;
    r.checkKeys(*section, "lesson", {"title", "text", "hidden_panels", "locked"});
    r.readString(*section, "title", "lesson", lesson.title);
    r.readString(*section, "text", "lesson", lesson.text);
    const auto readList = [&](const char* key, std::vector<std::string>& out) {
        const json* list = Reader::find(*section, key);
        if (!list)
            return;
        const std::string path = std::string("lesson.") + key;
        if (!list->is_array()) {
            r.fail(path, "expected an array of strings, got " + describe(*list));
            return;
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            if ((*list)[i].is_string())
                out.push_back((*list)[i].get<std::string>());
            else
                r.fail(path + "." + std::to_string(i), "expected a string, got " + describe((*list)[i]));
        }
    };
    readList("hidden_panels", lesson.hidden_panels);
    readList("locked", lesson.locked);
    for (std::size_t i = 0; i < lesson.hidden_panels.size(); ++i) {
        const std::string& name = lesson.hidden_panels[i];
        if (std::find_if(std::begin(kLessonPanels), std::end(kLessonPanels), [&](const char* p) { return name == p; }) ==
            std::end(kLessonPanels))
            r.fail("lesson.hidden_panels." + std::to_string(i),
                   "unknown panel '" + name + "' (known: layers, properties, dataset, run, charts, log)");
    }
    // A lock must name a parameter the experiment has (every field is in the canonical form).
    LessonSpec none;
    std::swap(none, e.lesson);
    const json canonical = toJson(e);
    std::swap(none, e.lesson);
    for (std::size_t i = 0; i < lesson.locked.size(); ++i)
        if (!findPath(canonical, lesson.locked[i]))
            r.fail("lesson.locked." + std::to_string(i), "no parameter '" + lesson.locked[i] + "' in this experiment");
}

} // namespace

bool LessonSpec::isLocked(const std::string& path) const
{
    for (const std::string& lock : locked)
        if (path == lock || (path.size() > lock.size() && path.compare(0, lock.size(), lock) == 0 && path[lock.size()] == '.'))
            return true;
    return false;
}

Experiment parseExperiment(const nlohmann::json& doc, const std::string& source,
                           const DatasetValidator& validateDataset)
{
    std::vector<ConfigIssue> issues;
    if (!doc.is_object())
        throw ConfigError({{"", "expected a JSON object at the top level, got " + describe(doc)}},
                          source);

    Reader r(issues);
    Experiment e;
    std::vector<ConfigIssue> newer;
    if (!parseSchemaVersion(r, doc, e.schema_version, newer))
        throw ConfigError(std::move(newer), source);

    r.checkKeys(doc, "", {"schema_version", "name", "description", "comment", "network", "neuron",
                          "rule", "dataset", "binning", "run", "lesson"});
    r.readString(doc, "name", "", e.name);
    r.readString(doc, "description", "", e.description);
    parseNetwork(r, doc, e.network);
    parseNeuron(r, doc, e.neuron);
    const json* ruleSection = parseRule(r, doc, e.rule);
    const bool datasetOk = parseDataset(r, doc, e.dataset);
    parseRun(r, doc, e.run);
    parseLesson(r, doc, e);

    validateRuleSpec(ruleSection ? *ruleSection : json::object(), e.rule, e.network, issues);
    if (datasetOk && validateDataset) {
        try {
            validateDataset(e.dataset, issues);
        } catch (const ConfigError& error) {
            issues.insert(issues.end(), error.issues().begin(), error.issues().end());
        }
    }
    if (!issues.empty())
        throw ConfigError(std::move(issues), source);
    return e;
}

void applyOverride(nlohmann::json& doc, const std::string& assignment)
{
    const auto fail = [&assignment](const std::string& what) {
        return ConfigError("--set '" + assignment + "': " + what);
    };
    const auto eq = assignment.find('=');
    const std::string key = eq == std::string::npos ? std::string() : trimmed(assignment.substr(0, eq));
    if (key.empty())
        throw fail("expected key.path=value");

    const std::string text = assignment.substr(eq + 1);
    json value;
    try {
        value = json::parse(text);
    } catch (const json::exception& error) {
        const std::string token = trimmed(text);
        if (error.id == 406 && token.find_first_not_of("0123456789+-.eE") == std::string::npos)
            throw fail(key + ": number " + token + " is out of range of a double");  // 1e999
        value = text;  // not JSON: a plain string (dataset.path=/data/shd)
    }

    std::vector<std::string> segments;
    for (std::size_t start = 0;;) {
        const auto dot = key.find('.', start);
        segments.push_back(key.substr(start, dot == std::string::npos ? dot : dot - start));
        if (segments.back().empty())
            throw fail("empty name in key path '" + key + "'");
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }

    if (doc.is_null())
        doc = json::object();
    json* node = &doc;
    std::string walked;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string& segment = segments[i];
        const bool last = i + 1 == segments.size();
        const std::string here = walked.empty() ? std::string("the document") : "'" + walked + "'";
        if (node->is_object()) {
            json& child = (*node)[segment];  // creates a missing key (null), filled below
            if (last)
                child = value;
            else if (child.is_null())
                child = json::object();
            node = &child;
        } else if (node->is_array()) {
            if (!isIndex(segment))
                throw fail(here + " is an array; expected a numeric index, got '" + segment + "'");
            const std::size_t index = std::stoul(segment);
            const std::size_t size = node->size();
            if (index >= size)
                throw fail("index " + segment + " is out of range for " + here + " (" +
                           std::to_string(size) + (size == 1 ? " entry)" : " entries)"));
            if (last)
                (*node)[index] = value;
            node = &(*node)[index];
        } else {
            throw fail(here + " is " + describe(*node) + ", not an object or array");
        }
        walked = childPath(walked, segment);
    }
}

namespace {

/// An experiment file is a few KB; anything beyond this is not one (and /dev/zero never ends).
constexpr std::size_t kMaxExperimentBytes = std::size_t(16) << 20;

/// "an array", "a string", "null": the JSON type of a value with its article.
std::string typeWithArticle(const json& value)
{
    const std::string name = value.type_name();
    if (value.is_null())
        return name;
    return (value.is_array() || value.is_object() ? "an " : "a ") + name;
}

} // namespace

// nlohmann reports a number that does not fit a double ("1e999") without its place, so the
// parse tracks the key path to name the field.
nlohmann::json parseJsonText(const std::string& text, const std::string& file)
{
    struct Frame {
        bool array = false;
        std::string key;
        std::size_t index = 0;
    };
    std::vector<Frame> frames;
    const json::parser_callback_t track = [&frames](int, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            frames.push_back({event == json::parse_event_t::array_start, {}, 0});
            break;
        case json::parse_event_t::key:
            if (!frames.empty() && parsed.is_string())
                frames.back().key = parsed.get<std::string>();
            break;
        case json::parse_event_t::value:  // a scalar; containers end with *_end instead
            if (!frames.empty() && frames.back().array)
                ++frames.back().index;
            break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            if (!frames.empty())
                frames.pop_back();
            if (!frames.empty() && frames.back().array)
                ++frames.back().index;
            break;
        }
        return true;
    };
    try {
        return json::parse(text, track);
    } catch (const json::parse_error& error) {
        throw ConfigError(file + ": invalid JSON (byte offset " + std::to_string(error.byte) + "): " +
                          error.what());
    } catch (const json::out_of_range& error) {  // 406: a number beyond the range of a double
        std::string path;
        for (const Frame& frame : frames)
            path = childPath(path, frame.array ? std::to_string(frame.index) : frame.key);
        const std::string what = error.what();
        const auto open = what.find('\'');
        const auto close = what.rfind('\'');
        const std::string token =
            open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : what;
        throw ConfigError({{path, "number " + token + " is out of range of a double"}}, file);
    }
}

Experiment loadExperiment(const std::string& file, const std::vector<std::string>& overrides,
                          const DatasetValidator& validateDataset)
{
    json doc = parseJsonText(readFileText(file, "experiment file", kMaxExperimentBytes), file);
    // Before the overrides: --threads and --set are applied as "run.threads=1", and an error about
    // them would hide that the file itself is not an experiment.
    if (!doc.is_object())
        throw ConfigError(file + ": the top level must be a JSON object (experiment), found " +
                          typeWithArticle(doc));
    for (const auto& assignment : overrides)
        applyOverride(doc, assignment);
    return parseExperiment(doc, file, validateDataset);
}

nlohmann::json toJson(const Experiment& e)
{
    json layers = json::array();
    for (const auto& layer : e.network.layers)
        if (layer.type == "conv")
            layers.push_back({{"type", layer.type}, {"size", layer.size}, {"pool", layer.pool}});
        else
            layers.push_back({{"type", layer.type}, {"size", layer.size}, {"recurrent", layer.recurrent}});

    json dataset = e.dataset.params.is_object() ? e.dataset.params : json::object();
    dataset["kind"] = e.dataset.kind;

    json doc = json::object();
    doc["schema_version"] = e.schema_version;
    doc["name"] = e.name;
    doc["description"] = e.description;
    doc["network"] = {{"inputs", e.network.inputs},
                      {"layers", layers},
                      {"readout", {{"leak", e.network.readout_leak}}},
                      {"norm", e.network.norm},
                      {"init_weights", e.network.init_weights}};
    doc["neuron"] = {{"alpha", e.neuron.alpha},
                     {"beta", e.neuron.beta},
                     {"v_th", e.neuron.v_th},
                     {"reset", e.neuron.reset},
                     {"surrogate", {{"type", "arctan"}, {"scale", e.neuron.surrogate_scale}}}};
    doc["rule"] = e.rule.params.is_object() ? e.rule.params : json::object();
    doc["rule"]["name"] = e.rule.name;
    doc["rule"]["train_s"] = e.rule.train_s;
    doc["rule"]["readout_trace"] = e.rule.readout_trace == ReadoutTrace::Exact ? "exact" : "beta";
    doc["dataset"] = dataset;
    doc["binning"] = e.dataset.binning.is_object() ? e.dataset.binning : json::object();
    if (e.lesson.present())
        doc["lesson"] = {{"title", e.lesson.title},
                         {"text", e.lesson.text},
                         {"hidden_panels", e.lesson.hidden_panels},
                         {"locked", e.lesson.locked}};
    doc["run"] = {{"epochs", e.run.epochs},
                  {"batch", e.run.batch},
                  {"lr", e.run.lr},
                  {"lr_min_ratio", e.run.lr_min_ratio},
                  {"seed", e.run.seed},
                  {"threads", e.run.threads},
                  {"precision", precisionName(e.run.precision)},
                  {"path", pathName(e.run.path)},
                  {"shuffle", e.run.shuffle},
                  {"adam", {{"beta1", e.run.adam_beta1},
                            {"beta2", e.run.adam_beta2},
                            {"eps", e.run.adam_eps}}}};
    return doc;
}

} // namespace tp
