#include <array>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>
#include <tbb/task_arena.h>

#include "commands.h"
#include "nn/kernels.h"
#include "core/sample.h"
#include "rules/model.h"
#include "rules/registry.h"

namespace tp::cli {

namespace {

struct Workload {
    const char* name;
    int inputs, classes, batch, steps;
    std::vector<LayerSpec> layers;
    double density, alpha, beta, v_th;
    std::array<int, 3> shape = {0, 1, 1};  ///< (C, H, W) of conv workloads
    int defaultBatches = 24, warmup = 2;
};

LayerSpec conv(int channels, const char* pool)
{
    LayerSpec l;
    l.type = "conv";
    l.size = channels;
    l.pool = pool;
    return l;
}

// Shapes of the paper's MLP benchmarks (tp-algorithm.md section 6) and of the Randman default.
const Workload kWorkloads[] = {
    {"nmnist-mlp", 2312, 10, 128, 100, {{"lif", 200, false}}, 0.006, 0.98, 0.98, 1.0},
    {"shd-rec", 700, 20, 128, 100, {{"lif", 450, true}}, 0.01, 0.85, 0.85, 0.5},
    // randman.json: 40 units x 4 spikes within 100 steps = 4% density.
    {"randman", 40, 10, 128, 100, {{"lif", 200, false}}, 0.04, 0.95, 0.95, 1.0},
    // VGG-9 of dvsgesture-vgg9.json on 2x32x32 frames, 11 classes, B 16, T 21 (1.575 s of 75 ms
    // frames), alpha/beta/v_th of DVS-Gesture (section 6.3); synthetic events at 2% of the
    // pixels per frame (DVS-like after 4x downsampling).
    {"dvsgesture-vgg9", 2 * 32 * 32, 11, 16, 21,
     {conv(64, "none"), conv(128, "max2"), conv(256, "none"), conv(256, "max2"), conv(512, "none"),
      conv(512, "max2"), conv(512, "none"), conv(512, "avgpool2x2")},
     0.02, 0.53, 0.98, 1.0, {2, 32, 32}, 2, 0},
    // The golden conv net's blocks (4 none, 6 max2, 8 avgpool2x2) on the same input.
    {"conv-small", 2 * 32 * 32, 11, 16, 21, {conv(4, "none"), conv(6, "max2"), conv(8, "avgpool2x2")},
     0.02, 0.53, 0.98, 1.0, {2, 32, 32}, 48, 1},
};

} // namespace

Runner addBench(CLI::App& app)
{
    struct Options {
        std::string workload = "nmnist-mlp", path = "auto", precision = "float32", rule = RuleSpec{}.name;
        int threads = 0, batches = 0;
        double gain = 1;
        bool json = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("--workload", o->workload,
                   "nmnist-mlp (2312-200-10, density 0.6%), shd-rec (700-450r-20, 1%), randman, dvsgesture-vgg9 "
                   "(VGG-9 conv on 2x32x32, B 16, T 21), conv-small (conv blocks 4/6/8 on 2x32x32)")
        ->check(CLI::IsMember({"nmnist-mlp", "shd-rec", "randman", "dvsgesture-vgg9", "conv-small"}));
    std::vector<std::string> rules;
    for (const LearningRule* r : learningRules())
        rules.push_back(r->name);
    app.add_option("--rule", o->rule, "learning rule: " + ruleNames())->check(CLI::IsMember(rules));
    app.add_option("--threads", o->threads, "worker threads (0 = all cores)")->check(CLI::Range(0, 1024));
    app.add_option("--path", o->path, "layer-input products: auto, dense or event")
        ->check(CLI::IsMember({"auto", "dense", "event"}));
    app.add_option("--precision", o->precision, "float32 or float64")->check(CLI::IsMember({"float32", "float64"}));
    app.add_option("--batches", o->batches, "timed batches after the warm-up (0 = the workload's default: 24 for the MLPs, 48 for "
                   "conv-small, 2 without warm-up for dvsgesture-vgg9); the same work for every setting")
        ->check(CLI::Range(0, 100000));
    app.add_option("--weight-gain", o->gain, "scale the initial weights (more hidden activity)")
        ->check(CLI::Range(0.01, 100.0));
    app.add_flag("--json", o->json, "one JSON object on stdout");
    return [o] {
        const Workload* w = nullptr;
        for (const auto& candidate : kWorkloads)
            if (o->workload == candidate.name)
                w = &candidate;
        TpConfig cfg;
        cfg.inputs = w->inputs;
        const bool isConv = w->shape[0] > 0;
        cfg.input_shape = isConv ? w->shape : std::array<int, 3>{w->inputs, 1, 1};
        if (isConv)
            cfg.norm = "weight";
        const int timed = o->batches > 0 ? o->batches : w->defaultBatches;
        cfg.classes = w->classes;
        cfg.max_batch = w->batch;
        cfg.layers = w->layers;
        cfg.neuron.alpha = w->alpha;
        cfg.neuron.beta = w->beta;
        cfg.neuron.v_th = w->v_th;
        cfg.rule.name = o->rule;
        cfg.path = o->path == "dense" ? ComputePath::Dense : o->path == "event" ? ComputePath::Event : ComputePath::Auto;
        const Precision precision = o->precision == "float64" ? Precision::Float64 : Precision::Float32;
        auto model = makeModel(cfg, precision);
        model->initWeights(1);
        if (o->gain != 1)
            model->scaleWeights(o->gain);
        std::vector<Batch> batches;
        for (int i = 0; i < 4; ++i)
            batches.push_back(syntheticBatch(w->batch, w->steps, w->inputs, w->classes, w->density, std::uint64_t(i + 1)));
        tbb::task_arena arena(o->threads > 0 ? o->threads : tbb::this_task_arena::max_concurrency());
        const int threads = arena.max_concurrency();
        double firing = 0, neuronSteps = 0;
        for (int i = 0; i < w->warmup; ++i)  // warm-up: allocations, caches, thread pool
            arena.execute([&] { model->train(batches[std::size_t(i) % batches.size()], 1e-4); });
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        const std::clock_t cpuStart = std::clock();  // process CPU time, all threads
        std::size_t done = 0;
        for (; done < std::size_t(timed); ++done) {
            BatchStats s;
            arena.execute([&] { s = model->train(batches[done % batches.size()], 1e-4); });
            firing += s.spike_count[0];  // conv: per channel plane (Model normalises by H*W)
            neuronSteps += double(s.samples) * s.steps * w->layers[0].size;
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double cpu = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
        const double sps = double(done * std::size_t(w->batch)) / elapsed;
        const auto [dense, event] = model->pathCounts();
        if (o->json) {
            std::cout << nlohmann::json{{"workload", w->name}, {"threads", threads}, {"samples_per_second", sps},
                                        {"rule", o->rule}, {"path", o->path}, {"precision", o->precision}, {"batches", done},
                                        {"seconds", elapsed}, {"cpu_seconds", cpu},
                                        {"samples_per_cpu_second", double(done * std::size_t(w->batch)) / cpu},
                                        {"hidden_firing_rate", firing / neuronSteps},
                                        {"dense_products", dense}, {"event_products", event}, {"kernels", kern::active().name}}
                             .dump()
                      << std::endl;
        } else {
            std::printf("%s: %.3g samples/s (%d threads, path %s, %s; %zu batches of %d x %d steps in %.1f s, "
                        "%.1f CPU-s; hidden firing rate %.4f; products dense %lld / event %lld; kernels %s)\n",
                        w->name, sps, threads, o->path.c_str(), o->precision.c_str(), done, w->batch, w->steps,
                        elapsed, cpu, firing / neuronSteps, (long long)dense, (long long)event, kern::active().name);
        }
        return kExitOk;
    };
}

} // namespace tp::cli
