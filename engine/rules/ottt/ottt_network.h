#pragma once
/// OTTT, online training through time (Xiao, Meng, Zhang, Wang, Lin 2022, NeurIPS), for the
/// dense LIF networks of TP and BPTT (optionally recurrent) with the same leaky-integrator readout.
///
/// Forward as every rule (tp-algorithm.md 1.1): u_l^t = alpha m_l^{t-1} + W_l x_l^t (+ R_l s_l^{t-1}),
/// s = [u >= v_th], soft or hard reset; x_1 = the input frame, x_l = s_{l-1}^t; readout
/// m_out^t = k m_out^{t-1} + W_out s_L^t. Beside it the rule keeps presynaptic traces with the
/// neuron's leak (OTTT's lambda = alpha):
///   a_l^t = alpha a_l^{t-1} + x_l^t,  q_l^t = alpha q_l^{t-1} + s_l^{t-1} (recurrent),
///   r^t = k r^{t-1} + s_L^t (so m_out^t = W_out r^t exactly).
/// At every step an instantaneous loss L^t = mean over rows of CE(softmax(m_out^t), label) and its
/// gradient by backpropagation across the layers WITHIN the step (none through time, the reset or R):
///   e = (softmax(m_out^t) - onehot) / B,  delta_L = psi(u_L^t) * (W_out^T e),
///   delta_{l-1} = psi(u_{l-1}^t) * (W_l^T delta_l),
///   dW_out += e^T r^t,  dW_l += delta_l^T a_l^t,  dR_l += delta_l^T q_l^t.
/// This is the exact gradient of L^t with the state held and u_l^t = held + W_l a_l^t + R_l q_l^t.
/// OTTT_A (default): the steps' gradients weighted 1/T (the loss is the mean over steps) and summed,
/// one Adam step per matrix per batch. OTTT_O (rule.online = true): an Adam step per matrix at
/// every step on that step's gradient.
///
/// What OTTT stores: the traces (B x inputs of every layer, B x H of a recurrent layer and of the
/// readout) and the membranes of one step, so its memory does not grow with T.
///
/// Init: PyTorch's Linear default with TpNetwork's streams (W_l: 10+l, R_l: 100+l, W_out: 3), as BPTT.
/// Not thread-safe: one thread drives a network; it parallelises on the calling thread's oneTBB
/// arena with fixed chunks, bit-identically for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/lif.h"
#include "nn/network.h"
#include "nn/param.h"
#include "nn/sparse_rows.h"

namespace tp {

/// Variants of the rule: `online` from the experiment (rule.online), the rest for tests.
struct OtttOptions {
    bool online = false;  ///< OTTT_O: an Adam step at every time step (default OTTT_A: once per batch)
    /// Test only: sigmoid(smooth_slope * (u - v_th)) spikes and their exact derivative as psi, so
    /// that the per-step loss is smooth and finite differences are meaningful.
    bool smooth_spikes = false;
    double smooth_slope = 5.0;

    static OtttOptions fromConfig(const TpConfig& config);
};

/// The neurons of an OTTT network with these options (nn/lif.h).
template <typename S>
LifNeurons<S> otttNeurons(const NeuronSpec& neuron, const OtttOptions& options)
{
    LifNeurons<S> n = lifNeurons<S>(neuron, neuron.v_th);
    n.smooth_slope = options.smooth_spikes ? S(options.smooth_slope) : S(0);
    return n;
}

template <typename S>
class OtttNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< rows = batch rows
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>; ///< (out, in)
    using Param = DenseParam<S>;

    struct Layer {
        int size = 0, fan_in = 0;
        bool recurrent = false;
        Param W, R;
        Mat mem;      ///< (B, H) membrane after reset
        Mat u;        ///< (B, H) pre-reset potential of the step
        Mat s;        ///< (B, H) spikes of the step (of the previous step until the layer runs)
        Mat a;        ///< (B, fan_in) presynaptic trace a_l
        Mat q;        ///< (B, H) recurrent trace q_l (recurrent layers)
        Mat current;  ///< (B, H) input current of the step (forward scratch)
        Mat delta;    ///< (B, H) dL^t/du^t (backward scratch)
    };

    explicit OtttNetwork(const TpConfig& config, const OtttOptions& options);
    explicit OtttNetwork(const TpConfig& config) : OtttNetwork(config, OtttOptions::fromConfig(config)) {}

    /// BPTT's init (same streams, same weights for a seed). Resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// T steps, each with its instantaneous loss and spatial gradient; Adam once (OTTT_A) or at
    /// every step (OTTT_O). readout_loss_sum = sum_t L^t.
    /// `onStep(t)` (optional) is called after step t's gradient with every buffer holding that
    /// step's values (delta: dL^t/du^t times the step's weight, 1/T for OTTT_A).
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});
    /// Steps 0..step forward with the weights held; every Param::g = dL^step/dW, the rule's
    /// gradient of that one step's loss (weights and Adam state unchanged; state after `step`).
    BatchStats stepGradients(const Batch& batch, int step);
    /// Inference; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch);

    void checkFinite() const;

    const TpConfig& config() const { return m_cfg; }
    const OtttOptions& options() const { return m_opt; }
    void setOptions(const OtttOptions& options) { m_opt = options; }
    std::vector<Layer>& layers() { return m_layers; }
    const std::vector<Layer>& layers() const { return m_layers; }
    Param& readout() { return m_out; }
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }  ///< (B, C) after the last step run
    const Mat& readoutTrace() const { return m_outTrace; } ///< (B, H_L) r after the last step run
    double lastLoss() const { return m_lastLoss; }        ///< L^t of the last step run

    /// Bytes per part, measured from the containers: trace_bytes = the traces a, q, r;
    /// rule_state_bytes = traces + membranes and spikes; model_bytes = the same analytically (B = max_batch).
    std::vector<MemoryRow> memory() const;

    std::int64_t denseProducts() const { return 0; }
    std::int64_t eventProducts() const { return m_eventSteps; }

    OtttNetwork(const OtttNetwork&) = delete;
    OtttNetwork& operator=(const OtttNetwork&) = delete;

private:
    void beginBatch(const Batch& batch, BatchStats& stats);
    /// Step t forward; returns L^t. With errScale > 0, m_err = (softmax - onehot) * errScale.
    double forwardStep(const Batch& batch, int t, BatchStats& stats, double errScale);
    /// Adds the step's gradient (m_err carries its weight) to every Param::g.
    void backwardStep();
    void zeroGradients();
    void adamAll(double lr);

    TpConfig m_cfg;
    OtttOptions m_opt;
    std::vector<Layer> m_layers;
    Param m_out;           ///< W_out (C, H_L)
    Mat m_mout;            ///< (B, C) readout membrane
    Mat m_outTrace;        ///< (B, H_L) readout trace r
    Mat m_err;             ///< (B, C) weighted dL^t/dm_out^t
    Mat m_errW;            ///< (B, H_L) dL^t/ds_L^t
    SparseRows<S> m_frame; ///< the input frame of the step
    std::vector<double> m_rowSpikes; ///< spikes per batch row of the step (summed in row order)
    int m_B = 0;
    double m_lastLoss = 0;
    std::int64_t m_eventSteps = 0;
};

extern template class OtttNetwork<float>;
extern template class OtttNetwork<double>;

} // namespace tp
