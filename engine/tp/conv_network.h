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
#include "tp/adam.h"
#include "tp/tp_network.h"

namespace tp {

enum class PoolKind { None, Max2, AvgPool2x2 };

/// "none", "max2", "avgpool2x2"; throws ConfigError for anything else.
PoolKind parsePoolKind(const std::string& name);

/// (channels, height, width) of a map.
struct MapShape {
    int c = 0, h = 0, w = 0;
    int plane() const { return h * w; }
    int size() const { return c * h * w; }
};

/// The shapes and pooling windows of one conv block: 3x3 conv (pad 1) of in_shape to map_shape
/// (full resolution, where the LIF neurons live), pooled to pooled_shape. Window q of a plane
/// covers the positions win_idx[win_off[q] .. win_off[q+1]) in row-major order (the max-pool
/// tie rule relies on that order).
struct ConvGeometry {
    MapShape in_shape, map_shape, pooled_shape;
    PoolKind pool = PoolKind::None;
    std::vector<int> win_off, win_idx;

    /// Throws ConfigError (naming `where`) for a bad spec or a map too small for its pooling.
    static ConvGeometry make(const LayerSpec& spec, MapShape in, const std::string& where);
    /// Bytes held by the pooling windows.
    std::size_t bytes() const { return (win_off.capacity() + win_idx.capacity()) * sizeof(int); }
};

/// The non-zero entries of a batch of maps, per row in (c, h, w) order, with the start of each
/// channel: row b, channel c holds [chan[b*(C+1)+c], chan[b*(C+1)+c+1]) of pos / val.
template <typename S>
struct ActiveInputs {
    std::vector<int> chan;  ///< rows*(C+1) offsets into pos / val
    std::vector<int> pos;   ///< h*W + w of each active entry
    std::vector<S> val;
    std::size_t active = 0, total = 0;

    double density() const { return total ? double(active) / double(total) : 0.0; }
    /// Bytes held (capacity) by the lists.
    std::size_t bytes() const { return (chan.capacity() + pos.capacity()) * sizeof(int) + val.capacity() * sizeof(S); }

    template <typename M>
    void build(const M& a, const MapShape& in)
    {
        const int C = in.c, HW = in.plane();
        const Eigen::Index rows = a.rows();
        chan.resize(std::size_t(rows) * std::size_t(C + 1));
        pos.clear();
        val.clear();
        for (Eigen::Index b = 0; b < rows; ++b) {
            const S* row = a.data() + b * a.cols();
            for (int c = 0; c < C; ++c) {
                chan[std::size_t(b) * std::size_t(C + 1) + std::size_t(c)] = int(pos.size());
                const S* plane = row + std::ptrdiff_t(c) * HW;
                for (int p = 0; p < HW; ++p)
                    if (plane[p] != S(0)) {
                        pos.push_back(p);
                        val.push_back(plane[p]);
                    }
            }
            chan[std::size_t(b) * std::size_t(C + 1) + std::size_t(C)] = int(pos.size());
        }
        active = pos.size();
        total = std::size_t(rows) * std::size_t(a.cols());
    }

    /// The active entries of row b, channels [c0, c1).
    std::pair<int, int> range(Eigen::Index b, int C, int c0, int c1) const
    {
        const std::size_t base = std::size_t(b) * std::size_t(C + 1);
        return {chan[base + std::size_t(c0)], chan[base + std::size_t(c1)]};
    }
};

/// Everything the conv engine needs to build a network.
struct ConvTpConfig {
    MapShape input;                 ///< C_in, H, W of an input frame (flattened (c, h, w) in a Batch)
    int classes = 0;
    int max_batch = 64;
    std::vector<LayerSpec> blocks;  ///< type "conv": size = output channels, pool = none/max2/avgpool2x2
    NeuronSpec neuron;
    double target_v_th = 1.0;       ///< threshold of target layer 1 (reference quirk: 1.0 whatever v_th is)
    double readout_leak = 1.0;
    bool weight_norm = true;        ///< scaled weight standardisation (norm "weight")
    double ws_gain = 1.8, ws_eps = 1e-5;
    AdamSettings adam;
    ComputePath path = ComputePath::Auto;  ///< conv inputs: event-driven, im2col + GEMM, or by density

    static ConvTpConfig fromExperiment(const Experiment& e, MapShape input, int classes);
};

template <typename S>
class ConvTpNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    /// A trainable matrix (out, in) with its standardised form, Adam moments and last gradients.
    struct Param {
        Mat w;      ///< raw weights
        Mat w_hat;  ///< standardised weights of the current forward pass (= w without weight norm)
        Mat w_hatT; ///< w_hat transposed (in, out), for the event-driven conv
        Mat m, v;   ///< Adam moments
        Mat g_hat;  ///< dE/dW_hat (conv blocks; before the standardisation Jacobian)
        Mat g_hatT; ///< the event-driven kernels' part of dE/dW_hat, transposed (in, out)
        Mat g;      ///< gradient given to Adam
        std::int64_t step = 0;
        void resize(int out, int in);
        /// Bytes of the Adam moments m, v and the step counter.
        std::size_t optimizerBytes() const { return bytes(m) + bytes(v) + sizeof(step); }
        /// Bytes of the per-batch matrices: w_hat, w_hatT, g_hat, g_hatT and g.
        std::size_t bufferBytes() const { return bytes(w_hat) + bytes(w_hatT) + bytes(g_hat) + bytes(g_hatT) + bytes(g); }
        static std::size_t bytes(const Mat& x) { return std::size_t(x.size()) * sizeof(S); }
    };

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
    const std::vector<int>& classOfRow() const { return m_rowClass; }
    const Mat& labelTrace() const { return m_labelTrace; }  ///< (K, C)
    const Mat& readoutMembrane() const { return m_mout; }   ///< (B, C)
    double readoutLoss() const { return m_readoutLoss; }

    ConvTpNetwork(const ConvTpNetwork&) = delete;
    ConvTpNetwork& operator=(const ConvTpNetwork&) = delete;

private:
    void beginBatch(const Batch& batch);
    void standardiseAll();
    void forwardStep(const Batch& batch, int t, bool withTarget);
    void lifPath(PathState& st, const Block& blk, double vth);
    /// st.current = conv of the block input a (conv::convForward), counted.
    void convForward(const Mat& a, Block& blk, PathState& st);
    void lossAndGradients(Block& blk, int l, double lr);
    void readoutStep(const Batch& batch, double lr, bool learn);
    void scorePredictions(const Batch& batch, BatchStats& stats) const;

    ConvTpConfig m_cfg;
    std::vector<Block> m_blocks;
    Param m_out;
    Mat m_S, m_Shat;     ///< S and its standardised form (constant: S is frozen)
    Mat m_frame;         ///< (B, C_in*H*W) dense input frame of this step
    Mat m_labelTrace;    ///< (K, C)
    Mat m_mout, m_err;   ///< (B, C)
    std::vector<int> m_rowClass, m_classLabel, m_classCount;
    int m_B = 0, m_K = 0;
    double m_readoutLoss = 0;
    std::int64_t m_denseRows = 0, m_eventRows = 0;
};

extern template class ConvTpNetwork<float>;
extern template class ConvTpNetwork<double>;

} // namespace tp
