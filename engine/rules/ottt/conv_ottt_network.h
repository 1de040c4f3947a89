#pragma once
/// OTTT (ottt_network.h) on the conv networks of the conv TP and BPTT engines: the same blocks
/// (3x3 conv, stride 1, pad 1, no bias; LIF on the full map; pooling none / max 2x2 / adaptive
/// average to 2x2; scaled weight standardisation when norm = "weight") and a leaky-integrator
/// readout over the flattened pooled spikes of the last block.
///
/// Traces of every block's input map a_l^t = alpha a_l^{t-1} + x_l^t (x_1 = the input frame,
/// x_l = the pooled spikes of block l-1) and of the readout's r^t = k r^{t-1} + pooled_L^t. At
/// every step the gradient of L^t within the step: e = (softmax(m_out^t) - onehot)/B, then through
/// W_out_hat, the pooling (max to the first maximum, average spread evenly), psi(u^t) and the conv
/// adjoint into the block below; dW_hat_l += the conv correlation of delta_l^t with the input TRACE
/// map a_l^t, dW_out_hat += e^T r^t; with weight norm the standardisation Jacobian takes dW_hat to
/// dW. OTTT_A: steps weighted 1/T, one Adam step per batch; OTTT_O: an Adam step at every step.
///
/// Init: Kaiming normal with the conv engines' streams (W_l: 10+l, W_out: 3), as conv BPTT.
/// Memory: the traces (B x input map of every block, B x readout inputs) and one step's maps,
/// flat in T. Not thread-safe; bit-identical for any thread count (fixed chunks).
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/conv_geometry.h"
#include "nn/network.h"
#include "rules/ottt/ottt_network.h"

namespace tp {

template <typename S>
class ConvOtttNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using WMat = Mat;
    using Param = ConvParam<S>;  ///< w, w_hat, Adam m/v, g_hat = dL/dW_hat, g = dL/dW

    struct Block : ConvGeometry {
        Param W;              ///< (C_out, C_in*9)
        Mat mem;              ///< (B, map) membrane after reset
        Mat u, s;             ///< (B, map) pre-reset potential and spikes of the step
        Mat a;                ///< (B, in map) trace of the block's input
        Mat current;          ///< (B, map) input current of the step (forward scratch)
        Mat pooled;           ///< (B, pooled) pooled spikes of the step (the next block's input)
        Mat dpooled;          ///< (B, pooled) dL^t/d(pooled spikes) (backward)
        Mat delta;            ///< (B, map) dL^t/du^t (backward)
        Mat deltaT;           ///< (B, map) delta per row transposed to (H*W, C) (event-driven weight gradient)
        ActiveInputs<S> act;  ///< the active entries of the block input (forward) or its trace (backward)
    };

    explicit ConvOtttNetwork(const ConvTpConfig& config, const OtttOptions& options = {});

    /// Kaiming-normal init (the conv engines' streams); resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// As OtttNetwork::trainBatch.
    BatchStats trainBatch(const Batch& batch, double lr);
    /// As OtttNetwork::stepGradients: every Param::g = dL^step/dW (and g_hat = dL^step/dW_hat).
    BatchStats stepGradients(const Batch& batch, int step);
    BatchStats evaluateBatch(const Batch& batch);

    void checkFinite() const;

    const ConvTpConfig& config() const { return m_cfg; }
    const OtttOptions& options() const { return m_opt; }
    void setOptions(const OtttOptions& options) { m_opt = options; }
    std::vector<Block>& blocks() { return m_blocks; }
    const std::vector<Block>& blocks() const { return m_blocks; }
    Param& readout() { return m_out; }  ///< W_out (C, F)
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }
    const Mat& readoutTrace() const { return m_outTrace; }  ///< (B, F) r after the last step run
    double lastLoss() const { return m_lastLoss; }          ///< L^t of the last step run
    std::int64_t denseProducts() const { return m_denseRows; }
    std::int64_t eventProducts() const { return m_eventRows; }

    /// trace_bytes = the traces a and r; rule_state_bytes = traces + membranes and spikes.
    std::vector<MemoryRow> memory() const;

    ConvOtttNetwork(const ConvOtttNetwork&) = delete;
    ConvOtttNetwork& operator=(const ConvOtttNetwork&) = delete;

private:
    void beginBatch(const Batch& batch, BatchStats& stats);
    void standardiseAll();
    double forwardStep(const Batch& batch, int t, BatchStats& stats, double errScale);
    void backwardStep();
    void zeroGradients();
    /// g_hat (and the event-driven g_hatT) to g through the standardisation.
    void finishGradients();
    void adamAll(double lr);

    ConvTpConfig m_cfg;
    OtttOptions m_opt;
    std::vector<Block> m_blocks;
    Param m_out;      ///< W_out (C, F)
    Mat m_frame;      ///< (B, C_in*H*W) dense input frame of the step
    Mat m_mout;       ///< (B, C) readout membrane
    Mat m_outTrace;   ///< (B, F) readout trace r
    Mat m_err;        ///< (B, C) weighted dL^t/dm_out^t
    std::vector<double> m_rowSpikes;
    int m_B = 0;
    double m_lastLoss = 0;
    std::int64_t m_denseRows = 0, m_eventRows = 0;
};

extern template class ConvOtttNetwork<float>;
extern template class ConvOtttNetwork<double>;

} // namespace tp
