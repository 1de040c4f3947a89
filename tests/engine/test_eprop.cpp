// e-prop: the oracle (one feed-forward layer, symmetric feedback: e-prop's gradient is BPTT's with
// the reset detached, exactly; on a recurrent layer it drops the recurrent paths and differs by a
// measured amount), random feedback, learning, bit-identical results for any thread count, state
// that does not grow with T, checkpoints and the registry.
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>

#include <QTemporaryDir>
#include <QtTest>

#include "core/sample.h"
#include "io/h5.h"
#include "nn/net_shape.h"
#include "rules/bptt/bptt_model.h"
#include "rules/eprop/eprop_network.h"
#include "rules/eprop/eprop_rule.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "../kernel_level.h"

using namespace tp;

namespace {

TpConfig config(int inputs, int classes, int batch, std::vector<LayerSpec> layers, const std::string& reset = "soft")
{
    TpConfig c;
    c.inputs = inputs;
    c.classes = classes;
    c.max_batch = batch;
    c.layers = std::move(layers);
    c.neuron.alpha = 0.9;
    c.neuron.beta = 0.9;
    c.neuron.v_th = 1.0;
    c.neuron.reset = reset;
    c.readout_leak = 0.8;
    c.rule.name = "eprop";
    return c;
}

template <typename M>
double relDiff(const M& a, const M& b)
{
    return (a - b).norm() / std::max(a.norm(), b.norm());
}

/// e-prop's and detached-reset BPTT's gradients of every matrix for the same weights and batch.
struct Pair {
    EpropNetwork<double> eprop;
    BpttNetwork<double> bptt;
    Pair(const TpConfig& cfg, std::uint64_t seed, double gain)
        : eprop(cfg, EpropFeedback::Symmetric), bptt(cfg, BpttOptions{true})
    {
        eprop.initWeights(seed);
        bptt.initWeights(seed);
        eprop.layers()[0].W.w *= gain;  // enough spikes for the surrogate and the reset to matter
        bptt.layers()[0].W.w *= gain;
    }
    void gradients(const Batch& batch)
    {
        eprop.computeGradients(batch);
        bptt.computeGradients(batch);
    }
};

template <typename Net>
std::vector<std::vector<float>> allWeights(Net& net)
{
    std::vector<std::vector<float>> out;
    forEachMatrix(net, [&](const std::string&, auto& w, auto*) { out.emplace_back(w.data(), w.data() + w.size()); });
    return out;
}

} // namespace

class TestEprop : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

    /// One feed-forward hidden layer, symmetric feedback: equal to BPTT with the reset detached
    /// (soft and hard reset), to rounding.
    void equalsDetachedBpttOnAFeedForwardLayer()
    {
        for (const std::string reset : {"soft", "hard"}) {
            Pair p(config(12, 4, 6, {{"lif", 16, false}}, reset), 3, 3.0);
            const Batch batch = syntheticBatch(6, 30, 12, 4, 0.3, 5);
            p.gradients(batch);
            const double w = relDiff(p.eprop.layers()[0].W.g, p.bptt.layers()[0].W.g);
            const double out = relDiff(p.eprop.readout().g, p.bptt.readout().g);
            const double spikes = p.eprop.layers()[0].s.sum();
            qInfo("reset %s: |dW1| %.3e, e-prop vs detached BPTT: W1 %.2e, W_out %.2e", reset.c_str(),
                  p.bptt.layers()[0].W.g.norm(), w, out);
            QVERIFY(p.bptt.layers()[0].W.g.norm() > 1e-6);
            QVERIFY2(w < 1e-12, qPrintable(QString("W1 relative difference %1").arg(w)));
            QVERIFY2(out < 1e-12, qPrintable(QString("W_out relative difference %1").arg(out)));
            Q_UNUSED(spikes);
        }
        // The oracle can fail: BPTT with the reset not detached is another gradient.
        TpConfig cfg = config(12, 4, 6, {{"lif", 16, false}});
        EpropNetwork<double> e(cfg, EpropFeedback::Symmetric);
        BpttNetwork<double> b(cfg);
        e.initWeights(3);
        b.initWeights(3);
        e.layers()[0].W.w *= 3.0;
        b.layers()[0].W.w *= 3.0;
        const Batch batch = syntheticBatch(6, 30, 12, 4, 0.3, 5);
        e.computeGradients(batch);
        b.computeGradients(batch);
        const double full = relDiff(e.layers()[0].W.g, b.layers()[0].W.g);
        qInfo("e-prop vs BPTT through the reset: W1 %.3f", full);
        QVERIFY(full > 1e-3);
    }

    /// A recurrent layer: e-prop leaves out the paths through R (and its W and R gradients differ
    /// from BPTT's by a measured amount); the readout's gradient is still exact.
    void differsFromBpttOnARecurrentLayer()
    {
        Pair p(config(12, 4, 6, {{"lif", 16, true}}), 3, 3.0);
        const Batch batch = syntheticBatch(6, 30, 12, 4, 0.3, 5);
        p.gradients(batch);
        const double w = relDiff(p.eprop.layers()[0].W.g, p.bptt.layers()[0].W.g);
        const double r = relDiff(p.eprop.layers()[0].R.g, p.bptt.layers()[0].R.g);
        const double out = relDiff(p.eprop.readout().g, p.bptt.readout().g);
        const double cosine = p.eprop.layers()[0].W.g.cwiseProduct(p.bptt.layers()[0].W.g).sum() /
                              (p.eprop.layers()[0].W.g.norm() * p.bptt.layers()[0].W.g.norm());
        qInfo("recurrent: e-prop vs detached BPTT: W1 %.3f, R1 %.3f (relative), cosine(W1) %.3f, W_out %.2e", w, r,
              cosine, out);
        QVERIFY2(w > 0.01 && r > 0.01, qPrintable(QString("W %1 R %2").arg(w).arg(r)));
        QVERIFY2(cosine > 0.3, qPrintable(QString("cosine %1: e-prop should still point the same way").arg(cosine)));
        QVERIFY(out < 1e-12);
    }

    /// Random feedback: another learning signal for the last layer, the readout's gradient unchanged;
    /// lower layers always get a fixed random one (B1 is saved, W_out is not their feedback).
    void randomFeedback()
    {
        const TpConfig cfg = config(12, 4, 6, {{"lif", 16, false}});
        EpropNetwork<double> sym(cfg, EpropFeedback::Symmetric), rnd(cfg, EpropFeedback::Random);
        sym.initWeights(3);
        rnd.initWeights(3);
        sym.layers()[0].W.w *= 3.0;
        rnd.layers()[0].W.w *= 3.0;
        const Batch batch = syntheticBatch(6, 30, 12, 4, 0.3, 5);
        sym.computeGradients(batch);
        rnd.computeGradients(batch);
        QCOMPARE(sym.layers()[0].feedback.size(), Eigen::Index(0));
        QCOMPARE(rnd.layers()[0].feedback.rows(), Eigen::Index(16));
        QVERIFY(relDiff(sym.readout().g, rnd.readout().g) < 1e-15);
        QVERIFY(relDiff(sym.layers()[0].W.g, rnd.layers()[0].W.g) > 0.1);
        EpropNetwork<double> deep(config(12, 4, 6, {{"lif", 16, false}, {"lif", 8, false}}), EpropFeedback::Symmetric);
        QCOMPARE(deep.layers()[0].feedback.rows(), Eigen::Index(16));
        QCOMPARE(deep.layers()[1].feedback.size(), Eigen::Index(0));
        QStringList names;
        forEachMatrix(deep, [&](const std::string& n, auto&, auto* p) { names << QString::fromStdString(n) + (p ? "" : "*"); });
        QCOMPARE(names.join(','), QString("W1,W2,W_out,B1*"));
    }

    void trainingReducesTheLoss()
    {
        for (EpropFeedback fb : {EpropFeedback::Symmetric, EpropFeedback::Random}) {
            EpropNetwork<float> net(config(40, 4, 32, {{"lif", 64, true}}), fb);
            net.initWeights(1);
            net.layers()[0].W.w *= 2.0f;
            std::vector<Batch> batches;
            for (int i = 0; i < 2; ++i)
                batches.push_back(syntheticBatch(32, 30, 40, 4, 0.1, std::uint64_t(i + 1)));
            auto meanLoss = [&] {
                double s = 0;
                for (const auto& b : batches) {
                    net.evaluateBatch(b);
                    s += net.lastLoss();
                }
                return s / double(batches.size());
            };
            const double before = meanLoss();
            for (int epoch = 0; epoch < 40; ++epoch)
                for (const auto& b : batches)
                    net.trainBatch(b, 1e-2);
            const double after = meanLoss();
            qInfo("%s feedback: loss %.4f -> %.4f", fb == EpropFeedback::Symmetric ? "symmetric" : "random", before, after);
            QVERIFY2(after < 0.5 * before, qPrintable(QString("loss %1 -> %2").arg(before).arg(after)));
        }
    }

    void bitIdenticalForAnyThreadCount()
    {
        for (const std::string reset : {"soft", "hard"}) {
            const TpConfig cfg = config(50, 5, 40, {{"lif", 48, true}, {"lif", 24, false}}, reset);
            std::vector<std::vector<float>> result[2];
            double loss[2] = {0, 0};
            for (int threads : {1, 2}) {
                EpropNetwork<float> net(cfg, EpropFeedback::Random);
                net.initWeights(5);
                net.layers()[0].W.w *= 2.0f;
                tbb::task_arena arena(threads);
                arena.execute([&] {
                    for (int i = 0; i < 3; ++i)
                        loss[threads - 1] +=
                            net.trainBatch(syntheticBatch(40, 25, 50, 5, 0.1, std::uint64_t(i)), 1e-2).readout_loss_sum;
                });
                result[threads - 1] = allWeights(net);
            }
            QCOMPARE(loss[0], loss[1]);
            QVERIFY(result[0] == result[1]);
        }
    }

    /// The eligibility traces are per synapse (and per input, or per synapse with the hard reset) and
    /// do not grow with T; measured equals the rule's model.
    void stateIsPerSynapseAndFlatInT()
    {
        for (const std::string reset : {"soft", "hard"}) {
            const TpConfig cfg = config(20, 4, 16, {{"lif", 32, true}, {"lif", 8, false}}, reset);
            EpropNetwork<float> net(cfg, EpropFeedback::Symmetric);
            std::size_t traced[2];
            int i = 0;
            for (int T : {10, 100}) {
                net.trainBatch(syntheticBatch(16, T, 20, 4, 0.1, 3), 1e-3);
                traced[i] = 0;
                for (const auto& r : net.memory())
                    traced[i] += r.trace_bytes;
                ++i;
            }
            const std::size_t model = epropModelValues(NetShape::fromConfig(cfg), 16) * sizeof(float);
            const std::size_t n1 = 20 + 32, n2 = 32;
            const std::size_t expect = 16 * (32 * n1 + 8 * n2 + (reset == "soft" ? n1 + n2 : 32 * n1 + 8 * n2));
            qInfo("reset %s: e-prop traces %zu bytes at T=10, %zu at T=100 (model %zu)", reset.c_str(), traced[0], traced[1],
                  model);
            QCOMPARE(traced[0], traced[1]);
            QCOMPARE(traced[0], model);
            QCOMPARE(model, expect * sizeof(float));
        }
    }

    void modelSaveLoadRoundTripAndRegistry()
    {
        TpConfig cfg = config(20, 4, 16, {{"lif", 32, true}, {"lif", 16, false}});
        cfg.rule.params = {{"feedback", "random"}};
        auto model = makeModel(cfg, Precision::Float32);
        model->initWeights(9);
        const Batch batch = syntheticBatch(16, 20, 20, 4, 0.2, 4);
        model->train(batch, 1e-2);
        QTemporaryDir dir;
        const std::string path = dir.filePath("ckpt.h5").toStdString();
        {
            auto f = h5::File::create(path);
            model->save(f, true);
        }
        auto other = makeModel(cfg, Precision::Float32);
        other->initWeights(1);
        other->load(h5::File::openRead(path), true);
        const BatchStats a = model->train(batch, 1e-2), b = other->train(batch, 1e-2);
        QCOMPARE(a.readout_loss_sum, b.readout_loss_sum);
        QCOMPARE(a.predictions, b.predictions);
        QVERIFY(h5::File::openRead(path).exists("weights/B1") && h5::File::openRead(path).exists("weights/B2"));
        // Conv layers are refused with the rule's layer kinds.
        cfg.layers = {{"conv", 4, false, "none"}};
        cfg.input_shape = {1, 4, 5};
        try {
            makeModel(cfg, Precision::Float32);
            QFAIL("e-prop accepted a conv layer");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("it trains: lif"), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestEprop)
#include "test_eprop.moc"
