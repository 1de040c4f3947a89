#pragma once
/// e-prop (Bellec et al. 2020, Nat. Commun.) for the project's spiking MLPs: dense LIF layers,
/// feed-forward or recurrent, and the common leaky-integrator readout.
///
/// e-prop factorises the gradient of the loss into a learning signal, broadcast to every neuron
/// from the readout error, times an eligibility trace that each synapse computes forward in time
/// from quantities local to it. With the reset treated as a constant (e-prop's pseudo-derivative
/// convention), for a synapse i -> j of layer l (z = the layer's inputs x^t, then, for a recurrent
/// layer, its own spikes s^{t-1}):
///   eligibility vector  eps_ji^t = alpha * d_j^{t-1} * eps_ji^{t-1} + z_i^t,
///                        d = 1 for the soft reset, 1 - s_j^{t-1} for the hard reset
///                        (soft: eps_ji = eps_i, the presynaptic trace, one per input)
///   eligibility trace    e_ji^t = psi_j^t * eps_ji^t       (psi: the ArcTan surrogate at u^t)
///   filtered trace       ebar_ji^t = kappa * ebar_ji^{t-1} + e_ji^t   (kappa: the readout's leak)
///   learning signal      L_j^t = sum_k B_jk * err_k^t,  err^t = dL/dm_out^t
///   gradient             dL/dW_ji = sum_t L_j^t * ebar_ji^t
/// The loss is the project's BPTT loss: cross-entropy of the readout at the last step, so err is
/// non-zero at t = T-1 only and the gradient is L^{T-1} * ebar^{T-1}; one Adam step per matrix per
/// batch. The readout W_out gets its exact gradient err^T rbar (rbar = the readout-leak trace of
/// the last layer's spikes), as in BPTT.
///
/// Feedback B: "symmetric" = W_out^T for the last hidden layer (e-prop's exact learning signal);
/// "random" = a fixed random matrix (random e-prop). Lower layers of a deeper network have no
/// readout weights of their own: they always get a fixed random B_l (C -> H_l).
///
/// Oracle: for one feed-forward layer with symmetric feedback this equals the gradient of BPTT
/// with the reset detached (BpttOptions::detach_reset) in exact arithmetic; on a recurrent layer
/// it drops the paths through the recurrence and differs (tests/engine/test_eprop.cpp).
///
/// Memory: ebar per synapse and batch row (B * H_l * (H_{l-1} + rec*H_l)), eps per input (soft) or
/// per synapse (hard); independent of T. The work of a step is one pass over every synapse of
/// every row: e-prop's cost grows with the synapses, not with T's history.
///
/// Not thread-safe: one thread drives a network; it parallelises internally on the calling
/// thread's oneTBB task arena with fixed chunks, bit-identically for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/network.h"
#include "nn/param.h"
#include "nn/sparse_rows.h"

namespace tp {

enum class EpropFeedback { Symmetric, Random };

template <typename S>
class EpropNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< rows = batch rows
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>; ///< (out, in)
    using Param = DenseParam<S>;

    struct Layer {
        int size = 0, fan_in = 0;
        bool recurrent = false;
        Param W, R;
        WMat feedback;      ///< (H, C) fixed random B_l; empty when the learning signal is W_out^T
        Mat mem, u, s;      ///< (B, H) membrane after reset, pre-reset potential and spikes of the step
        Mat s_prev;         ///< (B, H) spikes of the previous step (recurrent input, hard-reset decay)
        Mat z;              ///< (B, n_z) the step's presynaptic values: inputs, then s_prev (recurrent)
        Mat psi;            ///< (B, H) surrogate derivative of the step
        Mat eps;            ///< (B, n_z) soft reset, or (B, H*n_z) hard reset: eligibility vectors
        Mat ebar;           ///< (B, H*n_z) filtered eligibility traces, row b: neuron j at j*n_z
        Mat signal;         ///< (B, H) learning signal of the last step
        int width() const { return fan_in + (recurrent ? size : 0); }  ///< n_z
    };

    EpropNetwork(const TpConfig& config, EpropFeedback feedback);

    /// PyTorch default Linear init with BPTT's streams (W_l: 10+l, R_l: 100+l, W_out: 3), so e-prop
    /// and BPTT start from the same weights for a seed; random feedback B_l on stream 200+l.
    void initWeights(std::uint64_t seed);

    /// Forward over T steps carrying the eligibility traces, then one Adam step per matrix.
    /// `onStep(t)` (optional) is called after step t's readout with every buffer holding that
    /// step's values (s: the step's spikes, ebar: the traces up to t, the readout membrane).
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});
    /// As trainBatch without the Adam step: every Param::g holds e-prop's dL/dW (mean over rows).
    BatchStats computeGradients(const Batch& batch);
    /// Inference; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch);

    const TpConfig& config() const { return m_cfg; }
    EpropFeedback feedback() const { return m_feedback; }
    std::vector<Layer>& layers() { return m_layers; }
    const std::vector<Layer>& layers() const { return m_layers; }
    Param& readout() { return m_out; }
    const Param& readout() const { return m_out; }
    double lastLoss() const { return m_lastLoss; }
    const Mat& readoutMembrane() const { return m_mout; }  ///< (B, C) after the last step run

    /// Bytes per part. trace_bytes = eps + ebar (e-prop's rule state, eprop_rule.cpp's model);
    /// the fixed feedback matrices are a part of their own ("feedback"), in weights_bytes.
    std::vector<MemoryRow> memory() const;

    std::int64_t denseProducts() const { return 0; }
    std::int64_t eventProducts() const { return m_eventSteps; }

    EpropNetwork(const EpropNetwork&) = delete;
    EpropNetwork& operator=(const EpropNetwork&) = delete;

private:
    BatchStats run(const Batch& batch, bool learn, const std::function<void(int)>& onStep = {});
    void eligibility(Layer& layer);
    void gradients(Layer& layer);

    TpConfig m_cfg;
    EpropFeedback m_feedback;
    std::vector<Layer> m_layers;
    Param m_out;           ///< W_out (C, H_L)
    Mat m_mout;            ///< (B, C) readout membrane
    Mat m_outTrace;        ///< (B, H_L) readout-leak trace of s_L
    Mat m_err;             ///< (B, C) (softmax(m_out^{T-1}) - onehot) / B
    SparseRows<S> m_frame; ///< the input frame of the step
    std::vector<double> m_rowSpikes;
    int m_B = 0;
    double m_lastLoss = 0;
    std::int64_t m_eventSteps = 0;
};

/// Every stored matrix with its name: W1.., R1.. (recurrent), W_out, then the fixed feedback
/// matrices B1.. (frozen: Param null).
template <typename S, typename Fn>
void forEachMatrix(EpropNetwork<S>& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    fn("W_out", net.readout().w, &net.readout());
    for (std::size_t l = 0; l < net.layers().size(); ++l)
        if (net.layers()[l].feedback.size())
            fn("B" + std::to_string(l + 1), net.layers()[l].feedback, static_cast<DenseParam<S>*>(nullptr));
}

extern template class EpropNetwork<float>;
extern template class EpropNetwork<double>;

} // namespace tp
