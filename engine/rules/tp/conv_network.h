#pragma once
/// The Traces Propagation network for spiking conv nets (tp-algorithm.md sections 1.4 and 5,
/// golden README "Conv files"): 3x3 conv LIF blocks (stride 1, pad 1, no bias) with scaled
/// weight standardisation in every forward pass, pooling of the spike map (none, max 2x2,
/// adaptive average to 2x2), traces of the pooled spikes, the conv form of the contrastive
/// loss, the fully connected first target layer S: C -> (C_1*H*W) and a leaky-integrator readout
/// on the flattened pooled spikes of the last block.
///
/// As in TpNetwork, the target path depends only on the label, so it runs once per class
/// present in the batch (K rows instead of B); the class-summed G makes the result equal to the
/// B-row formulation.
///
/// Layout: every map is one row of a row-major matrix (rows = batch or class rows), flattened
/// channel-major (c, h, w). Conv weights are (C_out, C_in*9) row-major, i.e. the (o, c, i, j)
/// order of PyTorch and of the golden files.
///
/// Not thread-safe: one thread drives a network. It parallelises over fixed chunks of rows on
/// the calling thread's oneTBB arena; reductions over rows run in chunk order, so results are
/// bit-identical for any number of threads.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/experiment.h"
#include "core/sample.h"
#include "nn/adam.h"
#include "nn/conv_geometry.h"
#include "rules/tp/class_rows.h"
#include "rules/tp/tp_network.h"

namespace tp {

template <typename S>
class ConvTpNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    using Param = ConvParam<S>;

    /// Per-path state of one block: `rows` batch rows (input path) or class rows (target path).
    struct PathState {
        Mat mem, u, s;     ///< full map: membrane (after reset), pre-reset potential, spikes
        Mat pooled, trace; ///< pooled spikes (the block's output) and their trace
        Mat current;       ///< input current on the full map
        Mat delta;         ///< full map: psi * (dE/d trace unpooled); target path: class-summed
        Mat deltaT;        ///< delta per row transposed to (H*W, C) (event-driven weight gradient)
        ActiveInputs<S> act;  ///< the active entries of this path's block input at this step
        bool event = false;   ///< this step's conv took the event-driven path
    };

    struct Block : ConvGeometry {
        Param W;                             ///< (C_out, C_in*9)
        PathState in, tgt;
        Mat z;   ///< (B, K) logits / P against the class target traces
        Mat y;   ///< (K, K) soft target of a row of class k towards one row of class k'
        Mat gc;  ///< (B, K) class-summed G = (P_soft - y)/B
        double loss = 0;
    };

    explicit ConvTpNetwork(const ConvTpConfig& config);

    /// Kaiming-normal init N(0, 2/fan_in) (Box-Muller on tp::Rng) of every conv filter, S and
    /// W_out, each from its own stream of `seed`. Resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// One TP training pass over a batch (T steps, T Adam steps). The Batch holds frames
    /// flattened (c, h, w). `onStep(t)` is called after step t with every buffer of that step.
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});

    /// Inference: input path only, no learning; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch, const std::function<void(int)>& onStep = {});

    /// Throws DivergenceError naming the matrix if any weight is NaN or Inf.
    void checkFinite() const;

    /// Bytes allocated per part ("block l", "readout", "target projection S"), measured from
    /// the containers; model_bytes = 2*B*pooled traces per block (B = max_batch) and S.
    std::vector<MemoryRow> memory() const;

    const ConvTpConfig& config() const { return m_cfg; }
    std::vector<Block>& blocks() { return m_blocks; }
    const std::vector<Block>& blocks() const { return m_blocks; }
    Param& readout() { return m_out; }              ///< W_out (C, F)
    const Param& readout() const { return m_out; }
    Mat& targetProjection() { return m_S; }         ///< S (C_1*H_1*W_1, C), frozen
    int features() const { return m_blocks.back().pooled_shape.size(); }

    /// Rows convolved so far by im2col + GEMM and by the event-driven kernels.
    std::int64_t denseProducts() const { return m_denseRows; }
    std::int64_t eventProducts() const { return m_eventRows; }

    int batchRows() const { return m_B; }
    int classRows() const { return m_K; }
    const std::vector<int>& classOfRow() const { return m_classes.of_row; }
    const Mat& labelTrace() const { return m_labelTrace; }  ///< (K, C)
    const Mat& readoutMembrane() const { return m_mout; }   ///< (B, C)
    double readoutLoss() const { return m_readoutLoss; }

    ConvTpNetwork(const ConvTpNetwork&) = delete;
    ConvTpNetwork& operator=(const ConvTpNetwork&) = delete;

private:
    template <typename Net>
    friend BatchStats tpBatch(Net&, const Batch&, double, bool, const std::function<void(int)>&);
    static constexpr const char* kUnitName = "block";
    std::vector<Block>& units() { return m_blocks; }

    void beginBatch(const Batch& batch);
    void standardiseAll();
    void forwardStep(const Batch& batch, int t, bool withTarget);
    void lifPath(PathState& st, const Block& blk, double vth);
    /// st.current = conv of the block input a (conv::convForward), counted.
    void convForward(const Mat& a, Block& blk, PathState& st);
    void lossAndGradients(Block& blk, int l, double lr);
    void readoutStep(const Batch& batch, double lr, bool learn);

    ConvTpConfig m_cfg;
    std::vector<Block> m_blocks;
    Param m_out;
    Mat m_S, m_Shat;     ///< S and its standardised form (constant: S is frozen)
    Mat m_frame;         ///< (B, C_in*H*W) dense input frame of this step
    Mat m_labelTrace;    ///< (K, C)
    Mat m_mout, m_err;   ///< (B, C)
    ClassRows m_classes;
    int m_B = 0, m_K = 0;
    double m_readoutLoss = 0;
    std::int64_t m_denseRows = 0, m_eventRows = 0;
};

extern template class ConvTpNetwork<float>;
extern template class ConvTpNetwork<double>;

} // namespace tp
