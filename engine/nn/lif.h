#pragma once
/// The LIF neuron every rule uses (tp-algorithm.md section 1.1), for one row of a population
/// (a dense layer's H neurons or a conv block's C*H*W map), on the run-time chosen kernels:
///   forward   u = alpha*m + I, s = [u >= th], soft (m = u - th*s) or hard (m = u*(1-s)) reset,
///             optionally trace = beta*trace + s and the spike indices;
///   backward  one step of the gradient through time (BPTT) with the ArcTan surrogate
///             psi = kappa / (1 + (pi (u - th))^2) at the pre-reset u (scaleBySurrogate: psi
///             alone, within one step).
/// smooth_slope > 0 is a test-only variant for finite differences: s = sigmoid(slope (u - th))
/// and psi its exact derivative, so that the loss is smooth.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "config/experiment.h"
#include "nn/kernels.h"

namespace tp {

template <typename S>
struct LifNeurons {
    S alpha = 0, th = 1, kappa = 2;
    S beta = 0;           ///< leak of the spike trace forward() keeps when given one
    bool soft = true;
    bool detach = false;  ///< backward: no gradient through the reset term (snntorch convention)
    S smooth_slope = 0;   ///< > 0: the smooth test variant above

    /// One step of n neurons; returns the number of spikes (the sum of s in the smooth variant).
    double forward(S* mem, S* u, S* s, const S* cur, std::size_t n, S* trace = nullptr,
                   std::int32_t* spikes = nullptr) const
    {
        if (smooth_slope <= S(0))
            return double(kern::ops<S>().lif(mem, u, s, trace, cur, n, alpha, beta, th, soft, spikes));
        double sum = 0;
        for (std::size_t j = 0; j < n; ++j) {
            const S uj = alpha * mem[j] + cur[j];
            const S sj = S(1) / (S(1) + std::exp(-smooth_slope * (uj - th)));
            u[j] = uj;
            s[j] = sj;
            mem[j] = soft ? uj - th * sj : uj * (S(1) - sj);
            if (trace)
                trace[j] = beta * trace[j] + sj;
            sum += double(sj);
        }
        return sum;
    }

    /// The surrogate derivative at u (n neurons): written to psi and/or multiplied into scale
    /// (the smooth variant: the exact derivative of its sigmoid spike).
    void surrogate(const S* u, std::size_t n, S* psi, S* scale) const
    {
        if (smooth_slope <= S(0))
            return kern::ops<S>().surrogate(u, n, th, kappa, psi, scale);
        for (std::size_t j = 0; j < n; ++j) {
            const S sj = S(1) / (S(1) + std::exp(-smooth_slope * (u[j] - th)));
            const S d = smooth_slope * sj * (S(1) - sj);
            if (psi)
                psi[j] = d;
            if (scale)
                scale[j] *= d;
        }
    }

    /// d *= ds/du at u (n neurons): the ArcTan surrogate, or in the smooth variant the sigmoid's
    /// exact derivative (from the step's spikes s). The within-step part of backward() alone, for
    /// rules without a term through time (OTTT).
    void scaleBySurrogate(const S* u, const S* s, S* d, std::size_t n) const
    {
        if (smooth_slope <= S(0))
            return surrogate(u, n, nullptr, d);
        for (std::size_t j = 0; j < n; ++j)
            d[j] *= smooth_slope * s[j] * (S(1) - s[j]);
    }

    /// dI = dL/du^t of n neurons from ds = dL/ds^t and dm = dL/dm^t (alpha * dL/du^{t+1});
    /// dm becomes dL/dm^{t-1} = alpha * dI. u and s are the step's forward values.
    void backward(const S* u, const S* s, const S* ds, S* dm, S* dI, std::size_t n) const
    {
        if (smooth_slope <= S(0))
            return kern::ops<S>().lifBackward(u, s, ds, dm, dI, n, alpha, th, kappa, soft, detach);
        for (std::size_t j = 0; j < n; ++j) {
            const S psi = smooth_slope * s[j] * (S(1) - s[j]);
            const S dmdu = soft ? S(1) : S(1) - s[j];
            const S dmds = detach ? S(0) : (soft ? -th : -u[j]);
            const S du = dm[j] * dmdu + (ds[j] + dm[j] * dmds) * psi;
            dI[j] = du;
            dm[j] = alpha * du;
        }
    }
};

/// The neurons of an experiment's "neuron" section, with threshold `v_th` (TP's first target layer
/// uses another one).
template <typename S>
LifNeurons<S> lifNeurons(const NeuronSpec& neuron, double v_th)
{
    LifNeurons<S> n;
    n.alpha = S(neuron.alpha);
    n.beta = S(neuron.beta);
    n.th = S(v_th);
    n.kappa = S(neuron.surrogate_scale);
    n.soft = neuron.resetKind() == ResetKind::Soft;
    return n;
}

} // namespace tp
