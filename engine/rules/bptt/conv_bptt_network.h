#pragma once
/// The BPTT baseline rule (tp-algorithm.md section 6.6) for the conv networks of the conv TP
/// engine (section 5): the same blocks (3x3 conv, stride 1, pad 1, no bias; LIF on the full map;
/// pooling none / max 2x2 / adaptive average to 2x2; scaled weight standardisation when
/// norm = "weight") and a leaky-integrator readout over the flattened pooled spikes of the last
/// block. Trained by surrogate-gradient backpropagation through time: cross-entropy on the
/// readout membrane at the LAST step only (mean over rows), one Adam step per matrix per batch.
///
/// Neuron, surrogate and reset convention as the dense BPTT (bptt_network.h, BpttOptions). The
/// gradient flows through the membrane leak and the reset over all T steps, through the
/// pooling (max to the first maximum of the window, average spread evenly), through the conv
/// into the block below, and, with weight norm, through the standardisation of every conv
/// filter and of the readout (its Jacobian applied to dL/dW_hat; unlike TP's readout rule, the
/// exact gradient of the standardised forward pass).
///
/// Initialisation: Kaiming normal with the conv TP engine's streams (W_l: 10+l, W_out: 3), so both
/// rules start from the same weights for a seed.
///
/// What BPTT must store: u and s of every block at every step on the full map
/// (2*T*B*C_l*H_l*W_l values per block), so its memory grows linearly with T; memory() reports it.
///
/// Not thread-safe: one thread drives a network; it parallelises over fixed chunks of rows on the
/// calling thread's oneTBB arena, bit-identically for any number of threads.
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "rules/bptt/bptt_network.h"
#include "core/sample.h"
#include "nn/conv_geometry.h"
#include "nn/network.h"

namespace tp {

template <typename S>
class ConvBpttNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using WMat = Mat;
    using Param = ConvParam<S>;  ///< w, w_hat, Adam m/v, g_hat = dL/dW_hat, g = dL/dW

    struct Block : ConvGeometry {
        Param W;              ///< (C_out, C_in*9)
        Mat mem;              ///< (B, map) membrane after reset (forward state)
        Mat u_hist, s_hist;   ///< (T*B, map) pre-reset potential and spikes of every step (row t*B + b)
        Mat current;          ///< (B, map) input current of the step (forward scratch)
        Mat pooled;           ///< (B, pooled) pooled spikes of the step (the next block's input)
        Mat dpooled;          ///< (B, pooled) dL/d(pooled spikes) of the step (backward)
        Mat ds;               ///< (B, map) dL/ds of the step (backward)
        Mat dm;               ///< (B, map) dL/dm, carried back to the previous step
        Mat dI;               ///< (B, map) dL/dI of the step
        Mat dIT;              ///< (B, map) dI per row transposed to (H*W, C) (event-driven weight gradient)
        ActiveInputs<S> act;  ///< the active entries of the block input of the step
    };

    explicit ConvBpttNetwork(const ConvTpConfig& config, const BpttOptions& options = {});

    /// Kaiming-normal init (the conv TP engine's streams); resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// Forward over all T steps, backward through time, then one Adam step per matrix.
    BatchStats trainBatch(const Batch& batch, double lr);
    /// Forward and backward only: fills every Param::g with dL/dW of the last-step loss (mean
    /// over rows); the weights and the Adam state are unchanged.
    BatchStats computeGradients(const Batch& batch);
    /// Inference; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch);

    /// Throws DivergenceError naming the matrix if any weight is NaN or Inf.
    void checkFinite() const;

    const ConvTpConfig& config() const { return m_cfg; }
    void setOptions(const BpttOptions& options) { m_opt = options; }
    std::vector<Block>& blocks() { return m_blocks; }
    const std::vector<Block>& blocks() const { return m_blocks; }
    Param& readout() { return m_out; }  ///< W_out (C, F)
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }  ///< (B, C) after the last step
    double lastLoss() const { return m_lastLoss; }        ///< CE at the last step, mean over rows
    /// Rows convolved so far (forward) by im2col + GEMM and by the event-driven kernels.
    std::int64_t denseProducts() const { return m_denseRows; }
    std::int64_t eventProducts() const { return m_eventRows; }

    /// Bytes allocated per part, measured from the containers. trace_bytes = the per-step
    /// history (u, s); rule_state_bytes = history + membranes; model_bytes = 2*T*B*map values
    /// (T of the last batch, B = max_batch).
    std::vector<MemoryRow> memory() const;

    ConvBpttNetwork(const ConvBpttNetwork&) = delete;
    ConvBpttNetwork& operator=(const ConvBpttNetwork&) = delete;

private:
    template <typename Net, typename... Observer>
    friend BatchStats bpttGradients(Net&, const Batch&, const Observer&...);
    template <typename Net>
    friend BatchStats bpttEvaluate(Net&, const Batch&);
    void beginBatch(const Batch& batch);
    void standardiseAll();
    void forward(const Batch& batch, BatchStats& stats);
    void backward(const Batch& batch);

    ConvTpConfig m_cfg;
    BpttOptions m_opt;
    std::vector<Block> m_blocks;
    Param m_out;      ///< W_out (C, F)
    Mat m_frame;      ///< (B, C_in*H*W) dense input frame of the step
    Mat m_mout;       ///< (B, C) readout membrane
    Mat m_outTrace;   ///< (B, F) sum_t leak^(T-1-t) pooled_L^t (dL/dW_out_hat = G^T m_outTrace)
    std::vector<double> m_rowSpikes; ///< spikes per batch row of the step (summed in row order)
    Mat m_err;        ///< (B, C) (softmax(m_out^T) - onehot) / B
    Mat m_errW;       ///< (B, F) m_err * W_out_hat
    int m_B = 0, m_T = 0;
    double m_lastLoss = 0;
    std::int64_t m_denseRows = 0, m_eventRows = 0;
};

extern template class ConvBpttNetwork<float>;
extern template class ConvBpttNetwork<double>;

} // namespace tp
