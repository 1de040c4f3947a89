#pragma once
/// One-click experiment reports, shared by `traceprop-cli report` and the GUI's File > Export
/// Report, so both write the same numbers. Plain C++ (no Qt, no network, no external tools).
///
/// A report folder holds index.html (inline SVG figures and CSS, no script, no URL),
/// report.pdf (vector figures, standard Type1 fonts), metrics.csv and metrics.json (copies of
/// the run's) and results.h5 (the run's, plus what it lacked: confusion matrix, seeds, machine,
/// summary attributes).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"

namespace tp {

struct ReportOptions {
    /// Opens the run's dataset, for runs whose results.h5 has no /confusion_matrix (written by
    /// older builds): the report then evaluates the final weights on the test split. Pass
    /// `[](const Experiment& e) { return openDataset(e.dataset); }` (datasets/registry.h); left
    /// empty, such a report says the confusion matrix is not available.
    std::function<std::unique_ptr<Dataset>(const Experiment&)> open_dataset;
    int threads = 0;  ///< worker threads of that evaluation (0 = all cores)
};

/// The folder a report of `runDir` goes to when no other is given: runDir/report.
std::string defaultReportDir(const std::string& runDir);

/// Reads the finished run folder `runDir` (metrics.csv, metrics.json, results.h5) and writes
/// the report folder `outDir` (empty: defaultReportDir). The folder is built under a temporary
/// name beside `outDir` and swapped into place, so a failure never leaves a half-written report
/// where an old one was. Throws IoError naming the missing or unreadable file, FormatError for
/// a malformed one, ConfigError when `outDir` is the run folder or an existing folder that is
/// not a report. Returns the folder written. Runs on the caller's thread (seconds at most,
/// longer only when the confusion matrix must be computed).
std::string writeReport(const std::string& runDir, const std::string& outDir = {}, const ReportOptions& options = {});

/// The folder a comparison report of `runDirs` goes to when no other is given: "report" beside
/// the first run (DIR/report for the runs DIR/tp, DIR/bptt of `traceprop-cli compare`).
std::string defaultComparisonDir(const std::vector<std::string>& runDirs);

/// Reads two or more finished run folders of one experiment (same data, network and seed,
/// differing in the rule) and writes the comparison folder `outDir` (empty:
/// defaultComparisonDir), built and swapped into place as writeReport does:
///   index.html      setup, summary table, accuracy / local loss per layer / readout loss /
///                   samples/s charts with one series per run, the measured-memory bar chart
///   report.pdf      the same content
///   comparison.csv  one row per run and epoch: rule, epoch, train/test accuracy, readout loss,
///                   local loss per layer (empty for rules without), samples/s, seconds, measured
///                   bytes by part and in total
///   comparison.h5   a group per run named by its rule (a repeated rule "tp-2") holding the
///                   per-epoch arrays and the memory parts; root attributes experiment, seed
/// Throws as writeReport; ConfigError when the runs are of different experiments, naming the
/// run folder and the difference. Returns the folder written.
std::string writeComparisonReport(const std::vector<std::string>& runDirs, const std::string& outDir = {});

} // namespace tp
