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

/// Accuracy, local losses, firing rates, throughput (in this order).
std::vector<LineChart> lineCharts(const ReportData& data);
HeatMap confusionHeatMap(const ReportData& data);


std::string renderPdf(const ReportData& data);

/// The summary (accuracy, epochs, throughput, network, dataset, precision).
std::vector<std::pair<std::string, std::string>> summary(const ReportData& data);
/// Seeds, versions and the machine.
std::vector<std::pair<std::string, std::string>> provenance(const ReportData& data);
/// Measured bytes per part (KiB) and the rule-state table (TP vs BPTT etc., model vs measured).
Table memoryPartsTable(const ReportData& data);
Table memoryModelTable(const ReportData& data);

std::string renderHtml(const ReportData& data);
} // namespace tp::report
