#include "rules/bptt/bptt_network.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nn/readout_loss.h"
#include "core/errors.h"
#include "nn/eigen_ref.h"
#include "nn/adam.h"
#include "nn/dense_ops.h"
#include "nn/parallel.h"
#include "nn/adam_matrix.h"
#include "nn/finite_check.h"
#include "rules/bptt/bptt_batch.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 8;       // batch rows per task
constexpr std::size_t kChunkElems = 8192;  // weight elements per gradient task

template <typename M>
void zeroed(M& m, Eigen::Index rows, Eigen::Index cols)
{
    m.resize(rows, cols);
    m.setZero();
}

} // namespace

template <typename S>
BpttNetwork<S>::BpttNetwork(const TpConfig& config, const BpttOptions& options) : m_cfg(config), m_opt(options)
{
    m_out.resize(m_cfg.classes, buildDenseLayers(m_cfg, m_layers));
    initWeights(0);
}

template <typename S>
void BpttNetwork<S>::initWeights(std::uint64_t seed)
{
    initDenseWeights(m_layers, m_out, seed);
}

template <typename S>
void BpttNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.inputs, m_cfg.classes);
    m_B = batch.size;
    m_T = batch.steps;
    const Eigen::Index TB = Eigen::Index(m_T) * m_B;
    for (auto& layer : m_layers) {
        zeroed(layer.mem, m_B, layer.size);
        zeroed(layer.current, m_B, layer.size);
        layer.u_hist.resize(TB, layer.size);  // every row is written by the forward pass
        layer.s_hist.resize(TB, layer.size);
    }
    const int H = m_layers.back().size, C = m_cfg.classes;
    zeroed(m_mout, m_B, C);
    zeroed(m_outTrace, m_B, H);
    zeroed(m_err, m_B, C);
}

template <typename S>
void BpttNetwork<S>::forward(const Batch& batch, BatchStats& stats)
{
    const LifNeurons<S> neurons = bpttNeurons<S>(m_cfg.neuron, m_opt);
    const kern::Ops<S>& K = kern::ops<S>();
    const S leak = S(m_cfg.readout_leak);
    const int C = m_cfg.classes;
    stats.samples = m_B;
    stats.steps = m_T;
    stats.layer_loss_sum.assign(m_layers.size(), 0.0);
    stats.spike_count.assign(m_layers.size(), 0.0);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
    for (int t = 0; t < m_T; ++t) {
        m_frame.fromBatch(batch, t);
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            Layer& layer = m_layers[l];
            const int h = layer.size;
            const Layer* below = l ? &m_layers[l - 1] : nullptr;
            ++m_eventSteps;
            parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                for (std::size_t b = r0; b < r1; ++b) {
                    S* cur = layer.current.data() + b * h;
                    std::fill(cur, cur + h, S(0));
                    if (!below) {
                        K.sparseRows(m_frame.row_off.data(), m_frame.idx.data(), m_frame.val.data(), b, b + 1,
                                     layer.W.w.data(), std::size_t(h), layer.current.data(), true);
                    } else {
                        gatherDense(cur, below->s_hist.data() + (std::ptrdiff_t(t) * m_B + b) * below->size,
                                    below->size, layer.W.w, h);
                    }
                    if (layer.recurrent && t > 0)
                        gatherDense(cur, layer.s_hist.data() + (std::ptrdiff_t(t - 1) * m_B + b) * h, h, layer.R.w, h);
                    const std::ptrdiff_t o = (std::ptrdiff_t(t) * m_B + b) * h;
                    m_rowSpikes[b] = neurons.forward(layer.mem.data() + b * h, layer.u_hist.data() + o,
                                                     layer.s_hist.data() + o, cur, std::size_t(h));
                }
            });
            for (double n : m_rowSpikes)
                stats.spike_count[l] += n;
        }
        // Readout: leaky integrator of the last layer's spikes, and the same-leak trace for dW_out.
        const Layer& last = m_layers.back();
        const int h = last.size;
        double loss = 0;
        for (int b = 0; b < m_B; ++b) {
            loss += leakyReadoutStep(m_mout.data() + b * C, m_outTrace.data() + b * h,
                                     last.s_hist.data() + (std::ptrdiff_t(t) * m_B + b) * h, h, m_out.w, C, leak,
                                     batch.labels[b], t == m_T - 1 ? &m_err(b, 0) : nullptr, 1.0 / m_B);
        }
        stats.readout_loss_sum += loss / m_B;
        if (t == m_T - 1)
            m_lastLoss = loss / m_B;
    }
    scorePredictions(m_mout, batch.labels, stats);
}

template <typename S>
void BpttNetwork<S>::accumulate(Param& p, SparseRows<S>& input, const Mat& dI)
{
    const int out = int(p.w.rows());
    input.buildColumns();
    const std::size_t grain = std::max<std::size_t>(1, kChunkElems / std::size_t(out));
    parallelChunks(std::size_t(p.w.cols()), grain, [&](std::size_t c0, std::size_t c1) {
        kern::ops<S>().sparseRows(input.col_off.data(), input.col_row.data(), input.col_val.data(), c0, c1, dI.data(),
                                  std::size_t(out), p.g.data(), true);
    });
}

template <typename S>
void BpttNetwork<S>::backward(const Batch& batch, const std::function<void(int)>& onStep)
{
    const LifNeurons<S> neurons = bpttNeurons<S>(m_cfg.neuron, m_opt);
    const double leak = m_cfg.readout_leak;
    const int L = int(m_layers.size());

    kern::gemm(kern::transposed(kern::in(m_err)), kern::in(m_outTrace), kern::out(m_out.g));  // m_err carries 1/B
    m_errW.resize(m_B, m_out.w.cols());
    kern::gemm(kern::in(m_err), kern::in(m_out.w), kern::out(m_errW));
    for (auto& layer : m_layers) {
        zeroed(layer.ds, m_B, layer.size);
        zeroed(layer.dm, m_B, layer.size);
        zeroed(layer.dI, m_B, layer.size);
        zeroed(layer.dI_next, m_B, layer.size);
        layer.W.g.setZero();
        if (layer.recurrent)
            layer.R.g.setZero();
    }
    for (int t = m_T - 1; t >= 0; --t) {
        const S readScale = S(std::pow(leak, double(m_T - 1 - t)));
        for (int l = L - 1; l >= 0; --l) {
            Layer& layer = m_layers[std::size_t(l)];
            const Layer* above = l + 1 < L ? &m_layers[std::size_t(l + 1)] : nullptr;
            const int h = layer.size;
            const bool fromNext = layer.recurrent && t < m_T - 1;
            parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                const auto n = Eigen::Index(r1 - r0);
                // dL/ds^t: from the layer above (or the readout) at t, and through R from t+1.
                if (above)
                    kern::gemm(kern::in(above->dI.middleRows(r0, n)), kern::in(above->W.w),
                               kern::out(layer.ds.middleRows(r0, n)));
                else
                    layer.ds.middleRows(r0, n) = m_errW.middleRows(r0, n) * readScale;
                if (fromNext)
                    kern::gemm(kern::in(layer.dI_next.middleRows(r0, n)), kern::in(layer.R.w),
                               kern::out(layer.ds.middleRows(r0, n)), true);
                for (std::size_t b = r0; b < r1; ++b) {
                    const std::ptrdiff_t o = std::ptrdiff_t(b) * h;
                    const std::ptrdiff_t ho = (std::ptrdiff_t(t) * m_B + std::ptrdiff_t(b)) * h;
                    neurons.backward(layer.u_hist.data() + ho, layer.s_hist.data() + ho, layer.ds.data() + o,
                                     layer.dm.data() + o, layer.dI.data() + o, std::size_t(h));
                }
            });
            // Weight gradients of this step: dW += dI^T x^t, dR += dI^T s^{t-1}.
            if (l == 0)
                layer.in_cols.fromBatch(batch, t);
            else
                layer.in_cols.fromDense(m_layers[std::size_t(l - 1)].s_hist.data() +
                                            std::ptrdiff_t(t) * m_B * m_layers[std::size_t(l - 1)].size,
                                        m_B, m_layers[std::size_t(l - 1)].size, m_layers[std::size_t(l - 1)].size);
            accumulate(layer.W, layer.in_cols, layer.dI);
            if (layer.recurrent && t > 0) {
                layer.rec_cols.fromDense(layer.s_hist.data() + std::ptrdiff_t(t - 1) * m_B * h, m_B, h, h);
                accumulate(layer.R, layer.rec_cols, layer.dI);
            }
        }
        if (onStep)
            onStep(t);
        for (auto& layer : m_layers)
            layer.dI.swap(layer.dI_next);
    }
}

template <typename S>
BatchStats BpttNetwork<S>::computeGradients(const Batch& batch)
{
    return bpttGradients(*this, batch);
}

template <typename S>
BatchStats BpttNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onBackwardStep)
{
    BatchStats stats = bpttGradients(*this, batch, onBackwardStep);
    for (auto& layer : m_layers) {
        adamStep(layer.W, m_cfg.adam, lr);
        if (layer.recurrent)
            adamStep(layer.R, m_cfg.adam, lr);
    }
    adamStep(m_out, m_cfg.adam, lr);
    checkFinite();
    return stats;
}

template <typename S>
BatchStats BpttNetwork<S>::evaluateBatch(const Batch& batch)
{
    return bpttEvaluate(*this, batch);
}

template <typename S>
void BpttNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        requireFiniteWeights(m_layers[l].W.w, "W" + std::to_string(l + 1));
        if (m_layers[l].recurrent)
            requireFiniteWeights(m_layers[l].R.w, "R" + std::to_string(l + 1));
    }
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> BpttNetwork<S>::memory() const
{
    auto bytes = [](const auto& m) { return std::size_t(m.size()) * sizeof(S); };
    auto opt = [&](const Param& p) { return p.optimizerBytes(); };
    const std::size_t B = std::size_t(m_cfg.max_batch), T = std::size_t(m_T);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        MemoryRow row;
        row.part = "layer " + std::to_string(l + 1);
        row.weights_bytes = bytes(layer.W.w) + (layer.recurrent ? bytes(layer.R.w) : 0);
        row.optimizer_bytes = opt(layer.W) + (layer.recurrent ? opt(layer.R) : 0);
        row.trace_bytes = bytes(layer.u_hist) + bytes(layer.s_hist);
        row.rule_state_bytes = row.trace_bytes + bytes(layer.mem);
        row.buffer_bytes = bytes(layer.current) + bytes(layer.ds) + bytes(layer.dm) + bytes(layer.dI)
            + bytes(layer.dI_next) + bytes(layer.W.g) + (layer.recurrent ? bytes(layer.R.g) : 0)
            + layer.in_cols.bytes() + layer.rec_cols.bytes();
        row.model_bytes = 2 * T * B * std::size_t(layer.size) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = opt(m_out);
    out.rule_state_bytes = bytes(m_mout);
    out.buffer_bytes = bytes(m_outTrace) + bytes(m_out.g) + bytes(m_err) + bytes(m_errW) + m_frame.bytes()
        + m_rowSpikes.capacity() * sizeof(double);
    rows.push_back(out);
    return rows;
}

template class BpttNetwork<float>;
template class BpttNetwork<double>;

} // namespace tp
