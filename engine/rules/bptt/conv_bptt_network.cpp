#include "rules/bptt/conv_bptt_network.h"

#include <cmath>

#include "nn/readout_loss.h"
#include "core/errors.h"
#include "nn/adam.h"
#include "nn/conv_ops.h"
#include "nn/parallel.h"
#include "nn/adam_matrix.h"
#include "nn/finite_check.h"
#include "rules/bptt/bptt_batch.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 2;  // batch rows per LIF / backward task
} // namespace

using conv::zeroed;

template <typename S>
ConvBpttNetwork<S>::ConvBpttNetwork(const ConvTpConfig& config, const BpttOptions& options)
    : m_cfg(config), m_opt(options)
{
    m_out.resize(m_cfg.classes, buildConvBlocks(m_cfg, m_blocks));
    initWeights(0);
}

template <typename S>
void ConvBpttNetwork<S>::initWeights(std::uint64_t seed)
{
    initConvWeights(m_blocks, m_out, seed);
}

template <typename S>
void ConvBpttNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.input.size(), m_cfg.classes, " (C_in*H*W)");
    m_B = batch.size;
    m_T = batch.steps;
    const Eigen::Index TB = Eigen::Index(m_T) * m_B;
    for (auto& blk : m_blocks) {
        const int n = blk.map_shape.size(), np = blk.pooled_shape.size();
        zeroed(blk.mem, m_B, n);
        blk.current.resize(m_B, n);
        blk.pooled.resize(m_B, np);
        blk.u_hist.resize(TB, n);  // every row is written by the forward pass
        blk.s_hist.resize(TB, n);
    }
    zeroed(m_frame, m_B, m_cfg.input.size());
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_outTrace, m_B, m_out.w.cols());
    zeroed(m_err, m_B, m_cfg.classes);
    standardiseAll();
}

template <typename S>
void ConvBpttNetwork<S>::standardiseAll()
{
    auto standardise = [&](Param& p) {
        if (m_cfg.weight_norm) {
            conv::standardiseRows(p.w, p.w_hat, m_cfg.ws_gain, m_cfg.ws_eps, &p.w_hatT);
        } else {
            p.w_hat = p.w;
            p.w_hatT = p.w.transpose();
        }
    };
    for (auto& blk : m_blocks)
        standardise(blk.W);
    standardise(m_out);
}

template <typename S>
void ConvBpttNetwork<S>::forward(const Batch& batch, BatchStats& stats)
{
    const LifNeurons<S> neurons = bpttNeurons<S>(m_cfg.neuron, m_opt);
    const S leak = S(m_cfg.readout_leak);
    const int C = m_cfg.classes;
    stats.samples = m_B;
    stats.steps = m_T;
    stats.layer_loss_sum.assign(m_blocks.size(), 0.0);
    stats.spike_count.assign(m_blocks.size(), 0.0);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
    for (int t = 0; t < m_T; ++t) {
        conv::denseFrame(batch, t, m_frame);
        for (std::size_t l = 0; l < m_blocks.size(); ++l) {
            Block& blk = m_blocks[l];
            const bool event = conv::convForward(l == 0 ? m_frame : m_blocks[l - 1].pooled, blk.in_shape, blk.W.w_hat,
                                                 blk.W.w_hatT, m_cfg.path, blk.act, blk.current);
            (event ? m_eventRows : m_denseRows) += m_B;
            const Eigen::Index n = blk.current.cols();
            parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                for (std::size_t b = r0; b < r1; ++b) {
                    const std::ptrdiff_t row = std::ptrdiff_t(b) * n, hist = (std::ptrdiff_t(t) * m_B + std::ptrdiff_t(b)) * n;
                    S* s = blk.s_hist.data() + hist;
                    m_rowSpikes[b] = neurons.forward(blk.mem.data() + row, blk.u_hist.data() + hist, s,
                                                     blk.current.data() + row, std::size_t(n));
                    conv::poolRow(blk, s, blk.pooled.data() + std::ptrdiff_t(b) * blk.pooled.cols());
                }
            });
            for (double count : m_rowSpikes)
                stats.spike_count[l] += count;
        }
        // Readout: leaky integrator of the last block's pooled spikes, and the same-leak trace for dW_out.
        const Mat& last = m_blocks.back().pooled;
        const kern::Ops<S>& K = kern::ops<S>();
        K.leaky(m_mout.data(), nullptr, leak, std::size_t(m_mout.size()));
        kern::gemm(kern::in(last), kern::transposed(kern::in(m_out.w_hat)), kern::out(m_mout), true);
        K.leaky(m_outTrace.data(), last.data(), leak, std::size_t(m_outTrace.size()));
        double loss = 0;
        for (int b = 0; b < m_B; ++b)
            loss += softmaxCrossEntropy(&m_mout(b, 0), C, batch.labels[std::size_t(b)],
                                        t == m_T - 1 ? &m_err(b, 0) : nullptr, 1.0 / m_B);
        stats.readout_loss_sum += loss / m_B;
        if (t == m_T - 1)
            m_lastLoss = loss / m_B;
    }
    scorePredictions(m_mout, batch.labels, stats);
}

template <typename S>
void ConvBpttNetwork<S>::backward(const Batch& batch)
{
    const LifNeurons<S> neurons = bpttNeurons<S>(m_cfg.neuron, m_opt);
    const double leak = m_cfg.readout_leak;
    const int L = int(m_blocks.size());

    kern::gemm(kern::transposed(kern::in(m_err)), kern::in(m_outTrace), kern::out(m_out.g_hat));  // m_err carries 1/B
    m_errW.resize(m_B, m_out.w_hat.cols());
    kern::gemm(kern::in(m_err), kern::in(m_out.w_hat), kern::out(m_errW));
    for (auto& blk : m_blocks) {
        const int n = blk.map_shape.size();
        zeroed(blk.dm, m_B, n);
        blk.ds.resize(m_B, n);
        blk.dI.resize(m_B, n);
        blk.dpooled.resize(m_B, blk.pooled_shape.size());
        blk.W.g_hat.setZero();
        blk.W.g_hatT.setZero();
    }
    for (int t = m_T - 1; t >= 0; --t) {
        const S readScale = S(std::pow(leak, double(m_T - 1 - t)));
        for (int l = L - 1; l >= 0; --l) {
            Block& blk = m_blocks[std::size_t(l)];
            // dL/d(pooled spikes at t): from the readout or through the conv of the block above.
            if (l == L - 1)
                blk.dpooled = m_errW * readScale;
            else
                conv::convInputGradRows(m_blocks[std::size_t(l + 1)].dI, m_blocks[std::size_t(l + 1)].W.w_hat,
                                        m_blocks[std::size_t(l + 1)].in_shape, blk.dpooled);
            const Eigen::Index n = blk.dI.cols();
            parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                for (std::size_t b = r0; b < r1; ++b) {
                    const std::ptrdiff_t row = std::ptrdiff_t(b) * n, hist = (std::ptrdiff_t(t) * m_B + std::ptrdiff_t(b)) * n;
                    const S* u = blk.u_hist.data() + hist;
                    const S* s = blk.s_hist.data() + hist;
                    S* ds = blk.ds.data() + row;
                    std::fill(ds, ds + n, S(0));
                    conv::unpoolRowAdd(blk, s, blk.dpooled.data() + std::ptrdiff_t(b) * blk.dpooled.cols(), ds);
                    neurons.backward(u, s, ds, blk.dm.data() + row, blk.dI.data() + row, std::size_t(n));
                }
            });
            // dW_hat += dI^t (conv-adjoint) input^t; the input of block l >= 2 is the pooled
            // spike map of the block below at t, pooled again from its stored spikes.
            if (l == 0) {
                conv::denseFrame(batch, t, m_frame);
            } else {
                Block& below = m_blocks[std::size_t(l - 1)];
                const Eigen::Index nb = below.s_hist.cols();
                parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                    for (std::size_t b = r0; b < r1; ++b)
                        conv::poolRow(below, below.s_hist.data() + (std::ptrdiff_t(t) * m_B + std::ptrdiff_t(b)) * nb,
                                      below.pooled.data() + std::ptrdiff_t(b) * below.pooled.cols());
                });
            }
            const Mat& a = l == 0 ? m_frame : m_blocks[std::size_t(l - 1)].pooled;
            const bool event = conv::useEvents(a, blk.in_shape, blk.map_shape.c, m_cfg.path, blk.act);
            conv::convWeightGradient(blk.dI, a, blk.in_shape, event, blk.act, blk.dIT, blk.W.g_hat, blk.W.g_hatT);
        }
    }
    for (auto& blk : m_blocks)
        conv::addTransposed(blk.W.g_hatT, blk.W.g_hat);
    auto toRaw = [&](Param& p) {
        if (m_cfg.weight_norm)
            conv::standardiseBackward(p.w, p.g_hat, p.g, m_cfg.ws_gain, m_cfg.ws_eps);
        else
            p.g = p.g_hat;
    };
    for (auto& blk : m_blocks)
        toRaw(blk.W);
    toRaw(m_out);
}

template <typename S>
BatchStats ConvBpttNetwork<S>::computeGradients(const Batch& batch)
{
    return bpttGradients(*this, batch);
}

template <typename S>
BatchStats ConvBpttNetwork<S>::trainBatch(const Batch& batch, double lr)
{
    BatchStats stats = bpttGradients(*this, batch);
    for (auto& blk : m_blocks)
        adamStep(blk.W, m_cfg.adam, lr);
    adamStep(m_out, m_cfg.adam, lr);
    checkFinite();
    return stats;
}

template <typename S>
BatchStats ConvBpttNetwork<S>::evaluateBatch(const Batch& batch)
{
    return bpttEvaluate(*this, batch);
}

template <typename S>
void ConvBpttNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        requireFiniteWeights(m_blocks[l].W.w, "W" + std::to_string(l + 1));
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> ConvBpttNetwork<S>::memory() const
{
    auto bytes = &Param::bytes;
    const std::size_t B = std::size_t(m_cfg.max_batch), T = std::size_t(m_T);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        const Block& blk = m_blocks[l];
        MemoryRow row;
        row.part = "block " + std::to_string(l + 1);
        row.weights_bytes = bytes(blk.W.w);
        row.optimizer_bytes = blk.W.optimizerBytes();
        row.trace_bytes = bytes(blk.u_hist) + bytes(blk.s_hist);
        row.rule_state_bytes = row.trace_bytes + bytes(blk.mem);
        row.buffer_bytes = blk.W.bufferBytes() + bytes(blk.current) + bytes(blk.pooled) + bytes(blk.dpooled) +
                           bytes(blk.ds) + bytes(blk.dm) + bytes(blk.dI) + bytes(blk.dIT) + blk.act.bytes() +
                           blk.ConvGeometry::bytes();
        row.model_bytes = 2 * T * B * std::size_t(blk.map_shape.size()) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.rule_state_bytes = bytes(m_mout);
    out.buffer_bytes = m_out.bufferBytes() + bytes(m_outTrace) + bytes(m_err) + bytes(m_errW) + bytes(m_frame)
        + m_rowSpikes.capacity() * sizeof(double);
    rows.push_back(out);
    return rows;
}

template class ConvBpttNetwork<float>;
template class ConvBpttNetwork<double>;

} // namespace tp
