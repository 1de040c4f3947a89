#pragma once
/// traceprop-cli subcommands. Exit codes: 0 success, 2 bad input or configuration,
/// 1 failure during the run.
#include <CLI/CLI.hpp>

namespace tp::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailure = 1;
inline constexpr int kExitBadInput = 2;

/// Parses the command line and runs one subcommand.
int run(int argc, char** argv);

/// Each subcommand registers its options on `app` and returns the function that runs it.
using Runner = std::function<int()>;
Runner addVerifyGolden(CLI::App& app);
Runner addTrain(CLI::App& app);
Runner addEval(CLI::App& app);
Runner addBench(CLI::App& app);
Runner addDataset(CLI::App& app);
Runner addMemory(CLI::App& app);
Runner addReport(CLI::App& app);
Runner addCompare(CLI::App& app);
Runner addSweep(CLI::App& app);
Runner addFinetune(CLI::App& app);
Runner addHelp(CLI::App& app);
Runner addExportNir(CLI::App& app);
Runner addImportNir(CLI::App& app);

} // namespace tp::cli

#include <memory>

#include "config/experiment.h"
#include "core/dataset.h"

namespace tp::cli {
/// Load an experiment file with --set overrides (and --threads when >= 0), validating the dataset too.
Experiment loadWithOverrides(const std::string& file, const std::vector<std::string>& sets, int threads);
/// Open (or generate) the experiment's dataset; configuration errors name `file`.
std::unique_ptr<Dataset> openExperimentData(const Experiment& exp, const std::string& file);
} // namespace tp::cli
