#pragma once
/// The dense-input product every dense network's forward pass uses: out += W x, skipping the zero
/// entries of x (spikes are mostly zero), on the run-time chosen kernels.
#include <cstddef>

#include "nn/kernels.h"

namespace tp {

/// out[0..h) += sum over the non-zero entries v = in[i] of v * column i of w (w is (h, n), column-major).
template <typename S, typename W>
void gatherDense(S* __restrict out, const S* __restrict in, int n, const W& w, int h)
{
    const kern::Ops<S>& K = kern::ops<S>();
    for (int i = 0; i < n; ++i)
        if (in[i] != S(0))
            K.axpy(out, w.data() + std::ptrdiff_t(i) * h, in[i], std::size_t(h));
}

} // namespace tp
