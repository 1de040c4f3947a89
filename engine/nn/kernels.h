#pragma once
/// The engine's hot loops behind one table of function pointers, compiled once per x86-64
/// level and chosen at run time for the CPU (kernels.cpp):
///   baseline  the compiler's default target (any x86-64; SSE2),
///   avx2      x86-64-v3 (AVX2, FMA, BMI2: Haswell / Zen 1 and later),
///   avx512    x86-64-v4 (AVX-512 F/BW/CD/DQ/VL: Skylake-SP / Zen 4 and later).
/// A TP_NATIVE build has one level, "native" (-march=native for the whole build).
///
/// Every level runs the same loops in the same order; they differ in vector width and in FMA
/// contraction, so results agree across levels within rounding, not bit for bit. Within one
/// level (one binary on one CPU) everything is bit-identical for any thread count.
///
/// The environment variable TP_KERNELS=baseline|avx2|avx512|native forces a level (for tests
/// and benchmarks); a level the CPU or the build lacks is an error (KernelError), never a crash.
///
/// No Eigen here: the per-level translation units (kernels_impl.h) compile their own, renamed
/// copy of Eigen so that no template instance of one level can stand in for another's.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp::kern {

/// A dense matrix in memory: element (r, c) at data[r * stride + c] (row-major) or
/// data[c * stride + r] (col_major). The inner dimension is contiguous.
template <typename S>
struct MatRef {
    S* data = nullptr;
    std::ptrdiff_t rows = 0, cols = 0, stride = 0;
    bool col_major = false;
};

/// The same memory read as its transpose.
template <typename S>
MatRef<S> transposed(MatRef<S> m)
{
    return {m.data, m.cols, m.rows, m.stride, !m.col_major};
}

/// Scalars of one Adam step (PyTorch's bias-corrected Adam, no weight decay).
struct AdamScalars {
    double step_size = 0;     ///< lr / (1 - beta1^k)
    double inv_bc2_sqrt = 0;  ///< 1 / sqrt(1 - beta2^k)
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

/// A compressed sparse matrix by columns (offsets off[c]..off[c+1] into row/val) and the dense
/// matrix d whose rows (h wide) its entries pick: one term of a gradient d^T x.
template <typename S>
struct SparseColumns {
    const std::int32_t* off = nullptr;
    const std::int32_t* row = nullptr;
    const S* val = nullptr;
    const S* d = nullptr;
};

/// The kernels of one scalar type at one level.
template <typename S>
struct Ops {
    /// c = a * b, or c += a * b with `accumulate` (a: m x k, b: k x n, c: m x n).
    void (*gemm)(MatRef<const S> a, MatRef<const S> b, MatRef<S> c, bool accumulate);
    /// y[0..n) += a * x[0..n).
    void (*axpy)(S* y, const S* x, S a, std::size_t n);
    /// For rows r of [r0, r1) of a compressed sparse matrix (offsets off[r]..off[r+1] into idx/val):
    /// out row r (length h, at out + r*h) = [out row r +] sum_e val[e] * dense row idx[e]
    /// (length h, at dense + idx[e]*h), summed in e order. `val` null = all ones.
    void (*sparseRows)(const std::int32_t* off, const std::int32_t* idx, const S* val, std::size_t r0,
                       std::size_t r1, const S* dense, std::size_t h, S* out, bool accumulate);
    /// theta -= step_size * m' / (sqrt(v') * inv_bc2_sqrt + eps) with m' = b1 m + (1-b1) g,
    /// v' = b2 v + (1-b2) g^2, on n elements (g null = a zero gradient, exactly as g = 0).
    void (*adam)(const AdamScalars& a, S* theta, S* m, S* v, const S* g, std::size_t n);
    /// The event-driven gradient and Adam step of columns [c0, c1) of an (h x cols) column-major
    /// parameter: column c of g = the sum over both terms (the second may have off null) of
    /// val * d row, entries in order, then Adam on the column; a column no entry touches takes the
    /// zero-gradient step without touching g (zeroed instead when `zero_inactive`).
    void (*sparseGradAdam)(SparseColumns<S> first, SparseColumns<S> second, std::size_t c0, std::size_t c1,
                           std::size_t h, S* g, const AdamScalars& a, S* theta, S* m, S* v, bool zero_inactive);
    /// The ArcTan surrogate derivative at u: psi = kappa / (1 + (pi (u - th))^2), written to `psi`
    /// and/or multiplied into `scale` (each may be null).
    void (*surrogate)(const S* u, std::size_t n, S th, S kappa, S* psi, S* scale);
    /// 3x3, pad-1 im2col of a (C, H, W) map: col (C*9, H*W) row-major,
    /// col[(c*3+i)*3+j][h*W+w] = a[c, h+i-1, w+j-1] (0 outside the map).
    void (*im2col)(const S* a, int channels, int height, int width, S* col);
    /// Its adjoint: a[c, h+i-1, w+j-1] += col[(c*3+i)*3+j][h*W+w] inside the map.
    void (*col2imAdd)(const S* col, int channels, int height, int width, S* a);
    /// One LIF step of n neurons: u = alpha*mem + cur, s = [u >= th], mem = u - th*s (soft) or
    /// u*(1-s) (hard); trace = beta*trace + s when `trace` is not null. When `spikes` is not null
    /// the indices j with s = 1 are written there in order. Returns the number of spikes.
    std::size_t (*lif)(S* mem, S* u, S* s, S* trace, const S* cur, std::size_t n, S alpha, S beta, S th, bool soft,
                       std::int32_t* spikes);
    /// Backward through one LIF step (BPTT): with psi the ArcTan surrogate at u (as `surrogate`),
    /// dmdu = 1 (soft) or 1 - s (hard) and dmds = 0 (detach), -th (soft) or -u (hard):
    /// dI = dm*dmdu + (ds + dm*dmds)*psi, then dm = alpha*dI (dm in: dL/dm^t, out: dL/dm^{t-1}).
    void (*lifBackward)(const S* u, const S* s, const S* ds, S* dm, S* dI, std::size_t n, S alpha, S th, S kappa,
                        bool soft, bool detach);
    /// y = leak*y + x, or y = leak*y when x is null (a leaky integrator or trace).
    void (*leaky)(S* y, const S* x, S leak, std::size_t n);
    /// acc += (a - b + offset)^2 elementwise (the soft-target distances of TP's contrastive loss).
    void (*addSquaredDiff)(S* acc, const S* a, const S* b, S offset, std::size_t n);
};

/// One compiled level.
struct Level {
    const char* name;         ///< "baseline", "avx2", "avx512" or "native"
    const char* description;  ///< instruction sets it uses
    bool (*supported)();      ///< whether this CPU (and OS) can run it
    const Ops<float>* f32;
    const Ops<double>* f64;
};

class KernelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The levels this build has, the most capable last.
const std::vector<Level>& levels();

/// The level in use: TP_KERNELS if set, else the most capable one the CPU supports.
/// Chosen on the first call (thread-safe); throws KernelError for a bad TP_KERNELS.
const Level& active();

/// "avx512 (x86-64-v4: AVX-512 F/BW/CD/DQ/VL, FMA)" etc., for reports and bench output.
std::string activeDescription();

template <typename S>
const Ops<S>& ops();
template <>
inline const Ops<float>& ops<float>()
{
    return *active().f32;
}
template <>
inline const Ops<double>& ops<double>()
{
    return *active().f64;
}

} // namespace tp::kern
