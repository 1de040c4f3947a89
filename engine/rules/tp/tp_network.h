#pragma once
/// The Traces Propagation network for spiking MLPs (tp-algorithm.md sections 1-3 and 8):
/// LIF layers (optionally recurrent), the label/target path, per-layer contrastive losses,
/// the Eq. 18 gradients, the readout delta rule and one Adam per matrix stepped every time step.
///
/// The target path is driven by the one-hot label only, so all rows of one class carry the
/// same target state. The engine keeps one target row per class present in the batch (K <= C
/// rows instead of B) and expands to B rows only where a caller inspects it; the arithmetic per
/// row is the same, so the result equals the B-row formulation (up to summation order).
///
/// Not thread-safe: one thread drives a network; it parallelises internally on the calling
/// thread's oneTBB task arena, bit-identically for any number of threads.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/experiment.h"
#include "core/sample.h"
#include "nn/adam.h"
#include "nn/param.h"
#include "nn/network.h"
#include "nn/sparse_rows.h"
#include "rules/tp/class_rows.h"

namespace tp {

template <typename S>
class TpNetwork {
public:
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  ///< rows = batch rows
    using WMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>; ///< (out, in): column = one input's fan-out

    /// A trainable matrix with its Adam moments and last gradient (g is complete during a
    /// trainBatch with an onStep observer; otherwise columns with no active input keep stale values).
    using Param = DenseParam<S>;

    /// Per-path state of one LIF layer: `rows` batch rows (input path) or class rows (target path).
    struct PathState {
        Mat mem, u, s, trace;         ///< membrane (after reset), pre-reset potential u, spikes, trace
        Mat psi;                      ///< surrogate derivative at u
        Mat delta;                    ///< input path: delta; target path: sum over the class's rows of delta~
        Mat current;                  ///< input current I
        SparseRows<S> spikes;         ///< s as sparse rows (the next layer's input, next step's recurrent input)
    };

    struct Layer {
        int size = 0, fan_in = 0;
        bool recurrent = false;
        Param W, R;
        PathState in, tgt;
        SparseRows<S> a_in, a_tgt;   ///< this step's layer inputs (x or s_{l-1}; c or s~_{l-1})
        SparseRows<S> p_in, p_tgt;   ///< this step's recurrent inputs (spikes of t-1)
        Mat z;      ///< (B, K) logits against the class target traces
        Mat y;      ///< (K, K) soft target of a row of class k towards one row of class k'
        Mat gc;     ///< (B, K) class-summed G = (P - y)/B
        double loss = 0;
    };

    explicit TpNetwork(const TpConfig& config);

    /// PyTorch default Linear init U(-1/sqrt(fan_in), +1/sqrt(fan_in)) for W, R, S, S_rec, W_out,
    /// each matrix from its own random stream of `seed`. Resets the Adam state.
    void initWeights(std::uint64_t seed);

    /// One TP training pass over a batch: T steps, T Adam steps. `lr` is this epoch's rate.
    /// `onStep(t)` (optional) is called after step t with all buffers holding that step's values.
    BatchStats trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep = {});

    /// Inference: input path only, no learning; prediction = argmax of the readout at the last step.
    BatchStats evaluateBatch(const Batch& batch, const std::function<void(int)>& onStep = {});

    /// Throws DivergenceError naming the matrix if any weight is NaN or Inf.
    void checkFinite() const;

    const TpConfig& config() const { return m_cfg; }
    std::vector<Layer>& layers() { return m_layers; }
    const std::vector<Layer>& layers() const { return m_layers; }
    Param& readout() { return m_out; }
    const Param& readout() const { return m_out; }
    WMat& targetProjection() { return m_S.w; }          ///< S, (H_1, C)
    WMat& targetRecurrent() { return m_Srec; }          ///< S_rec, (H_1, H_1); empty unless layer 1 is recurrent
    const Param& targetProjectionParam() const { return m_S; }
    const WMat& targetRecurrent() const { return m_Srec; }

    /// Current batch: rows B, class rows K, class row of each batch row, rows per class row.
    int batchRows() const { return m_B; }
    int classRows() const { return m_K; }
    const std::vector<int>& classOfRow() const { return m_classes.of_row; }
    const Mat& labelTrace() const { return m_labelTrace; }  ///< (K, C)
    const Mat& readoutMembrane() const { return m_mout; }   ///< (B, C)
    double readoutLoss() const { return m_readoutLoss; }

    /// Bytes allocated per part, measured from the containers, with the analytic model.
    std::vector<MemoryRow> memory() const;

private:
    template <typename Net>
    friend BatchStats tpBatch(Net&, const Batch&, double, bool, const std::function<void(int)>&);
    static constexpr const char* kUnitName = "layer";
    std::vector<Layer>& units() { return m_layers; }

    bool useDense(const SparseRows<S>& input) const;
    void beginBatch(const Batch& batch);
    void forwardStep(const Batch& batch, int t, bool withTarget);
    void forwardPath(PathState& st, int rows, SparseRows<S>& input, SparseRows<S>* rec,
                     const WMat& w, const WMat* r, double vth);
    void lossAndGradients(Layer& layer, int l, double lr);
    void readoutStep(const Batch& batch, double lr, bool learn);
    void gradientStep(Param& p, const Mat& delta, SparseRows<S>& input, const Mat* tdelta,
                      SparseRows<S>* tinput, double lr);

    TpConfig m_cfg;
    std::vector<Layer> m_layers;
    Param m_out;         ///< W_out (C, H_L)
    Param m_S;           ///< S (H_1, C); trained only with rule.train_s
    WMat m_Srec;         ///< frozen recurrent matrix of target layer 1
    Mat m_labelTrace;    ///< (K, C)
    Mat m_mout;          ///< (B, C)
    Mat m_outTrace;      ///< exact-leak trace of s_L (rule.readout_trace = exact)
    Mat m_err;           ///< (B, C) softmax(m_out) - c
    Mat m_dense;         ///< scratch for the dense path
    ClassRows m_classes;
    int m_B = 0, m_K = 0;
    double m_readoutLoss = 0;
    double m_lr = 0;
    std::int64_t m_denseSteps = 0, m_eventSteps = 0;
    bool m_recordGradients = false;  ///< keep Param::g complete (zero columns too) for observers

public:
    /// How many layer-input products ran on the dense and on the event-driven path.
    std::int64_t denseProducts() const { return m_denseSteps; }
    std::int64_t eventProducts() const { return m_eventSteps; }
    TpNetwork(const TpNetwork&) = delete;
    TpNetwork& operator=(const TpNetwork&) = delete;
};

extern template class TpNetwork<float>;
extern template class TpNetwork<double>;

} // namespace tp
