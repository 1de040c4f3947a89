#pragma once
/// DECOLLE (decolle_network.h) on the conv networks of the conv TP engine (tp-algorithm.md 5):
/// the same blocks (3x3 conv, stride 1, pad 1, no bias; LIF on the full map; pooling none /
/// max 2x2 / adaptive average to 2x2; scaled weight standardisation when norm = "weight") and a
/// leaky-integrator readout over the flattened pooled spikes of the last block.
///
/// Per block l and step t (a_1 = the input frame, a_l = the pooled spikes of block l-1):
///   trace     p^t = alpha p^{t-1} + a^t on the block's input map (B x C_in*H*W), so that with
///             the reset detached du^t = conv(p^t, W_hat) is the W_hat-dependent part of u^t;
///   loss      the local readout y = G pool(s^t), G (C x the flattened POOLED map) fixed random,
///             L = (1/(2B)) sum_b ||y_b - onehot||^2;
///   gradient  dL/d pool(s) = (y - onehot)/B G, routed back through the pooling (max: the first
///             maximum, average: spread evenly) onto the full map, times psi(u^t): delta; then
///             dL/dW_hat = the conv correlation of delta with p^t (conv::convGradRows) and, with
///             weight norm, the standardisation's Jacobian (conv::standardiseBackward) as in the
///             other conv networks; one Adam step per block at every step from burn_in on.
/// The readout learns by TP's delta rule on the raw W_out (as the conv TP engine) from the
/// beta-trace of the last block's pooled spikes.
///
/// Initialisation: Kaiming normal of W_l (stream 10+l) and W_out (3) as the conv TP engine, G_l
/// U(-1/sqrt(F_l), 1/sqrt(F_l)) on stream 200+l.
///
/// Not thread-safe: one thread drives a network; it parallelises over fixed chunks of rows on the
/// calling thread's oneTBB arena, bit-identically for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/conv_geometry.h"
#include "nn/network.h"
#include "rules/decolle/decolle_network.h"

namespace tp {

template <typename S>
class ConvDecolleNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using WMat = Mat;
    using Param = ConvParam<S>;  ///< w, w_hat, Adam m/v, g_hat = dL/dW_hat, g = dL/dW

    struct Block : ConvGeometry {
        Param W;             ///< (C_out, C_in*9)
        Mat G;               ///< (C, pooled) fixed random local readout
        Mat mem, u, s;       ///< (B, map) membrane after reset, pre-reset potential, spikes
        Mat pooled;          ///< (B, pooled) pooled spikes (the block's output)
        Mat p;               ///< (B, C_in*H*W) presynaptic trace of the block input
        Mat current;         ///< (B, map) input current of the step
        Mat y;               ///< (B, C) local readout, then dL/dy
        Mat dPooled;         ///< (B, pooled) dL/d pooled spikes
        Mat delta;           ///< (B, map) dL/du
        ActiveInputs<S> act; ///< the active entries of the block input of the step
        double loss = 0;
    };

    explicit ConvDecolleNetwork(const ConvTpConfig& config, const DecolleOptions& options = {});

    void initWeights(std::uint64_t seed);
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});
    BatchStats evaluateBatch(const Batch& batch);
    void checkFinite() const;

    const ConvTpConfig& config() const { return m_cfg; }
    int burnIn() const { return m_burnIn; }
    void setBurnIn(int steps) { m_burnIn = steps; }
    void setOptions(const DecolleOptions& options) { m_opt = options; }
    std::vector<Block>& blocks() { return m_blocks; }
    const std::vector<Block>& blocks() const { return m_blocks; }
    Param& readout() { return m_out; }  ///< W_out (C, F)
    const Param& readout() const { return m_out; }
    const Mat& readoutMembrane() const { return m_mout; }
    std::int64_t denseProducts() const { return m_denseRows; }
    std::int64_t eventProducts() const { return m_eventRows; }

    /// Bytes per part ("block l", "readout"), measured from the containers; trace_bytes = p and
    /// G per block and the readout's trace (what decolleStateValues counts).
    std::vector<MemoryRow> memory() const;

    ConvDecolleNetwork(const ConvDecolleNetwork&) = delete;
    ConvDecolleNetwork& operator=(const ConvDecolleNetwork&) = delete;

private:
    template <typename Net>
    friend BatchStats decolleBatch(Net&, const Batch&, double, bool, const std::function<void(int)>&);
    std::size_t layerCount() const { return m_blocks.size(); }
    void beginBatch(const Batch& batch);
    void forwardStep(const Batch& batch, int t, std::vector<double>& spikes);
    double localStep(std::size_t l, const std::vector<int>& labels, bool update, double lr);
    double readoutStep(const std::vector<int>& labels, bool update, double lr);

    ConvTpConfig m_cfg;
    DecolleOptions m_opt;
    int m_burnIn = 0;
    std::vector<Block> m_blocks;
    Param m_out;
    Mat m_frame;          ///< (B, C_in*H*W) dense input frame of the step
    Mat m_mout, m_err;    ///< (B, C)
    Mat m_outTrace;       ///< (B, F) beta-trace of the last block's pooled spikes
    std::vector<double> m_rowSpikes;
    int m_B = 0;
    std::int64_t m_denseRows = 0, m_eventRows = 0;
};

extern template class ConvDecolleNetwork<float>;
extern template class ConvDecolleNetwork<double>;

} // namespace tp
