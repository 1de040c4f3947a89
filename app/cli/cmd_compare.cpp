// `traceprop-cli compare EXP --rules tp,bptt,eprop`: the experiment trained under each rule (same
// seed and data, one after another) through the sweep's run path (RunExecutor: one folder per
// run, the dataset opened once, a complete run skipped on a second invocation), then one
// comparison report of the runs.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "commands.h"
#include "core/errors.h"
#include "registry.h"
#include "report/report.h"
#include "rules/registry.h"
#include "sweep_driver.h"

namespace tp::cli {

namespace {

/// The rules of "tp,bptt,eprop", checked against the experiment: 2 to 5 distinct registered
/// rules that train its layers. ConfigError (exit 2) listing the known rules otherwise.
std::vector<std::string> parseRules(const std::string& list, const Experiment& exp)
{
    std::vector<std::string> rules;
    std::istringstream in(list);
    for (std::string name; std::getline(in, name, ',');) {
        if (name.empty())
            continue;
        if (!findRule(name))
            throw ConfigError("--rules: unknown rule '" + name + "' (known: " + ruleNames() + ")");
        if (std::find(rules.begin(), rules.end(), name) != rules.end())
            throw ConfigError("--rules: '" + name + "' is named twice");
        if (!trainsLayers(*findRule(name), exp.network))
            throw ConfigError("--rules: " + name + " does not train this experiment's layers (it trains " +
                              findRule(name)->layerKindsText() + ")");
        rules.push_back(name);
    }
    if (rules.size() < 2 || rules.size() > 5)
        throw ConfigError("--rules: a comparison takes 2 to 5 rules, not " + std::to_string(rules.size()) +
                          " (known: " + ruleNames() + ")");
    return rules;
}

} // namespace

Runner addCompare(CLI::App& app)
{
    struct Options {
        std::string file, rules, out;
        std::vector<std::string> sets;
        int threads = -1;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON), e.g. resources/experiments/randman.json")->required();
    app.add_option("--rules", o->rules, "2 to 5 rules, comma-separated, e.g. tp,bptt,eprop")->required();
    app.add_option("--out", o->out,
                   "comparison folder: one run folder per rule (OUT/tp, ...) and the report OUT/report "
                   "(default: NAME-compare, NAME the experiment's)");
    app.add_option("--set", o->sets, "override a field of every run: key.path=value (repeatable), e.g. run.epochs=3");
    app.add_option("--threads", o->threads, "worker threads per run (0 = all cores); overrides run.threads")
        ->check(CLI::Range(0, 1024));
    return [o] {
        const Experiment exp = loadWithOverrides(o->file, o->sets, o->threads);
        const std::vector<std::string> rules = parseRules(o->rules, exp);
        SweepJob job;
        job.spec.file = job.spec.experiment_file = o->file;
        job.spec.base_overrides = o->sets;
        job.threads = o->threads;
        job.out = o->out.empty() ? (exp.name.empty() ? std::string("experiment") : exp.name) + "-compare" : o->out;
        for (const auto& rule : rules) {
            SweepRun run;
            run.index = int(job.spec.runs.size());
            run.name = run.group = rule;
            run.values = {{"rule.name", rule}};
            run.overrides = {"rule.name=" + rule};
            job.spec.runs.push_back(run);
        }
        std::printf("compare %s: %zu rules into %s\n", o->file.c_str(), rules.size(), job.out.c_str());
        std::fflush(stdout);
        RunExecutor executor(job);
        std::vector<std::string> dirs;
        bool failed = false;
        for (std::size_t i = 0; i < rules.size(); ++i) {
            bool skipped = false;
            const RunOutcome outcome = executor.run(int(i), 0, 1, &skipped);
            failed = failed || !outcome.error.empty();
            std::printf("%s\n", runLine(job.spec.runs[i], outcome, skipped).c_str());
            std::fflush(stdout);
            dirs.push_back((std::filesystem::path(job.out) / rules[i]).string());
        }
        if (failed) {
            std::printf("no report: a run failed\n");
            return kExitRunFailure;
        }
        const std::string report = writeComparisonReport(dirs, (std::filesystem::path(job.out) / "report").string());
        std::printf("report written to %s (index.html, report.pdf, comparison.csv, comparison.h5)\n", report.c_str());
        return kExitOk;
    };
}

} // namespace tp::cli
