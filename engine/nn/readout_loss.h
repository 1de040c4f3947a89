#pragma once
/// The readout every rule shares: softmax cross-entropy of one row of the readout membrane
/// against its label (with max subtraction), and the prediction of a batch (argmax of the
/// readout membrane after the last step).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "nn/dense_ops.h"
#include "nn/adam.h"
#include "nn/eigen_ref.h"
#include "nn/network.h"

namespace tp {

/// Returns -log softmax(mo)[label], the exponentials summed in Acc (TP: the network's scalar,
/// as the reference; BPTT: double); when `err` is given,
/// err[c] = (softmax(mo)[c] - [c == label]) * scale.
template <typename Acc = double, typename S>
double softmaxCrossEntropy(const S* mo, int classes, int label, S* err = nullptr, double scale = 1.0)
{
    S mx = -std::numeric_limits<S>::infinity();
    for (int c = 0; c < classes; ++c)
        mx = std::max(mx, mo[c]);
    Acc sum = 0;
    if constexpr (std::is_same_v<Acc, S>) {
        if (err) {  // each exponential once, kept in err until the sum is known
            for (int c = 0; c < classes; ++c)
                sum += (err[c] = std::exp(mo[c] - mx));
            for (int c = 0; c < classes; ++c)
                err[c] = (err[c] / sum - (c == label ? S(1) : S(0))) * S(scale);
            return double(mx) + std::log(double(sum)) - double(mo[label]);
        }
    }
    for (int c = 0; c < classes; ++c)
        sum += std::exp(Acc(mo[c] - mx));
    if (err)
        for (int c = 0; c < classes; ++c)
            err[c] = S((std::exp(Acc(mo[c] - mx)) / sum - (c == label ? Acc(1) : Acc(0))) * Acc(scale));
    return double(mx) + std::log(double(sum)) - double(mo[label]);
}

/// One step of the leaky-integrator readout for one batch row, as BPTT and e-prop train it:
/// mo = leak*mo + W_out s (C classes), trace = leak*trace + s (h spikes, the exact-leak trace that
/// dL/dW_out needs); returns the cross-entropy of mo (softmaxCrossEntropy, summed in double) and
/// writes err when given.
template <typename S, typename W>
double leakyReadoutStep(S* mo, S* trace, const S* s, int h, const W& w_out, int classes, S leak, int label,
                        S* err, double scale)
{
    const kern::Ops<S>& K = kern::ops<S>();
    K.leaky(mo, nullptr, leak, std::size_t(classes));
    K.leaky(trace, s, leak, std::size_t(h));
    gatherDense(mo, s, h, w_out, classes);
    return softmaxCrossEntropy(mo, classes, label, err, scale);
}

/// Appends each row's prediction (argmax of its readout membrane) to stats and counts the
/// rows that match their label.
template <typename M>
void scorePredictions(const M& mout, const std::vector<int>& labels, BatchStats& stats)
{
    for (Eigen::Index b = 0; b < mout.rows(); ++b) {
        Eigen::Index best;
        mout.row(b).maxCoeff(&best);
        stats.predictions.push_back(std::int32_t(best));
        stats.correct += int(best) == labels[std::size_t(b)];
    }
}

/// TP's local delta rule for the readout (tp-algorithm.md 3.6), also DECOLLE's: out.g = (1/B)
/// err^T pre with err (B, C) = softmax(m_out^t) - onehot and pre (B, H) the presynaptic trace of
/// the readout's input, then one Adam step of out (applied to the raw out.w).
template <typename P, typename M>
void readoutDeltaStep(P& out, const M& err, const M& pre, const AdamSettings& settings, double lr)
{
    using S = typename M::Scalar;
    kern::gemm(kern::transposed(kern::in(err)), kern::in(pre), kern::out(out.g));
    out.g *= S(1.0 / double(err.rows()));
    const AdamStep adam = AdamStep::make(settings, lr, ++out.step);
    adam.apply(out.w.data(), out.m.data(), out.v.data(), out.g.data(), std::size_t(out.w.size()));
}

} // namespace tp
