#include <cstdio>

#include "commands.h"
#include "registry.h"
#include "report/report.h"

namespace tp::cli {

Runner addReport(CLI::App& app)
{
    struct Options {
        std::vector<std::string> runs;
        std::string out;
        int threads = 0;
    };
    auto o = std::make_shared<Options>();
    app.add_option("RUN_DIR", o->runs,
                   "a finished run folder (train --out): metrics.csv, metrics.json, results.h5; several folders "
                   "(runs of one experiment under different rules): one comparison report")
        ->required();
    app.add_option("--out", o->out,
                   "report folder (default RUN_DIR/report; for several runs 'report' beside the first); replaced "
                   "atomically if it exists");
    app.add_option("--threads", o->threads, "worker threads when the confusion matrix must be computed (0 = all cores)")
        ->check(CLI::Range(0, 1024));
    return [o] {
        if (o->runs.size() > 1) {
            const std::string dir = writeComparisonReport(o->runs, o->out);
            std::printf("comparison report of %zu runs written to %s (index.html, report.pdf, comparison.csv, "
                        "comparison.h5)\n",
                        o->runs.size(), dir.c_str());
            return kExitOk;
        }
        ReportOptions options;
        options.threads = o->threads;
        options.open_dataset = [](const Experiment& e) { return openDataset(e.dataset); };
        const std::string dir = writeReport(o->runs.front(), o->out, options);
        std::printf("report written to %s (index.html, report.pdf, metrics.csv, metrics.json, results.h5)\n",
                    dir.c_str());
        return kExitOk;
    };
}

} // namespace tp::cli
