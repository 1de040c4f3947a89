#pragma once
/// DECOLLE (Kaiser, Mostafa, Neftci 2020, Front. Neurosci. 14:424) for spiking MLPs: dense LIF
/// layers (optionally recurrent) as every rule (tp-algorithm.md 1.1), each hidden layer with a
/// FIXED random local readout G_l (C x H_l) and its own loss at every step; no gradient crosses
/// layers (a layer's input spikes are constants for its gradient).
///
/// Per layer l and step t (x_1 = the input frame, x_l = s_{l-1}^t):
///   forward   u = alpha m^{t-1} + W x^t (+ R s^{t-1}), s = [u >= v_th], soft or hard reset;
///   traces    p^t = alpha p^{t-1} + x^t (per input, per row), q^t = alpha q^{t-1} + s^{t-1} (recurrent):
///             with the reset detached (DECOLLE's separate reset term R, no gradient through it)
///             du^t/dW[j,i] = p^t[i] and du^t/dR[j,k] = q^t[k] exactly for the soft reset; the hard
///             reset uses the same traces (its reset term is DECOLLE's R, detached as well);
///   loss      y = G s^t, L_l^t = (1/(2B)) sum_b ||y_b - onehot(label_b)||^2 (MSE on one-hot
///             targets, as the reference's MSE option);
///   gradient  delta = psi(u^t) * (G^T (y - onehot)/B) (psi: the ArcTan surrogate), dW = delta^T p^t,
///             dR = delta^T q^t; one Adam step per matrix at every step from step burn_in on.
/// The readout W_out (leaky integrator, argmax = prediction) learns by TP's local delta rule
/// (tp-algorithm.md 3.6) from the beta-trace of the last layer's spikes; no gradient goes from it
/// into the hidden layers.
///
/// Rule state: p (B x fan-in), q (B x H, recurrent layers), the readout's trace (B x H_L) and the
/// fixed G (C x H_l), plus membranes and spikes: flat in T.
///
/// Not thread-safe: one thread drives a network; it parallelises over fixed chunks on the calling
/// thread's oneTBB arena, bit-identically for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/network.h"
#include "nn/param.h"

namespace tp {

/// Variants of the rule that are not in an experiment file.
struct DecolleOptions {
    /// Test only: the spike is sigmoid(smooth_slope * (u - v_th)) and the surrogate its exact
    /// derivative (nn/lif.h), so that the local losses are smooth for finite differences.
    bool smooth_spikes = false;
    double smooth_slope = 5.0;
};

/// The rule parameter "burn_in": steps at the start of each sequence without an update.
inline int decolleBurnIn(const RuleSpec& rule)
{
    return rule.params.is_object() ? rule.params.value("burn_in", 0) : 0;
}

template <typename S>
class DecolleNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< rows = batch rows
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>; ///< (out, in)
    using Param = DenseParam<S>;  ///< g: the gradient of the last update

    struct Layer {
        int size = 0, fan_in = 0;
        bool recurrent = false;
        Param W, R;
        WMat G;              ///< (C, H) fixed random local readout
        Mat mem, u, s;       ///< (B, H) membrane after reset, pre-reset potential, spikes of the step
        Mat p;               ///< (B, fan_in) presynaptic trace of the layer input
        Mat q;               ///< (B, H) trace of the layer's own spikes of t-1 (recurrent layers)
        Mat current;         ///< (B, H) input current of the step
        Mat y;               ///< (B, C) local readout, then dL/dy
        Mat delta;           ///< (B, H) dL/ds, then dL/du = psi * dL/ds
        double loss = 0;     ///< the local loss of the step
    };

    explicit DecolleNetwork(const TpConfig& config, const DecolleOptions& options = {});

    /// PyTorch Linear init U(-1/sqrt(fan_in), +1/sqrt(fan_in)) of W, R, W_out on TP's streams
    /// (W_l: 10+l, R_l: 100+l, W_out: 3) and of G_l on stream 200+l. Resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// T steps of forward, local losses and updates. `onStep(t)` (optional) is called after
    /// step t with every buffer holding that step's values.
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});
    /// Inference: no local losses, no updates; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch);

    /// Throws DivergenceError naming the matrix if any weight is NaN or Inf.
    void checkFinite() const;

    const TpConfig& config() const { return m_cfg; }
    int burnIn() const { return m_burnIn; }
    const DecolleOptions& options() const { return m_opt; }
    void setOptions(const DecolleOptions& options) { m_opt = options; }
    std::vector<Layer>& layers() { return m_layers; }
    const std::vector<Layer>& layers() const { return m_layers; }
    Param& readout() { return m_out; }
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }  ///< (B, C)

    /// Bytes per part, measured from the containers. trace_bytes = p, q and G per layer and the
    /// readout's trace (what decolleStateValues counts); rule_state_bytes adds membranes, spikes
    /// and the readout membrane.
    std::vector<MemoryRow> memory() const;

    std::int64_t denseProducts() const { return m_denseSteps; }
    std::int64_t eventProducts() const { return 0; }

    DecolleNetwork(const DecolleNetwork&) = delete;
    DecolleNetwork& operator=(const DecolleNetwork&) = delete;

private:
    template <typename Net>
    friend BatchStats decolleBatch(Net&, const Batch&, double, bool, const std::function<void(int)>&);
    std::size_t layerCount() const { return m_layers.size(); }
    void beginBatch(const Batch& batch);
    void forwardStep(const Batch& batch, int t, std::vector<double>& spikes);
    double localStep(std::size_t l, const std::vector<int>& labels, bool update, double lr);
    double readoutStep(const std::vector<int>& labels, bool update, double lr);
    /// p.g = delta^T pre (columns in fixed chunks), then one Adam step.
    void gradientStep(Param& p, const Mat& delta, const Mat& pre, double lr);

    TpConfig m_cfg;
    DecolleOptions m_opt;
    int m_burnIn = 0;      ///< rule.burn_in
    std::vector<Layer> m_layers;
    Param m_out;           ///< W_out (C, H_L)
    Mat m_mout, m_err;     ///< (B, C) readout membrane and softmax - onehot
    Mat m_outTrace;        ///< (B, H_L) beta-trace of s_L (the readout's presynaptic trace)
    Mat m_frame;           ///< (B, inputs) dense input frame of the step
    std::vector<double> m_rowSpikes;
    int m_B = 0;
    std::int64_t m_denseSteps = 0;
};

extern template class DecolleNetwork<float>;
extern template class DecolleNetwork<double>;

} // namespace tp
