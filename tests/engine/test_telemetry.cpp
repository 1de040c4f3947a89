// Telemetry (engine/train/telemetry.h): the SPSC ring and the snapshot slot under two threads,
// and the control surface (pause, step, learning rate, stop) and probes through the Trainer on
// a small built-in randman run.
#include <QtTest>

#include <fstream>
#include <thread>

#include "registry.h"
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
                q->neurons.push_back({k, std::vector<float>(64, float(k)), {}, {}});
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
        for (const auto& n : p->neurons)
            for (int t = 1; t < p->steps; ++t) {
                const float s = p->layers[0].in_spikes[std::size_t(t * 64 + n.neuron)];
                QVERIFY(std::abs(n.in_trace[std::size_t(t)] - (0.95f * n.in_trace[std::size_t(t - 1)] + s)) < 1e-5f);
            }
    }

    /// A model that cannot record (BPTT here, conv likewise) publishes one empty probe, so the
    /// views can say so, and trains exactly as without telemetry.
    void trainerEmptyProbeForBptt()
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
        QCOMPARE(tel.probesPublished(), std::int64_t(1));
        const auto p = tel.takeProbe();
        QVERIFY(p && p->empty());
        QCOMPARE(p->step, std::int64_t(1));
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
