#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "commands.h"
#include "core/errors.h"
#include "io/atomic_file.h"
#include "registry.h"
#include "sweep_driver.h"

namespace tp::cli {

namespace fs = std::filesystem;

bool launchedUnderMpi()
{
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
        if (std::getenv(var))
            return true;
    return false;
}

Experiment RunExecutor::experiment(int index) const
{
    std::vector<std::string> extra;
    if (m_job.threads >= 0)
        extra.push_back("run.threads=" + std::to_string(m_job.threads));
    return sweepExperiment(m_job.spec, m_job.spec.runs.at(std::size_t(index)), validateDatasetSpec, extra);
}

std::optional<RunOutcome> RunExecutor::completed(int index) const
{
    const auto& run = m_job.spec.runs.at(std::size_t(index));
    return completedRun((fs::path(m_job.out) / run.name).string(), experiment(index));
}

RunOutcome RunExecutor::run(int index, int rank, int attempt, bool* skipped)
{
    const SweepRun& run = m_job.spec.runs.at(std::size_t(index));
    const Experiment exp = experiment(index);
    const std::string dir = (fs::path(m_job.out) / run.name).string();
    if (auto done = completedRun(dir, exp)) {
        *skipped = true;
        return *done;
    }
    *skipped = false;
    fs::create_directories(dir);
    {
        char host[256] = "?";
        gethostname(host, sizeof host - 1);
        const nlohmann::json owner{{"rank", rank}, {"pid", long(getpid())}, {"host", host}, {"attempt", attempt}};
        const std::string file = (fs::path(dir) / "owner.json").string();
        writeFileAtomically(file, owner.dump() + "\n");
    }
    auto provider = [this](const Experiment& e) -> const Dataset& {
        const std::string key = toJson(e)["dataset"].dump();
        if (!m_dataset || key != m_datasetKey) {
            m_dataset.reset();
            m_dataset = openExperimentData(e, m_job.spec.experiment_file);
            m_datasetKey = key;
        }
        return *m_dataset;
    };
    return executeRun(exp, run, dir, provider);
}

std::string runLine(const SweepRun& run, const RunOutcome& o, bool skipped, const std::string& suffix)
{
    char buf[256];
    if (!o.error.empty())
        return "run " + run.name + ": failed: " + o.error + suffix;
    std::snprintf(buf, sizeof buf, "run %s: best %.2f%% (epoch %d), final %.2f%%%s%s", run.name.c_str(), 100 * o.best,
                  o.best_epoch, 100 * o.final, skipped ? " (complete from an earlier invocation)" : "",
                  suffix.c_str());
    return buf;
}

int finishSweep(const SweepJob& job, const std::vector<std::optional<RunOutcome>>& outcomes)
{
    writeSummary(job.out, job.spec, outcomes);
    int missing = 0, failed = 0;
    for (const auto& o : outcomes) {
        if (!o)
            ++missing;
        else if (!o->error.empty())
            ++failed;
    }
    std::printf("%-40s %5s  %-22s %-16s %-16s\n", "group", "runs", "top-k best (%)", "mean best (%)",
                "mean final (%)");
    for (const auto& g : summarize(job.spec, outcomes)) {
        char top[64], best[32], fin[32];
        std::snprintf(top, sizeof top, "%.2f +- %.2f (k=%d)", g.top_mean_pct, g.top_std_pct, g.top_k);
        std::snprintf(best, sizeof best, "%.2f +- %.2f", g.best_mean_pct, g.best_std_pct);
        std::snprintf(fin, sizeof fin, "%.2f +- %.2f", g.final_mean_pct, g.final_std_pct);
        std::printf("%-40s %5d  %-22s %-16s %-16s\n", g.group.empty() ? "all" : g.group.c_str(), g.runs, top, best,
                    fin);
    }
    std::printf("summary: %s/summary.{csv,json,md}; %zu runs, %d failed, %d not run\n", job.out.c_str(),
                outcomes.size(), failed, missing);
    std::fflush(stdout);
    return failed || missing ? kExitRunFailure : kExitOk;
}

#ifndef TP_HAVE_MPI
int runSweepMpi(SweepJob&)
{
    throw ConfigError("this traceprop-cli was built without MPI (install libopenmpi-dev and rebuild); "
                      "run the sweep without mpirun");
}

int trainDataParallel(const Experiment&, const std::string&, const std::string&, bool, bool)
{
    throw ConfigError("--data-parallel: this traceprop-cli was built without MPI (install libopenmpi-dev and rebuild)");
}
#endif

Runner addSweep(CLI::App& app)
{
    struct Options {
        std::string file, out;
        std::vector<std::string> sets;
        int threads = -1;
        double lost_after_s = 30;
    };
    auto o = std::make_shared<Options>();
    app.add_option("SWEEP", o->file, "sweep file (JSON): base experiment + grid/list of overrides")->required();
    app.add_option("--out", o->out, "sweep folder: one folder per run, summary.csv/json/md")->required();
    app.add_option("--set", o->sets, "override a field of every run: key.path=value (repeatable)");
    app.add_option("--threads", o->threads, "threads per run (0 = all cores; default: the experiment's, under mpirun the node's cores / its ranks)")
        ->check(CLI::Range(0, 1024));
    app.add_option("--lost-after", o->lost_after_s,
                   "under mpirun: seconds without a heartbeat after which a rank is lost and its run retried")
        ->check(CLI::Range(0.5, 86400.0));
    return [o] {
        SweepJob job;
        job.spec = loadSweep(o->file, o->sets, validateDatasetSpec);
        job.out = o->out;
        job.lost_after_s = o->lost_after_s;
        job.threads = o->threads;
        if (launchedUnderMpi()) {
            if (o->threads < 0) {  // share the cores among the ranks of this node
                const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
                const int ranks = local ? std::max(1, std::atoi(local)) : 1;
                job.threads = std::max(1, int(std::thread::hardware_concurrency()) / ranks);
            }
            return runSweepMpi(job);
        }
        RunExecutor executor(job);
        std::vector<std::optional<RunOutcome>> outcomes(job.spec.runs.size());
        std::printf("sweep %s: %zu runs into %s\n", o->file.c_str(), job.spec.runs.size(), job.out.c_str());
        for (std::size_t i = 0; i < job.spec.runs.size(); ++i) {
            bool skipped = false;
            outcomes[i] = executor.run(int(i), 0, 1, &skipped);
            std::printf("%s\n", runLine(job.spec.runs[i], *outcomes[i], skipped).c_str());
            std::fflush(stdout);
        }
        return finishSweep(job, outcomes);
    };
}

} // namespace tp::cli
