#pragma once
/// What the dense and the conv DECOLLE networks share (Kaiser, Mostafa, Neftci 2020, "Synaptic
/// Plasticity Dynamics for Deep Continuous Local Learning"): the neurons, the random stream of G,
/// the fixed random local readout G of a layer with its MSE loss, the common readout trained by
/// TP's local delta rule, and the per-batch loop. Include from .cpp files only (pulls in oneTBB).
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/errors.h"
#include "core/sample.h"
#include "nn/eigen_ref.h"
#include "nn/lif.h"
#include "nn/network.h"
#include "nn/parallel.h"
#include "nn/readout_loss.h"
#include "rules/decolle/decolle_network.h"

namespace tp {

/// The random stream of the local readout G_l of layer l (0-based) for a seed; TP and BPTT use
/// 1, 2, 3, 10 + l and 100 + l.
constexpr std::uint64_t kDecolleGStream = 200;

/// The neurons of a DECOLLE network with these options.
template <typename S>
LifNeurons<S> decolleNeurons(const NeuronSpec& neuron, const DecolleOptions& options)
{
    LifNeurons<S> n = lifNeurons<S>(neuron, neuron.v_th);
    n.smooth_slope = options.smooth_spikes ? S(options.smooth_slope) : S(0);
    return n;
}

/// One layer's local readout at one step: y (B, C) = out G^T (out: the layer's output, (B, F);
/// G: (C, F) fixed), the loss L = (1/(2B)) sum_b ||y_b - onehot(label_b)||^2 (returned), then
/// y becomes dL/dy = (y - onehot)/B and dOut (B, F) = dL/dout = y G. Rows in fixed chunks; the
/// loss summed in row order.
template <typename M, typename G>
double localReadout(const M& out, const G& g, const std::vector<int>& labels, M& y, M& dOut)
{
    using S = typename M::Scalar;
    constexpr std::size_t kGrain = 8;
    const Eigen::Index B = out.rows();
    std::vector<double> rowLoss(std::size_t(B), 0.0);
    parallelChunks(std::size_t(B), kGrain, [&](std::size_t r0, std::size_t r1) {
        const auto n = Eigen::Index(r1 - r0);
        kern::gemm(kern::in(out.middleRows(r0, n)), kern::transposed(kern::in(g)), kern::out(y.middleRows(r0, n)));
        for (std::size_t b = r0; b < r1; ++b) {
            y(Eigen::Index(b), labels[b]) -= S(1);
            rowLoss[b] = double(y.row(Eigen::Index(b)).squaredNorm());
        }
        y.middleRows(r0, n) *= S(1.0 / double(B));
        kern::gemm(kern::in(y.middleRows(r0, n)), kern::in(g), kern::out(dOut.middleRows(r0, n)));
    });
    double loss = 0;
    for (double l : rowLoss)
        loss += l;
    return loss / (2.0 * double(B));
}

/// The common readout (the classifier whose argmax is the prediction), one step:
/// mout = leak mout + x w^T (w: the weights the forward pass uses), err = softmax(mout) - onehot,
/// trace = beta trace + x; with `learn`, TP's local delta rule (readoutDeltaStep) on `param`
/// with that trace. No gradient goes from the readout into the hidden layers. Returns the
/// cross-entropy, mean over rows.
template <typename M, typename W, typename P>
double readoutStep(M& mout, M& err, M& trace, const M& x, const W& w, P& param, const std::vector<int>& labels,
                   double leak, double beta, bool learn, const AdamSettings& adam, double lr)
{
    using S = typename M::Scalar;
    const kern::Ops<S>& K = kern::ops<S>();
    K.leaky(mout.data(), nullptr, S(leak), std::size_t(mout.size()));
    kern::gemm(kern::in(x), kern::transposed(kern::in(w)), kern::out(mout), true);
    K.leaky(trace.data(), x.data(), S(beta), std::size_t(trace.size()));
    double loss = 0;
    for (Eigen::Index b = 0; b < mout.rows(); ++b)
        loss += softmaxCrossEntropy<S>(&mout(b, 0), int(mout.cols()), labels[std::size_t(b)], &err(b, 0));
    if (learn)
        readoutDeltaStep(param, err, trace, adam, lr);
    return loss / double(mout.rows());
}

/// One pass of a DECOLLE network (DecolleNetwork, ConvDecolleNetwork) over a batch: per step the
/// forward pass of every layer (traces included), then, when learning, each layer's local loss
/// and (from step burn_in on) its update, and the readout. `onStep(t)` (optional) is called after
/// step t with every buffer holding that step's values.
template <typename Net>
BatchStats decolleBatch(Net& net, const Batch& batch, double lr, bool learn, const std::function<void(int)>& onStep)
{
    net.beginBatch(batch);
    const std::size_t L = net.layerCount();
    BatchStats stats;
    stats.samples = batch.size;
    stats.steps = batch.steps;
    if (learn)
        stats.layer_loss_sum.assign(L, 0.0);
    stats.spike_count.assign(L, 0.0);
    for (int t = 0; t < batch.steps; ++t) {
        const bool update = learn && t >= net.burnIn();
        net.forwardStep(batch, t, stats.spike_count);
        for (std::size_t l = 0; learn && l < L; ++l) {
            const double loss = net.localStep(l, batch.labels, update, lr);
            if (!std::isfinite(loss))
                throw DivergenceError("layer " + std::to_string(l + 1) + " local loss became " + std::to_string(loss) +
                                      " at time step " + std::to_string(t + 1) +
                                      " (lower the learning rate or check the input scale)");
            stats.layer_loss_sum[l] += loss;
        }
        stats.readout_loss_sum += net.readoutStep(batch.labels, update, lr);
        if (onStep)
            onStep(t);
    }
    if (learn)
        net.checkFinite();
    scorePredictions(net.readoutMembrane(), batch.labels, stats);
    return stats;
}

} // namespace tp
