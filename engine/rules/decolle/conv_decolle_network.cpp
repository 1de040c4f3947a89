#include "rules/decolle/conv_decolle_network.h"

#include <algorithm>

#include "nn/adam_matrix.h"
#include "nn/conv_ops.h"
#include "nn/finite_check.h"
#include "rules/decolle/decolle_common.h"

namespace tp {

using conv::zeroed;

template <typename S>
ConvDecolleNetwork<S>::ConvDecolleNetwork(const ConvTpConfig& config, const DecolleOptions& options)
    : m_cfg(config), m_opt(options)
{
    m_out.resize(m_cfg.classes, buildConvBlocks(m_cfg, m_blocks));
    for (Block& blk : m_blocks)
        blk.G.resize(m_cfg.classes, blk.pooled_shape.size());
    initWeights(0);
}

template <typename S>
void ConvDecolleNetwork<S>::initWeights(std::uint64_t seed)
{
    initConvWeights(m_blocks, m_out, seed);
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        linearInit(m_blocks[l].G, seed, kDecolleGStream + l);
}

template <typename S>
void ConvDecolleNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.input.size(), m_cfg.classes, " (C_in*H*W)");
    m_B = batch.size;
    for (auto& blk : m_blocks) {
        const int n = blk.map_shape.size(), np = blk.pooled_shape.size();
        for (Mat* m : {&blk.mem, &blk.u, &blk.s, &blk.current, &blk.delta})
            zeroed(*m, m_B, n);
        zeroed(blk.pooled, m_B, np);
        zeroed(blk.dPooled, m_B, np);
        zeroed(blk.p, m_B, blk.in_shape.size());
        zeroed(blk.y, m_B, m_cfg.classes);
        blk.loss = 0;
    }
    zeroed(m_frame, m_B, m_cfg.input.size());
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_err, m_B, m_cfg.classes);
    zeroed(m_outTrace, m_B, m_out.w.cols());
}

template <typename S>
void ConvDecolleNetwork<S>::forwardStep(const Batch& batch, int t, std::vector<double>& spikes)
{
    // The weights change at every step: standardise them for this step's forward pass.
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
    const LifNeurons<S> neurons = decolleNeurons<S>(m_cfg.neuron, m_opt);
    const kern::Ops<S>& K = kern::ops<S>();
    conv::denseFrame(batch, t, m_frame);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        Block& blk = m_blocks[l];
        const Mat& a = l == 0 ? m_frame : m_blocks[l - 1].pooled;
        const bool event = conv::convForward(a, blk.in_shape, blk.W.w_hat, blk.W.w_hatT, m_cfg.path, blk.act, blk.current);
        (event ? m_eventRows : m_denseRows) += m_B;
        K.leaky(blk.p.data(), a.data(), neurons.alpha, std::size_t(blk.p.size()));
        const Eigen::Index n = blk.current.cols();
        parallelChunks(std::size_t(m_B), conv::kRowGrain, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t b = r0; b < r1; ++b) {
                const std::ptrdiff_t row = std::ptrdiff_t(b) * n;
                m_rowSpikes[b] = neurons.forward(blk.mem.data() + row, blk.u.data() + row, blk.s.data() + row,
                                                 blk.current.data() + row, std::size_t(n));
                conv::poolRow(blk, blk.s.data() + row, blk.pooled.data() + std::ptrdiff_t(b) * blk.pooled.cols());
            }
        });
        for (double c : m_rowSpikes)
            spikes[l] += c;
    }
}

template <typename S>
double ConvDecolleNetwork<S>::localStep(std::size_t l, const std::vector<int>& labels, bool update, double lr)
{
    Block& blk = m_blocks[l];
    blk.loss = localReadout(blk.pooled, blk.G, labels, blk.y, blk.dPooled);
    if (!update)
        return blk.loss;
    const LifNeurons<S> neurons = decolleNeurons<S>(m_cfg.neuron, m_opt);
    const Eigen::Index n = blk.delta.cols();
    parallelChunks(std::size_t(m_B), conv::kRowGrain, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t b = r0; b < r1; ++b) {
            S* d = blk.delta.data() + std::ptrdiff_t(b) * n;
            std::fill(d, d + n, S(0));
            conv::unpoolRowAdd(blk, blk.s.data() + std::ptrdiff_t(b) * n,
                               blk.dPooled.data() + std::ptrdiff_t(b) * blk.dPooled.cols(), d);
            neurons.surrogate(blk.u.data() + std::ptrdiff_t(b) * n, std::size_t(n), nullptr, d);
        }
    });
    // The trace is dense: the correlation by im2col + GEMM, then the standardisation's Jacobian.
    blk.W.g_hat.setZero();
    conv::convGradRows(blk.delta, blk.p, blk.in_shape, blk.W.g_hat);
    if (m_cfg.weight_norm)
        conv::standardiseBackward(blk.W.w, blk.W.g_hat, blk.W.g, m_cfg.ws_gain, m_cfg.ws_eps);
    else
        blk.W.g = blk.W.g_hat;
    adamStep(blk.W, m_cfg.adam, lr);
    return blk.loss;
}

template <typename S>
double ConvDecolleNetwork<S>::readoutStep(const std::vector<int>& labels, bool update, double lr)
{
    // Forward with the standardised W_out, the delta rule on the raw one (as the conv TP engine).
    return tp::readoutStep(m_mout, m_err, m_outTrace, m_blocks.back().pooled, m_out.w_hat, m_out, labels,
                           m_cfg.readout_leak, m_cfg.neuron.beta, update, m_cfg.adam, lr);
}

template <typename S>
BatchStats ConvDecolleNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    return decolleBatch(*this, batch, lr, true, onStep);
}

template <typename S>
BatchStats ConvDecolleNetwork<S>::evaluateBatch(const Batch& batch)
{
    return decolleBatch(*this, batch, 0.0, false, {});
}

template <typename S>
void ConvDecolleNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        requireFiniteWeights(m_blocks[l].W.w, "W" + std::to_string(l + 1));
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> ConvDecolleNetwork<S>::memory() const
{
    auto bytes = &Param::bytes;
    const std::size_t B = std::size_t(m_cfg.max_batch), C = std::size_t(m_cfg.classes);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        const Block& blk = m_blocks[l];
        MemoryRow row;
        row.part = "block " + std::to_string(l + 1);
        row.weights_bytes = bytes(blk.W.w);
        row.optimizer_bytes = blk.W.optimizerBytes();
        row.trace_bytes = bytes(blk.p) + bytes(blk.G);
        row.rule_state_bytes = row.trace_bytes + bytes(blk.mem) + bytes(blk.s) + bytes(blk.pooled);
        row.buffer_bytes = blk.W.bufferBytes() + bytes(blk.u) + bytes(blk.current) + bytes(blk.y) +
                           bytes(blk.dPooled) + bytes(blk.delta) + blk.act.bytes() + blk.ConvGeometry::bytes();
        row.model_bytes = (B * std::size_t(blk.in_shape.size()) + C * std::size_t(blk.pooled_shape.size())) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.trace_bytes = bytes(m_outTrace);
    out.rule_state_bytes = out.trace_bytes + bytes(m_mout);
    out.buffer_bytes = m_out.bufferBytes() + bytes(m_err) + bytes(m_frame) + m_rowSpikes.capacity() * sizeof(double);
    out.model_bytes = B * std::size_t(m_out.w.cols()) * sizeof(S);
    rows.push_back(out);
    return rows;
}

template class ConvDecolleNetwork<float>;
template class ConvDecolleNetwork<double>;

} // namespace tp
