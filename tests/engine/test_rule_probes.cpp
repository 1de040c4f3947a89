// Model::trainProbed of every dense rule (TP, BPTT, e-prop, DECOLLE, OTTT): a probed batch leaves
// weights and Adam state bit-identical to an unprobed one from the same state; the probe holds
// the common parts (input frame, spikes, potential and surrogate of the picked neurons) and the
// rule's own named series with T values each; the series are checked against independent
// oracles (the rule's network driven directly, recursions of the traces, BPTT's weight gradient
// rebuilt from the recorded error through time). Conv models leave the probe empty but for the
// rule's name.
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>
#include <cstring>
#include <numbers>

#include <QtTest>

#include "core/sample.h"
#include "nn/readout_loss.h"
#include "rules/bptt/bptt_model.h"
#include "rules/decolle/decolle_model.h"
#include "rules/eprop/eprop_network.h"
#include "rules/model.h"
#include "rules/ottt/ottt_model.h"
#include "rules/registry.h"

using namespace tp;

namespace {

constexpr std::uint64_t kSeed = 11;
constexpr double kGain = 2.5;  // enough spikes in both layers for every signal to move
constexpr double kLr = 0.01;

TpConfig config(const std::string& rule, int batch, bool recurrent, const std::string& reset = "soft")
{
    TpConfig c;
    c.inputs = 12;
    c.classes = 4;
    c.max_batch = batch;
    c.layers = {{"lif", 24, recurrent, "none"}, {"lif", 16, false, "none"}};
    c.neuron.alpha = 0.9;
    c.neuron.beta = 0.9;
    c.neuron.v_th = 1.0;
    c.neuron.reset = reset;
    c.readout_leak = 0.8;
    c.rule.name = rule;
    return c;
}

std::vector<std::vector<unsigned char>> trainables(Model& m)
{
    std::vector<std::vector<unsigned char>> out;
    const std::size_t bytes = m.precision() == Precision::Float64 ? 8 : 4;
    m.forEachTrainable([&](void* d, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(d);
        out.emplace_back(p, p + n * bytes);
    });
    return out;
}

/// The series names each rule records per picked neuron and per layer.
std::pair<std::vector<std::string>, std::vector<std::string>> expectedNames(const std::string& rule)
{
    if (rule == "tp")
        return {{"input-path trace ε", "target-path trace ε̃ (the sample's class)"}, {}};
    if (rule == "bptt")
        return {{"error through time ∂L/∂uⱼᵗ (backward pass)"}, {}};
    if (rule == "eprop")
        return {{"eligibility trace ē (mean over incoming synapses)",
                 "learning signal Bⱼ·(softmax(m_out) − onehot)/B (used at the last step only)"},
                {}};
    if (rule == "decolle")
        return {{"local error Gᵀ(y − onehot)/B (∂L_l/∂s_j)"}, {"local readout loss L_l = ‖G_l s_l − onehot‖² / 2B"}};
    return {{"presynaptic trace of the neuron's spikes (as the next layer / readout sees it)", "instantaneous error δ = ∂Lᵗ/∂uⱼᵗ"},
            {}};
}

const ProbeRequest kRequest{5, 1, {0, 3, 15, 99}};  // layer 2, batch row 5; neuron 99 does not exist

} // namespace

class TestRuleProbes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    /// Every rule, both precisions, feed-forward and recurrent, soft and hard reset, a batch of
    /// fewer rows than max_batch: two probed batches give the weights and Adam state of two plain
    /// ones bit for bit, and the same stats; the probe is whole and consistent.
    void probedTrainingIsTraining()
    {
        const Batch b1 = syntheticBatch(7, 20, 12, 4, 0.3, 5), b2 = syntheticBatch(7, 20, 12, 4, 0.3, 6);
        for (const char* rule : {"tp", "bptt", "eprop", "decolle", "ottt"})
            for (Precision precision : {Precision::Float32, Precision::Float64})
                for (bool recurrent : {false, true})
                    for (const char* reset : {"soft", "hard"}) {
                        const QByteArray what = QByteArray(rule) + (precision == Precision::Float64 ? " f64" : " f32") +
                                                (recurrent ? " recurrent " : " ") + reset;
                        const TpConfig cfg = config(rule, 8, recurrent, reset);
                        auto plain = makeModel(cfg, precision), probed = makeModel(cfg, precision);
                        for (Model* m : {plain.get(), probed.get()}) {
                            m->initWeights(kSeed);
                            m->scaleWeights(kGain);
                        }
                        Probe probe;
                        for (const Batch* b : {&b1, &b2}) {
                            const BatchStats a = plain->train(*b, kLr);
                            const BatchStats p = probed->trainProbed(*b, kLr, kRequest, probe);
                            QVERIFY2(trainables(*plain) == trainables(*probed), what);
                            QVERIFY2(a.readout_loss_sum == p.readout_loss_sum && a.correct == p.correct, what);
                            QVERIFY2(a.spike_count == p.spike_count && a.layer_loss_sum == p.layer_loss_sum, what);
                        }
                        // The probe of the second batch.
                        const int T = 20;
                        QCOMPARE(probe.rule, std::string(rule));
                        QCOMPARE(probe.steps, T);
                        QCOMPARE(probe.row, 5);
                        QCOMPARE(probe.label, b2.labels[5]);
                        QCOMPARE(probe.layer, 1);
                        QCOMPARE(probe.input.size(), std::size_t(T * 12));
                        QCOMPARE(probe.layers.size(), std::size_t(2));
                        QCOMPARE(probe.weights.size(), std::size_t(2));
                        QCOMPARE(probe.weight_change.size(), std::size_t(2));
                        QCOMPARE(probe.neurons.size(), std::size_t(3));
                        const auto [neuronNames, layerNames] = expectedNames(rule);
                        long spikes = 0;
                        for (const auto& l : probe.layers) {
                            QCOMPARE(l.in_spikes.size(), std::size_t(T * l.size));
                            QCOMPARE(l.tgt_spikes.size(), std::string(rule) == "tp" ? l.in_spikes.size() : std::size_t(0));
                            QCOMPARE(l.series.size(), layerNames.size());
                            for (std::size_t i = 0; i < layerNames.size(); ++i) {
                                QCOMPARE(l.series[i].name, layerNames[i]);
                                QCOMPARE(l.series[i].values.size(), std::size_t(T));
                            }
                            for (auto s : l.in_spikes)
                                spikes += s;
                        }
                        QVERIFY2(spikes > 0, what);
                        double moved = 0;
                        for (const auto& n : probe.neurons) {
                            QCOMPARE(n.potential.size(), std::size_t(T));
                            QCOMPARE(n.surrogate.size(), std::size_t(T));
                            QCOMPARE(n.update.size(), std::string(rule) == "tp" ? std::size_t(T) : std::size_t(0));
                            QCOMPARE(n.series.size(), neuronNames.size());
                            for (std::size_t i = 0; i < neuronNames.size(); ++i) {
                                QCOMPARE(n.series[i].name, neuronNames[i]);
                                QCOMPARE(n.series[i].values.size(), std::size_t(T));
                                QVERIFY(n.seriesNamed(neuronNames[i]) == &n.series[i]);
                                for (float v : n.series[i].values) {
                                    QVERIFY2(std::isfinite(v), what);
                                    moved = std::max(moved, double(std::abs(v)));
                                }
                            }
                            for (int t = 0; t < T; ++t) {
                                // The spike recorded at t is the potential recorded at t reaching v_th,
                                // and the surrogate is the ArcTan one at that potential.
                                const float u = n.potential[std::size_t(t)];
                                QCOMPARE(bool(probe.layers[1].in_spikes[std::size_t(t * 16 + n.neuron)]), u >= 1.0f);
                                const double x = std::numbers::pi * (double(u) - 1.0);
                                QVERIFY2(std::abs(n.surrogate[std::size_t(t)] - cfg.neuron.surrogate_scale / (1 + x * x)) < 1e-5, what);
                            }
                        }
                        QVERIFY2(moved > 0, what);  // the rule's signals are not all zero
                    }
    }

    /// e-prop: at the last step the recorded learning signal and the filtered eligibility trace
    /// are those the rule's gradient uses (EpropNetwork::computeGradients on the same weights).
    void epropSeriesAreTheRulesOwn()
    {
        const Batch batch = syntheticBatch(7, 20, 12, 4, 0.3, 5);
        for (bool recurrent : {false, true}) {
            TpConfig cfg = config("eprop", 8, recurrent);
            cfg.rule.params = {{"feedback", recurrent ? "random" : "symmetric"}};
            auto model = makeModel(cfg, Precision::Float64);
            model->initWeights(kSeed);
            model->scaleWeights(kGain);
            EpropNetwork<double> twin(cfg, recurrent ? EpropFeedback::Random : EpropFeedback::Symmetric);
            twin.initWeights(kSeed);
            forEachMatrix(twin, [](const std::string&, auto& w, auto*) { w *= kGain; });  // as Model::scaleWeights
            twin.computeGradients(batch);  // before the probed pass changes the weights
            Probe probe;
            model->trainProbed(batch, kLr, ProbeRequest{5, 0, {0, 7, 23}}, probe);
            const auto& L = twin.layers()[0];
            const Eigen::Index nz = L.width();
            double signalMax = 0;
            for (const auto& n : probe.neurons) {
                const double ebar = L.ebar.row(5).segment(Eigen::Index(n.neuron) * nz, nz).mean();
                const double signal = L.signal(5, n.neuron);
                QVERIFY(std::abs(n.series[0].values[19] - ebar) <= 1e-6 * std::max(1.0, std::abs(ebar)));
                QVERIFY(std::abs(n.series[1].values[19] - signal) <= 1e-6 * std::abs(signal) + 1e-12);
                signalMax = std::max(signalMax, std::abs(signal));
            }
            QVERIFY(signalMax > 0);
        }
    }

    /// DECOLLE: the layer losses sum to the batch's layer_loss_sum, and the recorded local error
    /// times the recorded surrogate is the delta the network's update uses at every step.
    void decolleSeriesAreTheRulesOwn()
    {
        const Batch batch = syntheticBatch(7, 20, 12, 4, 0.3, 5);
        const TpConfig cfg = config("decolle", 8, true);
        auto model = makeModel(cfg, Precision::Float64);
        model->initWeights(kSeed);
        model->scaleWeights(kGain);
        DecolleModel<double> twin(cfg);
        twin.initWeights(kSeed);
        twin.scaleWeights(kGain);
        const ProbeRequest req{5, 1, {0, 9}};
        std::vector<std::vector<double>> delta(2);
        const BatchStats want = twin.network().trainBatch(batch, kLr, [&](int) {
            for (int k = 0; k < 2; ++k)
                delta[std::size_t(k)].push_back(twin.network().layers()[1].delta(5, req.neurons[std::size_t(k)]));
        });
        Probe probe;
        const BatchStats got = model->trainProbed(batch, kLr, req, probe);
        QCOMPARE(got.layer_loss_sum, want.layer_loss_sum);
        for (std::size_t l = 0; l < 2; ++l) {
            double sum = 0;
            for (float v : probe.layers[l].series[0].values)
                sum += v;
            QVERIFY(std::abs(sum - want.layer_loss_sum[l]) <= 1e-6 * want.layer_loss_sum[l]);
        }
        double deltaMax = 0;
        for (int k = 0; k < 2; ++k) {
            const auto& n = probe.neurons[std::size_t(k)];
            for (int t = 0; t < 20; ++t) {
                const double d = delta[std::size_t(k)][std::size_t(t)];
                QVERIFY(std::abs(double(n.series[0].values[std::size_t(t)]) * n.surrogate[std::size_t(t)] - d) <=
                        1e-6 * std::abs(d) + 1e-9);
                deltaMax = std::max(deltaMax, std::abs(d));
            }
        }
        QVERIFY(deltaMax > 0);
    }

    /// OTTT: the recorded trace follows its recursion over the recorded spikes (the neuron leak
    /// for a hidden layer, as the next layer's a reads it; the readout leak for the last layer, as
    /// r reads it), and the instantaneous error is not all zero.
    void otttSeriesAreTheRulesOwn()
    {
        const Batch batch = syntheticBatch(7, 20, 12, 4, 0.3, 5);
        for (int layer : {0, 1}) {
            const TpConfig cfg = config("ottt", 8, false);
            auto model = makeModel(cfg, Precision::Float64);
            model->initWeights(kSeed);
            model->scaleWeights(kGain);
            Probe probe;
            model->trainProbed(batch, kLr, ProbeRequest{5, layer, {0, 4, 9}}, probe);
            const int H = probe.layers[std::size_t(layer)].size;
            const double leak = layer == 1 ? cfg.readout_leak : cfg.neuron.alpha;
            double traceMax = 0, errorMax = 0;
            for (const auto& n : probe.neurons) {
                const auto& trace = n.series[0].values;
                for (int t = 0; t < 20; ++t) {
                    const double s = probe.layers[std::size_t(layer)].in_spikes[std::size_t(t * H + n.neuron)];
                    const double want = (t ? leak * trace[std::size_t(t - 1)] : 0.0) + s;
                    QVERIFY(std::abs(trace[std::size_t(t)] - want) < 1e-5);
                    traceMax = std::max(traceMax, double(trace[std::size_t(t)]));
                    errorMax = std::max(errorMax, double(std::abs(n.series[1].values[std::size_t(t)])));
                }
            }
            QVERIFY(traceMax > 0 && errorMax > 0);
        }
    }

    /// BPTT with one batch row: the weight gradient of layer 2 rebuilt from the probe,
    /// dW2[j, i] = sum_t dL/du_j^t s1_i^t (the recorded error through time and the recorded
    /// layer-1 spikes), is BpttNetwork's gradient.
    void bpttErrorThroughTimeRebuildsTheGradient()
    {
        const Batch batch = syntheticBatch(1, 20, 12, 4, 0.3, 5);
        const TpConfig cfg = config("bptt", 8, true);
        auto model = makeModel(cfg, Precision::Float64);
        model->initWeights(kSeed);
        model->scaleWeights(kGain);
        BpttModel<double> twin(cfg);
        twin.initWeights(kSeed);
        twin.scaleWeights(kGain);
        twin.network().computeGradients(batch);
        std::vector<int> all(16);
        for (int j = 0; j < 16; ++j)
            all[std::size_t(j)] = j;
        Probe probe;
        model->trainProbed(batch, kLr, ProbeRequest{0, 1, all}, probe);
        const auto& g = twin.network().layers()[1].W.g;
        double worst = 0, gMax = 0;
        for (int j = 0; j < 16; ++j)
            for (int i = 0; i < 24; ++i) {
                double sum = 0;
                for (int t = 0; t < 20; ++t)
                    sum += double(probe.neurons[std::size_t(j)].series[0].values[std::size_t(t)]) *
                           probe.layers[0].in_spikes[std::size_t(t * 24 + i)];
                worst = std::max(worst, std::abs(sum - g(j, i)));
                gMax = std::max(gMax, std::abs(g(j, i)));
            }
        QVERIFY(gMax > 0);
        QVERIFY2(worst <= 1e-6 * gMax, qPrintable(QStringLiteral("%1 of %2").arg(worst).arg(gMax)));
    }

    /// A conv model records nothing but the rule's name (the views say so in words).
    void convProbeIsEmptyButNamed()
    {
        TpConfig c = config("decolle", 4, false);
        c.inputs = 2 * 8 * 8;
        c.input_shape = {2, 8, 8};
        c.norm = "weight";
        c.layers = {{"conv", 4, false, "max2"}};
        auto model = makeModel(c, Precision::Float32);
        model->initWeights(kSeed);
        const Batch batch = syntheticBatch(4, 6, 2 * 8 * 8, 4, 0.2, 3);
        Probe probe;
        probe.steps = 9;
        model->trainProbed(batch, kLr, kRequest, probe);
        QVERIFY(probe.empty());
        QCOMPARE(probe.rule, std::string("decolle"));
    }
};

QTEST_MAIN(TestRuleProbes)
#include "test_rule_probes.moc"
