#pragma once
/// The trainable matrices every rule's network holds, with their Adam state, and the two
/// initialisations the reference code uses (PyTorch's Linear default and Kaiming normal).
/// DenseParam is a dense layer's (out, in) matrix, column-major so that one input's fan-out is a
/// contiguous column; ConvParam is a conv block's or a conv readout's row-major matrix with its
/// standardised form.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

#include <Eigen/Core>

#include "core/rng.h"

namespace tp {

/// A dense (out, in) matrix with its Adam moments and last gradient.
template <typename S>
struct DenseParam {
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    WMat w, m, v, g;
    std::int64_t step = 0;

    void resize(int out, int in)
    {
        for (WMat* x : {&w, &m, &v, &g})
            x->setZero(out, in);
        step = 0;
    }
    /// Zero the Adam moments, the gradient and the step counter (after a new initialisation).
    void resetOptimizer()
    {
        for (WMat* x : {&m, &v, &g})
            x->setZero();
        step = 0;
    }
    /// Bytes of the Adam moments m, v and the step counter.
    std::size_t optimizerBytes() const { return bytes(m) + bytes(v) + sizeof(step); }
    template <typename M>
    static std::size_t bytes(const M& x) { return std::size_t(x.size()) * sizeof(S); }
};

/// A conv block's or conv readout's (out, in) matrix with its standardised form, Adam moments
/// and last gradients.
template <typename S>
struct ConvParam {
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Mat w;      ///< raw weights
    Mat w_hat;  ///< standardised weights of the current forward pass (= w without weight norm)
    Mat w_hatT; ///< w_hat transposed (in, out), for the event-driven conv
    Mat m, v;   ///< Adam moments
    Mat g_hat;  ///< dE/dW_hat (conv blocks; before the standardisation Jacobian)
    Mat g_hatT; ///< the event-driven kernels' part of dE/dW_hat, transposed (in, out)
    Mat g;      ///< gradient given to Adam
    std::int64_t step = 0;

    void resize(int out, int in)
    {
        for (Mat* x : {&w, &w_hat, &m, &v, &g_hat, &g})
            x->setZero(out, in);
        g_hatT.setZero(in, out);
        step = 0;
    }
    /// Zero the Adam moments, the gradients and the step counter (after a new initialisation).
    void resetOptimizer()
    {
        for (Mat* x : {&m, &v, &g, &g_hat})
            x->setZero();
        step = 0;
    }
    /// Bytes of the Adam moments m, v and the step counter.
    std::size_t optimizerBytes() const { return bytes(m) + bytes(v) + sizeof(step); }
    /// Bytes of the per-batch matrices: w_hat, w_hatT, g_hat, g_hatT and g.
    std::size_t bufferBytes() const { return bytes(w_hat) + bytes(w_hatT) + bytes(g_hat) + bytes(g_hatT) + bytes(g); }
    static std::size_t bytes(const Mat& x) { return std::size_t(x.size()) * sizeof(S); }
};

/// PyTorch's default Linear init U(-1/sqrt(fan_in), +1/sqrt(fan_in)) (fan_in = columns) on
/// tp::Rng(seed, stream), element order (out, in) row by row as PyTorch fills a weight.
template <typename M>
void linearInit(M& w, std::uint64_t seed, std::uint64_t stream)
{
    using S = typename M::Scalar;
    Rng rng(seed, stream);
    const double bound = 1.0 / std::sqrt(double(w.cols()));
    for (Eigen::Index o = 0; o < w.rows(); ++o)
        for (Eigen::Index i = 0; i < w.cols(); ++i)
            w(o, i) = S(rng.uniform(-bound, bound));
}

/// PyTorch's default init of the dense layers (W_l on stream 10+l, R_l on 100+l when the layer is
/// recurrent) and of the readout (stream 3), Adam state reset: every dense rule starts from the
/// same weights for a seed. (TP's target projections S, S_rec take streams 1 and 2.)
template <typename Layers, typename P>
void initDenseWeights(Layers& layers, P& readout, std::uint64_t seed)
{
    auto fill = [seed](auto& p, std::uint64_t stream) {
        linearInit(p.w, seed, stream);
        p.resetOptimizer();
    };
    for (std::size_t l = 0; l < layers.size(); ++l) {
        fill(layers[l].W, 10 + l);
        if (layers[l].recurrent)
            fill(layers[l].R, 100 + l);
    }
    fill(readout, 3);
}

/// Kaiming normal N(0, 2/fan_in) (fan_in = columns) by Box-Muller on tp::Rng(seed, stream),
/// element order (out, in) as PyTorch fills a weight (w row-major).
template <typename M>
void kaimingNormal(M& w, std::uint64_t seed, std::uint64_t stream)
{
    using S = typename M::Scalar;
    static_assert(M::IsRowMajor, "kaimingNormal fills the storage in (out, in) order");
    Rng rng(seed, stream);
    const double sd = std::sqrt(2.0 / double(w.cols()));
    const Eigen::Index n = w.size();
    for (Eigen::Index i = 0; i < n; i += 2) {
        const double u1 = 1.0 - rng.uniform();  // (0, 1]
        const double u2 = rng.uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        w.data()[i] = S(sd * r * std::cos(2.0 * std::numbers::pi * u2));
        if (i + 1 < n)
            w.data()[i + 1] = S(sd * r * std::sin(2.0 * std::numbers::pi * u2));
    }
}

} // namespace tp
