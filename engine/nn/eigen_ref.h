#pragma once
/// Eigen matrices, blocks and maps as kern::MatRef, and the kernels' GEMM on them:
///   kern::gemm(kern::in(a), kern::transposed(kern::in(w)), kern::out(c.middleRows(r0, n)));
/// computes c.middleRows(r0, n) = a * w^T with the run-time chosen level (kernels.h).
#include <cassert>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "nn/kernels.h"

namespace tp::kern {

/// A read-only view of an Eigen object with a contiguous inner dimension.
template <typename M>
MatRef<const typename M::Scalar> in(const M& m)
{
    assert(m.innerStride() == 1);
    return {m.data(), m.rows(), m.cols(), m.outerStride(), !bool(M::IsRowMajor)};
}

/// A writable view (takes blocks and maps by value: they are views themselves).
template <typename M>
MatRef<typename std::remove_reference_t<M>::Scalar> out(M&& m)
{
    using T = std::remove_reference_t<M>;
    assert(m.innerStride() == 1);
    return {m.data(), m.rows(), m.cols(), m.outerStride(), !bool(T::IsRowMajor)};
}

/// c = a * b (or c += a * b). c must have its shape already (a view cannot resize); a
/// mismatch is a programming error, reported as std::logic_error rather than a stray write.
template <typename S>
void gemm(MatRef<const S> a, MatRef<const S> b, MatRef<S> c, bool accumulate = false)
{
    if (a.cols != b.rows || c.rows != a.rows || c.cols != b.cols)
        throw std::logic_error("gemm: (" + std::to_string(a.rows) + "x" + std::to_string(a.cols) + ") * (" +
                               std::to_string(b.rows) + "x" + std::to_string(b.cols) + ") into (" +
                               std::to_string(c.rows) + "x" + std::to_string(c.cols) + ")");
    ops<S>().gemm(a, b, c, accumulate);
}

} // namespace tp::kern
