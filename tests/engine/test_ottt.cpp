// The OTTT rule (online training through time): its per-step gradient against central finite
// differences of an independent evaluation of L^t with the rule's state held (dense with a
// recurrent layer, and conv with weight standardisation), equality with BPTT at T = 1, learning
// (OTTT_A and OTTT_O, dense and conv), bit-identical results for any thread count, the rule
// parameter "online", and memory: measured traces = the analytic state, flat in T.
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>

#include <QtTest>

#include "core/sample.h"
#include "rules/bptt/bptt_model.h"
#include "rules/bptt/conv_bptt_network.h"
#include "rules/model.h"
#include "rules/ottt/conv_ottt_network.h"
#include "rules/ottt/ottt_model.h"
#include "rules/ottt/ottt_rule.h"
#include "rules/registry.h"
#include "../kernel_level.h"

using namespace tp;

namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

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
    c.rule.name = "ottt";
    return c;
}

ConvTpConfig convConfig(MapShape input, int classes, int batch, std::vector<std::pair<int, const char*>> blocks,
                        bool weightNorm, const std::string& reset = "soft")
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

OtttOptions smooth(double slope)
{
    OtttOptions o;
    o.smooth_spikes = true;
    o.smooth_slope = slope;
    return o;
}

/// Frame t of a batch as a dense (B, channels) matrix.
MatD frameAt(const Batch& batch, int t)
{
    MatD f = MatD::Zero(batch.size, batch.channels);
    const auto& off = batch.row_offsets[std::size_t(t)];
    for (int b = 0; b < batch.size; ++b)
        for (auto e = off[std::size_t(b)]; e < off[std::size_t(b) + 1]; ++e)
            f(b, batch.units[std::size_t(t)][std::size_t(e)]) += batch.values[std::size_t(t)][std::size_t(e)];
    return f;
}

MatD sigmoidSpikes(const MatD& u, double th, double slope)
{
    return (1.0 / (1.0 + (-slope * (u.array() - th)).exp())).matrix();
}

/// Mean over rows of -log softmax(mo)[label].
double meanCrossEntropy(const MatD& mo, const std::vector<int>& labels)
{
    double loss = 0;
    for (Eigen::Index b = 0; b < mo.rows(); ++b) {
        const double mx = mo.row(b).maxCoeff();
        loss += mx + std::log((mo.row(b).array() - mx).exp().sum()) - mo(b, labels[std::size_t(b)]);
    }
    return loss / double(mo.rows());
}

/// ||fd - g|| / max(||g||, ||fd||) of central differences (step h) of f over every entry of w.
template <typename W, typename G, typename F>
double fdRelativeError(W& w, const G& g, double h, F&& f, double* gradNorm)
{
    double diff = 0, norm = 0, fdNorm = 0;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
        const double keep = w.data()[i];
        w.data()[i] = keep + h;
        const double up = f();
        w.data()[i] = keep - h;
        const double down = f();
        w.data()[i] = keep;
        const double fd = (up - down) / (2 * h);
        diff += (fd - g.data()[i]) * (fd - g.data()[i]);
        norm += g.data()[i] * g.data()[i];
        fdNorm += fd * fd;
    }
    *gradNorm = std::sqrt(norm);
    return std::sqrt(diff) / std::max(std::sqrt(norm), std::sqrt(fdNorm));
}

// ---- Dense reference: L^t from the state after step t-1, held ----

struct DenseHeld {
    std::vector<MatD> mem, a, q, s;  ///< per layer, after step t-1 (q, s: recurrent layers)
    MatD r;                          ///< readout trace after step t-1
};

DenseHeld holdDense(const OtttNetwork<double>& net)
{
    DenseHeld h;
    for (const auto& layer : net.layers()) {
        h.mem.push_back(layer.mem);
        h.a.push_back(layer.a);
        h.q.push_back(layer.recurrent ? MatD(layer.q) : MatD());
        h.s.push_back(layer.s);
    }
    h.r = net.readoutTrace();
    return h;
}

/// u_l^t = hold_l + W_l a_l^t + R_l q_l^t with a_l^t = alpha a_l^{t-1} + x_l^t(W),
/// q_l^t = alpha q_l^{t-1} + s_l^{t-1}, s = sigmoid; m_out^t = W_out (k r^{t-1} + s_L^t).
/// `hold` (per layer, fixed) makes u_l^t at the initial weights the network's: alpha m^{t-1}
/// - alpha W_l a^{t-1} - alpha R_l q^{t-1}. Weights are read from the network.
double denseStepLoss(const OtttNetwork<double>& net, const DenseHeld& held, const std::vector<MatD>& hold,
                     const MatD& frame, const std::vector<int>& labels, double slope, std::vector<MatD>* us = nullptr)
{
    const double alpha = net.config().neuron.alpha, th = net.config().neuron.v_th, k = net.config().readout_leak;
    MatD x = frame;
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        const auto& layer = net.layers()[l];
        const MatD a = alpha * held.a[l] + x;
        MatD u = hold[l] + a * layer.W.w.transpose();
        if (layer.recurrent)
            u += (alpha * held.q[l] + held.s[l]) * layer.R.w.transpose();
        if (us)
            us->push_back(u);
        x = sigmoidSpikes(u, th, slope);
    }
    const MatD mo = (k * held.r + x) * net.readout().w.transpose();
    return meanCrossEntropy(mo, labels);
}

std::vector<MatD> denseHold(const OtttNetwork<double>& net, const DenseHeld& held)
{
    const double alpha = net.config().neuron.alpha;
    std::vector<MatD> hold;
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        const auto& layer = net.layers()[l];
        MatD h = alpha * held.mem[l] - alpha * held.a[l] * layer.W.w.transpose();
        if (layer.recurrent)
            h -= alpha * held.q[l] * layer.R.w.transpose();
        hold.push_back(h);
    }
    return hold;
}

// ---- Conv reference ----

/// Scaled weight standardisation of each row (as tp-algorithm.md 1.4), or w itself.
MatD standardised(const MatD& w, const ConvTpConfig& c)
{
    if (!c.weight_norm)
        return w;
    MatD out(w.rows(), w.cols());
    for (Eigen::Index o = 0; o < w.rows(); ++o) {
        const double mean = w.row(o).mean();
        const double var = (w.row(o).array() - mean).square().mean();
        out.row(o) = c.ws_gain * (w.row(o).array() - mean) / std::sqrt(var * double(w.cols()) + c.ws_eps);
    }
    return out;
}

/// The 3x3, pad-1 convolution of one (C_in, H, W) map row with wHat (C_out, C_in*9).
Eigen::RowVectorXd conv3x3(const MatD& wHat, const Eigen::RowVectorXd& a, const MapShape& in)
{
    const int H = in.h, W = in.w;
    Eigen::RowVectorXd out = Eigen::RowVectorXd::Zero(wHat.rows() * H * W);
    for (Eigen::Index o = 0; o < wHat.rows(); ++o)
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) {
                double sum = 0;
                for (int c = 0; c < in.c; ++c)
                    for (int i = 0; i < 3; ++i)
                        for (int j = 0; j < 3; ++j) {
                            const int yy = y + i - 1, xx = x + j - 1;
                            if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                                sum += wHat(o, (c * 3 + i) * 3 + j) * a((c * H + yy) * W + xx);
                        }
                out((o * H + y) * W + x) = sum;
            }
    return out;
}

/// Max over 2x2 windows ("max2") or adaptive average to 2x2 ("avgpool2x2") of a (C, H, W) row.
Eigen::RowVectorXd pooled(const Eigen::RowVectorXd& s, int C, int H, int W, const std::string& pool)
{
    if (pool == "none")
        return s;
    const bool max = pool == "max2";
    const int Hp = max ? H / 2 : 2, Wp = max ? W / 2 : 2;
    Eigen::RowVectorXd out(C * Hp * Wp);
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < Hp; ++i)
            for (int j = 0; j < Wp; ++j) {
                const int r0 = max ? 2 * i : i * H / Hp, r1 = max ? 2 * i + 2 : ((i + 1) * H + Hp - 1) / Hp;
                const int c0 = max ? 2 * j : j * W / Wp, c1 = max ? 2 * j + 2 : ((j + 1) * W + Wp - 1) / Wp;
                double v = max ? -1e300 : 0;
                for (int r = r0; r < r1; ++r)
                    for (int q = c0; q < c1; ++q)
                        v = max ? std::max(v, s((c * H + r) * W + q)) : v + s((c * H + r) * W + q);
                out((c * Hp + i) * Wp + j) = max ? v : v / double((r1 - r0) * (c1 - c0));
            }
    return out;
}

struct ConvHeld {
    std::vector<MatD> mem, a;
    MatD r;
};

/// The conv L^t as denseStepLoss: u_l^t = hold_l + conv(W_hat_l(W), a_l^t), a_l^t = alpha a_l^{t-1} + x_l^t(W),
/// x_{l+1} = pool(sigmoid(u_l^t)), m_out^t = W_out_hat (k r^{t-1} + x_{L+1}).
double convStepLoss(const ConvOtttNetwork<double>& net, const ConvHeld& held, const std::vector<MatD>& hold,
                    const MatD& frame, const std::vector<int>& labels, double slope, std::vector<MatD>* us = nullptr)
{
    const ConvTpConfig& c = net.config();
    const double alpha = c.neuron.alpha, th = c.neuron.v_th, k = c.readout_leak;
    MatD x = frame;
    for (std::size_t l = 0; l < net.blocks().size(); ++l) {
        const auto& blk = net.blocks()[l];
        const MatD wHat = standardised(blk.W.w, c);
        const MatD a = alpha * held.a[l] + x;
        MatD u(a.rows(), blk.map_shape.size());
        for (Eigen::Index b = 0; b < a.rows(); ++b)
            u.row(b) = hold[l].row(b) + conv3x3(wHat, a.row(b), blk.in_shape);
        if (us)
            us->push_back(u);
        const MatD s = sigmoidSpikes(u, th, slope);
        x.resize(a.rows(), blk.pooled_shape.size());
        for (Eigen::Index b = 0; b < a.rows(); ++b)
            x.row(b) = pooled(s.row(b), blk.map_shape.c, blk.map_shape.h, blk.map_shape.w, c.blocks[l].pool);
    }
    const MatD mo = (k * held.r + x) * standardised(net.readout().w, c).transpose();
    return meanCrossEntropy(mo, labels);
}

std::vector<MatD> convHold(const ConvOtttNetwork<double>& net, const ConvHeld& held)
{
    const double alpha = net.config().neuron.alpha;
    std::vector<MatD> hold;
    for (std::size_t l = 0; l < net.blocks().size(); ++l) {
        const auto& blk = net.blocks()[l];
        const MatD wHat = standardised(blk.W.w, net.config());
        MatD h(held.a[l].rows(), blk.map_shape.size());
        for (Eigen::Index b = 0; b < h.rows(); ++b)
            h.row(b) = alpha * held.mem[l].row(b) - alpha * conv3x3(wHat, held.a[l].row(b), blk.in_shape);
        hold.push_back(h);
    }
    return hold;
}

template <typename Net, typename Fn>
void forEachConvParam(Net& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.blocks().size(); ++l)
        fn("W" + std::to_string(l + 1), net.blocks()[l].W);
    fn(std::string("W_out"), net.readout());
}

template <typename Net>
std::vector<std::vector<float>> denseWeights(Net& net)
{
    std::vector<std::vector<float>> out;
    forEachMatrix(net, [&](const std::string&, auto& w, auto*) { out.emplace_back(w.data(), w.data() + w.size()); });
    return out;
}

template <typename Net>
std::vector<std::vector<float>> convWeights(Net& net)
{
    std::vector<std::vector<float>> out;
    forEachConvParam(net, [&](const std::string&, auto& p) { out.emplace_back(p.w.data(), p.w.data() + p.w.size()); });
    return out;
}

std::size_t traceBytes(const std::vector<MemoryRow>& rows)
{
    std::size_t n = 0;
    for (const auto& r : rows)
        n += r.trace_bytes;
    return n;
}

/// The mean over the batches of the per-step loss (1/T) sum_t L^t, OTTT's objective.
template <typename Net>
double meanStepLoss(Net& net, const std::vector<Batch>& batches)
{
    double s = 0;
    for (const auto& b : batches)
        s += net.evaluateBatch(b).readout_loss_sum / b.steps;
    return s / double(batches.size());
}

} // namespace

class TestOttt : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

    /// The rule's gradient of one step's loss L^t (t = 7 of 12) for every entry of W1, R1, W2 and
    /// W_out against central differences of denseStepLoss, the independent evaluation of L^t
    /// with the state after t-1 held (smooth spikes). The reference at the network's weights
    /// must first reproduce the network's u^t and L^t.
    void stepGradientMatchesFiniteDifferences()
    {
        for (const std::string reset : {"soft", "hard"}) {
            TpConfig cfg = config(6, 3, 4, {{"lif", 5, true}, {"lif", 4, false}}, reset);
            cfg.readout_leak = 0.8;
            const double slope = 5.0;
            OtttNetwork<double> net(cfg, smooth(slope));
            net.initWeights(7);
            net.layers()[0].W.w *= 2.0;
            const Batch batch = syntheticBatch(4, 12, 6, 3, 0.3, 11);
            const int t = 7;
            net.stepGradients(batch, t - 1);
            const DenseHeld held = holdDense(net);
            net.stepGradients(batch, t);
            const std::vector<MatD> hold = denseHold(net, held);
            const MatD frame = frameAt(batch, t);
            std::vector<MatD> us;
            const double loss = denseStepLoss(net, held, hold, frame, batch.labels, slope, &us);
            for (std::size_t l = 0; l < us.size(); ++l)
                QVERIFY((us[l] - net.layers()[l].u).cwiseAbs().maxCoeff() < 1e-12);
            QVERIFY2(std::abs(loss - net.lastLoss()) < 1e-12, qPrintable(QString("%1 vs %2").arg(loss).arg(net.lastLoss())));

            std::vector<OtttNetwork<double>::WMat> grads;  // the weights' (column-major) layout
            forEachMatrix(net, [&](const std::string&, auto&, auto* p) { grads.push_back(p->g); });
            std::size_t k = 0;
            forEachMatrix(net, [&](const std::string& name, auto& w, auto*) {
                double norm = 0;
                const double rel = fdRelativeError(w, grads[k++], 1e-5, [&] {
                    return denseStepLoss(net, held, hold, frame, batch.labels, slope);
                }, &norm);
                qInfo("reset %s, %s: |dL^t/dW| %.3e, relative error vs finite differences %.2e", reset.c_str(),
                      name.c_str(), norm, rel);
                QVERIFY2(norm > 1e-6, qPrintable(QString::fromStdString(name) + " has a zero gradient"));
                QVERIFY2(rel < 1e-6, qPrintable(QString::fromStdString(name) + QString(" relative error %1").arg(rel)));
            });
        }
    }

    /// The same for a conv net (max 2x2 then adaptive average pooling), with and without weight
    /// standardisation: every entry of W1, W2 and W_out.
    void convStepGradientMatchesFiniteDifferences_data()
    {
        QTest::addColumn<bool>("weightNorm");
        QTest::newRow("weight-norm") << true;
        QTest::newRow("no-norm") << false;
    }

    void convStepGradientMatchesFiniteDifferences()
    {
        QFETCH(bool, weightNorm);
        ConvTpConfig cfg = convConfig({2, 6, 6}, 3, 3, {{3, "max2"}, {4, "avgpool2x2"}}, weightNorm);
        cfg.readout_leak = 0.8;
        const double slope = 4.0;
        ConvOtttNetwork<double> net(cfg, smooth(slope));
        net.initWeights(7);
        if (!weightNorm)
            forEachConvParam(net, [](const std::string&, auto& p) { p.w *= 2.0; });
        const Batch batch = syntheticBatch(3, 8, cfg.input.size(), 3, 0.3, 11);
        const int t = 5;
        net.stepGradients(batch, t - 1);
        ConvHeld held;
        for (const auto& blk : net.blocks()) {
            held.mem.push_back(blk.mem);
            held.a.push_back(blk.a);
        }
        held.r = net.readoutTrace();
        net.stepGradients(batch, t);
        const std::vector<MatD> hold = convHold(net, held);
        const MatD frame = frameAt(batch, t);
        std::vector<MatD> us;
        const double loss = convStepLoss(net, held, hold, frame, batch.labels, slope, &us);
        for (std::size_t l = 0; l < us.size(); ++l)
            QVERIFY((us[l] - net.blocks()[l].u).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY2(std::abs(loss - net.lastLoss()) < 1e-12, qPrintable(QString("%1 vs %2").arg(loss).arg(net.lastLoss())));

        std::vector<MatD> grads;
        forEachConvParam(net, [&](const std::string&, auto& p) { grads.push_back(p.g); });
        std::size_t k = 0;
        forEachConvParam(net, [&](const std::string& name, auto& p) {
            double norm = 0;
            const double rel = fdRelativeError(p.w, grads[k++], 1e-5, [&] {
                return convStepLoss(net, held, hold, frame, batch.labels, slope);
            }, &norm);
            qInfo("%s: |dL^t/dW| %.3e, relative error vs finite differences %.2e", name.c_str(), norm, rel);
            QVERIFY2(norm > 1e-6, qPrintable(QString::fromStdString(name) + " has a zero gradient"));
            QVERIFY2(rel < 1e-6, qPrintable(QString::fromStdString(name) + QString(" relative error %1").arg(rel)));
        });
    }

    /// With one step from the zero state there is no time to backpropagate through: OTTT's
    /// gradient is BPTT's, for the same weights (dense with a recurrent layer, and conv).
    void equalsBpttAtOneStep()
    {
        const TpConfig cfg = config(20, 4, 8, {{"lif", 16, true}, {"lif", 12, false}});
        BpttNetwork<float> bptt(cfg);
        OtttNetwork<float> ottt(cfg);
        bptt.initWeights(5);
        ottt.initWeights(5);
        bptt.layers()[0].W.w *= 4.0f;
        ottt.layers()[0].W.w *= 4.0f;
        bptt.layers()[1].W.w *= 4.0f;
        ottt.layers()[1].W.w *= 4.0f;
        const Batch batch = syntheticBatch(8, 1, 20, 4, 0.4, 3);
        bptt.computeGradients(batch);
        const BatchStats stats = ottt.stepGradients(batch, 0);
        QVERIFY2(stats.spike_count[0] > 0 && stats.spike_count[1] > 0, "no spikes: the hidden gradients would be zero");
        std::vector<BpttNetwork<float>::WMat> ref;
        forEachMatrix(bptt, [&](const std::string&, auto&, auto* p) { ref.push_back(p->g); });
        std::size_t k = 0;
        forEachMatrix(ottt, [&](const std::string& name, auto& w, auto* p) {
            const auto& g = ref[k++];
            QCOMPARE(g.rows(), w.rows());
            const double scale = std::max(1e-30, double(g.cwiseAbs().maxCoeff()));
            const double err = double((p->g - g).cwiseAbs().maxCoeff()) / scale;
            qInfo("dense %s: max |dL/dW| %.3e, max |OTTT - BPTT| / max %.2e", name.c_str(), scale, err);
            if (name != "R1")  // s^{-1} = 0: the recurrent gradient is zero in both
                QVERIFY2(scale > 1e-6, qPrintable(QString::fromStdString(name) + " has a zero gradient"));
            QVERIFY2(err < 1e-5, qPrintable(QString::fromStdString(name) + QString(" differs by %1").arg(err)));
        });

        const ConvTpConfig ccfg = convConfig({2, 6, 6}, 3, 4, {{4, "max2"}, {5, "avgpool2x2"}}, true);
        ConvBpttNetwork<float> cbptt(ccfg);
        ConvOtttNetwork<float> cottt(ccfg);
        cbptt.initWeights(3);
        cottt.initWeights(3);
        const Batch cbatch = syntheticBatch(4, 1, ccfg.input.size(), 3, 0.5, 4);
        cbptt.computeGradients(cbatch);
        const BatchStats cstats = cottt.stepGradients(cbatch, 0);
        QVERIFY2(cstats.spike_count[0] > 0 && cstats.spike_count[1] > 0, "no conv spikes");
        std::vector<ConvBpttNetwork<float>::Mat> cref;
        forEachConvParam(cbptt, [&](const std::string&, auto& p) { cref.push_back(p.g); });
        k = 0;
        forEachConvParam(cottt, [&](const std::string& name, auto& p) {
            const auto& g = cref[k++];
            const double scale = double(g.cwiseAbs().maxCoeff());
            const double err = double((p.g - g).cwiseAbs().maxCoeff()) / std::max(1e-30, scale);
            qInfo("conv %s: max |dL/dW| %.3e, max |OTTT - BPTT| / max %.2e", name.c_str(), scale, err);
            QVERIFY2(scale > 1e-6, qPrintable(QString::fromStdString(name) + " has a zero gradient"));
            QVERIFY2(err < 1e-4, qPrintable(QString::fromStdString(name) + QString(" differs by %1").arg(err)));
        });
    }

    /// OTTT_A and OTTT_O both lower the per-step loss on two fixed batches (Heaviside forward).
    void trainingReducesTheLoss()
    {
        for (const bool online : {false, true}) {
            const TpConfig cfg = config(40, 4, 32, {{"lif", 64, true}});
            OtttOptions opt;
            opt.online = online;
            OtttNetwork<float> net(cfg, opt);
            net.initWeights(1);
            net.layers()[0].W.w *= 2.0f;
            std::vector<Batch> batches;
            for (int i = 0; i < 2; ++i)
                batches.push_back(syntheticBatch(32, 30, 40, 4, 0.1, std::uint64_t(i + 1)));
            const double before = meanStepLoss(net, batches);
            for (int epoch = 0; epoch < 40; ++epoch)
                for (const auto& b : batches)
                    net.trainBatch(b, online ? 1e-3 : 1e-2);
            const double after = meanStepLoss(net, batches);
            qInfo("%s: per-step loss %.4f -> %.4f", online ? "OTTT_O" : "OTTT_A", before, after);
            QVERIFY2(after < 0.5 * before, qPrintable(QString("loss %1 -> %2").arg(before).arg(after)));
        }
    }

    void convTrainingReducesTheLoss()
    {
        const ConvTpConfig cfg = convConfig({2, 8, 8}, 4, 16, {{6, "max2"}, {8, "avgpool2x2"}}, true);
        ConvOtttNetwork<float> net(cfg);
        net.initWeights(1);
        std::vector<Batch> batches;
        for (int i = 0; i < 2; ++i)
            batches.push_back(syntheticBatch(16, 10, cfg.input.size(), 4, 0.2, std::uint64_t(i + 1)));
        const double before = meanStepLoss(net, batches);
        for (int epoch = 0; epoch < 40; ++epoch)
            for (const auto& b : batches)
                net.trainBatch(b, 1e-2);
        const double after = meanStepLoss(net, batches);
        qInfo("conv OTTT_A: per-step loss %.4f -> %.4f", before, after);
        QVERIFY2(after < 0.5 * before, qPrintable(QString("loss %1 -> %2").arg(before).arg(after)));
    }

    void bitIdenticalForAnyThreadCount()
    {
        for (const bool online : {false, true}) {
            const TpConfig cfg = config(50, 5, 40, {{"lif", 48, true}, {"lif", 24, false}});
            std::vector<std::vector<float>> result[2];
            double loss[2] = {0, 0};
            for (int threads : {1, 2}) {
                OtttOptions opt;
                opt.online = online;
                OtttNetwork<float> net(cfg, opt);
                net.initWeights(5);
                net.layers()[0].W.w *= 2.0f;
                tbb::task_arena arena(threads);
                arena.execute([&] {
                    for (int i = 0; i < 3; ++i)
                        loss[threads - 1] +=
                            net.trainBatch(syntheticBatch(40, 25, 50, 5, 0.1, std::uint64_t(i)), 1e-2).readout_loss_sum;
                });
                result[threads - 1] = denseWeights(net);
            }
            QCOMPARE(loss[0], loss[1]);
            QVERIFY(result[0] == result[1]);
        }
        const ConvTpConfig ccfg = convConfig({2, 8, 8}, 4, 12, {{16, "max2"}, {8, "avgpool2x2"}}, true);
        std::vector<std::vector<float>> result[2];
        for (int threads : {1, 2}) {
            ConvOtttNetwork<float> net(ccfg);
            net.initWeights(2);
            tbb::task_arena arena(threads);
            arena.execute([&] {
                for (int i = 0; i < 2; ++i)
                    net.trainBatch(syntheticBatch(12, 8, ccfg.input.size(), 4, 0.2, std::uint64_t(i)), 1e-2);
            });
            result[threads - 1] = convWeights(net);
        }
        QVERIFY(result[0] == result[1]);
    }

    /// rule.online is declared, validated and read: it changes the update of a model made from
    /// the config (dense and conv).
    void onlineParameter()
    {
        const LearningRule* rule = findRule("ottt");
        QVERIFY(rule && findParam(rule->params, "online"));
        NetworkSpec network;
        network.layers = {{"lif", 10, false}};
        std::vector<ConfigIssue> issues;
        validateRuleSpec({{"name", "ottt"}, {"online", true}}, RuleSpec{"ottt"}, network, issues);
        QVERIFY(issues.empty());
        validateRuleSpec({{"name", "ottt"}, {"online", 3}}, RuleSpec{"ottt"}, network, issues);
        QCOMPARE(int(issues.size()), 1);

        TpConfig dense = config(20, 4, 8, {{"lif", 16, true}});
        TpConfig conv = config(2 * 6 * 6, 3, 4, {{"conv", 4, false, "max2"}});
        conv.input_shape = {2, 6, 6};
        for (TpConfig c : {dense, conv}) {
            std::vector<float> weights[2];
            for (const bool online : {false, true}) {
                c.rule.params = {{"online", online}};
                auto model = makeModel(c, Precision::Float32);
                model->initWeights(4);
                model->train(syntheticBatch(4, 6, c.inputs, c.classes, 0.3, 1), 1e-2);
                model->forEachTrainable([&](void* d, std::size_t n) {
                    weights[online].insert(weights[online].end(), static_cast<float*>(d), static_cast<float*>(d) + n);
                });
            }
            QVERIFY(weights[0] != weights[1]);
        }
    }

    /// The traces memory() measures (trace_bytes) are the analytic state_values of the rule for a
    /// batch of max_batch rows, and the same for T = 10 and T = 100 (dense with a recurrent layer; conv).
    void memoryMatchesTheModelAndIsFlatInT()
    {
        TpConfig dense = config(30, 5, 16, {{"lif", 24, true}, {"lif", 12, false}});
        TpConfig conv = config(2 * 8 * 8, 4, 8, {{"conv", 6, false, "max2"}, {"conv", 4, false, "avgpool2x2"}});
        conv.input_shape = {2, 8, 8};
        const LearningRule& rule = ruleOf("ottt");
        QVERIFY(!rule.state_grows_with_steps && !rule.layer_losses);
        for (const TpConfig& c : {dense, conv}) {
            const NetShape shape = NetShape::fromConfig(c);
            std::size_t measured[2];
            int i = 0;
            for (int T : {10, 100}) {
                auto model = makeModel(c, Precision::Float32);
                model->initWeights(1);
                model->train(syntheticBatch(c.max_batch, T, c.inputs, c.classes, 0.1, 3), 1e-3);
                const auto rows = model->memory();
                measured[i] = traceBytes(rows);
                const std::size_t expected = rule.state_values(shape, std::size_t(c.max_batch), std::size_t(T)) * sizeof(float);
                std::size_t modelBytes = 0;
                for (const auto& r : rows)
                    modelBytes += r.model_bytes;
                qInfo("%s T=%d: trace_bytes %zu, state_values x 4 = %zu", c.layers[0].type.c_str(), T, measured[i],
                      expected);
                QCOMPARE(measured[i], expected);
                QCOMPARE(modelBytes, expected);
                ++i;
            }
            QCOMPARE(measured[0], measured[1]);
        }
    }
};

QTEST_APPLESS_MAIN(TestOttt)
#include "test_ottt.moc"
