#include "commands.h"

#include <iostream>

#include "core/errors.h"
#include "nn/kernels.h"

namespace tp::cli {

int run(int argc, char** argv)
{
    CLI::App app{"traceprop-cli: train spiking networks with Traces Propagation (headless)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", [] {
        std::string kernels;
        try {
            kernels = kern::activeDescription();
        } catch (const kern::KernelError& e) {
            kernels = e.what();
        }
        return std::string(TP_VERSION) + "\nkernels: " + kernels;
    });
    std::vector<std::pair<CLI::App*, Runner>> commands;
    auto add = [&](const char* name, const char* help, Runner (*make)(CLI::App&)) {
        CLI::App* sub = app.add_subcommand(name, help);
        commands.emplace_back(sub, make(*sub));
    };
    add("train", "train an experiment file and write metrics, results.h5 and checkpoints", addTrain);
    add("eval", "evaluate trained weights (results.h5 or a checkpoint) on the test split", addEval);
    add("export-nir", "write a trained network (run folder or checkpoint) as a NIR graph (HDF5) for other SNN tools",
        addExportNir);
    add("import-nir", "build an experiment and its initial weights from a NIR graph (to evaluate or train it)",
        addImportNir);
    add("verify-golden", "replay a golden-vector file and compare every recorded array", addVerifyGolden);
    add("bench", "training throughput on synthetic inputs of a named shape", addBench);
    add("dataset", "inspect a dataset: info, frames", addDataset);
    add("sweep", "run a grid/list of experiment overrides (serially, or spread over MPI ranks) + statistics", addSweep);
    add("finetune", "few-shot fine-tuning of a trained network on a held-out speaker or class subset", addFinetune);
    add("memory", "analytic vs measured rule-state memory of every registered rule, e-prop and an aux-matrix rule", addMemory);
    add("help", "what this build has: help rules | formats | params", addHelp);
    add("report", "write a self-contained report (HTML, PDF, CSV, JSON, HDF5) of a finished run, or one comparing "
                  "several runs", addReport);
    add("compare", "train an experiment under 2 to 5 rules (same seed and data) and write one comparison report",
        addCompare);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitBadInput;
    }
    try {  // a bad TP_KERNELS is bad input, reported before any work starts
        kern::active();
    } catch (const kern::KernelError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitBadInput;
    }
    for (auto& [sub, runner] : commands) {
        if (!sub->parsed())
            continue;
        try {
            return runner();
        } catch (const InputError& e) {  // ConfigError, FormatError, IoError
            std::cerr << "error: " << e.what() << "\n";
            return kExitBadInput;
        } catch (const DivergenceError& e) {
            std::cerr << "run stopped: " << e.what() << "\n";
            return kExitRunFailure;
        } catch (const std::exception& e) {
            std::cerr << "run failed: " << e.what() << "\n";
            return kExitRunFailure;
        }
    }
    return kExitBadInput;
}

} // namespace tp::cli
