#pragma once
/// Multi-run sweeps: a sweep file names a base experiment and a grid (cartesian product) and/or
/// a list of overrides; each combination is one run with its own folder. This file holds the
/// plain C++ part (no MPI): expanding the sweep, naming run folders, running one run, deciding
/// which runs are complete (resume), and the paper's statistics (tp-algorithm.md 7.1).
///
/// Sweep file (JSON):
///   {"experiment": "randman.json",          // path, relative to the sweep file
///    "set": ["run.epochs=2"],               // optional: overrides for every run
///    "list": [{"rule.name": "tp"}, ...],    // optional: explicit combinations
///    "grid": {"run.lr": [1e-3, 2e-3], "run.seed": [1, 2, 3]},  // optional: cartesian product
///    "seed_key": "run.seed"}                // optional: the key that is not a group (default)
/// Runs = list x grid (either may be absent, not both), the seed key varying fastest.
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "core/dataset.h"
#include "train/trainer.h"

namespace tp {

/// One run of a sweep: its position, folder name and override values.
struct SweepRun {
    int index = 0;                    ///< 0-based, in expansion order
    std::string name;                 ///< folder name inside the sweep's output folder
    nlohmann::json values;            ///< {"run.lr": 0.001, "run.seed": 2} (every swept key)
    std::vector<std::string> overrides;  ///< the "key=value" strings applied to the experiment
    std::string group;                ///< values without the seed key, as text ("" = one group)
};

struct SweepSpec {
    std::string file;                 ///< the sweep file (messages)
    std::string experiment_file;      ///< resolved path of the base experiment
    std::vector<std::string> base_overrides;  ///< "set" of the file, then the caller's extra ones
    std::string seed_key = "run.seed";
    std::vector<SweepRun> runs;
};

/// Parse a sweep document. Throws ConfigError naming `source` and the field for a bad layout.
SweepSpec parseSweep(const nlohmann::json& doc, const std::string& source, const std::string& baseDir);

/// Read and parse a sweep file, appending `extraOverrides` to every run, and load every run's
/// experiment with `validate` so that a bad override fails before anything trains. Throws
/// IoError (unreadable), ConfigError (bad JSON, layout or any run's experiment, naming the run).
SweepSpec loadSweep(const std::string& file, const std::vector<std::string>& extraOverrides = {},
                    const DatasetValidator& validate = {});

/// The experiment of one run: base file + base overrides + the run's overrides (+ extra ones,
/// e.g. run.threads, that do not change the result).
Experiment sweepExperiment(const SweepSpec& spec, const SweepRun& run, const DatasetValidator& validate = {},
                           const std::vector<std::string>& extra = {});

/// What a finished run contributes to the summary (accuracies are fractions 0..1).
struct RunOutcome {
    std::vector<double> test_accuracy;  ///< per epoch
    double best = 0;                    ///< max over epochs
    double final = 0;                   ///< last epoch
    int best_epoch = 0;                 ///< 1-based epoch of the best (first on ties)
    std::string weights_fnv1a;          ///< checksum of the final weights (16 hex digits)
    std::string error;                  ///< non-empty: the run failed with this message
};

nlohmann::json outcomeJson(const RunOutcome& outcome);
RunOutcome outcomeFromJson(const nlohmann::json& doc);

/// Checksum (FNV-1a 64, hex) of every dataset under /weights of a results.h5 file.
std::string weightsChecksum(const std::string& resultsFile);

/// Opens (or reuses) the dataset of an experiment; called on the training thread.
using DatasetProvider = std::function<const Dataset&(const Experiment&)>;

/// Train one run into `dir` (run.json is written last, atomically: it marks the run complete).
/// A folder with a checkpoint of the same experiment (an interrupted attempt) is resumed,
/// which ends bit-identical to an uninterrupted run. Failures during training are returned in
/// RunOutcome::error; input errors (unreadable files) throw.
RunOutcome executeRun(const Experiment& experiment, const SweepRun& run, const std::string& dir,
                      const DatasetProvider& dataset, std::stop_token stop = {},
                      const std::function<void(const Progress&)>& onProgress = {});

/// The run's outcome when `dir`/run.json exists and records the same experiment (threads
/// aside), else nullopt (the run must be trained).
std::optional<RunOutcome> completedRun(const std::string& dir, const Experiment& experiment);

/// The paper's statistics over the runs of one group (percent).
struct GroupStats {
    std::string group;
    nlohmann::json values;           ///< the group's override values (seed key removed)
    int runs = 0;                    ///< finished runs (failed ones excluded)
    int top_k = 0;                   ///< min(5, runs)
    double top_mean_pct = 0, top_std_pct = 0;    ///< the top_k best accuracies, population std
    double best_mean_pct = 0, best_std_pct = 0;  ///< all best accuracies
    double final_mean_pct = 0, final_std_pct = 0;
};

/// Mean and population std (divide by n) of the k largest values (k clipped to the count).
std::pair<double, double> topKMeanStd(std::vector<double> values, int k);
std::pair<double, double> meanStd(const std::vector<double>& values);

/// Statistics per group, groups in order of first appearance. `outcomes[i]` belongs to
/// spec.runs[i]; missing or failed runs are left out.
std::vector<GroupStats> summarize(const SweepSpec& spec, const std::vector<std::optional<RunOutcome>>& outcomes);

/// Write summary.csv, summary.json, summary.md and summary.html (a page in the report format:
/// report_html.cpp) into `dir`, each atomically.
void writeSummary(const std::string& dir, const SweepSpec& spec,
                  const std::vector<std::optional<RunOutcome>>& outcomes);

} // namespace tp
