#pragma once
/// The BPTT baseline rule (tp-algorithm.md section 6.6) for the same spiking MLPs as TP: dense
/// LIF layers (optionally recurrent) and a leaky-integrator readout, trained by surrogate-gradient
/// backpropagation through time. Cross-entropy on the readout membrane at the LAST time step only,
/// one Adam step per matrix per batch, PyTorch-default init (the same random streams as TpNetwork,
/// so both rules start from the same weights for a seed).
///
/// Neuron model as TP (section 1.1): u = alpha*m + I, s = [u >= v_th], soft or hard reset by the
/// reset-string quirk, ArcTan surrogate kappa / (1 + (pi (u - v_th))^2) at the pre-reset u.
/// The gradient flows through the membrane leak, the recurrence and the reset over all T steps.
/// Reset convention: NOT detached by default (SpikingJelly's detach_reset=False and the reference
/// repository's own LIF layer): soft dm/ds = -v_th, hard dm/du = 1 - s and dm/ds = -u.
/// BpttOptions::detach_reset gives the snntorch convention (reset term treated as a constant).
///
/// What BPTT must store: u and s of every layer at every step (2*T*B*H values per layer), so its
/// memory grows linearly with T; memory() reports it in the same MemoryRow as TP.
///
/// Not thread-safe: one thread drives a network; it parallelises internally on the calling
/// thread's oneTBB task arena with fixed chunks, bit-identically for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/lif.h"
#include "nn/param.h"
#include "nn/sparse_rows.h"
#include "nn/network.h"

namespace tp {

/// Variants of the rule that are not in an experiment file.
struct BpttOptions {
    bool detach_reset = false;  ///< true: snntorch convention, no gradient through the reset term
    /// Test only: replace the Heaviside spike by sigmoid(smooth_slope * (u - v_th)) and the surrogate
    /// by its exact derivative, so that the loss is smooth and finite differences are meaningful.
    bool smooth_spikes = false;
    double smooth_slope = 5.0;
};

/// The neurons of a BPTT network with these options (nn/lif.h).
template <typename S>
LifNeurons<S> bpttNeurons(const NeuronSpec& neuron, const BpttOptions& options)
{
    LifNeurons<S> n = lifNeurons<S>(neuron, neuron.v_th);
    n.detach = options.detach_reset;
    n.smooth_slope = options.smooth_spikes ? S(options.smooth_slope) : S(0);
    return n;
}

template <typename S>
class BpttNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< rows = batch rows
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>; ///< (out, in)

    using Param = DenseParam<S>;  ///< the gradient g is of the last batch (complete)

    struct Layer {
        int size = 0, fan_in = 0;
        bool recurrent = false;
        Param W, R;
        Mat mem;            ///< (B, H) membrane after reset (forward state)
        Mat u_hist, s_hist; ///< (T*B, H) pre-reset potential and spikes of every step (row t*B + b)
        Mat current;        ///< (B, H) input current of the step (forward scratch)
        Mat ds;             ///< (B, H) dL/ds of the step (backward)
        Mat dm;             ///< (B, H) dL/dm of the step, carried back to the previous step
        Mat dI, dI_next;    ///< (B, H) dL/dI at this step and at the next one
        SparseRows<S> in_cols, rec_cols;  ///< this step's layer and recurrent inputs, by column
    };

    explicit BpttNetwork(const TpConfig& config, const BpttOptions& options = {});

    /// PyTorch default Linear init U(-1/sqrt(fan_in), +1/sqrt(fan_in)) with TpNetwork's streams
    /// (W_l: 10+l, R_l: 100+l, W_out: 3). Resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// Forward over all T steps, backward through time, then one Adam step per matrix.
    /// `onBackwardStep(t)` (optional) is called as the backward pass leaves step t (t = T-1 .. 0),
    /// every layer's dI holding dL/du^t (= dL/dI^t: u = alpha m + I) and u_hist, s_hist the forward.
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onBackwardStep = {});
    /// Forward and backward only: fills every Param::g with dL/dW of the last-step loss
    /// (mean over rows); the weights and the Adam state are unchanged.
    BatchStats computeGradients(const Batch& batch);
    /// Inference; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch);

    /// Throws DivergenceError naming the matrix if any weight is NaN or Inf.
    void checkFinite() const;

    const TpConfig& config() const { return m_cfg; }
    const BpttOptions& options() const { return m_opt; }
    void setOptions(const BpttOptions& options) { m_opt = options; }
    std::vector<Layer>& layers() { return m_layers; }
    const std::vector<Layer>& layers() const { return m_layers; }
    Param& readout() { return m_out; }
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }  ///< (B, C) after the last step
    double lastLoss() const { return m_lastLoss; }        ///< the trained loss: CE at the last step, mean over rows

    /// Bytes allocated per part, measured from the containers. rule_state_bytes = the per-step
    /// history (u, s) + membranes; trace_bytes = the history alone; model_bytes = 2*T*B*H values
    /// (T of the last batch, B = max_batch).
    std::vector<MemoryRow> memory() const;

    std::int64_t denseProducts() const { return 0; }
    std::int64_t eventProducts() const { return m_eventSteps; }

    BpttNetwork(const BpttNetwork&) = delete;
    BpttNetwork& operator=(const BpttNetwork&) = delete;

private:
    template <typename Net, typename... Observer>
    friend BatchStats bpttGradients(Net&, const Batch&, const Observer&...);
    template <typename Net>
    friend BatchStats bpttEvaluate(Net&, const Batch&);
    void beginBatch(const Batch& batch);
    void forward(const Batch& batch, BatchStats& stats);
    void backward(const Batch& batch, const std::function<void(int)>& onStep = {});
    void accumulate(Param& p, SparseRows<S>& input, const Mat& dI);

    TpConfig m_cfg;
    BpttOptions m_opt;
    std::vector<Layer> m_layers;
    Param m_out;           ///< W_out (C, H_L)
    Mat m_mout;            ///< (B, C) readout membrane
    Mat m_outTrace;        ///< (B, H_L) sum_t leak^(T-1-t) s_L^t (dL/dW_out = G^T m_outTrace)
    Mat m_err;             ///< (B, C) (softmax(m_out^T) - onehot) / B
    Mat m_errW;            ///< (B, H_L) m_err * W_out
    SparseRows<S> m_frame; ///< the input frame of the step
    std::vector<double> m_rowSpikes; ///< spikes per batch row of the step (summed in row order)
    int m_B = 0, m_T = 0;
    double m_lastLoss = 0;
    std::int64_t m_eventSteps = 0;
};

extern template class BpttNetwork<float>;
extern template class BpttNetwork<double>;

} // namespace tp
