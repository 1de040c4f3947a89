#include "rules/ottt/conv_ottt_network.h"

#include <cmath>
#include <string>

#include "core/errors.h"
#include "nn/adam_matrix.h"
#include "nn/conv_ops.h"
#include "nn/finite_check.h"
#include "nn/parallel.h"
#include "nn/readout_loss.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 2;  // batch rows per LIF / backward task
} // namespace

using conv::zeroed;

template <typename S>
ConvOtttNetwork<S>::ConvOtttNetwork(const ConvTpConfig& config, const OtttOptions& options)
    : m_cfg(config), m_opt(options)
{
    m_out.resize(m_cfg.classes, buildConvBlocks(m_cfg, m_blocks));
    initWeights(0);
}

template <typename S>
void ConvOtttNetwork<S>::initWeights(std::uint64_t seed)
{
    initConvWeights(m_blocks, m_out, seed);
}

template <typename S>
void ConvOtttNetwork<S>::beginBatch(const Batch& batch, BatchStats& stats)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.input.size(), m_cfg.classes, " (C_in*H*W)");
    m_B = batch.size;
    for (auto& blk : m_blocks) {
        const int n = blk.map_shape.size(), np = blk.pooled_shape.size();
        zeroed(blk.mem, m_B, n);
        zeroed(blk.a, m_B, blk.in_shape.size());
        blk.u.resize(m_B, n);  // written by every step before it is read
        blk.s.resize(m_B, n);
        blk.current.resize(m_B, n);
        blk.delta.resize(m_B, n);
        blk.pooled.resize(m_B, np);
        blk.dpooled.resize(m_B, np);
    }
    zeroed(m_frame, m_B, m_cfg.input.size());
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_outTrace, m_B, m_out.w.cols());
    zeroed(m_err, m_B, m_cfg.classes);
    standardiseAll();
    stats = BatchStats{};
    stats.samples = m_B;
    stats.steps = batch.steps;
    stats.spike_count.assign(m_blocks.size(), 0.0);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
}

template <typename S>
void ConvOtttNetwork<S>::standardiseAll()
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
double ConvOtttNetwork<S>::forwardStep(const Batch& batch, int t, BatchStats& stats, double errScale)
{
    const LifNeurons<S> neurons = otttNeurons<S>(m_cfg.neuron, m_opt);
    const kern::Ops<S>& K = kern::ops<S>();
    const S alpha = S(m_cfg.neuron.alpha), leak = S(m_cfg.readout_leak);
    const int C = m_cfg.classes;
    conv::denseFrame(batch, t, m_frame);
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        Block& blk = m_blocks[l];
        const Mat& x = l == 0 ? m_frame : m_blocks[l - 1].pooled;
        K.leaky(blk.a.data(), x.data(), alpha, std::size_t(blk.a.size()));  // a_l = alpha a_l + x_l
        const bool event =
            conv::convForward(x, blk.in_shape, blk.W.w_hat, blk.W.w_hatT, m_cfg.path, blk.act, blk.current);
        (event ? m_eventRows : m_denseRows) += m_B;
        const Eigen::Index n = blk.current.cols();
        parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t b = r0; b < r1; ++b) {
                const std::ptrdiff_t row = std::ptrdiff_t(b) * n;
                m_rowSpikes[b] = neurons.forward(blk.mem.data() + row, blk.u.data() + row, blk.s.data() + row,
                                                 blk.current.data() + row, std::size_t(n));
                conv::poolRow(blk, blk.s.data() + row, blk.pooled.data() + std::ptrdiff_t(b) * blk.pooled.cols());
            }
        });
        for (double count : m_rowSpikes)
            stats.spike_count[l] += count;
    }
    // Readout: leaky integrator of the last block's pooled spikes, and its trace r with the same leak.
    const Mat& last = m_blocks.back().pooled;
    K.leaky(m_mout.data(), nullptr, leak, std::size_t(m_mout.size()));
    kern::gemm(kern::in(last), kern::transposed(kern::in(m_out.w_hat)), kern::out(m_mout), true);
    K.leaky(m_outTrace.data(), last.data(), leak, std::size_t(m_outTrace.size()));
    double loss = 0;
    for (int b = 0; b < m_B; ++b)
        loss += softmaxCrossEntropy(&m_mout(b, 0), C, batch.labels[std::size_t(b)],
                                    errScale > 0 ? &m_err(b, 0) : nullptr, errScale);
    m_lastLoss = loss / m_B;
    stats.readout_loss_sum += m_lastLoss;
    if (errScale > 0 && !std::isfinite(m_lastLoss))
        throw DivergenceError("OTTT readout loss became " + std::to_string(m_lastLoss) +
                              " (lower the learning rate or check the input scale)");
    return m_lastLoss;
}

template <typename S>
void ConvOtttNetwork<S>::backwardStep()
{
    const LifNeurons<S> neurons = otttNeurons<S>(m_cfg.neuron, m_opt);
    const int L = int(m_blocks.size());
    // dW_out_hat += e^T r^t (m_err carries 1/B and the step weight); dL/d(pooled_L) = e W_out_hat.
    kern::gemm(kern::transposed(kern::in(m_err)), kern::in(m_outTrace), kern::out(m_out.g_hat), true);
    kern::gemm(kern::in(m_err), kern::in(m_out.w_hat), kern::out(m_blocks.back().dpooled));
    for (int l = L - 1; l >= 0; --l) {
        Block& blk = m_blocks[std::size_t(l)];
        const Eigen::Index n = blk.delta.cols();
        parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t b = r0; b < r1; ++b) {
                const std::ptrdiff_t row = std::ptrdiff_t(b) * n;
                S* d = blk.delta.data() + row;
                std::fill(d, d + n, S(0));
                conv::unpoolRowAdd(blk, blk.s.data() + row, blk.dpooled.data() + std::ptrdiff_t(b) * blk.dpooled.cols(),
                                   d);
                neurons.scaleBySurrogate(blk.u.data() + row, blk.s.data() + row, d, std::size_t(n));
            }
        });
        // dW_hat += the conv correlation of delta^t with the input trace a^t.
        const bool event = conv::useEvents(blk.a, blk.in_shape, blk.map_shape.c, m_cfg.path, blk.act);
        conv::convWeightGradient(blk.delta, blk.a, blk.in_shape, event, blk.act, blk.deltaT, blk.W.g_hat,
                                 blk.W.g_hatT);
        if (l > 0)
            conv::convInputGradRows(blk.delta, blk.W.w_hat, blk.in_shape, m_blocks[std::size_t(l - 1)].dpooled);
    }
}

template <typename S>
void ConvOtttNetwork<S>::zeroGradients()
{
    for (auto& blk : m_blocks) {
        blk.W.g_hat.setZero();
        blk.W.g_hatT.setZero();
    }
    m_out.g_hat.setZero();
}

template <typename S>
void ConvOtttNetwork<S>::finishGradients()
{
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
void ConvOtttNetwork<S>::adamAll(double lr)
{
    for (auto& blk : m_blocks)
        adamStep(blk.W, m_cfg.adam, lr);
    adamStep(m_out, m_cfg.adam, lr);
    checkFinite();
}

template <typename S>
BatchStats ConvOtttNetwork<S>::trainBatch(const Batch& batch, double lr)
{
    BatchStats stats;
    beginBatch(batch, stats);
    const int T = batch.steps;
    const double weight = m_opt.online ? 1.0 : 1.0 / T;  // as OtttNetwork::trainBatch
    zeroGradients();
    for (int t = 0; t < T; ++t) {
        forwardStep(batch, t, stats, weight / m_B);
        backwardStep();
        if (m_opt.online) {
            finishGradients();
            adamAll(lr);
            standardiseAll();  // the next step runs on the updated weights
            zeroGradients();
        }
    }
    if (!m_opt.online) {
        finishGradients();
        adamAll(lr);
    }
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
BatchStats ConvOtttNetwork<S>::stepGradients(const Batch& batch, int step)
{
    BatchStats stats;
    beginBatch(batch, stats);
    if (step < 0 || step >= batch.steps)
        throw ConfigError("OTTT step " + std::to_string(step) + " outside the batch's " +
                          std::to_string(batch.steps) + " steps");
    for (int t = 0; t < step; ++t)
        forwardStep(batch, t, stats, 0.0);
    zeroGradients();
    forwardStep(batch, step, stats, 1.0 / m_B);
    backwardStep();
    finishGradients();
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
BatchStats ConvOtttNetwork<S>::evaluateBatch(const Batch& batch)
{
    BatchStats stats;
    beginBatch(batch, stats);
    for (int t = 0; t < batch.steps; ++t)
        forwardStep(batch, t, stats, 0.0);
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
void ConvOtttNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        requireFiniteWeights(m_blocks[l].W.w, "W" + std::to_string(l + 1));
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> ConvOtttNetwork<S>::memory() const
{
    auto bytes = &Param::bytes;
    const std::size_t B = std::size_t(m_cfg.max_batch);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        const Block& blk = m_blocks[l];
        MemoryRow row;
        row.part = "block " + std::to_string(l + 1);
        row.weights_bytes = bytes(blk.W.w);
        row.optimizer_bytes = blk.W.optimizerBytes();
        row.trace_bytes = bytes(blk.a);
        row.rule_state_bytes = row.trace_bytes + bytes(blk.mem) + bytes(blk.s);
        row.buffer_bytes = blk.W.bufferBytes() + bytes(blk.u) + bytes(blk.current) + bytes(blk.pooled) +
                           bytes(blk.dpooled) + bytes(blk.delta) + bytes(blk.deltaT) + blk.act.bytes() +
                           blk.ConvGeometry::bytes();
        row.model_bytes = B * std::size_t(blk.in_shape.size()) * sizeof(S);
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

template class ConvOtttNetwork<float>;
template class ConvOtttNetwork<double>;

} // namespace tp
