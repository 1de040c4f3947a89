// Telemetry (engine/train/telemetry.h): the SPSC ring and the snapshot slot under two threads,
// and the control surface (pause, step, learning rate, stop) and probes through the Trainer on
// a small built-in randman run.
#include <QtTest>

#include <fstream>
#include <numbers>
#include <numeric>
#include <thread>

#include "core/sample.h"
#include "registry.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "rules/tp/tp_network.h"
#include "train/run_files.h"
#include "train/telemetry.h"
#include "train/trainer.h"

using namespace tp;

namespace {

Telemetry::StepSample sampleOf(std::int64_t step)
{
    Telemetry::StepSample s;
    s.step = step;
    s.epoch = std::int32_t(step % 1000);
    s.layers = Telemetry::kMaxLayers;
    s.lr = double(step) * 0.5;
    for (int l = 0; l < Telemetry::kMaxLayers; ++l) {
        s.layer_loss[std::size_t(l)] = float(step % 4096 + l);
        s.firing_rate[std::size_t(l)] = float(step % 4096 - l);
    }
    return s;
}

bool consistent(const Telemetry::StepSample& s)
{
    if (s.epoch != std::int32_t(s.step % 1000) || s.lr != double(s.step) * 0.5)
        return false;
    for (int l = 0; l < Telemetry::kMaxLayers; ++l)
        if (s.layer_loss[std::size_t(l)] != float(s.step % 4096 + l) ||
            s.firing_rate[std::size_t(l)] != float(s.step % 4096 - l))
            return false;
    return true;
}

/// 10 classes x 24 samples (192 train, 48 test), batch 32: 6 batches per epoch; 40-64-10, T = 100.
Experiment smallRandman(int epochs)
{
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(TP_RESOURCES_DIR "/experiments/randman.json"));
    for (const char* set : {"dataset.samples_per_class=24", "run.batch=32", "network.layers.0.size=64",
                            "run.threads=1"})
        applyOverride(doc, set);
    applyOverride(doc, "run.epochs=" + std::to_string(epochs));
    return parseExperiment(doc, "randman.json", validateDatasetSpec);
}

constexpr std::int64_t kBatches = 6;

} // namespace

class TestTelemetry : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ringFullCountsDrops()
    {
        Telemetry t(3);  // rounded up to 4
        QCOMPARE(t.capacity(), std::size_t(4));
        for (int i = 1; i <= 6; ++i)
            QCOMPARE(t.push(sampleOf(i)), i <= 4);
        QCOMPARE(t.dropped(), std::uint64_t(2));
        std::vector<Telemetry::StepSample> out;
        QCOMPARE(t.drain(out, 3), std::size_t(3));
        QVERIFY(t.push(sampleOf(7)));
        QCOMPARE(t.drain(out), std::size_t(2));
        QCOMPARE(out.size(), std::size_t(5));
        const std::int64_t expect[] = {1, 2, 3, 4, 7};
        for (std::size_t i = 0; i < 5; ++i)
            QCOMPARE(out[i].step, expect[i]);
        Telemetry::StepSample s;
        QVERIFY(!t.pop(s));
    }

    void ringTwoThreads()
    {
        Telemetry t(64);
        constexpr std::int64_t kCount = 300000;
        std::atomic<bool> done{false};
        std::jthread producer([&] {
            for (std::int64_t i = 1; i <= kCount; ++i)
                t.push(sampleOf(i));
            done = true;
        });
        std::int64_t received = 0, last = 0, torn = 0, disorder = 0;
        Telemetry::StepSample s;
        for (;;) {
            const bool finished = done.load();
            while (t.pop(s)) {
                ++received;
                torn += !consistent(s);
                disorder += s.step <= last;
                last = s.step;
            }
            if (finished)
                break;
        }
        producer.join();
        QCOMPARE(torn, std::int64_t(0));
        QCOMPARE(disorder, std::int64_t(0));
        QCOMPARE(received + std::int64_t(t.dropped()), kCount);
        QVERIFY(received >= 64);
    }

    void slotLatestValueWins()
    {
        Telemetry t;
        QVERIFY(!t.takeProbe());
        for (int k = 1; k <= 3; ++k) {
            auto p = std::make_shared<Probe>();
            p->step = k;
            t.publish(p);
        }
        const auto p = t.takeProbe();
        QVERIFY(p);
        QCOMPARE(p->step, std::int64_t(3));
        QVERIFY(!t.takeProbe());
        QCOMPARE(t.probesPublished(), std::int64_t(3));

        // Two threads: every probe taken is whole (all arrays of one publication) and newer.
        constexpr int kCount = 20000;
        std::jthread producer([&] {
            for (int k = 1; k <= kCount; ++k) {
                auto q = std::make_shared<Probe>();
                q->step = k;
                q->steps = 64;
                q->input.assign(64, std::uint8_t(k % 251));
                q->neurons.push_back({k, std::vector<float>(64, float(k)), {}, {}, {}});
                t.publish(std::move(q));
            }
        });
        std::int64_t last = 0, bad = 0, taken = 0;
        while (last < kCount) {
            if (const auto q = t.takeProbe()) {
                ++taken;
                bad += q->step <= last || q->neurons.size() != 1 || q->neurons[0].neuron != q->step;
                for (float v : q->neurons[0].potential)
                    bad += v != float(q->step);
                for (auto v : q->input)
                    bad += v != std::uint8_t(q->step % 251);
                last = q->step;
            }
        }
        QCOMPARE(bad, std::int64_t(0));
        QVERIFY(taken >= 1);
    }

    void probeDueEveryNSteps()
    {
        Telemetry t;
        QVERIFY(!t.probeDue(1));
        t.setProbeRequest(ProbeRequest{0, 0, {1}}, 3);
        std::vector<std::int64_t> due;
        for (std::int64_t s = 2; s <= 9; ++s)
            if (t.probeDue(s))
                due.push_back(s);
        QCOMPARE(due, (std::vector<std::int64_t>{2, 5, 8}));
        t.setProbeRequest(std::nullopt);
        QVERIFY(!t.probeDue(20));
    }

    /// The views rebuild their series when Probe::pickKey changes. It used to be computed in
    /// int in two panels and overflowed (undefined) from the third picked neuron of layer 2 on.
    void probePickKeyNoOverflow()
    {
        Probe p;
        p.layer = 0;
        for (int n : {1, 2})
            p.neurons.emplace_back().neuron = n;
        QCOMPARE(p.pickKey(), std::uint64_t((0 * 31 + 2) * 31 + 3));  // the old values where int did not overflow
        Probe big;
        big.layer = 2;
        for (int n : {0, 7, 63, 99, 1023, 4095, 65535, 2147483646})
            big.neurons.emplace_back().neuron = n;
        const std::uint64_t key = big.pickKey();
        QCOMPARE(big.pickKey(), key);
        Probe other = big;
        other.layer = 1;
        QVERIFY(other.pickKey() != key);
        other = big;
        other.neurons[3].neuron = 98;
        QVERIFY(other.pickKey() != key);
        other = big;
        other.neurons.pop_back();
        QVERIFY(other.pickKey() != key);
    }

    void learningRateTakenOnce()
    {
        Telemetry t;
        QVERIFY(!t.takeLearningRate());
        t.setLearningRate(0.0);  // not a rate: ignored
        QVERIFY(!t.takeLearningRate());
        t.setLearningRate(1e-3);
        t.setLearningRate(5e-4);  // the last one wins
        QCOMPARE(t.takeLearningRate().value_or(0), 5e-4);
        QVERIFY(!t.takeLearningRate());
    }

    /// With telemetry attached and probes taken every step, the run is bit-identical.
    void trainerSameResultsWithTelemetry()
    {
        const Experiment exp = smallRandman(2);
        const auto data = openDataset(exp.dataset);
        Trainer plain(exp, *data);
        const TrainResult a = plain.run({});
        Telemetry tel;
        tel.setProbeRequest(ProbeRequest{3, 0, {0, 7, 63, 99}}, 1);
        Trainer watched(exp, *data);
        TrainOptions opt;
        opt.telemetry = &tel;
        const TrainResult b = watched.run(opt);
        QCOMPARE(b.history.size(), a.history.size());
        for (std::size_t e = 0; e < a.history.size(); ++e) {
            QCOMPARE(b.history[e].layer_loss, a.history[e].layer_loss);
            QCOMPARE(b.history[e].readout_loss, a.history[e].readout_loss);
            QCOMPARE(b.history[e].train_accuracy, a.history[e].train_accuracy);
            QCOMPARE(b.history[e].test_accuracy, a.history[e].test_accuracy);
            QCOMPARE(b.history[e].lr, a.history[e].lr);
            // The per-epoch test confusion matrix: 48 test samples, diagonal = test accuracy.
            const ConfusionMatrix& cm = b.history[e].test_confusion;
            QCOMPARE(cm.classes, 10);
            QCOMPARE(cm.total(), std::int64_t(48));
            QCOMPARE(double(cm.correct()) / 48.0, b.history[e].test_accuracy);
            QCOMPARE(cm.counts, a.history[e].test_confusion.counts);
        }
        QCOMPARE(tel.stepsDone(), 2 * kBatches);
        QCOMPARE(tel.probesPublished(), 2 * kBatches);
        std::vector<Telemetry::StepSample> steps;
        tel.drain(steps);
        QCOMPARE(steps.size(), std::size_t(2 * kBatches));
        // Per-step values average to the epoch's (all batches are full and equally long here).
        double loss = 0, acc = 0;
        for (std::size_t i = 0; i < std::size_t(kBatches); ++i) {
            QCOMPARE(steps[i].step, std::int64_t(i + 1));
            QCOMPARE(steps[i].layers, 1);
            QCOMPARE(steps[i].lr, a.history[0].lr);
            QVERIFY(!steps[i].lr_changed);
            loss += steps[i].layer_loss[0];
            acc += steps[i].accuracy;
        }
        QVERIFY(std::abs(loss / kBatches - a.history[0].layer_loss[0]) < 1e-4 * a.history[0].layer_loss[0]);
        QVERIFY(std::abs(acc / kBatches - a.history[0].train_accuracy) < 1e-6);

        // The probe of the last step: row 3, neurons 0, 7, 63 (99 is out of range).
        const auto p = tel.takeProbe();
        QVERIFY(p);
        QCOMPARE(p->step, 2 * kBatches);
        QCOMPARE(p->epoch, 2);
        QCOMPARE(p->steps, 100);
        QCOMPARE(p->row, 3);
        QVERIFY(p->label >= 0 && p->label < 10);
        QCOMPARE(p->threshold, 1.0);
        QCOMPARE(p->inputs, 40);
        QCOMPARE(p->layers.size(), std::size_t(1));
        QCOMPARE(p->layers[0].size, 64);
        QCOMPARE(p->neurons.size(), std::size_t(3));
        QVERIFY(p->similarity.empty());  // not requested: not recorded
        QCOMPARE(p->weights.size(), std::size_t(1));
        long inputSpikes = 0, spikes = 0, targetSpikes = 0;
        for (auto v : p->input)
            inputSpikes += v;
        for (std::size_t i = 0; i < p->layers[0].in_spikes.size(); ++i) {
            spikes += p->layers[0].in_spikes[i];
            targetSpikes += p->layers[0].tgt_spikes[i];
        }
        QVERIFY(inputSpikes > 0 && spikes > 0 && targetSpikes > 0);
        // A recorded potential reaching the threshold is exactly a recorded spike.
        for (const auto& n : p->neurons)
            for (int t = 0; t < p->steps; ++t)
                QCOMPARE(bool(p->layers[0].in_spikes[std::size_t(t * 64 + n.neuron)]), n.potential[std::size_t(t)] >= 1.0f);
        // Traces follow trace_t = beta * trace_{t-1} + s_t (beta 0.95).
        for (const auto& n : p->neurons) {
            QCOMPARE(n.series.size(), std::size_t(2));  // TP's two traces, input path first
            const auto& trace = n.series[0].values;
            QCOMPARE(int(trace.size()), p->steps);
            for (int t = 1; t < p->steps; ++t) {
                const float s = p->layers[0].in_spikes[std::size_t(t * 64 + n.neuron)];
                QVERIFY(std::abs(trace[std::size_t(t)] - (0.95f * trace[std::size_t(t - 1)] + s)) < 1e-5f);
            }
        }
    }

    /// The TP insight record of a probed pass (float64, one layer, synthetic batch), against an
    /// independent recomputation from the engine's state on a twin network: surrogate in closed
    /// form, the per-neuron gradient norm from Eq. 18, z/y/E_l of the last step, histograms.
    void probeInsightMatchesRecomputation()
    {
        Experiment exp = smallRandman(1);
        TpConfig cfg = TpConfig::fromExperiment(exp, 40, 10);
        const Batch batch = syntheticBatch(32, 30, 40, 10, 0.1, 7);
        const double lr = 1e-3;
        auto model = makeModel(cfg, Precision::Float64);
        model->initWeights(11);
        Probe p;
        model->trainProbed(batch, lr, ProbeRequest{5, 0, {0, 9, 63}, true}, p);

        TpNetwork<double> twin(cfg);
        twin.initWeights(11);
        const Eigen::MatrixXd w0 = twin.layers()[0].W.w;
        std::vector<std::vector<double>> norms(3);  // neuron -> per step
        const int picked[] = {0, 9, 63};
        Eigen::MatrixXd zMid;
        double lossMid = 0;
        twin.trainBatch(batch, lr, [&](int t) {
            const auto& L = twin.layers()[0];
            if (t == 15) {
                zMid = L.z;
                lossMid = L.loss;
            }
            // dE/dW[j, i] = sum_b psi[b,j] (G eps~)[b,j] x_b^t[i]  (layer 1: no target-path term)
            const Eigen::MatrixXd delta = (L.gc * L.tgt.trace).cwiseProduct(L.in.psi);
            Eigen::MatrixXd x = Eigen::MatrixXd::Zero(batch.size, batch.channels);
            const auto& off = batch.row_offsets[std::size_t(t)];
            for (int b = 0; b < batch.size; ++b)
                for (auto e = off[std::size_t(b)]; e < off[std::size_t(b) + 1]; ++e)
                    x(b, batch.units[std::size_t(t)][std::size_t(e)]) += batch.values[std::size_t(t)][std::size_t(e)];
            const Eigen::MatrixXd g = delta.transpose() * x;  // (H, inputs)
            for (int k = 0; k < 3; ++k)
                norms[std::size_t(k)].push_back(g.row(picked[k]).norm());
        });

        QCOMPARE(p.steps, 30);
        QCOMPARE(p.neurons.size(), std::size_t(3));
        const double kappa = cfg.neuron.surrogate_scale, vth = cfg.neuron.v_th;
        QCOMPARE(p.surrogate_scale, kappa);
        for (std::size_t k = 0; k < 3; ++k) {
            const auto& n = p.neurons[k];
            QCOMPARE(n.surrogate.size(), std::size_t(30));
            QCOMPARE(n.update.size(), std::size_t(30));
            for (int t = 0; t < 30; ++t) {
                const double x = std::numbers::pi * (double(n.potential[std::size_t(t)]) - vth);
                QVERIFY(std::abs(n.surrogate[std::size_t(t)] - kappa / (1 + x * x)) < 1e-5);
                const double want = norms[k][std::size_t(t)];
                QVERIFY2(std::abs(n.update[std::size_t(t)] - want) <= 1e-5 * want + 1e-12,
                         qPrintable(QStringLiteral("t %1: %2 vs %3").arg(t).arg(n.update[std::size_t(t)]).arg(want)));
            }
            QVERIFY(*std::max_element(n.update.begin(), n.update.end()) > 0);
        }

        // Similarity of every step: B x K with K = classes present (all 10 in this batch);
        // checked at the last step (T = 30).
        QCOMPARE(p.similarity.size(), std::size_t(1));
        const auto& s = p.similarity[0];
        QCOMPARE(s.rows, 32);
        QCOMPARE(s.cols, 10);
        QCOMPARE(s.z.size(), std::size_t(30 * 320));
        QCOMPARE(s.y.size(), std::size_t(30 * 320));
        QCOMPARE(s.loss.size(), std::size_t(30));
        QCOMPARE(s.loss[15], lossMid);
        for (int b = 0; b < 32; ++b)
            for (int k = 0; k < 10; ++k)
                QCOMPARE(s.z[s.at(15) + std::size_t(b * 10 + k)], float(zMid(b, k)));
        const float* z = s.z.data() + s.at(29);
        const float* y = s.y.data() + s.at(29);
        int counted = 0;
        for (int k = 0; k < 10; ++k) {
            QCOMPARE(int(std::count(batch.labels.begin(), batch.labels.end(), s.col_label[std::size_t(k)])), s.col_count[std::size_t(k)]);
            counted += s.col_count[std::size_t(k)];
        }
        QCOMPARE(counted, 32);
        // Layer 1's y comes from the one-hot label traces a * c, a = sum_{t<T} beta^t: distance 0
        // within a class, a * sqrt(2) between classes, softmax over the 32 batch columns.
        const double a = (1 - std::pow(cfg.neuron.beta, 30)) / (1 - cfg.neuron.beta);
        for (int b = 0; b < 32; ++b) {
            QCOMPARE(s.row_label[std::size_t(b)], batch.labels[std::size_t(b)]);
            double denom = 0;
            for (int k = 0; k < 10; ++k)
                denom += s.col_count[std::size_t(k)] * std::exp(s.col_label[std::size_t(k)] == s.row_label[std::size_t(b)] ? 0.0 : -a * std::sqrt(2.0));
            for (int k = 0; k < 10; ++k) {
                const double d = s.col_label[std::size_t(k)] == s.row_label[std::size_t(b)] ? 0.0 : a * std::sqrt(2.0);
                QVERIFY(std::abs(y[b * 10 + k] - std::exp(-d) / denom) < 1e-6);
            }
        }
        // E_l from z and y in the B x B form of tp-algorithm.md 3.2 (column b' = class of row b').
        std::vector<int> colOf(32);
        for (int b2 = 0; b2 < 32; ++b2)
            colOf[std::size_t(b2)] = int(std::find(s.col_label.begin(), s.col_label.end(), batch.labels[std::size_t(b2)]) - s.col_label.begin());
        double loss = 0;
        for (int b = 0; b < 32; ++b) {
            double mx = -INFINITY, sum = 0;
            for (int b2 = 0; b2 < 32; ++b2)
                mx = std::max(mx, double(z[b * 10 + colOf[std::size_t(b2)]]));
            for (int b2 = 0; b2 < 32; ++b2)
                sum += std::exp(double(z[b * 10 + colOf[std::size_t(b2)]]) - mx);
            for (int b2 = 0; b2 < 32; ++b2) {
                const int i = b * 10 + colOf[std::size_t(b2)];
                loss -= double(y[i]) * (double(z[i]) - mx - std::log(sum));
            }
        }
        loss /= 32;
        QVERIFY(s.loss[29] > 0);
        QVERIFY2(std::abs(loss - s.loss[29]) < 1e-4 * s.loss[29], qPrintable(QStringLiteral("%1 vs %2").arg(loss).arg(s.loss[29])));
        QCOMPARE(twin.layers()[0].loss, s.loss[29]);

        // Histograms: every weight counted once, the range covers the actual weights.
        QCOMPARE(p.weights.size(), std::size_t(1));
        const Eigen::MatrixXd w1 = twin.layers()[0].W.w, dw = w1 - w0;
        for (const auto& [h, m] : {std::pair{&p.weights[0], &w1}, std::pair{&p.weight_change[0], &dw}}) {
            QCOMPARE(int(h->counts.size()), Probe::kHistogramBins);
            QCOMPARE(std::accumulate(h->counts.begin(), h->counts.end(), std::int64_t(0)), std::int64_t(64 * 40));
            QCOMPARE(h->min, m->minCoeff());
            QCOMPARE(h->max, m->maxCoeff());
            QVERIFY(h->lo <= h->min && h->hi >= h->max && h->lo < h->hi);
            // Bin i holds the weights in [lo + i w, lo + (i+1) w).
            const double width = (h->hi - h->lo) / Probe::kHistogramBins;
            const auto first = std::count_if(m->data(), m->data() + m->size(), [&](double v) { return v < h->lo + width; });
            QCOMPARE(h->counts[0], std::int64_t(first));
        }
        QVERIFY(p.weight_change[0].max > 0 && p.weight_change[0].min < 0);
    }

    /// BPTT records too (its probe fills after the backward pass): a probe at every due step,
    /// named after the rule, with its error through time; training is exactly as without telemetry.
    void trainerProbesBptt()
    {
        Experiment exp = smallRandman(1);
        exp.rule.name = "bptt";
        const auto data = openDataset(exp.dataset);
        Trainer plain(exp, *data);
        const TrainResult a = plain.run({});
        Telemetry tel;
        tel.setProbeRequest(ProbeRequest{0, 0, {1}}, 1);
        Trainer watched(exp, *data);
        TrainOptions opt;
        opt.telemetry = &tel;
        const TrainResult b = watched.run(opt);
        QCOMPARE(b.history[0].train_accuracy, a.history[0].train_accuracy);
        QCOMPARE(b.history[0].readout_loss, a.history[0].readout_loss);
        QCOMPARE(tel.probesPublished(), kBatches);
        const auto p = tel.takeProbe();
        QVERIFY(p && !p->empty());
        QCOMPARE(p->rule, std::string("bptt"));
        QCOMPARE(p->step, kBatches);
        QCOMPARE(p->neurons.size(), std::size_t(1));
        QCOMPARE(p->neurons[0].series.size(), std::size_t(1));
        QCOMPARE(int(p->neurons[0].series[0].values.size()), p->steps);
        QCOMPARE(tel.stepsDone(), kBatches);
    }

    /// Pause before the first batch, step twice, change the rate, step, resume to the end.
    void trainerPauseStepRateResume()
    {
        const Experiment exp = smallRandman(2);
        const auto data = openDataset(exp.dataset);
        Trainer trainer(exp, *data);
        Telemetry tel;
        tel.pause();
        TrainOptions opt;
        opt.telemetry = &tel;
        TrainResult result;
        std::jthread thread([&] { result = trainer.run(opt); });
        QTRY_VERIFY_WITH_TIMEOUT(tel.parked(), 20000);
        QCOMPARE(tel.stepsDone(), std::int64_t(0));
        for (std::int64_t n = 1; n <= 2; ++n) {
            tel.stepOnce();
            QTRY_VERIFY_WITH_TIMEOUT(tel.stepsDone() == n && tel.parked(), 20000);
        }
        QCOMPARE(tel.stepsDone(), std::int64_t(2));  // parked: no batch runs until told
        tel.setLearningRate(5e-4);
        tel.stepOnce();
        QTRY_VERIFY_WITH_TIMEOUT(tel.stepsDone() == 3 && tel.parked(), 20000);
        tel.resume();
        thread.join();
        QVERIFY(!result.stopped);
        QCOMPARE(tel.stepsDone(), 2 * kBatches);
        QCOMPARE(result.history.size(), std::size_t(2));
        QCOMPARE(result.history[0].lr_changes.size(), std::size_t(1));
        QCOMPARE(result.history[0].lr_changes[0].batch, std::size_t(3));
        QCOMPARE(result.history[0].lr_changes[0].lr, 5e-4);
        QCOMPARE(result.history[0].lr, 5e-4);
        // The rest of the cosine schedule is scaled by the same factor.
        const double scale = 5e-4 / cosineLr(exp.run, 0);
        QCOMPARE(result.history[1].lr, cosineLr(exp.run, 1) * scale);
        std::vector<Telemetry::StepSample> steps;
        tel.drain(steps);
        QCOMPARE(steps.size(), std::size_t(2 * kBatches));
        for (const auto& s : steps) {
            QCOMPARE(s.lr_changed, s.step == 3);
            QCOMPARE(s.lr, s.step < 3 ? cosineLr(exp.run, 0) : s.epoch == 1 ? 5e-4 : cosineLr(exp.run, 1) * scale);
        }
        QVERIFY(RunFiles::epochJson(result.history[0]).contains("lr_changes"));
        QVERIFY(!RunFiles::epochJson(result.history[1]).contains("lr_changes"));
    }

    /// A stop while parked ends the run at that batch boundary; so does the stop token.
    void trainerStopWhileParked()
    {
        const Experiment exp = smallRandman(3);
        const auto data = openDataset(exp.dataset);
        for (const bool viaToken : {false, true}) {
            Trainer trainer(exp, *data);
            Telemetry tel;
            tel.stepOnce();  // one batch, then park
            std::stop_source source;
            TrainOptions opt;
            opt.telemetry = &tel;
            opt.stop = source.get_token();
            TrainResult result;
            std::jthread thread([&] { result = trainer.run(opt); });
            QTRY_VERIFY_WITH_TIMEOUT(tel.parked() && tel.stepsDone() == 1, 20000);
            if (viaToken)
                source.request_stop();
            else
                tel.requestStop();
            thread.join();
            QVERIFY(result.stopped);
            QVERIFY(result.history.empty());
            QCOMPARE(tel.stepsDone(), std::int64_t(1));
        }
    }
};

QTEST_GUILESS_MAIN(TestTelemetry)
#include "test_telemetry.moc"
