// Golden conformance of the conv engine: tests/golden/tp_cnn_small.h5 (conv README section of
// ../shared/golden/README.md) reproduces in float32 and float64 through verifyGolden, every
// array the file records is compared, spikes and predictions exactly. Plus: the conv engine
// gives bit-identical results for any thread count.
#include <tbb/task_arena.h>  // before Qt: Qt's emit macro breaks oneTBB headers

#include <QtTest>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/tp/golden.h"
#include "rules/tp/conv_network.h"
#include "../kernel_level.h"

using namespace tp;

namespace {
const char* kFile = TP_TEST_DATA_DIR "/golden/tp_cnn_small.h5";

ConvTpConfig smallConfig()
{
    ConvTpConfig cfg;
    cfg.input = {2, 8, 8};
    cfg.classes = 3;
    cfg.max_batch = 8;
    for (auto [ch, pool] : {std::pair{4, "none"}, std::pair{6, "max2"}, std::pair{8, "avgpool2x2"}}) {
        LayerSpec spec;
        spec.type = "conv";
        spec.size = ch;
        spec.pool = pool;
        cfg.blocks.push_back(spec);
    }
    cfg.neuron.alpha = 0.5;
    cfg.neuron.beta = 0.9;
    return cfg;
}
} // namespace

class TestGoldenConv : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

    void reproduces_data()
    {
        QTest::addColumn<int>("precision");
        QTest::newRow("tp_cnn_small/f32") << 0;
        QTest::newRow("tp_cnn_small/f64") << 1;
    }

    void reproduces()
    {
        QFETCH(int, precision);
        const auto report = verifyGolden(kFile, precision ? Precision::Float64 : Precision::Float32);
        // 3 blocks x 11 arrays + label_trace, grad_W_out, readout, 4 final weights and their
        // changes, 3 inference spikes, inference readout, predictions.
        QVERIFY2(report.arrays.size() >= 49, "every recorded array must be compared");
        if (!report.passed() || qEnvironmentVariableIsSet("TP_GOLDEN_TABLE"))
            qWarning().noquote() << QString::fromStdString(report.table());
        for (const auto& a : report.arrays)
            QVERIFY2(a.name.find("not compared") == std::string::npos, a.name.c_str());
        QVERIFY(report.passed());
        for (const auto& a : report.arrays)
            if (a.name.find("spikes") != std::string::npos || a.name == "predictions")
                QCOMPARE(a.mismatches, 0);
    }

    void sameResultForAnyThreadCount()
    {
        const ConvTpConfig cfg = smallConfig();
        const Batch batch = syntheticBatch(8, 6, cfg.input.size(), cfg.classes, 0.15, 7);
        auto run = [&](int threads) {
            ConvTpNetwork<float> net(cfg);
            net.initWeights(42);
            tbb::task_arena arena(threads);
            arena.execute([&] { net.trainBatch(batch, 1e-3); });
            std::vector<float> out;
            for (const auto& blk : net.blocks())
                out.insert(out.end(), blk.W.w.data(), blk.W.w.data() + blk.W.w.size());
            out.insert(out.end(), net.readout().w.data(), net.readout().w.data() + net.readout().w.size());
            return out;
        };
        const auto one = run(1), two = run(2), four = run(4);
        QVERIFY(one == two);
        QVERIFY(one == four);
    }

    void kaimingInitHasTheRightScale()
    {
        ConvTpConfig cfg = smallConfig();
        cfg.blocks[0].size = 64;
        ConvTpNetwork<double> net(cfg);
        net.initWeights(3);
        const auto& w = net.blocks()[0].W.w;  // fan_in 2*9 = 18: variance 2/18
        const double mean = w.mean();
        const double var = (w.array() - mean).square().mean();
        QVERIFY(std::abs(mean) < 0.05);
        QVERIFY(std::abs(var / (2.0 / 18.0) - 1.0) < 0.15);
    }

    void rejectsBadPoolKind()
    {
        ConvTpConfig cfg = smallConfig();
        cfg.blocks[1].pool = "max3";
        QVERIFY_THROWS_EXCEPTION(ConfigError, ConvTpNetwork<float>{cfg});
    }
};

QTEST_APPLESS_MAIN(TestGoldenConv)
#include "test_golden_conv.moc"
