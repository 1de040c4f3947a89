#pragma once
/// Conv kernels shared by the conv TP engine (tp/conv_network) and the conv BPTT baseline
/// (bptt/conv_bptt_network): im2col / col2im, the 3x3 pad-1 convolution of a batch of rows and
/// its two adjoints (weight gradient, input gradient), scaled weight standardisation and its
/// Jacobian, and pooling of a spike map with its backward routing.
///
/// Layout as in conv_network.h: a map is one row of a row-major matrix, flattened (c, h, w);
/// weights are (C_out, C_in*9) row-major. Parallel over fixed chunks of rows (parallel.h);
/// reductions over rows run in chunk order, so results do not depend on the thread count.
/// Include from .cpp files only (pulls in oneTBB).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/eigen_ref.h"
#include "nn/conv_geometry.h"
#include "nn/parallel.h"

namespace tp::conv {

constexpr std::size_t kRowGrain = 2;  // rows per conv task

template <typename M>
void zeroed(M& m, Eigen::Index rows, Eigen::Index cols)
{
    m.resize(rows, cols);
    m.setZero();
}

/// frame (B, channels) = the dense input frame t of the batch (event counts summed).
template <typename M>
void denseFrame(const Batch& batch, int t, M& frame)
{
    using S = typename M::Scalar;
    frame.setZero();
    const auto& off = batch.row_offsets[std::size_t(t)];
    const auto& units = batch.units[std::size_t(t)];
    const auto& values = batch.values[std::size_t(t)];
    for (Eigen::Index b = 0; b < frame.rows(); ++b)
        for (auto e = off[std::size_t(b)]; e < off[std::size_t(b) + 1]; ++e)
            frame(b, units[std::size_t(e)]) += S(values[std::size_t(e)]);
}

/// col (C_in*9, H*W) row-major: col[(c*3+i)*3+j][h*W+w] = a[c, h+i-1, w+j-1] (0 outside).
template <typename S>
void im2col(const S* a, const MapShape& in, S* col)
{
    kern::ops<S>().im2col(a, in.c, in.h, in.w, col);
}

/// The adjoint of im2col: a[c, h+i-1, w+j-1] += col[(c*3+i)*3+j][h*W+w] (inside the map).
template <typename S>
void col2imAdd(const S* col, const MapShape& in, S* a)
{
    kern::ops<S>().col2imAdd(col, in.c, in.h, in.w, a);
}

/// dst (m, n) += src (n, m) transposed, in 32x32 tiles, parallel over bands of dst rows.
template <typename M>
void addTransposed(const M& src, M& dst)
{
    constexpr Eigen::Index kTile = 32;
    const Eigen::Index m = dst.rows(), n = dst.cols();
    parallelChunks(std::size_t(m), std::size_t(kTile), [&](std::size_t r0, std::size_t r1) {
        for (Eigen::Index c0 = 0; c0 < n; c0 += kTile) {
            const Eigen::Index c1 = std::min(n, c0 + kTile);
            for (Eigen::Index r = Eigen::Index(r0); r < Eigen::Index(r1); ++r)
                for (Eigen::Index c = c0; c < c1; ++c)
                    dst(r, c) += src(c, r);
        }
    });
}

/// Scaled weight standardisation of each row (in double):
/// w_hat = gain * (w - mean) / sqrt(var * n + eps), var biased over the row's n entries.
/// Also writes its transpose to *w_hatT (n, rows) when given. Parallel over rows.
template <typename M>
void standardiseRows(const M& w, M& w_hat, double gain, double eps, M* w_hatT = nullptr)
{
    using S = typename M::Scalar;
    w_hat.resize(w.rows(), w.cols());
    if (w_hatT)
        w_hatT->resize(w.cols(), w.rows());
    const Eigen::Index n = w.cols();
    parallelChunks(std::size_t(w.rows()), 8, [&](std::size_t o0, std::size_t o1) {
        for (Eigen::Index o = Eigen::Index(o0); o < Eigen::Index(o1); ++o) {
            double mean = 0;
            for (Eigen::Index k = 0; k < n; ++k)
                mean += double(w(o, k));
            mean /= double(n);
            double var = 0;
            for (Eigen::Index k = 0; k < n; ++k) {
                const double d = double(w(o, k)) - mean;
                var += d * d;
            }
            var /= double(n);
            const double scale = gain / std::sqrt(var * double(n) + eps);
            for (Eigen::Index k = 0; k < n; ++k)
                w_hat(o, k) = S((double(w(o, k)) - mean) * scale);
        }
    });
    if (w_hatT) {
        w_hatT->setZero();
        addTransposed(w_hat, *w_hatT);
    }
}

/// dE/dW from a = dE/dW_hat through the standardisation, per row: with d = w - mean and
/// sigma = sqrt(var*n + eps), g_d = gain*(a/sigma - (a.d) d/sigma^3), g = g_d - mean(g_d)
/// (mean(g_d) from the sums of a and d, so three passes over the row). Parallel over rows.
template <typename M>
void standardiseBackward(const M& w, const M& a, M& g, double gain, double eps)
{
    using S = typename M::Scalar;
    g.resize(w.rows(), w.cols());
    const Eigen::Index n = w.cols();
    parallelChunks(std::size_t(w.rows()), 8, [&](std::size_t o0, std::size_t o1) {
        for (Eigen::Index o = Eigen::Index(o0); o < Eigen::Index(o1); ++o) {
            const S* wr = w.data() + o * n;
            const S* ar = a.data() + o * n;
            double mean = 0;
            for (Eigen::Index k = 0; k < n; ++k)
                mean += double(wr[k]);
            mean /= double(n);
            double var = 0, ad = 0, sa = 0, sd = 0;
            for (Eigen::Index k = 0; k < n; ++k) {
                const double d = double(wr[k]) - mean;
                var += d * d;
                ad += double(ar[k]) * d;
                sa += double(ar[k]);
                sd += d;
            }
            var /= double(n);
            const double sigma = std::sqrt(var * double(n) + eps);
            const double ca = gain / sigma, cd = gain * ad / (sigma * sigma * sigma);
            const double gmean = (ca * sa - cd * sd) / double(n);
            S* gr = g.data() + o * n;
            for (Eigen::Index k = 0; k < n; ++k)
                gr[k] = S(ca * double(ar[k]) - cd * (double(wr[k]) - mean) - gmean);
        }
    });
}

/// out.row(b) (C_out, H*W) = w_hat (C_out, C_in*9) * im2col(a.row(b)), for each row.
template <typename M>
void convRows(const M& a, const MapShape& in, const M& wHat, M& out)
{
    const Eigen::Index rows = a.rows(), n = Eigen::Index(in.c) * 9, hw = in.plane(), cout = wHat.rows();
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M col(n, hw);
        for (std::size_t b = b0; b < b1; ++b) {
            im2col(a.data() + std::ptrdiff_t(b) * a.cols(), in, col.data());
            kern::gemm(kern::in(wHat), kern::in(col), kern::out(Eigen::Map<M>(out.data() + std::ptrdiff_t(b) * out.cols(), cout, hw)));
        }
    });
}

/// Adds sum_b delta.row(b) (C_out, H*W) * im2col(a.row(b))^T to g: one partial per fixed chunk
/// of rows, summed in chunk order (deterministic for any thread count).
template <typename M>
void convGradRows(const M& delta, const M& a, const MapShape& in, M& g)
{
    const Eigen::Index rows = a.rows(), n = Eigen::Index(in.c) * 9, hw = in.plane(), cout = g.rows();
    const std::size_t chunks = (std::size_t(rows) + kRowGrain - 1) / kRowGrain;
    std::vector<M> partial(chunks);
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M& p = partial[b0 / kRowGrain];
        zeroed(p, cout, n);
        M col(n, hw);
        for (std::size_t b = b0; b < b1; ++b) {
            im2col(a.data() + std::ptrdiff_t(b) * a.cols(), in, col.data());
            Eigen::Map<const M> d(delta.data() + std::ptrdiff_t(b) * delta.cols(), cout, hw);
            kern::gemm(kern::in(d), kern::transposed(kern::in(col)), kern::out(p), true);
        }
    });
    for (const auto& p : partial)
        g += p;
}

/// dA.row(b) (C_in, H*W) = col2im(w_hat^T * delta.row(b)): the gradient of the conv input
/// (adjoint of convRows), for each row. Overwrites dA.
template <typename M>
void convInputGradRows(const M& delta, const M& wHat, const MapShape& in, M& dA)
{
    const Eigen::Index rows = delta.rows(), n = Eigen::Index(in.c) * 9, hw = in.plane(), cout = wHat.rows();
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M col(n, hw);
        for (std::size_t b = b0; b < b1; ++b) {
            Eigen::Map<const M> d(delta.data() + std::ptrdiff_t(b) * delta.cols(), cout, hw);
            kern::gemm(kern::transposed(kern::in(wHat)), kern::in(d), kern::out(col));
            auto* out = dA.data() + std::ptrdiff_t(b) * dA.cols();
            std::fill(out, out + dA.cols(), typename M::Scalar(0));
            col2imAdd(col.data(), in, out);
        }
    });
}

/// Inputs at or below this fraction of non-zero entries take the event-driven kernels (scatter
/// of the active positions) instead of im2col + GEMM. The scatter does density x the GEMM's
/// multiply-adds at a lower rate; on the VGG-9 bench every block input (input frames 2%, hidden
/// maps ~0.5% firing, target-path maps above 25%) ran faster event-driven (8.5 s against 9.1 s
/// CPU per batch with only the denser target maps on GEMM).
constexpr double kEventDensity = 0.5;
/// ... and only for at least this many output channels (the length of the scattered vectors):
/// with 4-8 channels (conv-small) GEMM was ~10% faster at 0.5% density.
constexpr int kEventMinChannels = 16;

/// Calls fn(k, p) for the kernel taps k = (c*3+i)*3+j and output positions p = h*W + w that the
/// input at (c, pos) feeds (3x3, pad 1, stride 1).
template <typename Fn>
inline void forEachTap(int c, int pos, const MapShape& in, Fn&& fn)
{
    const int W = in.w, H = in.h, hh = pos / W, ww = pos % W;
    for (int i = 0; i < 3; ++i) {
        const int h = hh - i + 1;
        if (h < 0 || h >= H)
            continue;
        for (int j = 0; j < 3; ++j) {
            const int w = ww - j + 1;
            if (w >= 0 && w < W)
                fn((c * 3 + i) * 3 + j, h * W + w);
        }
    }
}

/// The event-driven convRows: out.row(b) = conv of the active inputs of row b, scattered as
/// whole output-channel vectors of wT = w_hat^T (C_in*9, C_out) into a (H*W, C_out) buffer
/// that is then transposed into the row. Same sums as convRows in another order.
template <typename M>
void convRowsEvent(const ActiveInputs<typename M::Scalar>& act, const MapShape& in, const M& wT, M& out)
{
    using S = typename M::Scalar;
    const Eigen::Index rows = out.rows(), hw = in.plane(), cout = wT.cols();
    const kern::Ops<S>& K = kern::ops<S>();
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M acc(hw, cout);
        for (std::size_t b = b0; b < b1; ++b) {
            acc.setZero();
            for (int c = 0; c < in.c; ++c) {
                const auto [e0, e1] = act.range(Eigen::Index(b), in.c, c, c + 1);
                for (int e = e0; e < e1; ++e) {
                    const S v = act.val[std::size_t(e)];
                    forEachTap(c, act.pos[std::size_t(e)], in, [&](int k, int p) {
                        K.axpy(acc.data() + std::ptrdiff_t(p) * cout, wT.data() + std::ptrdiff_t(k) * cout, v,
                               std::size_t(cout));
                    });
                }
            }
            Eigen::Map<M> o(out.data() + std::ptrdiff_t(b) * out.cols(), cout, hw);
            o = acc.transpose();
        }
    });
}

/// The event-driven convGradRows: adds sum_b delta.row(b) * im2col(a.row(b))^T to gT, the
/// transposed gradient (C_in*9, C_out), from the active inputs of a only. `deltaT` holds each
/// row of delta transposed to (H*W, C_out) (transposeRows). Parallel over fixed chunks of input
/// channels: every element of gT is summed by one task, rows in order.
template <typename M>
void convGradRowsEvent(const M& deltaT, const ActiveInputs<typename M::Scalar>& act, const MapShape& in, M& gT)
{
    using S = typename M::Scalar;
    const Eigen::Index cout = gT.cols();
    const Eigen::Index rows = Eigen::Index(act.chan.size() / std::size_t(in.c + 1));
    const std::size_t grain = std::max<std::size_t>(1, std::size_t(in.c) / 16);
    const kern::Ops<S>& K = kern::ops<S>();
    parallelChunks(std::size_t(in.c), grain, [&](std::size_t c0, std::size_t c1) {
        for (Eigen::Index b = 0; b < rows; ++b) {
            const S* d = deltaT.data() + b * deltaT.cols();
            for (int c = int(c0); c < int(c1); ++c) {
                const auto [e0, e1] = act.range(b, in.c, c, c + 1);
                for (int e = e0; e < e1; ++e) {
                    const S v = act.val[std::size_t(e)];
                    forEachTap(c, act.pos[std::size_t(e)], in, [&](int k, int p) {
                        K.axpy(gT.data() + std::ptrdiff_t(k) * cout, d + std::ptrdiff_t(p) * cout, v, std::size_t(cout));
                    });
                }
            }
        }
    });
}

/// dst.row(b) (H*W, C) = src.row(b) (C, H*W) transposed, for each row.
template <typename M>
void transposeRows(const M& src, int channels, M& dst)
{
    const Eigen::Index rows = src.rows(), hw = src.cols() / channels;
    dst.resize(rows, src.cols());
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) {
            Eigen::Map<const M> s(src.data() + std::ptrdiff_t(b) * src.cols(), channels, hw);
            Eigen::Map<M> d(dst.data() + std::ptrdiff_t(b) * dst.cols(), hw, channels);
            d = s.transpose();
        }
    });
}

/// Whether the block input a takes the event-driven kernels: `path` says so or, for Auto, a's
/// density is at most kEventDensity and the block has at least kEventMinChannels outputs. Collects a's active entries into act unless path is Dense.
/// convForward: out = the conv of a with (w_hat, its transpose w_hatT) by that choice; returns it.
template <typename M>
bool useEvents(const M& a, const MapShape& in, int outChannels, ComputePath path, ActiveInputs<typename M::Scalar>& act)
{
    if (path == ComputePath::Dense || (path == ComputePath::Auto && outChannels < kEventMinChannels))
        return false;
    act.build(a, in);
    return path == ComputePath::Event || act.density() <= kEventDensity;
}

template <typename M>
bool convForward(const M& a, const MapShape& in, const M& wHat, const M& wHatT, ComputePath path,
                 ActiveInputs<typename M::Scalar>& act, M& out)
{
    const bool event = useEvents(a, in, int(wHat.rows()), path, act);
    if (event)
        convRowsEvent(act, in, wHatT, out);
    else
        convRows(a, in, wHat, out);
    return event;
}

/// The weight gradient of delta (rows of (C_out, H*W)) against the block input a, by the path
/// convForward took: the event-driven part goes to gT (transposed, via the scratch deltaT),
/// the dense one to g.
template <typename M>
void convWeightGradient(const M& delta, const M& a, const MapShape& in, bool event,
                        const ActiveInputs<typename M::Scalar>& act, M& deltaT, M& g, M& gT)
{
    if (event) {
        transposeRows(delta, int(g.rows()), deltaT);
        convGradRowsEvent(deltaT, act, in, gT);
    } else {
        convGradRows(delta, a, in, g);
    }
}

/// out (C, P) = the pooled map of one row s (C, H*W): max or mean over each window.
template <typename S>
void poolRow(const ConvGeometry& g, const S* s, S* out)
{
    const int hw = g.map_shape.plane(), P = g.pooled_shape.plane();
    for (int c = 0; c < g.map_shape.c; ++c) {
        const S* plane = s + std::ptrdiff_t(c) * hw;
        S* o = out + std::ptrdiff_t(c) * P;
        for (int q = 0; q < P; ++q) {
            const int e0 = g.win_off[q], e1 = g.win_off[q + 1];
            S v = g.pool == PoolKind::Max2 ? -std::numeric_limits<S>::infinity() : S(0);
            for (int e = e0; e < e1; ++e)
                v = g.pool == PoolKind::Max2 ? std::max(v, plane[g.win_idx[e]]) : v + plane[g.win_idx[e]];
            if (g.pool == PoolKind::AvgPool2x2)
                v /= S(e1 - e0);
            o[q] = v;
        }
    }
}

/// dst (C, H*W) += the gradient gp (C, P) of the pooled map routed back through the pooling of
/// s: max -> the first maximum of the window in row-major order (PyTorch's CPU tie rule),
/// average -> spread evenly, none -> identity.
template <typename S>
void unpoolRowAdd(const ConvGeometry& g, const S* s, const S* gp, S* dst)
{
    const int hw = g.map_shape.plane(), P = g.pooled_shape.plane();
    for (int c = 0; c < g.map_shape.c; ++c) {
        const S* spk = s + std::ptrdiff_t(c) * hw;
        S* d = dst + std::ptrdiff_t(c) * hw;
        const S* gq = gp + std::ptrdiff_t(c) * P;
        for (int q = 0; q < P; ++q) {
            const int e0 = g.win_off[q], e1 = g.win_off[q + 1];
            if (g.pool == PoolKind::Max2) {
                int best = e0;
                for (int e = e0 + 1; e < e1; ++e)
                    if (spk[g.win_idx[e]] > spk[g.win_idx[best]])
                        best = e;
                d[g.win_idx[best]] += gq[q];
            } else {
                const S share = g.pool == PoolKind::AvgPool2x2 ? gq[q] / S(e1 - e0) : gq[q];
                for (int e = e0; e < e1; ++e)
                    d[g.win_idx[e]] += share;
            }
        }
    }
}

} // namespace tp::conv
