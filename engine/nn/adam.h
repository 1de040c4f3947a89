#pragma once
/// Adam (PyTorch defaults, bias-corrected, no weight decay) for one trainable matrix.
#include <cmath>
#include <cstdint>
#include <vector>

#include "nn/kernels.h"

namespace tp {

struct AdamSettings {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

/// Scalars of one Adam step, computed once per step in double precision; the loops run in the
/// run-time chosen kernels (nn/kernels.h).
struct AdamStep : kern::AdamScalars {
    static AdamStep make(const AdamSettings& s, double lr, std::int64_t k)
    {
        AdamStep a;
        a.beta1 = s.beta1;
        a.beta2 = s.beta2;
        a.eps = s.eps;
        a.step_size = lr / (1.0 - std::pow(s.beta1, double(k)));
        a.inv_bc2_sqrt = 1.0 / std::sqrt(1.0 - std::pow(s.beta2, double(k)));
        return a;
    }

    /// theta <- theta - step_size * M / (sqrt(V) / sqrt(1 - beta2^k) + eps), on n elements.
    template <typename S>
    void apply(S* theta, S* m, S* v, const S* g, std::size_t n) const
    {
        kern::ops<S>().adam(*this, theta, m, v, g, n);
    }

    /// The same step for a gradient known to be zero (saves reading and writing it):
    /// exactly apply() with g = 0.
    template <typename S>
    void applyZero(S* theta, S* m, S* v, std::size_t n) const
    {
        kern::ops<S>().adam(*this, theta, m, v, nullptr, n);
    }
};

} // namespace tp
