#pragma once
/// What a report shows, read from a run folder, and the figures and tables built from it
/// (shared by the HTML and the PDF writer, so both show the same values).
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/chart.h"
#include "report/html_page.h"
#include "io/machine_info.h"
#include "report/report.h"
#include "train/memory_model.h"
#include "train/trainer.h"

namespace tp::report {

struct ReportData {
    std::string run_dir, results_path;
    nlohmann::json experiment;               ///< results.h5 /config (the experiment as run)
    std::vector<EpochMetrics> history;
    std::vector<MemoryRow> memory;           ///< measured bytes per part
    std::vector<MemoryTableRow> memory_model;///< analytic vs measured rule state per rule
    ConfusionMatrix confusion;               ///< classes 0: not available
    bool confusion_from_run = false;         ///< stored by the run (else computed by the report)
    MachineInfo machine;
    bool machine_from_run = false;           ///< recorded by the run (else the report's machine)
    std::string precision, traceprop_version;
    std::string run_id;                      ///< of all three run files; empty: written before run ids
    std::string metrics_csv, metrics_json;   ///< the run's files as read (and checked)
    double best_test_accuracy = 0, final_test_accuracy = 0;
    int best_epoch = 0;                      ///< first epoch that reached the best test accuracy

    std::string name() const;
    std::string description() const;
};

/// Reads runDir; IoError names a missing file, FormatError a malformed one (metrics.csv: the
/// line) or files of two different runs (their run ids differ, or their epochs do not match).
ReportData loadReportData(const std::string& runDir, const ReportOptions& options);

/// "93.70%"
std::string percent(double fraction);
/// "12,345,678"
std::string groupedInt(long long value);
/// "3.14" (printf %.*f)
std::string fixed(double value, int decimals);
/// "0.002", "1e-05" (printf %g)
std::string shortest(double value);

/// Accuracy, local losses, firing rates, throughput (in this order).
std::vector<LineChart> lineCharts(const ReportData& data);
HeatMap confusionHeatMap(const ReportData& data);


std::string renderPdf(const ReportData& data);

/// "40-128-10": inputs, hidden layers (kind, recurrent), classes.
std::string networkText(const ReportData& data);
/// The summary (accuracy, epochs, throughput, network, dataset, precision).
std::vector<std::pair<std::string, std::string>> summary(const ReportData& data);
/// Seeds, versions and the machine.
std::vector<std::pair<std::string, std::string>> provenance(const ReportData& data);
/// Measured bytes per part (KiB) and the rule-state table (TP vs BPTT etc., model vs measured).
Table memoryPartsTable(const ReportData& data);
Table memoryModelTable(const ReportData& data);

std::string renderHtml(const ReportData& data);

/// What a comparison report shows: finished runs of one experiment (same network, data and
/// seed) under different rules, read with loadReportData.
struct ComparisonData {
    std::vector<ReportData> runs;
    std::vector<std::string> labels;  ///< per run: its rule ("tp"; a repeated rule "tp-2")
    std::string name() const { return runs.front().name(); }
};

/// Reads the run folders (2 or more). ConfigError when fewer than two are given or when a run's
/// experiment differs from the first's in anything but the rule and run settings other than
/// the seed (epochs, lr, threads...), naming the run folder, the field and both values.
ComparisonData loadComparisonData(const std::vector<std::string>& runDirs);

/// Accuracy (test solid, train dashed, one colour per run), local loss per hidden layer (rules
/// without local losses named in the title), readout loss, training throughput.
std::vector<LineChart> comparisonCharts(const ComparisonData& data);
/// Measured bytes (MiB) per run, stacked by part: weights, optimizer, rule state, buffers.
BarChart comparisonMemoryChart(const ComparisonData& data);
/// Experiment, description, dataset, network, seeds, epochs/batch/lr, the machine.
std::vector<std::pair<std::string, std::string>> comparisonSetup(const ComparisonData& data);
/// Per run: rule, best and final test accuracy, final train accuracy, samples/s, s/epoch,
/// measured MiB in total.
Table comparisonSummaryTable(const ComparisonData& data);
/// Per run: measured MiB by part (summed over the network's parts) and in total.
Table comparisonMemoryTable(const ComparisonData& data);
/// One row per run and epoch (see writeComparisonReport).
std::string comparisonCsv(const ComparisonData& data);

std::string renderComparisonHtml(const ComparisonData& data);
std::string renderComparisonPdf(const ComparisonData& data);
} // namespace tp::report
