// The event-driven conv kernels (scatter of the active inputs) against im2col + GEMM: the same
// convolution, weight gradient and, through whole networks, the same training result for conv
// TP and conv BPTT whichever path runs (float64, sums in another order); the transposed conv is
// the adjoint of the conv.
#include <tbb/task_arena.h>  // before Qt: Qt's emit macro breaks oneTBB headers

#include <QtTest>

#include "rules/bptt/conv_bptt_network.h"
#include "core/rng.h"
#include "core/sample.h"
#include "rules/tp/conv_network.h"
#include "nn/conv_ops.h"

using namespace tp;

namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// rows x (c*h*w) with a fraction `density` of non-zero entries (counts 1..3), the rest 0.
Mat sparseMaps(int rows, const MapShape& s, double density, std::uint64_t seed)
{
    Rng rng(seed, 0);
    Mat a = Mat::Zero(rows, s.size());
    for (Eigen::Index i = 0; i < a.size(); ++i)
        if (rng.uniform() < density)
            a.data()[i] = 1.0 + std::floor(3.0 * rng.uniform());
    return a;
}

Mat randomMat(Eigen::Index r, Eigen::Index c, std::uint64_t seed)
{
    Rng rng(seed, 1);
    Mat m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = rng.uniform(-1.0, 1.0);
    return m;
}

double relDiff(const Mat& a, const Mat& b) { return (a - b).norm() / std::max(1e-300, b.norm()); }

ConvTpConfig netConfig(ComputePath path)
{
    ConvTpConfig c;
    c.input = {2, 8, 8};
    c.classes = 4;
    c.max_batch = 8;
    for (auto [ch, pool] : {std::pair{4, "none"}, std::pair{6, "max2"}, std::pair{8, "avgpool2x2"}}) {
        LayerSpec spec;
        spec.type = "conv";
        spec.size = ch;
        spec.pool = pool;
        c.blocks.push_back(spec);
    }
    c.neuron.alpha = 0.6;
    c.neuron.beta = 0.9;
    c.path = path;
    return c;
}

} // namespace

class TestConvPaths : public QObject {
    Q_OBJECT

private slots:
    void kernelsAgree()
    {
        const MapShape in{3, 5, 7};  // odd, non-square: every border case of the 3x3 taps
        const int cout = 4, rows = 5;
        const Mat w = randomMat(cout, in.c * 9, 2);
        const Mat wT = w.transpose();
        for (double density : {0.05, 0.3, 1.0}) {
            const Mat a = sparseMaps(rows, in, density, 3);
            ActiveInputs<double> act;
            act.build(a, in);
            QVERIFY(std::abs(act.density() - double((a.array() != 0).count()) / double(a.size())) < 1e-12);
            Mat dense(rows, cout * in.plane()), event(rows, cout * in.plane());
            conv::convRows(a, in, w, dense);
            conv::convRowsEvent(act, in, wT, event);
            QVERIFY2(relDiff(event, dense) < 1e-13, qPrintable(QString("conv, density %1").arg(density)));

            const Mat delta = randomMat(rows, cout * in.plane(), 4);
            Mat g = Mat::Zero(cout, in.c * 9), gT = Mat::Zero(in.c * 9, cout), deltaT;
            conv::convGradRows(delta, a, in, g);
            conv::transposeRows(delta, cout, deltaT);
            conv::convGradRowsEvent(deltaT, act, in, gT);
            QVERIFY2(relDiff(gT.transpose(), g) < 1e-13, qPrintable(QString("gradient, density %1").arg(density)));
            Mat viaHelper = Mat::Zero(cout, in.c * 9);
            conv::addTransposed(gT, viaHelper);
            QVERIFY(viaHelper == Mat(gT.transpose()));

            // Adjoint: <conv(a), delta> = <a, convT(delta)>.
            Mat dA(rows, in.size());
            conv::convInputGradRows(delta, w, in, dA);
            const double lhs = (dense.array() * delta.array()).sum(), rhs = (a.array() * dA.array()).sum();
            QVERIFY2(std::abs(lhs - rhs) < 1e-10 * std::max(1.0, std::abs(lhs)), qPrintable(QString("%1 vs %2").arg(lhs).arg(rhs)));
        }
    }

    /// Whole conv TP and conv BPTT runs: forced event path = forced dense path (float64, up to
    /// rounding), and the event path really ran.
    void networksAgreeOnBothPaths()
    {
        const Batch batch = syntheticBatch(8, 6, 2 * 8 * 8, 4, 0.15, 5);
        ConvTpNetwork<double> tpDense(netConfig(ComputePath::Dense)), tpEvent(netConfig(ComputePath::Event));
        ConvBpttNetwork<double> btDense(netConfig(ComputePath::Dense)), btEvent(netConfig(ComputePath::Event));
        for (auto* n : {&tpDense, &tpEvent})
            n->initWeights(9);
        for (auto* n : {&btDense, &btEvent})
            n->initWeights(9);
        const BatchStats a = tpDense.trainBatch(batch, 1e-3), b = tpEvent.trainBatch(batch, 1e-3);
        QCOMPARE(a.predictions, b.predictions);
        QCOMPARE(a.spike_count, b.spike_count);
        QVERIFY(tpDense.eventProducts() == 0 && tpEvent.denseProducts() == 0 && tpEvent.eventProducts() > 0);
        for (std::size_t l = 0; l < 3; ++l)
            QVERIFY2(relDiff(tpEvent.blocks()[l].W.w, tpDense.blocks()[l].W.w) < 1e-10, qPrintable(QString::number(l)));
        QVERIFY(relDiff(tpEvent.readout().w, tpDense.readout().w) < 1e-10);

        btDense.computeGradients(batch);
        btEvent.computeGradients(batch);
        QVERIFY(btDense.eventProducts() == 0 && btEvent.denseProducts() == 0 && btEvent.eventProducts() > 0);
        for (std::size_t l = 0; l < 3; ++l) {
            QVERIFY(btDense.blocks()[l].W.g.norm() > 0);
            QVERIFY2(relDiff(btEvent.blocks()[l].W.g, btDense.blocks()[l].W.g) < 1e-10, qPrintable(QString::number(l)));
        }
        QVERIFY(relDiff(btEvent.readout().g, btDense.readout().g) < 1e-10);
    }

    /// The event-driven kernels give bit-identical results for 1 and 2 threads (conv TP training
    /// and conv BPTT gradients, float32).
    void eventPathIsThreadCountIndependent()
    {
        const Batch batch = syntheticBatch(8, 5, 2 * 8 * 8, 4, 0.15, 6);
        std::vector<float> tpW[2], btG[2];
        for (int threads : {1, 2}) {
            ConvTpNetwork<float> tpNet(netConfig(ComputePath::Event));
            ConvBpttNetwork<float> bt(netConfig(ComputePath::Event));
            tpNet.initWeights(4);
            bt.initWeights(4);
            tbb::task_arena arena(threads);
            arena.execute([&] {
                tpNet.trainBatch(batch, 1e-3);
                bt.computeGradients(batch);
            });
            for (const auto& b : tpNet.blocks())
                tpW[threads - 1].insert(tpW[threads - 1].end(), b.W.w.data(), b.W.w.data() + b.W.w.size());
            for (const auto& b : bt.blocks())
                btG[threads - 1].insert(btG[threads - 1].end(), b.W.g.data(), b.W.g.data() + b.W.g.size());
        }
        QVERIFY(tpW[0] == tpW[1]);
        QVERIFY(btG[0] == btG[1]);
    }
};

QTEST_APPLESS_MAIN(TestConvPaths)
#include "test_conv_paths.moc"
