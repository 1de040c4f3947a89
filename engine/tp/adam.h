#pragma once
/// Adam (PyTorch defaults, bias-corrected, no weight decay) for one trainable matrix.
#include <cmath>
#include <cstdint>
#include <vector>

namespace tp {

struct AdamSettings {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

/// Scalars of one Adam step, computed once per step in double precision.
struct AdamStep {
    double step_size = 0;   ///< lr / (1 - beta1^k)
    double inv_bc2_sqrt = 0; ///< 1 / sqrt(1 - beta2^k)
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;

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
    void apply(S* __restrict theta, S* __restrict m, S* __restrict v, const S* __restrict g, std::size_t n) const
    {
        const S b1 = S(beta1), c1 = S(1.0 - beta1), b2 = S(beta2), c2 = S(1.0 - beta2);
        const S lr = S(step_size), ibc = S(inv_bc2_sqrt), e = S(eps);
        for (std::size_t i = 0; i < n; ++i) {
            const S gi = g[i];
            const S mi = b1 * m[i] + c1 * gi;
            const S vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            theta[i] -= lr * mi / (std::sqrt(vi) * ibc + e);
        }
    }

    /// The same step for a gradient known to be zero (saves reading and writing it):
    /// exactly apply() with g = 0.
    template <typename S>
    void applyZero(S* __restrict theta, S* __restrict m, S* __restrict v, std::size_t n) const
    {
        const S b1 = S(beta1), b2 = S(beta2), lr = S(step_size), ibc = S(inv_bc2_sqrt), e = S(eps);
        for (std::size_t i = 0; i < n; ++i) {
            const S mi = b1 * m[i];
            const S vi = b2 * v[i];
            m[i] = mi;
            v[i] = vi;
            theta[i] -= lr * mi / (std::sqrt(vi) * ibc + e);
        }
    }
};

} // namespace tp
