#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/errors.h"
#include "registry.h"
#include "speakers.h"
#include "train/finetune.h"
#include "train/sweep.h"

namespace tp::cli {

Runner addFinetune(CLI::App& app)
{
    struct Options {
        std::string file, weights, support = "1", speaker, split = "test";
        std::vector<int> classes;
        std::vector<std::string> sets;
        double query = 0.2, lr = 1e-4;
        std::uint64_t seed = 42;
        int seeds = 1, epochs = 3, batch = 0, threads = -1;
        bool json = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file the network was trained with")->required();
    app.add_option("--from", o->weights, "results.h5 or checkpoint.h5 of the trained run")->required();
    app.add_option("--support", o->support, "shots per class in the support set: a number or 'all'");
    app.add_option("--speaker", o->speaker, "held-out speaker whose recordings form the pool (SHD/digits: the id, GSC: "
                                            "the file prefix)");
    app.add_option("--classes", o->classes, "pool = samples of these classes (alone, or with --speaker)")->delimiter(',');
    app.add_option("--split", o->split, "split the pool is taken from")->check(CLI::IsMember({"test", "train"}));
    app.add_option("--query", o->query, "share of each class's pool in the query set")->check(CLI::Range(0.01, 0.99));
    app.add_option("--seed", o->seed, "seed of the support/query split and the fine-tuning shuffle");
    app.add_option("--seeds", o->seeds, "repeat with seeds seed, seed+1, ... and report mean +- std")
        ->check(CLI::Range(1, 1000));
    app.add_option("--epochs", o->epochs, "fine-tuning epochs (fresh Adam, cosine schedule)")->check(CLI::Range(1, 10000));
    app.add_option("--lr", o->lr, "fine-tuning learning rate")->check(CLI::PositiveNumber);
    app.add_option("--batch", o->batch, "batch size (0 = the whole support set, at most 1024)")->check(CLI::Range(0, 65536));
    app.add_option("--set", o->sets, "override a field of the experiment: key.path=value (repeatable)");
    app.add_option("--threads", o->threads, "worker threads (0 = all cores)")->check(CLI::Range(0, 1024));
    app.add_flag("--json", o->json, "one JSON object per seed, then one with the means");
    return [o] {
        int shots = 0;
        if (o->support != "all") {
            try {
                std::size_t used = 0;
                shots = std::stoi(o->support, &used);
                if (used != o->support.size() || shots < 1)
                    throw std::invalid_argument("");
            } catch (const std::exception&) {
                throw ConfigError("--support: expected a positive number of shots or 'all', got '" + o->support + "'");
            }
        }
        if (o->speaker.empty() && o->classes.empty())
            throw ConfigError("finetune needs a pool: --speaker ID and/or --classes LIST");
        const Experiment exp = loadWithOverrides(o->file, o->sets, o->threads);
        const auto data = openExperimentData(exp, o->file);
        const Split split = o->split == "train" ? Split::Train : Split::Test;
        const std::vector<std::size_t> pool = fewShotPool(exp.dataset, *data, split, o->speaker, o->classes);
        std::vector<double> before, after;
        for (int s = 0; s < o->seeds; ++s) {
            FinetuneOptions fo;
            fo.shots = shots;
            fo.query_fraction = o->query;
            fo.seed = o->seed + std::uint64_t(s);
            fo.epochs = o->epochs;
            fo.lr = o->lr;
            fo.batch = o->batch;
            fo.threads = exp.run.threads;
            const FinetuneResult r = finetune(exp, *data, split, pool, o->weights, fo);
            before.push_back(100 * r.before_accuracy);
            after.push_back(100 * r.after_accuracy);
            if (o->json)
                std::cout << nlohmann::json{{"seed", fo.seed},
                                            {"shots", o->support},
                                            {"pool", pool.size()},
                                            {"support", r.support_size},
                                            {"query", r.query_size},
                                            {"dropped_classes", r.dropped_classes},
                                            {"before_accuracy", r.before_accuracy},
                                            {"after_accuracy", r.after_accuracy},
                                            {"query_accuracy", r.query_accuracy}}
                                 .dump()
                          << std::endl;
            else
                std::printf("seed %llu: pool %zu, support %zu (%s shot%s), query %zu: before %.2f%%, after %.2f%%\n",
                            static_cast<unsigned long long>(fo.seed), pool.size(), r.support_size, o->support.c_str(),
                            shots == 1 ? "" : "s", r.query_size, before.back(), after.back());
        }
        const auto [bm, bs] = meanStd(before);
        const auto [am, as] = meanStd(after);
        if (o->json)
            std::cout << nlohmann::json{{"seeds", o->seeds}, {"before_mean_pct", bm}, {"before_std_pct", bs},
                                        {"after_mean_pct", am}, {"after_std_pct", as}}
                             .dump()
                      << std::endl;
        else
            std::printf("query accuracy over %d seed%s: before %.2f +- %.2f%%, after %.2f +- %.2f%%\n", o->seeds,
                        o->seeds == 1 ? "" : "s", bm, bs, am, as);
        return kExitOk;
    };
}

} // namespace tp::cli
