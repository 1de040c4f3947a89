#pragma once
/// What the dense and the conv TP networks share (tp-algorithm.md sections 2, 3 and 5): the
/// class rows of a batch (the target path depends only on the label, so it runs once per class
/// present), the label trace, the layer-wise contrastive loss with its class-summed G, and the
/// per-batch loop of training and inference. A dense layer is the conv form with one position.
/// Include from .cpp files only (pulls in oneTBB).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/sample.h"
#include "nn/eigen_ref.h"
#include "nn/network.h"
#include "nn/parallel.h"
#include "nn/readout_loss.h"
#include "rules/tp/class_rows.h"

namespace tp {

/// TP's contrastive loss of one layer on the class rows. Soft targets y (K, K) = softmax(-D)
/// over the B columns (class rows weighted by their counts), D = the mean over `prevPositions`
/// positions of the distance between the channel vectors of the previous layer's target traces
/// `prev` (K, channels * prevPositions, channel-major); logits z (B, K) = eps teps^T / positions;
/// gc (B, K) = the class-summed G = (P - y) / B. Returns the loss (mean over the B rows).
/// Per position the squares are summed in channel order, then the roots in position order.
template <typename M>
double contrastiveLoss(const M& prev, int prevPositions, const M& eps, const M& teps, int positions,
                       const ClassRows& classes, M& z, M& y, M& gc)
{
    using S = typename M::Scalar;
    const int K = classes.size();
    const int B = int(eps.rows());
    const int P = prevPositions, C = int(prev.cols()) / P;
    const std::size_t grain = std::max<std::size_t>(1, 16384 / (std::size_t(K) * std::size_t(prev.cols()) + 1));
    const kern::Ops<S>& ops = kern::ops<S>();
    parallelChunks(std::size_t(K), grain, [&](std::size_t k0, std::size_t k1) {
        std::vector<S> acc(static_cast<std::size_t>(P));
        for (int k = int(k0); k < int(k1); ++k) {
            S dmin = std::numeric_limits<S>::infinity();
            for (int k2 = 0; k2 < K; ++k2) {
                if (P == 1) {  // dense: one position, the sum in a register
                    S sq = 0;
                    for (int c = 0; c < C; ++c) {
                        const S d = prev(k, c) - prev(k2, c) + S(1e-9);
                        sq += d * d;
                    }
                    y(k, k2) = std::sqrt(sq);
                    dmin = std::min(dmin, y(k, k2));
                    continue;
                }
                std::fill(acc.begin(), acc.end(), S(0));
                for (int c = 0; c < C; ++c)
                    ops.addSquaredDiff(acc.data(), &prev(k, c * P), &prev(k2, c * P), S(1e-9), std::size_t(P));
                S dist = 0;
                for (int p = 0; p < P; ++p)
                    dist += std::sqrt(acc[std::size_t(p)]);
                y(k, k2) = dist / S(P);
                dmin = std::min(dmin, y(k, k2));
            }
            S denom = 0;
            for (int k2 = 0; k2 < K; ++k2) {
                y(k, k2) = std::exp(-(y(k, k2) - dmin));
                denom += S(classes.count[std::size_t(k2)]) * y(k, k2);
            }
            for (int k2 = 0; k2 < K; ++k2)
                y(k, k2) /= denom;
        }
    });

    // Logits, log-softmax with max subtraction over the B columns, loss and G summed per class.
    kern::gemm(kern::in(eps), kern::transposed(kern::in(teps)), kern::out(z));
    if (positions != 1)
        z *= S(1.0 / double(positions));
    double loss = 0;
    const S invB = S(1.0 / B);
    for (int b = 0; b < B; ++b) {
        S mx = -std::numeric_limits<S>::infinity();
        for (int k = 0; k < K; ++k)
            mx = std::max(mx, z(b, k));
        S sum = 0;
        for (int k = 0; k < K; ++k)
            sum += S(classes.count[std::size_t(k)]) * std::exp(z(b, k) - mx);
        const S lse = mx + std::log(sum);
        const int cb = classes.of_row[std::size_t(b)];
        double rowLoss = 0;
        for (int k = 0; k < K; ++k) {
            const S logp = z(b, k) - lse;
            const S yv = y(cb, k);
            rowLoss -= double(classes.count[std::size_t(k)]) * double(yv) * double(logp);
            gc(b, k) = S(classes.count[std::size_t(k)]) * (std::exp(logp) - yv) * invB;
        }
        loss += rowLoss;
    }
    return loss / B;
}

/// One pass of a TP network (TpNetwork, ConvTpNetwork) over a batch: per step the forward pass
/// (with the target path when learning), each layer's loss and update, and the readout; at the
/// end the divergence check (learning) and the predictions.
template <typename Net>
BatchStats tpBatch(Net& net, const Batch& batch, double lr, bool learn, const std::function<void(int)>& onStep)
{
    if (learn && batch.size < 2)
        throw ConfigError("TP needs at least 2 rows per batch (the contrastive loss compares rows)");
    net.beginBatch(batch);
    auto& units = net.units();
    BatchStats stats;
    stats.samples = batch.size;
    stats.steps = batch.steps;
    if (learn)
        stats.layer_loss_sum.assign(units.size(), 0.0);
    stats.spike_count.assign(units.size(), 0.0);
    for (int t = 0; t < batch.steps; ++t) {
        net.forwardStep(batch, t, learn);
        for (std::size_t l = 0; l < units.size(); ++l) {
            if (learn) {
                net.lossAndGradients(units[l], int(l), lr);
                if (!std::isfinite(units[l].loss))
                    throw DivergenceError(std::string(Net::kUnitName) + " " + std::to_string(l + 1) +
                                          " local loss became " + std::to_string(units[l].loss) + " at time step " +
                                          std::to_string(t + 1) + " (lower the learning rate or check the input scale)");
                stats.layer_loss_sum[l] += units[l].loss;
            }
            stats.spike_count[l] += double(units[l].in.s.sum());
        }
        net.readoutStep(batch, lr, learn);
        stats.readout_loss_sum += net.readoutLoss();
        if (onStep)
            onStep(t);
    }
    if (learn)
        net.checkFinite();
    scorePredictions(net.readoutMembrane(), batch.labels, stats);
    return stats;
}

} // namespace tp
