#pragma once
/// Experiment files: one versioned JSON format for network, rule, dataset, binning and run
/// settings, shared by the GUI and the CLI. See resources/experiments/*.json for examples and
/// README.md ("Experiment files") for every field.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/params.h"
#include "core/errors.h"

namespace tp {

inline constexpr int kExperimentSchemaVersion = 1;

enum class ResetKind { Soft, Hard };
enum class Precision { Float32, Float64 };
enum class ComputePath { Auto, Dense, Event };
enum class ReadoutTrace { Beta, Exact };  ///< Beta = reference quirk (trace leak beta); Exact = leak lambda_out

struct NeuronSpec {
    double alpha = 0.95;          ///< membrane leak factor (multiplier per step)
    double beta = 0.95;           ///< trace leak factor
    double v_th = 1.0;            ///< threshold
    std::string reset = "soft";   ///< reference quirk: exactly "soft" is soft, any other string hard
    double surrogate_scale = 1.0; ///< kappa of the ArcTan surrogate
    ResetKind resetKind() const { return reset == "soft" ? ResetKind::Soft : ResetKind::Hard; }
};

struct LayerSpec {
    std::string type = "lif";     ///< "lif" (dense LIF) or "conv" (3x3 conv LIF block, VGG style)
    int size = 100;               ///< neurons (lif) or output channels (conv)
    bool recurrent = false;       ///< lif only
    std::string pool = "none";    ///< conv only: none, max2, avgpool2x2 (of the spike map)
};

struct NetworkSpec {
    int inputs = 0;               ///< 0 = take from the dataset
    std::vector<LayerSpec> layers;
    double readout_leak = 1.0;    ///< lambda_out
    std::string norm = "none";    ///< "weight": scaled weight standardisation (CNN runs, tp-algorithm.md 1.4)
    /// Initial weights ("" = none): a results.h5, checkpoint.h5 or imported weights file (import-nir)
    /// whose network matrices (W1.., R1.., W_out) replace the seeded ones when a run's model is
    /// built; the rule's own matrices (TP's S, DECOLLE's G, e-prop's B) keep their seeded values.
    std::string init_weights;
};

struct RuleSpec {
    std::string name = "tp";
    /// The section's other keys as written (checked against the rule's ParamSpec table): a rule
    /// reads its own keys here (params.value("key", default)), so a new rule adds none to RuleSpec.
    nlohmann::json params = nlohmann::json::object();
    bool train_s = false;                          ///< TP's keys, typed: reference: S frozen (false)
    ReadoutTrace readout_trace = ReadoutTrace::Beta;
};

struct DatasetSpec {
    std::string kind = "randman"; ///< randman | nmnist | shd | ... (datasets/ validates params)
    nlohmann::json params = nlohmann::json::object();  ///< everything else of "dataset"
    nlohmann::json binning = nlohmann::json::object(); ///< the top-level "binning" object
};

struct RunSpec {
    int epochs = 10;
    int batch = 128;
    double lr = 1e-3;
    double lr_min_ratio = 0.25;   ///< cosine schedule floor eta_min = ratio * lr
    std::uint64_t seed = 38472;
    int threads = 0;              ///< 0 = all cores
    Precision precision = Precision::Float32;
    ComputePath path = ComputePath::Auto;
    bool shuffle = true;
    double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
};

/// Lesson mode (a lecturer's file): a text shown beside the designer, panels hidden and
/// parameters locked. Locks are dotted parameter paths of the experiment ("neuron.alpha",
/// "network.layers" locks the whole stack, "run" every run setting).
struct LessonSpec {
    std::string title;
    std::string text;                        ///< plain text; blank lines separate paragraphs
    std::vector<std::string> hidden_panels;  ///< of kLessonPanels
    std::vector<std::string> locked;
    bool present() const { return !title.empty() || !text.empty() || !hidden_panels.empty() || !locked.empty(); }
    /// True when `path` (dotted, array indices as numbers) is locked itself or lies under a lock.
    bool isLocked(const std::string& path) const;
};

/// The workbench panels a lesson may hide.
inline constexpr const char* kLessonPanels[] = {"layers", "properties", "dataset", "run", "charts", "log"};

struct Experiment {
    int schema_version = kExperimentSchemaVersion;
    std::string name;
    std::string description;
    NetworkSpec network;
    NeuronSpec neuron;
    RuleSpec rule;
    DatasetSpec dataset;
    RunSpec run;
    LessonSpec lesson;            ///< optional "lesson" object; absent when !lesson.present()
};

/// Checks the "rule" section (`section`, as parsed into `rule`) against the rule registry: the
/// name is a registered rule that trains every layer type of `network`, and every other key is
/// one of the rule's parameters with a valid value. Defined by rules/registry.cpp (the registry
/// sits above this parser; the parser calls it through this declaration).
void validateRuleSpec(const nlohmann::json& section, const RuleSpec& rule, const NetworkSpec& network,
                      std::vector<ConfigIssue>& issues);

/// Validates the "dataset" object of a given kind; appends problems with their JSON paths.
using DatasetValidator = std::function<void(const DatasetSpec&, std::vector<ConfigIssue>&)>;

/// Parse and validate. Reports *all* problems (unknown keys, wrong types, out-of-range
/// values, future schema versions) in one ConfigError naming each JSON path. `source` is
/// the file name used in messages.
Experiment parseExperiment(const nlohmann::json& doc, const std::string& source,
                           const DatasetValidator& validateDataset = {});

/// Parse the JSON text of a file (`source` names it in messages). ConfigError for invalid JSON
/// (with the byte offset) and for a number beyond the range of a double, naming its key path
/// as --set writes it ("run.lr", "network.layers.0.size").
nlohmann::json parseJsonText(const std::string& text, const std::string& source);

/// Read a file (at most 16 MiB; a directory or /dev/zero is refused), check that its top
/// level is an object, apply `key.path=value` overrides (value parsed as JSON, else as a string),
/// then parse. Throws IoError when unreadable, ConfigError for bad JSON, overrides or values.
Experiment loadExperiment(const std::string& file, const std::vector<std::string>& overrides = {},
                          const DatasetValidator& validateDataset = {});

/// Apply one `key.path=value` override to a JSON document (array indices as numbers:
/// network.layers.0.size=200). Throws ConfigError naming the override on a bad path.
void applyOverride(nlohmann::json& doc, const std::string& assignment);

/// Serialise back (all fields, canonical order); parseExperiment(toJson(e)) == e.
nlohmann::json toJson(const Experiment& experiment);

/// The parameter table of the experiment's own sections: "network", "network.readout",
/// "layer.lif", "layer.conv" (one entry of network.layers), "neuron", "neuron.surrogate", "run",
/// "run.adam" (empty for another name). The parser reads every key with these limits.
std::span<const ParamSpec> experimentParams(const std::string& section);
/// Those section names, in that order.
std::vector<std::string> experimentParamSections();
/// The spec at a dotted path ("neuron.alpha", "run.adam.eps"; "layer.size" is a lif layer's,
/// "layer.pool" a conv layer's, "layer.conv.size" a conv layer's size), or null.
const ParamSpec* experimentParam(const std::string& path);

} // namespace tp
