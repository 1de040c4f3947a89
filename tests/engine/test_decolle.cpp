// The DECOLLE rule (local readouts): its per-step gradient against central finite differences of
// an independent reference evaluation of the local losses from the state the rule holds (dense
// with a recurrent layer, and conv with and without weight standardisation), no gradient across
// layers, learning, bit-identical results for any thread count, the measured rule state against
// the analytic one, burn_in, and checkpoints.
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>

#include <QTemporaryDir>
#include <QtTest>

#include "config/experiment.h"
#include "core/sample.h"
#include "io/h5.h"
#include "nn/conv_ops.h"
#include "nn/net_shape.h"
#include "rules/decolle/decolle_model.h"
#include "rules/decolle/decolle_rule.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "../kernel_level.h"

using namespace tp;

namespace {

using DMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TpConfig denseConfig(int inputs, int classes, int batch, std::vector<LayerSpec> layers, const std::string& reset = "soft")
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
    c.rule.name = "decolle";
    return c;
}

ConvTpConfig convConfig(MapShape input, int classes, int batch, std::vector<std::pair<int, const char*>> blocks,
                        bool weightNorm)
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
    c.weight_norm = weightNorm;
    return c;
}

/// The conv network description as an experiment gives it (for makeModel).
TpConfig convTpConfig(int batch)
{
    TpConfig c = denseConfig(2 * 8 * 8, 4, batch, {});
    c.input_shape = {2, 8, 8};
    c.norm = "weight";
    for (auto [channels, pool] : {std::pair{6, "max2"}, std::pair{8, "avgpool2x2"}}) {
        LayerSpec spec;
        spec.type = "conv";
        spec.size = channels;
        spec.pool = pool;
        c.layers.push_back(spec);
    }
    return c;
}

/// The dense input frame t of a batch, written here from the batch's event lists.
DMat frameOf(const Batch& batch, int t)
{
    DMat f = DMat::Zero(batch.size, batch.channels);
    const auto& off = batch.row_offsets[std::size_t(t)];
    for (int b = 0; b < batch.size; ++b)
        for (auto e = off[std::size_t(b)]; e < off[std::size_t(b) + 1]; ++e)
            f(b, batch.units[std::size_t(t)][std::size_t(e)]) += batch.values[std::size_t(t)][std::size_t(e)];
    return f;
}

double sigmoid(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

/// The reference local loss (1/(2B)) sum_b ||G out_b - onehot(label_b)||^2.
template <typename G>
double mseLoss(const DMat& out, const G& g, const std::vector<int>& labels)
{
    double loss = 0;
    for (Eigen::Index b = 0; b < out.rows(); ++b) {
        Eigen::VectorXd y = g * out.row(b).transpose();
        y(labels[std::size_t(b)]) -= 1.0;
        loss += y.squaredNorm();
    }
    return loss / (2.0 * double(out.rows()));
}

/// sqrt(sum (fd - g)^2) / max(|g|, |fd|) over a matrix, and the largest element-wise relative
/// error among the elements whose gradient is above 1e-3 of the largest (below that, the
/// rounding of the central difference, ~1e-11 absolute, dominates).
struct FdError {
    double rel = 0, maxElem = 0, norm = 0;
};

template <typename M, typename Fn>
FdError compareFd(const M& grad, Fn&& lossAt, double h)
{
    double diff = 0, norm = 0, fdNorm = 0;
    M fd(grad.rows(), grad.cols());
    for (Eigen::Index j = 0; j < grad.rows(); ++j)
        for (Eigen::Index i = 0; i < grad.cols(); ++i) {
            fd(j, i) = (lossAt(j, i, h) - lossAt(j, i, -h)) / (2 * h);
            diff += (fd(j, i) - grad(j, i)) * (fd(j, i) - grad(j, i));
            norm += grad(j, i) * grad(j, i);
            fdNorm += fd(j, i) * fd(j, i);
        }
    FdError e;
    e.norm = std::sqrt(norm);
    e.rel = std::sqrt(diff) / std::max(std::sqrt(norm), std::sqrt(fdNorm));
    const double big = grad.cwiseAbs().maxCoeff();
    for (Eigen::Index k = 0; k < grad.size(); ++k)
        if (std::abs(grad.data()[k]) > 1e-3 * big)
            e.maxElem = std::max(e.maxElem, std::abs(fd.data()[k] - grad.data()[k]) / std::abs(grad.data()[k]));
    return e;
}

/// The scaled weight standardisation of one filter (written here: gain (w - mean) / sqrt(var n + eps)).
Eigen::RowVectorXd standardised(const Eigen::RowVectorXd& w, double gain, double eps)
{
    const double n = double(w.size()), mean = w.mean();
    const double var = (w.array() - mean).square().sum() / n;
    return gain * (w.array() - mean) / std::sqrt(var * n + eps);
}

} // namespace

class TestDecolle : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

    /// At a step t the rule's dL/dW_l (and dL/dR_l) equals the central difference of the per-step
    /// objective sum_l L_l^t, evaluated here from the held state: u_l^t(W') = u_l^t + (W' - W_l) p^t,
    /// with p (and q) traced here from the inputs the layers saw, s = sigmoid (smooth spikes),
    /// y = G s and the MSE against the one-hot label. Soft and hard reset (the same trace); and
    /// replacing G_2 leaves layer 1's gradient bit for bit (no gradient crosses layers).
    void gradientMatchesFiniteDifferences()
    {
        for (const std::string reset : {"soft", "hard"}) {
            const TpConfig cfg = denseConfig(6, 3, 4, {{"lif", 5, true}, {"lif", 4, false}}, reset);
            DecolleOptions opt;
            opt.smooth_spikes = true;
            opt.smooth_slope = 5.0;
            const Batch batch = syntheticBatch(4, 8, 6, 3, 0.4, 11);
            const int probe = 5;
            const double alpha = cfg.neuron.alpha, th = cfg.neuron.v_th;
            struct Held {
                std::vector<DMat> u, p, q;
                std::vector<DecolleNetwork<double>::WMat> gW, gR;
                std::vector<double> loss;
            };
            auto run = [&](DecolleNetwork<double>& net, double& traceError) {
                Held held;
                const auto& layers = net.layers();
                const std::size_t L = layers.size();
                std::vector<DMat> p(L), q(L), prev(L);
                for (std::size_t l = 0; l < L; ++l) {
                    p[l] = DMat::Zero(batch.size, layers[l].fan_in);
                    q[l] = prev[l] = DMat::Zero(batch.size, layers[l].size);
                }
                traceError = 0;
                net.trainBatch(batch, 0.0, [&](int t) {  // lr 0: Adam leaves the weights as they are
                    for (std::size_t l = 0; l < L; ++l) {
                        const DMat x = l == 0 ? frameOf(batch, t) : DMat(layers[l - 1].s);
                        p[l] = alpha * p[l] + x;
                        traceError = std::max(traceError, (p[l] - layers[l].p).cwiseAbs().maxCoeff());
                        if (layers[l].recurrent) {
                            q[l] = alpha * q[l] + prev[l];
                            traceError = std::max(traceError, (q[l] - layers[l].q).cwiseAbs().maxCoeff());
                        }
                        prev[l] = layers[l].s;
                    }
                    if (t != probe)
                        return;
                    for (std::size_t l = 0; l < L; ++l) {
                        held.u.push_back(layers[l].u);
                        held.p.push_back(p[l]);
                        held.q.push_back(q[l]);
                        held.gW.push_back(layers[l].W.g);
                        held.gR.push_back(layers[l].R.g);
                        held.loss.push_back(layers[l].loss);
                    }
                });
                return held;
            };
            DecolleNetwork<double> net(cfg, opt);
            net.initWeights(7);
            net.layers()[0].W.w *= 2.0;  // activity around the threshold in both layers
            double traceError = 0;
            const Held held = run(net, traceError);
            qInfo("reset %s: presynaptic traces p, q against the ones traced here: max |diff| %.2e", reset.c_str(),
                  traceError);
            QVERIFY(traceError < 1e-12);

            // The objective sum_l L_l^t with layer l's potential moved by d (the others held).
            auto objective = [&](std::size_t moved, const DMat& du) {
                double total = 0;
                for (std::size_t l = 0; l < held.u.size(); ++l) {
                    const DMat u = l == moved ? DMat(held.u[l] + du) : held.u[l];
                    const DMat s = ((u.array() - th) * opt.smooth_slope).unaryExpr(&sigmoid);
                    total += mseLoss(s, net.layers()[l].G, batch.labels);
                }
                return total;
            };
            for (std::size_t l = 0; l < held.u.size(); ++l) {
                const DMat zero = DMat::Zero(held.u[l].rows(), held.u[l].cols());
                const DMat s = ((held.u[l].array() - th) * opt.smooth_slope).unaryExpr(&sigmoid);
                QVERIFY(std::abs(mseLoss(s, net.layers()[l].G, batch.labels) - held.loss[l]) < 1e-12);
                for (const bool rec : {false, true}) {
                    if (rec && !net.layers()[l].recurrent)
                        continue;
                    const DMat& pre = rec ? held.q[l] : held.p[l];
                    const auto& grad = rec ? held.gR[l] : held.gW[l];
                    const FdError e = compareFd(
                        grad,
                        [&](Eigen::Index j, Eigen::Index i, double d) {
                            DMat du = zero;
                            du.col(j) = d * pre.col(i);  // (W + d e_ji) pre - W pre
                            return objective(l, du);
                        },
                        1e-5);
                    qInfo("reset %s, %s%zu: |grad| %.3e, relative error %.2e (largest element-wise %.2e)",
                          reset.c_str(), rec ? "R" : "W", l + 1, e.norm, e.rel, e.maxElem);
                    QVERIFY(e.norm > 1e-6);
                    QVERIFY2(e.rel < 1e-6 && e.maxElem < 1e-6, qPrintable(QString("relative error %1").arg(e.rel)));
                }
            }

            // Another G_2: layer 1's gradients are the same bits, layer 2's are not.
            DecolleNetwork<double> other(cfg, opt);
            other.initWeights(7);
            other.layers()[0].W.w *= 2.0;
            other.layers()[1].G *= -1.5;
            const Held held2 = run(other, traceError);
            QVERIFY(held2.gW[0] == held.gW[0]);
            QVERIFY(held2.gR[0] == held.gR[0]);
            QVERIFY(held2.gW[1] != held.gW[1]);
        }
    }

    /// The same check on conv blocks (max 2x2 then adaptive average pooling): u^t(W') = u^t +
    /// conv(p^t, W_hat(W') - W_hat(W)) with the conv, the standardisation and p written here, the
    /// pooled sigmoid spikes through G; with and without weight standardisation.
    void convGradientMatchesFiniteDifferences()
    {
        for (const bool weightNorm : {true, false}) {
            const ConvTpConfig cfg = convConfig({2, 6, 6}, 3, 4, {{3, "max2"}, {4, "avgpool2x2"}}, weightNorm);
            DecolleOptions opt;
            opt.smooth_spikes = true;
            opt.smooth_slope = 4.0;
            ConvDecolleNetwork<double> net(cfg, opt);
            net.initWeights(7);
            if (!weightNorm)
                for (auto& blk : net.blocks())
                    blk.W.w *= 2.0;
            const Batch batch = syntheticBatch(4, 6, cfg.input.size(), 3, 0.3, 5);
            const int probe = 4;
            const double alpha = cfg.neuron.alpha, th = cfg.neuron.v_th;
            auto& blocks = net.blocks();
            const std::size_t L = blocks.size();
            std::vector<DMat> p(L), u, pHeld, gHeld;
            std::vector<double> loss;
            for (std::size_t l = 0; l < L; ++l)
                p[l] = DMat::Zero(batch.size, blocks[l].in_shape.size());
            double traceError = 0;
            net.trainBatch(batch, 0.0, [&](int t) {
                for (std::size_t l = 0; l < L; ++l) {
                    p[l] = alpha * p[l] + (l == 0 ? frameOf(batch, t) : DMat(blocks[l - 1].pooled));
                    traceError = std::max(traceError, (p[l] - blocks[l].p).cwiseAbs().maxCoeff());
                    if (t == probe) {
                        u.push_back(blocks[l].u);
                        pHeld.push_back(p[l]);
                        gHeld.push_back(blocks[l].W.g);
                        loss.push_back(blocks[l].loss);
                    }
                }
            });
            QVERIFY(traceError < 1e-12);
            for (std::size_t l = 0; l < L; ++l) {
                const auto& blk = blocks[l];
                const MapShape in = blk.in_shape;
                const int cout = blk.map_shape.c, hw = blk.map_shape.plane();
                auto what = [&](const DMat& w) {
                    DMat out = w;
                    if (weightNorm)
                        for (Eigen::Index o = 0; o < w.rows(); ++o)
                            out.row(o) = standardised(w.row(o), cfg.ws_gain, cfg.ws_eps);
                    return out;
                };
                const DMat w0 = blk.W.w, what0 = what(w0);
                QVERIFY((what0 - blk.W.w_hat).cwiseAbs().maxCoeff() < 1e-12);
                auto lossWith = [&](const DMat& w) {
                    const DMat dw = what(w) - what0;
                    DMat uu = u[l];
                    for (int b = 0; b < uu.rows(); ++b)  // + the 3x3, pad-1 conv of p with dw
                        for (int o = 0; o < cout; ++o)
                            for (int y = 0; y < in.h; ++y)
                                for (int x = 0; x < in.w; ++x) {
                                    double acc = 0;
                                    for (int c = 0; c < in.c; ++c)
                                        for (int i = 0; i < 3; ++i)
                                            for (int j = 0; j < 3; ++j) {
                                                const int yy = y + i - 1, xx = x + j - 1;
                                                if (yy >= 0 && yy < in.h && xx >= 0 && xx < in.w)
                                                    acc += dw(o, (c * 3 + i) * 3 + j) *
                                                           pHeld[l](b, (c * in.h + yy) * in.w + xx);
                                            }
                                    uu(b, o * hw + y * in.w + x) += acc;
                                }
                    const DMat s = ((uu.array() - th) * opt.smooth_slope).unaryExpr(&sigmoid);
                    DMat pooled(s.rows(), blk.pooled_shape.size());
                    for (Eigen::Index b = 0; b < s.rows(); ++b)
                        conv::poolRow(blk, s.data() + b * s.cols(), pooled.data() + b * pooled.cols());
                    return mseLoss(pooled, blk.G, batch.labels);
                };
                QVERIFY(std::abs(lossWith(w0) - loss[l]) < 1e-12);
                const FdError e = compareFd(
                    gHeld[l],
                    [&](Eigen::Index o, Eigen::Index k, double d) {
                        DMat w = w0;
                        w(o, k) += d;
                        return lossWith(w);
                    },
                    1e-5);
                qInfo("weight norm %d, W%zu: |grad| %.3e, relative error %.2e (largest element-wise %.2e)",
                      int(weightNorm), l + 1, e.norm, e.rel, e.maxElem);
                QVERIFY(e.norm > 1e-6);
                QVERIFY2(e.rel < 1e-6 && e.maxElem < 1e-6, qPrintable(QString("relative error %1").arg(e.rel)));
            }
        }
    }

    /// With the Heaviside spike and the ArcTan surrogate, the local losses of every layer fall on
    /// two fixed batches (mean over steps and batches, first pass vs the 30th). (The labels of
    /// syntheticBatch are random: the readout, which must memorise them with TP's delta rule while
    /// the hidden activity moves, is only printed.)
    void trainingReducesTheLocalLosses()
    {
        const TpConfig cfg = denseConfig(40, 4, 32, {{"lif", 64, true}, {"lif", 32, false}});
        DecolleNetwork<float> net(cfg);
        net.initWeights(1);
        net.layers()[0].W.w *= 2.0f;
        std::vector<Batch> batches;
        for (int i = 0; i < 2; ++i)
            batches.push_back(syntheticBatch(32, 30, 40, 4, 0.1, std::uint64_t(i + 1)));
        std::vector<double> first, last;
        for (int epoch = 0; epoch < 30; ++epoch) {
            std::vector<double> losses(3, 0.0);
            for (const auto& b : batches) {
                const BatchStats s = net.trainBatch(b, 2e-3);
                for (std::size_t l = 0; l < 2; ++l)
                    losses[l] += s.layer_loss_sum[l] / s.steps;
                losses[2] += s.readout_loss_sum / s.steps;
            }
            (epoch == 0 ? first : last) = losses;
        }
        qInfo("readout loss %.4f -> %.4f", first[2], last[2]);
        for (std::size_t l = 0; l < 2; ++l) {
            qInfo("layer %zu local loss %.4f -> %.4f (ratio %.3f)", l + 1, first[l], last[l], last[l] / first[l]);
            QVERIFY2(last[l] < 0.8 * first[l], qPrintable(QString("loss %1 -> %2").arg(first[l]).arg(last[l])));
        }
    }

    /// A conv net (max 2x2, adaptive average) trains too: both blocks' local losses fall.
    void convTrainingReducesTheLocalLosses()
    {
        const ConvTpConfig cfg = convConfig({2, 8, 8}, 4, 16, {{6, "max2"}, {8, "avgpool2x2"}}, true);
        ConvDecolleNetwork<float> net(cfg);
        net.initWeights(1);
        std::vector<Batch> batches;
        for (int i = 0; i < 2; ++i)
            batches.push_back(syntheticBatch(16, 10, cfg.input.size(), 4, 0.2, std::uint64_t(i + 1)));
        std::vector<double> first, last;
        for (int epoch = 0; epoch < 20; ++epoch) {
            std::vector<double> losses(2, 0.0);
            for (const auto& b : batches) {
                const BatchStats s = net.trainBatch(b, 2e-3);
                for (std::size_t l = 0; l < 2; ++l)
                    losses[l] += s.layer_loss_sum[l] / s.steps;
            }
            (epoch == 0 ? first : last) = losses;
        }
        for (std::size_t l = 0; l < 2; ++l) {
            qInfo("block %zu local loss %.4f -> %.4f (ratio %.3f)", l + 1, first[l], last[l], last[l] / first[l]);
            QVERIFY2(last[l] < 0.8 * first[l], qPrintable(QString("loss %1 -> %2").arg(first[l]).arg(last[l])));
        }
    }

    void bitIdenticalForAnyThreadCount()
    {
        std::vector<std::vector<double>> result[2];
        for (int threads : {1, 2}) {
            tbb::task_arena arena(threads);
            arena.execute([&] {
                const TpConfig cfg = denseConfig(50, 5, 40, {{"lif", 48, true}, {"lif", 24, false}});
                auto dense = makeModel(cfg, Precision::Float32);
                dense->initWeights(5);
                dense->scaleWeights(2.0);
                auto conv = makeModel(convTpConfig(20), Precision::Float32);
                conv->initWeights(5);
                for (int i = 0; i < 3; ++i) {
                    dense->train(syntheticBatch(40, 25, 50, 5, 0.1, std::uint64_t(i)), 1e-2);
                    conv->train(syntheticBatch(20, 8, 128, 4, 0.2, std::uint64_t(i)), 1e-2);
                }
                for (auto* m : {dense.get(), conv.get()})
                    m->forEachTrainable([&](void* data, std::size_t n) {
                        const float* f = static_cast<const float*>(data);
                        result[threads - 1].emplace_back(f, f + n);
                    });
            });
        }
        QVERIFY(!result[0].empty());
        QVERIFY(result[0] == result[1]);
    }

    /// The measured rule state (sum of trace_bytes: p, q, the readout's trace and G) equals
    /// decolleStateValues * sizeof(S) for a batch of max_batch rows, dense (recurrent) and conv,
    /// and does not grow with T.
    void memoryMatchesTheStateModel()
    {
        const TpConfig dense = denseConfig(30, 5, 16, {{"lif", 40, true}, {"lif", 20, false}});
        for (const TpConfig& cfg : {dense, convTpConfig(8)}) {
            const NetShape shape = NetShape::fromConfig(cfg);
            for (Precision precision : {Precision::Float32, Precision::Float64}) {
                const std::size_t vb = precision == Precision::Float64 ? 8 : 4;
                auto model = makeModel(cfg, precision);
                for (int T : {10, 20}) {
                    model->train(syntheticBatch(cfg.max_batch, T, cfg.inputs, cfg.classes, 0.2, 3), 1e-3);
                    std::size_t traces = 0, analytic = 0;
                    for (const MemoryRow& r : model->memory()) {
                        traces += r.trace_bytes;
                        analytic += r.model_bytes;
                    }
                    qInfo("%s %zu-byte values, T=%d: trace_bytes %zu, state_values %zu",
                          cfg.layers[0].type.c_str(), vb, T, traces, decolleStateValues(shape, cfg.max_batch, T));
                    QCOMPARE(traces, decolleStateValues(shape, std::size_t(cfg.max_batch), std::size_t(T)) * vb);
                    QCOMPARE(analytic, traces);
                }
            }
        }
        // The formula on a known net: B (N_in + sum H + recurrent H) + C sum H.
        QCOMPARE(decolleStateValues(NetShape::fromConfig(dense), 16, 7), std::size_t(16 * (30 + 60 + 40) + 5 * 60));
    }

    /// rule.burn_in = T: no update in the whole sequence; 0: every step updates. An experiment
    /// file takes the key (a non-negative integer) and keeps it in rule.params.
    void burnInHoldsTheWeights()
    {
        nlohmann::json doc = {{"schema_version", 1},
                              {"network", {{"layers", {{{"type", "lif"}, {"size", 10}}}}}},
                              {"rule", {{"name", "decolle"}, {"burn_in", 12}}},
                              {"dataset", {{"kind", "randman"}}}};
        QCOMPARE(decolleBurnIn(parseExperiment(doc, "test").rule), 12);
        doc["rule"]["burn_in"] = -1;
        QVERIFY_THROWS_EXCEPTION(ConfigError, parseExperiment(doc, "test"));
        for (TpConfig cfg : {denseConfig(20, 4, 8, {{"lif", 16, true}}), convTpConfig(8)}) {
            for (int burnIn : {0, 6}) {
                cfg.rule.params = {{"burn_in", burnIn}};
                auto model = makeModel(cfg, Precision::Float32);
                model->initWeights(2);
                std::vector<float> before, after;
                auto collect = [&](std::vector<float>& into) {
                    into.clear();
                    model->forEachTrainable([&](void* d, std::size_t n) {
                        into.insert(into.end(), static_cast<float*>(d), static_cast<float*>(d) + n);
                    });
                };
                collect(before);
                model->train(syntheticBatch(8, 6, cfg.inputs, 4, 0.3, 1), 1e-2);
                collect(after);
                QCOMPARE(before == after, burnIn == 6);
            }
        }
    }

    /// save / load through NetModel restores every matrix, the frozen G included: a model
    /// initialised from another seed and loaded trains to the same local losses. Then a batch
    /// of fewer rows than max_batch.
    void checkpointRoundTrip()
    {
        for (const TpConfig& cfg : {denseConfig(20, 4, 16, {{"lif", 32, true}, {"lif", 16, false}}), convTpConfig(8)}) {
            auto model = makeModel(cfg, Precision::Float32);
            model->initWeights(9);
            const Batch batch = syntheticBatch(cfg.max_batch, 12, cfg.inputs, 4, 0.2, 4);
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
            QCOMPARE(a.layer_loss_sum, b.layer_loss_sum);
            QCOMPARE(a.readout_loss_sum, b.readout_loss_sum);
            // A batch of fewer rows than max_batch trains and evaluates (the last batch of an epoch).
            const Batch few = syntheticBatch(3, 12, cfg.inputs, 4, 0.2, 6);
            QCOMPARE(other->train(few, 1e-2).predictions.size(), std::size_t(3));
            QCOMPARE(other->evaluate(few).predictions.size(), std::size_t(3));
        }
    }
};

QTEST_APPLESS_MAIN(TestDecolle)
#include "test_decolle.moc"
