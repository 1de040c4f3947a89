// The conv BPTT baseline: gradients against central finite differences (smooth forward) with
// and without weight standardisation, soft and hard reset; learning; bit-identical results for
// any thread count; memory growing linearly with T (conv TP's does not).
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>

#include <QtTest>

#include "rules/bptt/conv_bptt_network.h"
#include "core/sample.h"
#include "rules/tp/conv_network.h"
#include "../kernel_level.h"

using namespace tp;

namespace {

ConvTpConfig config(MapShape input, int classes, int batch,
                    std::vector<std::pair<int, const char*>> blocks, bool weightNorm, const std::string& reset = "soft")
{
    ConvTpConfig c;
    c.input = input;
    c.classes = classes;
    c.max_batch = batch;
    for (auto [channels, pool] : blocks) {
        LayerSpec spec;
        spec.type = "conv";
        spec.size = channels;
        spec.pool = pool;
        c.blocks.push_back(spec);
    }
    c.neuron.alpha = 0.8;
    c.neuron.beta = 0.9;
    c.neuron.v_th = 1.0;
    c.neuron.reset = reset;
    c.weight_norm = weightNorm;
    return c;
}

/// Every trainable matrix with its name and Param.
template <typename Net, typename Fn>
void forEachParam(Net& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.blocks().size(); ++l)
        fn("W" + std::to_string(l + 1), net.blocks()[l].W);
    fn(std::string("W_out"), net.readout());
}

std::size_t ruleStateBytes(const std::vector<MemoryRow>& rows)
{
    std::size_t n = 0;
    for (const auto& r : rows)
        n += r.rule_state_bytes;
    return n;
}

} // namespace

class TestConvBptt : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

    /// dL/dW of every matrix against central differences of the last-step loss, with the spike
    /// replaced by a sigmoid (smooth forward); all three poolings, with and without weight
    /// standardisation, soft and hard reset.
    void gradientMatchesFiniteDifferences_data()
    {
        QTest::addColumn<bool>("weightNorm");
        QTest::addColumn<QString>("reset");
        QTest::newRow("weight-norm/soft") << true << "soft";
        QTest::newRow("weight-norm/hard") << true << "hard";
        QTest::newRow("no-norm/soft") << false << "soft";
    }

    void gradientMatchesFiniteDifferences()
    {
        QFETCH(bool, weightNorm);
        QFETCH(QString, reset);
        const ConvTpConfig cfg =
            config({2, 6, 6}, 3, 4, {{3, "none"}, {4, "max2"}, {3, "avgpool2x2"}}, weightNorm, reset.toStdString());
        BpttOptions opt;
        opt.smooth_spikes = true;
        opt.smooth_slope = 4.0;
        ConvBpttNetwork<double> net(cfg, opt);
        net.initWeights(7);
        if (!weightNorm)  // Kaiming weights alone drive too little current through 3 blocks
            forEachParam(net, [](const std::string&, auto& p) { p.w *= 2.0; });
        const Batch batch = syntheticBatch(4, 8, cfg.input.size(), 3, 0.3, 11);
        net.computeGradients(batch);
        std::vector<ConvBpttNetwork<double>::Mat> grads;
        forEachParam(net, [&](const std::string&, auto& p) { grads.push_back(p.g); });
        const double h = 1e-6;
        std::size_t k = 0;
        forEachParam(net, [&](const std::string& name, auto& p) {
            const auto& g = grads[k++];
            double diff = 0, norm = 0, fdNorm = 0;
            for (Eigen::Index i = 0; i < p.w.size(); ++i) {
                const double keep = p.w.data()[i];
                p.w.data()[i] = keep + h;
                net.evaluateBatch(batch);
                const double up = net.lastLoss();
                p.w.data()[i] = keep - h;
                net.evaluateBatch(batch);
                const double down = net.lastLoss();
                p.w.data()[i] = keep;
                const double fd = (up - down) / (2 * h);
                diff += (fd - g.data()[i]) * (fd - g.data()[i]);
                norm += g.data()[i] * g.data()[i];
                fdNorm += fd * fd;
            }
            const double rel = std::sqrt(diff) / std::max(std::sqrt(norm), std::sqrt(fdNorm));
            qInfo("%s: |grad| %.3e, relative error vs finite differences %.2e", name.c_str(), std::sqrt(norm), rel);
            QVERIFY2(norm > 1e-12, qPrintable(QString::fromStdString(name) + " has a zero gradient"));
            QVERIFY2(rel < 1e-5, qPrintable(QString::fromStdString(name) + QString(" relative error %1").arg(rel)));
        });
    }

    /// The Heaviside forward (ArcTan surrogate) trains: the last-step loss on two fixed batches halves.
    void trainingReducesTheLoss()
    {
        const ConvTpConfig cfg = config({2, 8, 8}, 4, 16, {{6, "max2"}, {8, "avgpool2x2"}}, true);
        ConvBpttNetwork<float> net(cfg);
        net.initWeights(1);
        std::vector<Batch> batches;
        for (int i = 0; i < 2; ++i)
            batches.push_back(syntheticBatch(16, 10, cfg.input.size(), 4, 0.2, std::uint64_t(i + 1)));
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
        qInfo("loss %.4f -> %.4f", before, after);
        QVERIFY2(after < 0.5 * before, qPrintable(QString("loss %1 -> %2").arg(before).arg(after)));
    }

    void bitIdenticalForAnyThreadCount()
    {
        const ConvTpConfig cfg = config({2, 8, 8}, 5, 12, {{4, "none"}, {6, "max2"}, {8, "avgpool2x2"}}, true);
        std::vector<float> result[2];
        double loss[2] = {0, 0};
        for (int threads : {1, 2}) {
            ConvBpttNetwork<float> net(cfg);
            net.initWeights(5);
            tbb::task_arena arena(threads);
            arena.execute([&] {
                for (int i = 0; i < 3; ++i)
                    loss[threads - 1] +=
                        net.trainBatch(syntheticBatch(12, 7, cfg.input.size(), 5, 0.2, std::uint64_t(i)), 1e-2)
                            .readout_loss_sum;
            });
            forEachParam(net, [&](const std::string&, auto& p) {
                result[threads - 1].insert(result[threads - 1].end(), p.w.data(), p.w.data() + p.w.size());
            });
        }
        QCOMPARE(loss[0], loss[1]);
        QVERIFY(result[0] == result[1]);
    }

    /// BPTT stores u and s of every block at every step on the full map: its rule state doubles
    /// from T = 10 to T = 20; conv TP's (traces, membranes, spikes) stays the same.
    void memoryGrowsLinearlyWithT()
    {
        const ConvTpConfig cfg = config({2, 8, 8}, 4, 8, {{4, "none"}, {6, "max2"}, {8, "avgpool2x2"}}, true);
        ConvBpttNetwork<float> bptt(cfg);
        ConvTpNetwork<float> tpNet(cfg);
        std::size_t b[2], t[2];
        int i = 0;
        for (int T : {10, 20}) {
            const Batch batch = syntheticBatch(8, T, cfg.input.size(), 4, 0.2, 3);
            bptt.trainBatch(batch, 1e-3);
            tpNet.trainBatch(batch, 1e-3);
            b[i] = ruleStateBytes(bptt.memory());
            t[i] = ruleStateBytes(tpNet.memory());
            const auto rows = bptt.memory();
            for (std::size_t l = 0; l < cfg.blocks.size(); ++l) {
                const std::size_t map = std::size_t(bptt.blocks()[l].map_shape.size());
                QCOMPARE(rows[l].trace_bytes, std::size_t(2) * T * 8 * map * sizeof(float));
                QCOMPARE(rows[l].model_bytes, rows[l].trace_bytes);
            }
            ++i;
        }
        const double ratio = double(b[1]) / double(b[0]);
        qInfo("conv BPTT rule state: T=10 %zu bytes, T=20 %zu bytes (ratio %.4f); conv TP: %zu and %zu bytes", b[0],
              b[1], ratio, t[0], t[1]);
        QVERIFY2(std::abs(ratio - 2.0) < 0.1, qPrintable(QString("ratio %1").arg(ratio)));
        QCOMPARE(t[0], t[1]);
    }

    /// Same seed, same initial weights as the conv TP engine (the two rules start alike).
    void initialisesLikeConvTp()
    {
        const ConvTpConfig cfg = config({2, 8, 8}, 4, 8, {{4, "none"}, {6, "max2"}}, true);
        ConvBpttNetwork<float> bptt(cfg);
        ConvTpNetwork<float> tpNet(cfg);
        bptt.initWeights(21);
        tpNet.initWeights(21);
        QVERIFY(bptt.blocks()[0].W.w == tpNet.blocks()[0].W.w);
        QVERIFY(bptt.blocks()[1].W.w == tpNet.blocks()[1].W.w);
        QVERIFY(bptt.readout().w == tpNet.readout().w);
    }
};

QTEST_APPLESS_MAIN(TestConvBptt)
#include "test_conv_bptt.moc"
