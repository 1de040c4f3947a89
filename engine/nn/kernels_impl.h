// The kernels of kernels.h, written once and compiled once per level: the including file
// defines TP_KERNEL_LEVEL (an identifier: the namespace of this copy) and is compiled with that
// level's -march. Include nothing else in those files.
//
// Isolation: Eigen is renamed for this translation unit (the macro below) and everything else
// lives in tp::kern::TP_KERNEL_LEVEL, so every symbol this file emits is its level's own; no
// inline function or template instance compiled for AVX-512 can be picked by the linker for
// the baseline code. tests/engine/check_kernel_symbols.sh checks that on the object files.
// Only plain loops and Eigen; no std algorithm or container (their instances would be shared).
#ifndef TP_KERNEL_LEVEL
#error "define TP_KERNEL_LEVEL before including kernels_impl.h"
#endif

#define TP_KERNEL_CAT2(a, b) a##b
#define TP_KERNEL_CAT(a, b) TP_KERNEL_CAT2(a, b)
#define Eigen TP_KERNEL_CAT(tp_kern_Eigen_, TP_KERNEL_LEVEL)

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <Eigen/Core>

#include "nn/kernels.h"

namespace tp::kern::TP_KERNEL_LEVEL {

// MatRef<const S> maps as a const matrix.
template <typename S, int Order>
using MatrixOf = Eigen::Matrix<std::remove_const_t<S>, Eigen::Dynamic, Eigen::Dynamic, Order>;
template <typename S, int Order>
using MapOf = Eigen::Map<std::conditional_t<std::is_const_v<S>, const MatrixOf<S, Order>, MatrixOf<S, Order>>,
                         Eigen::Unaligned, Eigen::OuterStride<>>;

template <int Order, typename S>
MapOf<S, Order> mapped(MatRef<S> m)
{
    return MapOf<S, Order>(m.data, m.rows, m.cols, Eigen::OuterStride<>(m.stride));
}

template <int OA, int OB, int OC, typename S>
void gemmAs(MatRef<const S> a, MatRef<const S> b, MatRef<S> c, bool accumulate)
{
    auto C = mapped<OC>(c);
    if (accumulate)
        C.noalias() += mapped<OA>(a) * mapped<OB>(b);
    else
        C.noalias() = mapped<OA>(a) * mapped<OB>(b);
}

template <typename S>
void gemm(MatRef<const S> a, MatRef<const S> b, MatRef<S> c, bool accumulate)
{
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    switch ((a.col_major ? 4 : 0) | (b.col_major ? 2 : 0) | (c.col_major ? 1 : 0)) {
    case 0: return gemmAs<R, R, R>(a, b, c, accumulate);
    case 1: return gemmAs<R, R, C>(a, b, c, accumulate);
    case 2: return gemmAs<R, C, R>(a, b, c, accumulate);
    case 3: return gemmAs<R, C, C>(a, b, c, accumulate);
    case 4: return gemmAs<C, R, R>(a, b, c, accumulate);
    case 5: return gemmAs<C, R, C>(a, b, c, accumulate);
    case 6: return gemmAs<C, C, R>(a, b, c, accumulate);
    default: return gemmAs<C, C, C>(a, b, c, accumulate);
    }
}

template <typename S>
void axpy(S* __restrict y, const S* __restrict x, S a, std::size_t n)
{
    for (std::size_t j = 0; j < n; ++j)
        y[j] += a * x[j];
}

template <typename S>
void sparseRows(const std::int32_t* off, const std::int32_t* idx, const S* val, std::size_t r0, std::size_t r1,
                const S* dense, std::size_t h, S* out, bool accumulate)
{
    for (std::size_t r = r0; r < r1; ++r) {
        S* __restrict o = out + r * h;
        if (!accumulate)
            for (std::size_t j = 0; j < h; ++j)
                o[j] = S(0);
        for (auto e = off[r]; e < off[r + 1]; ++e) {
            const S* __restrict row = dense + std::size_t(idx[e]) * h;
            if (val) {
                const S v = val[e];
                for (std::size_t j = 0; j < h; ++j)
                    o[j] += v * row[j];
            } else {
                for (std::size_t j = 0; j < h; ++j)
                    o[j] += row[j];
            }
        }
    }
}

template <typename S>
void adam(const AdamScalars& a, S* __restrict theta, S* __restrict m, S* __restrict v, const S* __restrict g,
          std::size_t n)
{
    const S b1 = S(a.beta1), c1 = S(1.0 - a.beta1), b2 = S(a.beta2), c2 = S(1.0 - a.beta2);
    const S lr = S(a.step_size), ibc = S(a.inv_bc2_sqrt), e = S(a.eps);
    if (!g) {
        // g = 0 exactly: b1*m + c1*0 = b1*m and b2*v + c2*0*0 = b2*v, so skipping the terms is exact.
        for (std::size_t i = 0; i < n; ++i) {
            const S mi = b1 * m[i];
            const S vi = b2 * v[i];
            m[i] = mi;
            v[i] = vi;
            theta[i] -= lr * mi / (std::sqrt(vi) * ibc + e);
        }
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const S gi = g[i];
        const S mi = b1 * m[i] + c1 * gi;
        const S vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        theta[i] -= lr * mi / (std::sqrt(vi) * ibc + e);
    }
}

template <typename S>
void surrogate(const S* __restrict u, std::size_t n, S th, S kappa, S* __restrict psi, S* __restrict scale)
{
    const S pi = S(3.14159265358979323846);
    for (std::size_t i = 0; i < n; ++i) {
        const S x = pi * (u[i] - th);
        const S p = kappa / (S(1) + x * x);
        if (psi)
            psi[i] = p;
        if (scale)
            scale[i] *= p;
    }
}

template <typename S>
void im2col(const S* __restrict a, int channels, int H, int W, S* __restrict col)
{
    const int HW = H * W;
    for (int c = 0; c < channels; ++c)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
                S* dst = col + std::ptrdiff_t((c * 3 + i) * 3 + j) * HW;
                for (int h = 0; h < H; ++h) {
                    const int hh = h + i - 1;
                    S* d = dst + h * W;
                    if (hh < 0 || hh >= H) {
                        for (int w = 0; w < W; ++w)
                            d[w] = S(0);
                        continue;
                    }
                    const S* src = a + std::ptrdiff_t(c) * HW + hh * W + (j - 1);
                    const int w0 = j == 0 ? 1 : 0, w1 = j == 2 ? W - 1 : W;  // inside: 0 <= w + j - 1 < W
                    for (int w = 0; w < w0; ++w)
                        d[w] = S(0);
                    for (int w = w0; w < w1; ++w)
                        d[w] = src[w];
                    for (int w = w1; w < W; ++w)
                        d[w] = S(0);
                }
            }
}

template <typename S>
void col2imAdd(const S* __restrict col, int channels, int H, int W, S* __restrict a)
{
    const int HW = H * W;
    for (int c = 0; c < channels; ++c)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
                const S* srcPlane = col + std::ptrdiff_t((c * 3 + i) * 3 + j) * HW;
                for (int h = 0; h < H; ++h) {
                    const int hh = h + i - 1;
                    if (hh < 0 || hh >= H)
                        continue;
                    const S* src = srcPlane + h * W;
                    S* d = a + std::ptrdiff_t(c) * HW + hh * W + (j - 1);
                    const int w0 = j == 0 ? 1 : 0, w1 = j == 2 ? W - 1 : W;
                    for (int w = w0; w < w1; ++w)
                        d[w] += src[w];
                }
            }
}

// Flattened: the per-column calls are inlined (columns are short, a few hundred elements).
template <typename S>
[[gnu::flatten]] void sparseGradAdam(SparseColumns<S> first, SparseColumns<S> second, std::size_t c0, std::size_t c1, std::size_t h,
                    S* g, const AdamScalars& a, S* theta, S* m, S* v, bool zeroInactive)
{
    for (std::size_t c = c0; c < c1; ++c) {
        const std::size_t o = c * h;
        const bool active = first.off[c + 1] > first.off[c] || (second.off && second.off[c + 1] > second.off[c]);
        if (!active) {
            if (zeroInactive)
                for (std::size_t j = 0; j < h; ++j)
                    g[o + j] = S(0);
            adam<S>(a, theta + o, m + o, v + o, nullptr, h);
            continue;
        }
        sparseRows(first.off, first.row, first.val, c, c + 1, first.d, h, g, false);
        if (second.off)
            sparseRows(second.off, second.row, second.val, c, c + 1, second.d, h, g, true);
        adam<S>(a, theta + o, m + o, v + o, g + o, h);
    }
}

template <bool Soft, bool Trace, typename S>
void lifAs(S* __restrict mem, S* __restrict u, S* __restrict s, S* __restrict tr, const S* __restrict cur,
           std::size_t n, S alpha, S beta, S th)
{
    // Branch-free, so that it vectorises.
    for (std::size_t j = 0; j < n; ++j) {
        const S uj = alpha * mem[j] + cur[j];
        const S sj = uj >= th ? S(1) : S(0);
        u[j] = uj;
        s[j] = sj;
        mem[j] = Soft ? uj - th * sj : uj * (S(1) - sj);
        if constexpr (Trace)
            tr[j] = beta * tr[j] + sj;
    }
}

template <typename S>
std::size_t lif(S* mem, S* u, S* s, S* tr, const S* cur, std::size_t n, S alpha, S beta, S th, bool soft,
                std::int32_t* spikes)
{
    if (soft)
        tr ? lifAs<true, true>(mem, u, s, tr, cur, n, alpha, beta, th)
           : lifAs<true, false>(mem, u, s, tr, cur, n, alpha, beta, th);
    else
        tr ? lifAs<false, true>(mem, u, s, tr, cur, n, alpha, beta, th)
           : lifAs<false, false>(mem, u, s, tr, cur, n, alpha, beta, th);
    std::size_t count = 0;
    if (spikes) {
        for (std::size_t j = 0; j < n; ++j)
            if (s[j] != S(0))
                spikes[count++] = std::int32_t(j);
    } else {
        for (std::size_t j = 0; j < n; ++j)
            count += s[j] != S(0);
    }
    return count;
}

template <bool Soft, bool Detach, typename S>
void lifBackwardAs(const S* __restrict u, const S* __restrict s, const S* __restrict ds, S* __restrict dm,
                   S* __restrict dI, std::size_t n, S alpha, S th, S kappa)
{
    const S pi = S(3.14159265358979323846);
    for (std::size_t j = 0; j < n; ++j) {
        const S x = pi * (u[j] - th);
        const S psi = kappa / (S(1) + x * x);
        const S dmdu = Soft ? S(1) : S(1) - s[j];
        const S dmds = Detach ? S(0) : (Soft ? -th : -u[j]);
        const S du = dm[j] * dmdu + (ds[j] + dm[j] * dmds) * psi;
        dI[j] = du;
        dm[j] = alpha * du;
    }
}

template <typename S>
void lifBackward(const S* u, const S* s, const S* ds, S* dm, S* dI, std::size_t n, S alpha, S th, S kappa, bool soft,
                 bool detach)
{
    if (soft)
        detach ? lifBackwardAs<true, true>(u, s, ds, dm, dI, n, alpha, th, kappa)
               : lifBackwardAs<true, false>(u, s, ds, dm, dI, n, alpha, th, kappa);
    else
        detach ? lifBackwardAs<false, true>(u, s, ds, dm, dI, n, alpha, th, kappa)
               : lifBackwardAs<false, false>(u, s, ds, dm, dI, n, alpha, th, kappa);
}

template <typename S>
void leaky(S* __restrict y, const S* __restrict x, S leak, std::size_t n)
{
    if (!x) {
        for (std::size_t j = 0; j < n; ++j)
            y[j] *= leak;
        return;
    }
    for (std::size_t j = 0; j < n; ++j)
        y[j] = leak * y[j] + x[j];
}

template <typename S>
void addSquaredDiff(S* __restrict acc, const S* __restrict a, const S* __restrict b, S offset, std::size_t n)
{
    for (std::size_t p = 0; p < n; ++p) {
        const S d = a[p] - b[p] + offset;
        acc[p] += d * d;
    }
}

// Declared (once) in kernels.cpp, which builds the table of levels.
const Ops<float>& floatOps()
{
    static constexpr Ops<float> ops = {&gemm<float>, &axpy<float>, &sparseRows<float>, &adam<float>,
                                       &sparseGradAdam<float>, &surrogate<float>, &im2col<float>,
                                       &col2imAdd<float>, &lif<float>, &lifBackward<float>,
                                       &leaky<float>, &addSquaredDiff<float>};
    return ops;
}

const Ops<double>& doubleOps()
{
    static constexpr Ops<double> ops = {&gemm<double>, &axpy<double>, &sparseRows<double>, &adam<double>,
                                        &sparseGradAdam<double>, &surrogate<double>,
                                        &im2col<double>, &col2imAdd<double>, &lif<double>,
                                        &lifBackward<double>, &leaky<double>, &addSquaredDiff<double>};
    return ops;
}

} // namespace tp::kern::TP_KERNEL_LEVEL

#undef Eigen
