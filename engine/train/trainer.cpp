#include "train/trainer.h"

#include "train/memory_budget.h"
#include "rules/registry.h"
#include "train/memory_model.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <fstream>
#include <numbers>
#include <optional>

#include <tbb/task_arena.h>

#include "core/errors.h"
#include "io/h5.h"
#include "train/run_files.h"
#include "train/telemetry.h"

namespace tp {

double TrainResult::best_test_accuracy() const
{
    double best = 0;
    for (const auto& m : history)
        best = std::max(best, m.test_accuracy);
    return best;
}

std::int64_t ConfusionMatrix::total() const
{
    std::int64_t n = 0;
    for (auto c : counts)
        n += c;
    return n;
}

std::int64_t ConfusionMatrix::correct() const
{
    std::int64_t n = 0;
    for (int c = 0; c < classes; ++c)
        n += counts[std::size_t(c) * std::size_t(classes) + std::size_t(c)];
    return n;
}

double ConfusionMatrix::accuracy() const
{
    const std::int64_t n = total();
    return n ? double(correct()) / double(n) : 0.0;
}

double cosineLr(const RunSpec& run, int epoch)
{
    const double etaMin = run.lr_min_ratio * run.lr;
    return etaMin + (run.lr - etaMin) * (1.0 + std::cos(std::numbers::pi * epoch / run.epochs)) / 2.0;
}

TpConfig modelConfig(const Experiment& e, const Dataset& d)
{
    const auto& layers = e.network.layers;
    const bool conv = !layers.empty() && layers[0].type == "conv";
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const std::string field = "network.layers[" + std::to_string(i) + "].type";
        if (layers[i].type != "lif" && layers[i].type != "conv")
            throw ConfigError({{field, "'" + layers[i].type + "' layers are not in this build (lif or conv)"}});
        if ((layers[i].type == "conv") != conv)
            throw ConfigError({{field, "'" + layers[i].type + "' mixed with '" + layers[0].type +
                                           "' layers: a conv network has only conv layers (the readout is "
                                           "fully connected), a dense one only lif layers"}});
    }
    if (e.network.inputs != 0 && e.network.inputs != d.channels())
        throw ConfigError({{"network.inputs", "is " + std::to_string(e.network.inputs) + " but the dataset has " +
                                                  std::to_string(d.channels()) + " input channels (use 0 to take it from the dataset)"}});
    TpConfig c = TpConfig::fromExperiment(e, d.channels(), d.classes());
    c.input_shape = d.inputShape();
    if (std::int64_t(c.input_shape[0]) * c.input_shape[1] * c.input_shape[2] != d.channels())
        throw ConfigError("dataset '" + d.name() + "': input shape does not match its " +
                          std::to_string(d.channels()) + " channels");
    if (conv && c.input_shape[1] * c.input_shape[2] == 1)
        throw ConfigError({{"network.layers", "conv layers need a spatial input (the dataset '" + d.name() +
                                                  "' has no height and width)"}});
    return c;
}

/// run.batch clamped to the training split: a larger batch trains exactly the same one batch per
/// epoch, but would size every batch buffer (and TP's traces) for rows that never come.
static Experiment clampBatch(Experiment e, const Dataset& d, std::string& notice)
{
    const std::size_t n = d.size(Split::Train);
    if (n >= 2 && std::size_t(e.run.batch) > n) {
        notice = "run.batch " + std::to_string(e.run.batch) + " is larger than the training split (" +
                 std::to_string(n) + " samples): clamped to " + std::to_string(n) + " (one batch per epoch)";
        e.run.batch = int(n);
    }
    return e;
}

/// The config of the model to build, after checking that the run fits in this machine's memory.
static TpConfig checkedModelConfig(const Experiment& e, const Dataset& d)
{
    TpConfig c = modelConfig(e, d);
    int steps = 0;
    if (e.dataset.binning.contains("steps") && e.dataset.binning["steps"].is_number_integer())
        steps = e.dataset.binning["steps"].get<int>();
    MemoryEstimate estimate;
    try {
        estimate = estimateRunMemory(c, steps, e.run.precision == Precision::Float64 ? 8 : 4);
    } catch (const ConfigError&) {
        return c;  // a network the analytic model cannot size: no check
    }
    requireMemoryFits(estimate, availableMemory());
    return c;
}

Trainer::Trainer(Experiment experiment, const Dataset& dataset)
    : m_exp(clampBatch(std::move(experiment), dataset, m_notice)), m_data(dataset),
      m_model(makeModel(checkedModelConfig(m_exp, dataset), m_exp.run.precision))
{
    if (m_data.size(Split::Train) == 0)
        throw ConfigError("dataset '" + m_data.name() + "' has no training samples");
    m_model->initWeights(m_exp.run.seed);
    if (!m_exp.network.init_weights.empty()) {
        try {
            loadNetworkWeights(*m_model, m_exp.network.init_weights);
        } catch (const InputError& e) {  // name the field that sent us there
            throw ConfigError(std::vector<ConfigIssue>{{"network.init_weights", e.what()}});
        }
    }
}

/// The padded batch of `count` samples of a split, taken in `order` from `first`. Training
/// batches of epoch >= 0 take the dataset's augmented training samples.
static Batch gatherBatch(const Dataset& data, Split split, const std::vector<std::size_t>& order, std::size_t first,
                         std::size_t count, std::uint64_t seed = 0, int epoch = -1)
{
    std::vector<Sample> samples;
    samples.reserve(count);
    for (std::size_t i = first; i < first + count; ++i)
        samples.push_back(split == Split::Train && epoch >= 0 ? data.trainingSample(order[i], seed, epoch)
                                                               : data.sample(split, order[i]));
    std::vector<std::size_t> idx(count);
    for (std::size_t i = 0; i < count; ++i)
        idx[i] = i;
    return makeBatch(samples, idx, data.classes());
}

static int arenaThreads(int threads)
{
    return threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
}

/// Samples of a split that a pass uses: all of them, or only whole batches when the
/// dataset's reference pipeline drops the last incomplete batch (SHD: 2,176 of 2,264 test).
static std::size_t usedSamples(const Dataset& data, Split split, std::size_t batch)
{
    const std::size_t n = data.size(split);
    return data.dropLast() ? n / batch * batch : n;
}

double Trainer::evaluate(Split split, int threads)
{
    return confusion(split, threads).accuracy();
}

ConfusionMatrix Trainer::confusion(Split split, int threads)
{
    ConfusionMatrix cm;
    cm.classes = m_data.classes();
    cm.counts.assign(std::size_t(cm.classes) * std::size_t(cm.classes), 0);
    const std::size_t n = usedSamples(m_data, split, std::size_t(m_exp.run.batch));
    if (n == 0)
        return cm;
    tbb::task_arena arena(arenaThreads(threads));
    const auto order = epochOrder(n, 0, 0, false);
    const std::size_t B = std::size_t(m_exp.run.batch);
    for (std::size_t start = 0; start < n; start += B) {
        const Batch batch = gatherBatch(m_data, split, order, start, std::min(n, start + B) - start);
        BatchStats s;
        arena.execute([&] { s = m_model->evaluate(batch); });
        for (std::size_t b = 0; b < s.predictions.size(); ++b)
            ++cm.counts[std::size_t(batch.labels[b]) * std::size_t(cm.classes) + std::size_t(s.predictions[b])];
    }
    return cm;
}

/// The first non-finite loss of a batch ("readout loss", "layer 2 local loss"), or nullopt.
static std::optional<std::string> nonFiniteLoss(const BatchStats& s)
{
    if (!std::isfinite(s.readout_loss_sum))
        return "the readout loss is " + std::to_string(s.readout_loss_sum);
    for (std::size_t l = 0; l < s.layer_loss_sum.size(); ++l)
        if (!std::isfinite(s.layer_loss_sum[l]))
            return "the local loss of layer " + std::to_string(l + 1) + " is " + std::to_string(s.layer_loss_sum[l]);
    return std::nullopt;
}

/// Layer l's local loss of a batch; 0 for a rule without local losses (an empty layer_loss_sum).
static double layerLoss(const BatchStats& s, std::size_t l)
{
    return l < s.layer_loss_sum.size() ? s.layer_loss_sum[l] : 0.0;
}

static std::string describe(const NonFiniteArray& bad)
{
    return bad.array + " (" + bad.layer + ") holds " + std::to_string(bad.count) + " of " + std::to_string(bad.size) +
           " values NaN or Inf";
}

/// The error that ends a diverged run: what went non-finite, where, and which checkpoint is left.
static DivergenceError divergence(const std::string& what, std::int64_t step, int epoch, std::size_t batch,
                                  std::size_t batches, const std::vector<EpochMetrics>& history,
                                  const std::string& out_dir)
{
    std::string msg = "the run diverged at training step " + std::to_string(step) + " (epoch " +
                      std::to_string(epoch) + ", batch " + std::to_string(batch) + " of " + std::to_string(batches) +
                      "): " + what + "; " +
                      (step > 1 ? "weights, Adam state and losses were all finite after step " + std::to_string(step - 1)
                                : std::string("the initial weights were finite")) +
                      ". ";
    if (out_dir.empty())
        msg += "Nothing was written. ";
    else if (history.empty())
        msg += "No checkpoint was written (none had finished). ";
    else
        msg += "checkpoint.h5 keeps epoch " + std::to_string(history.back().epoch) +
               " (all finite; --resume continues from it). ";
    return DivergenceError(msg + "Lower the learning rate or check the input and surrogate scales.");
}

TrainResult Trainer::run(const TrainOptions& opt)
{
    using Clock = std::chrono::steady_clock;
    TrainResult result;
    RunFiles files(opt.out_dir, m_exp, opt.resume, opt.overwrite);
    if (opt.resume) {
        result.history = files.loadCheckpoint(*m_model, result.memory);
        result.first_epoch = int(result.history.size()) + 1;
        // The metrics files may be an epoch behind the checkpoint (the run stopped between their
        // renames); when it holds the last epoch, no saveEpoch below would rewrite them.
        files.saveMetrics(result.history, result.memory);
    }
    tbb::task_arena arena(arenaThreads(m_exp.run.threads));
    const int epochs = m_exp.run.epochs;
    const std::size_t B = std::size_t(m_exp.run.batch);
    const std::size_t nTrain = usedSamples(m_data, Split::Train, B);
    if (nTrain == 0)
        throw ConfigError("the training split has fewer samples than one batch (dataset drops incomplete batches)");
    const std::size_t batches = (nTrain + B - 1) / B;
    const auto runStart = Clock::now();
    std::size_t batchesDone = 0;
    const std::size_t batchesTotal = batches * std::size_t(std::max(0, epochs - result.first_epoch + 1));
    // Measured once, on the first full batch of the run (a resumed run keeps the original's).
    bool memoryTaken = !result.memory.empty();
    int memorySteps = 0;  // T of the batch memory() was read on (0: loaded from a checkpoint)
    ConfusionMatrix testConfusion;  // of the last epoch's test pass, for results.h5
    int runSteps = 0;  // the longest training batch (T of the memory table in results.h5)
    Telemetry* const tel = opt.telemetry;
    double lrScale = 1.0;  // a rate set by hand scales the rest of the schedule
    std::int64_t step = std::int64_t(result.first_epoch - 1) * std::int64_t(batches);  // training steps so far
    if (!result.history.empty() && result.first_epoch >= 2) {  // a resumed run keeps a hand-set rate's scale (1 otherwise)
        const double scheduled = cosineLr(m_exp.run, result.first_epoch - 2);
        if (scheduled > 0)
            lrScale = result.history.back().lr / scheduled;
    }

    for (int epoch = result.first_epoch - 1; epoch < epochs; ++epoch) {
        double lr = cosineLr(m_exp.run, epoch) * lrScale;
        // Shuffle all samples, then use the first nTrain (drop_last drops the tail of the order).
        const auto order = epochOrder(m_data.size(Split::Train), m_exp.run.seed, epoch, m_exp.run.shuffle);
        EpochMetrics m;
        m.epoch = epoch + 1;
        m.lr = lr;
        const auto& layers = m_model->config().layers;
        m.layer_loss.assign(layers.size(), 0.0);
        m.firing_rate.assign(layers.size(), 0.0);
        double steps = 0, neuronSteps = 0;
        int correct = 0, trained = 0;
        const auto epochStart = Clock::now();
        // The next batch is assembled (and augmented) on another thread while this one trains.
        auto assemble = [&, epoch](std::size_t bi) {
            const std::size_t begin = bi * B, end = std::min(nTrain, begin + B);
            return gatherBatch(m_data, Split::Train, order, begin, end - begin, m_exp.run.seed, epoch);
        };
        std::future<Batch> next = std::async(std::launch::async, assemble, std::size_t(0));
        for (std::size_t bi = 0; bi < batches; ++bi) {
            const Batch batch = next.get();
            if (bi + 1 < batches)
                next = std::async(std::launch::async, assemble, bi + 1);
            if (opt.stop.stop_requested() || (tel && !tel->awaitBatch(opt.stop))) {
                result.stopped = true;
                return result;
            }
            bool lrChanged = false;
            if (const auto newLr = tel ? tel->takeLearningRate() : std::nullopt) {
                const double scheduled = cosineLr(m_exp.run, epoch);
                lrScale = scheduled > 0 ? *newLr / scheduled : 1.0;
                lr = m.lr = *newLr;
                m.lr_changes.push_back({bi + 1, lr});
                lrChanged = true;
            }
            const std::size_t end = std::min(nTrain, bi * B + B);
            if (batch.size < 2)
                continue;  // a trailing single sample cannot form a contrastive batch
            BatchStats s;
            ++step;
            const auto probeRequest = tel ? tel->probeDue(step) : nullptr;
            std::shared_ptr<Probe> probe;
            try {
                if (probeRequest) {
                    probe = std::make_shared<Probe>();
                    arena.execute([&] { s = m_model->trainProbed(batch, lr, *probeRequest, *probe); });
                } else {
                    arena.execute([&] { s = m_model->train(batch, lr); });
                }
            } catch (const DivergenceError& e) {  // a loss or weight check inside the engine
                const auto bad = m_model->firstNonFinite();
                throw divergence(bad ? describe(*bad) : std::string(e.what()), step, epoch + 1, bi + 1, batches,
                                 result.history, opt.out_dir);
            }
            // Weights, Adam state and losses of every batch: the run stops at the first non-finite
            // value, before it reaches a checkpoint (the last one written stays finite).
            if (const auto bad = m_model->firstNonFinite())
                throw divergence(describe(*bad), step, epoch + 1, bi + 1, batches, result.history, opt.out_dir);
            if (const auto loss = nonFiniteLoss(s))
                throw divergence(*loss, step, epoch + 1, bi + 1, batches, result.history, opt.out_dir);
            if (probe) {
                probe->step = step;
                probe->epoch = epoch + 1;
                if (!probe->empty() || !tel->probesPublished())
                    tel->publish(std::move(probe));
            }
            runSteps = std::max(runSteps, int(batch.steps));
            if (!memoryTaken && batch.size == m_exp.run.batch) {
                result.memory = m_model->memory();
                memoryTaken = true;
                memorySteps = batch.steps;
            }
            correct += s.correct;
            trained += s.samples;
            steps += s.steps;
            for (std::size_t l = 0; l < layers.size(); ++l) {
                m.layer_loss[l] += layerLoss(s, l);
                m.firing_rate[l] += s.spike_count[l] / double(layers[l].size);
            }
            neuronSteps += double(s.steps) * s.samples;
            m.readout_loss += s.readout_loss_sum;
            ++batchesDone;
            if (tel) {
                Telemetry::StepSample t;
                t.step = step;
                t.epoch = epoch + 1;
                t.batch = std::int32_t(bi + 1);
                t.batches = std::int32_t(batches);
                t.layers = std::int32_t(std::min<std::size_t>(layers.size(), Telemetry::kMaxLayers));
                t.lr = lr;
                t.lr_changed = lrChanged;
                t.readout_loss = float(s.readout_loss_sum / std::max(1, s.steps));
                t.accuracy = float(s.correct) / float(std::max(1, s.samples));
                for (int l = 0; l < t.layers; ++l) {
                    t.layer_loss[std::size_t(l)] = float(layerLoss(s, std::size_t(l)) / std::max(1, s.steps));
                    t.firing_rate[std::size_t(l)] = float(s.spike_count[std::size_t(l)] /
                                                          (double(layers[std::size_t(l)].size) * s.steps * s.samples));
                }
                tel->push(t);
                tel->countStep();
            }
            if (opt.on_progress) {
                Progress p;
                p.epoch = epoch + 1;
                p.epochs = epochs;
                p.batch = bi + 1;
                p.batches = batches;
                p.steps = batch.steps;
                p.elapsed_s = std::chrono::duration<double>(Clock::now() - runStart).count();
                p.samples_per_second = double(end) / std::chrono::duration<double>(Clock::now() - epochStart).count();
                p.eta_s = p.elapsed_s / double(batchesDone) * double(batchesTotal - batchesDone);
                opt.on_progress(p);
            }
        }
        m.train_seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
        for (auto& v : m.layer_loss)
            v /= std::max(1.0, steps);
        for (auto& v : m.firing_rate)
            v /= std::max(1.0, neuronSteps);
        m.readout_loss /= std::max(1.0, steps);
        m.train_accuracy = trained ? double(correct) / double(trained) : 0.0;
        m.samples_per_second = double(trained) / m.train_seconds;
        const auto testStart = Clock::now();
        testConfusion = confusion(Split::Test, m_exp.run.threads);
        m.test_accuracy = testConfusion.accuracy();
        m.test_confusion = testConfusion;
        m.test_seconds = std::chrono::duration<double>(Clock::now() - testStart).count();
        result.history.push_back(m);
        if (!memoryTaken) {  // no full batch in this dataset: measure what the smaller one allocated
            result.memory = m_model->memory();
            memoryTaken = true;
            memorySteps = runSteps;
        }
        files.saveEpoch(*m_model, result.history, result.memory);
        if (opt.on_epoch)
            opt.on_epoch(m);
    }
    if (!opt.out_dir.empty()) {
        // The analytic rule-state memory of TP, BPTT, e-prop and an aux-matrix rule at this run's
        // B, T and C, for results.h5 /memory_model, beside what this run's own rule allocated.
        // Nothing else is built or trained here: a TP run never allocates BPTT's T x B x H history.
        int T = runSteps;
        if (T == 0 && m_exp.dataset.binning.contains("steps") && m_exp.dataset.binning["steps"].is_number_integer())
            T = m_exp.dataset.binning["steps"].get<int>();
        if (T > 0)
            files.setMemoryTable(runMemoryTable(m_model->config(), m_exp.run.batch, T, result.memory, memorySteps,
                                                m_model->precision() == Precision::Float64 ? 8 : 4));
    }
    if (!opt.out_dir.empty()) {
        if (testConfusion.classes == 0)  // resumed after the last epoch: score the final weights now
            testConfusion = confusion(Split::Test, m_exp.run.threads);
        files.setConfusion(testConfusion.classes, std::move(testConfusion.counts));
    }
    files.saveResults(*m_model, result.history, result.memory);
    return result;
}

void loadWeights(Model& model, const std::string& file)
{
    const h5::File f = h5::File::openRead(file);
    checkRunFileVersion(f);
    model.load(f, false);
}

void loadNetworkWeights(Model& model, const std::string& file)
{
    const h5::File f = h5::File::openRead(file);
    checkRunFileVersion(f);
    model.loadNetwork(f);
}

} // namespace tp
