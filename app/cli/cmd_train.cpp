#include <chrono>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/errors.h"
#include "registry.h"
#include "rules/registry.h"
#include "sweep_driver.h"
#include "train/run_files.h"
#include "train/trainer.h"

namespace tp::cli {

namespace {

std::string duration(double s)
{
    char buf[32];
    const long t = long(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    return buf;
}

/// Progress bar on a terminal (stderr), redrawn at most ~10 times a second.
class ProgressBar {
public:
    void update(const Progress& p)
    {
        const auto now = std::chrono::steady_clock::now();
        if (p.batch != p.batches && now - m_last < std::chrono::milliseconds(100))
            return;
        m_last = now;
        const int width = 30;
        const int filled = int(double(p.batch) / double(p.batches) * width);
        std::fprintf(stderr, "\r  epoch %d/%d [%.*s%*s] %zu/%zu  %.0f samples/s  ETA %s   ", p.epoch, p.epochs,
                     filled, "##############################", width - filled, "", p.batch, p.batches,
                     p.samples_per_second, duration(p.eta_s).c_str());
        std::fflush(stderr);
    }
    void clear() const { std::fprintf(stderr, "\r%*s\r", 100, ""); }

private:
    std::chrono::steady_clock::time_point m_last{};
};

void printEpoch(const EpochMetrics& m, bool json)
{
    if (json) {
        std::cout << RunFiles::epochJson(m).dump() << std::endl;
        return;
    }
    std::printf("epoch %3d  lr %.3g  loss", m.epoch, m.lr);
    for (auto v : m.layer_loss)
        std::printf(" %.4f", v);
    std::printf("  readout %.4f  train %.2f%%  test %.2f%%  %.0f samples/s\n", m.readout_loss,
                100 * m.train_accuracy, 100 * m.test_accuracy, m.samples_per_second);
    std::fflush(stdout);
}

} // namespace

Experiment loadWithOverrides(const std::string& file, const std::vector<std::string>& sets, int threads)
{
    std::vector<std::string> all = sets;
    if (threads >= 0)
        all.push_back("run.threads=" + std::to_string(threads));
    return loadExperiment(file, all, validateDatasetSpec);
}

std::unique_ptr<Dataset> openExperimentData(const Experiment& exp, const std::string& file)
{
    try {
        return openDataset(exp.dataset);
    } catch (const ConfigError& e) {
        throw ConfigError(e.issues(), file);  // name the experiment file in the message
    }
}

Runner addTrain(CLI::App& app)
{
    struct Options {
        std::string file, out;
        std::vector<std::string> sets;
        int threads = -1;
        bool resume = false, overwrite = false, json = false, dataParallel = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON), e.g. resources/experiments/randman.json")->required();
    app.add_option("--out", o->out, "run folder: metrics.csv, metrics.json, results.h5, checkpoint.h5");
    app.add_option("--set", o->sets, "override a field: key.path=value (repeatable), e.g. run.epochs=3");
    app.add_option("--threads", o->threads, "worker threads (0 = all cores); overrides run.threads")
        ->check(CLI::Range(0, 1024));
    app.add_flag("--resume", o->resume, "continue from the last checkpoint in --out");
    app.add_flag("--overwrite", o->overwrite,
                 "replace the run in a non-empty --out (its checkpoint.h5, results.h5 and metrics files are "
                 "removed first); without it, or --resume, a non-empty --out is refused");
    app.add_flag("--json", o->json, "one JSON object per epoch on stdout");
    app.add_flag("--data-parallel", o->dataParallel,
                 "under mpirun: each rank trains a slice of every batch, weights averaged after every batch");
    return [o] {
        const Experiment exp = loadWithOverrides(o->file, o->sets, o->threads);
        RunFiles::checkFolder(o->out, o->resume, o->overwrite);  // fail before generating or reading any data
        if (o->dataParallel) {
            if (!launchedUnderMpi() || o->resume)
                throw ConfigError("--data-parallel runs under mpirun (mpirun -n N traceprop-cli train ... "
                                  "--data-parallel) and without --resume");
            return trainDataParallel(exp, o->file, o->out, o->json, o->overwrite);
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto data = openExperimentData(exp, o->file);
        const double genSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!o->json)
            std::printf("%s: %s, %zu train / %zu test samples, %d classes, %d inputs (ready in %.1f s)\n",
                        exp.name.empty() ? o->file.c_str() : exp.name.c_str(), data->name().c_str(),
                        data->size(Split::Train), data->size(Split::Test), data->classes(), data->channels(),
                        genSeconds);
        Trainer trainer(exp, *data);
        if (!trainer.notice().empty())
            std::fprintf(stderr, "note: %s\n", trainer.notice().c_str());
        const bool tty = !o->json && isatty(STDERR_FILENO);
        ProgressBar bar;
        TrainOptions opt;
        opt.out_dir = o->out;
        opt.resume = o->resume;
        opt.overwrite = o->overwrite;
        if (tty)
            opt.on_progress = [&bar](const Progress& p) { bar.update(p); };
        opt.on_epoch = [&](const EpochMetrics& m) {
            if (tty)
                bar.clear();
            printEpoch(m, o->json);
        };
        const TrainResult r = trainer.run(opt);
        if (!o->json && !r.memory.empty()) {
            const LearningRule& rule = ruleOf(exp.rule.name);
            std::printf("memory (KiB)            weights  optimizer  rule state (%s)  buffers     total  model: %s\n",
                        rule.state_text, rule.state_formula);
            for (const auto& row : r.memory)
                std::printf("  %-20s %9.1f %10.1f %11.1f (%6.1f) %8.1f %9.1f %9.1f\n", row.part.c_str(),
                            row.weights_bytes / 1024.0, row.optimizer_bytes / 1024.0, row.rule_state_bytes / 1024.0,
                            row.trace_bytes / 1024.0, row.buffer_bytes / 1024.0, row.total() / 1024.0,
                            row.model_bytes / 1024.0);
        }
        if (!o->json) {
            if (r.first_epoch > 1)
                std::printf("resumed after epoch %d\n", r.first_epoch - 1);
            std::printf("best test accuracy %.2f%%, final %.2f%%%s%s\n", 100 * r.best_test_accuracy(),
                        r.history.empty() ? 0.0 : 100 * r.history.back().test_accuracy,
                        o->out.empty() ? "" : "; results in ", o->out.c_str());
        }
        return kExitOk;
    };
}

Runner addEval(CLI::App& app)
{
    struct Options {
        std::string file, weights;
        std::vector<std::string> sets;
        std::string split = "test";
        int threads = -1;
        bool json = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON) the weights were trained with")->required();
    app.add_option("--weights", o->weights,
                   "results.h5 or checkpoint.h5 of a run (default: the experiment's network.init_weights, e.g. of "
                   "import-nir)");
    app.add_option("--set", o->sets, "override a field: key.path=value (repeatable)");
    app.add_option("--split", o->split, "test or train")->check(CLI::IsMember({"test", "train"}));
    app.add_option("--threads", o->threads, "worker threads (0 = all cores)")->check(CLI::Range(0, 1024));
    app.add_flag("--json", o->json, "one JSON object on stdout");
    return [o] {
        const Experiment exp = loadWithOverrides(o->file, o->sets, o->threads);
        const auto data = openExperimentData(exp, o->file);
        if (o->weights.empty() && exp.network.init_weights.empty())
            throw ConfigError("eval needs --weights FILE (or an experiment whose network.init_weights names them)");
        Trainer trainer(exp, *data);  // with network.init_weights loaded
        if (!o->weights.empty())
            loadWeights(trainer.model(), o->weights);
        const Split split = o->split == "train" ? Split::Train : Split::Test;
        const ConfusionMatrix cm = trainer.confusion(split, exp.run.threads);
        const double acc = cm.accuracy();
        if (o->json)
            std::cout << nlohmann::json{{"split", o->split},
                                        {"samples", data->size(split)},
                                        {"accuracy", acc},
                                        {"confusion_matrix", cm.counts}}  // row = true label, classes x classes
                             .dump()
                      << std::endl;
        else
            std::printf("%s accuracy %.2f%% on %zu samples\n", o->split.c_str(), 100 * acc, data->size(split));
        return kExitOk;
    };
}

} // namespace tp::cli
