#include "rules/ottt/ottt_network.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "nn/adam_matrix.h"
#include "nn/eigen_ref.h"
#include "nn/finite_check.h"
#include "nn/parallel.h"
#include "nn/dense_ops.h"
#include "nn/readout_loss.h"

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

/// g (out, in) += delta^T x (delta: (B, out), x: (B, in), both row-major), in fixed bands of
/// g's rows: every element is summed by one task, so the result is the same for any thread count.
template <typename G, typename M>
void addOuter(G& g, const M& delta, const M& x)
{
    const std::size_t grain = std::max<std::size_t>(1, kChunkElems / std::size_t(std::max<Eigen::Index>(1, x.cols())));
    parallelChunks(std::size_t(g.rows()), grain, [&](std::size_t j0, std::size_t j1) {
        const auto n = Eigen::Index(j1 - j0);
        kern::gemm(kern::transposed(kern::in(delta.middleCols(Eigen::Index(j0), n))), kern::in(x),
                   kern::out(g.middleRows(Eigen::Index(j0), n)), true);
    });
}
} // namespace

OtttOptions OtttOptions::fromConfig(const TpConfig& config)
{
    OtttOptions o;
    const auto& p = config.rule.params;
    o.online = p.is_object() && p.value("online", false);
    return o;
}

template <typename S>
OtttNetwork<S>::OtttNetwork(const TpConfig& config, const OtttOptions& options) : m_cfg(config), m_opt(options)
{
    m_out.resize(m_cfg.classes, buildDenseLayers(m_cfg, m_layers));
    initWeights(0);
}

template <typename S>
void OtttNetwork<S>::initWeights(std::uint64_t seed)
{
    initDenseWeights(m_layers, m_out, seed);
}

template <typename S>
void OtttNetwork<S>::beginBatch(const Batch& batch, BatchStats& stats)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.inputs, m_cfg.classes);
    m_B = batch.size;
    for (auto& layer : m_layers) {
        zeroed(layer.mem, m_B, layer.size);
        zeroed(layer.s, m_B, layer.size);
        zeroed(layer.a, m_B, layer.fan_in);
        if (layer.recurrent)
            zeroed(layer.q, m_B, layer.size);
        layer.u.resize(m_B, layer.size);  // written by every step before it is read
        layer.current.resize(m_B, layer.size);
        layer.delta.resize(m_B, layer.size);
    }
    const int H = m_layers.back().size, C = m_cfg.classes;
    zeroed(m_mout, m_B, C);
    zeroed(m_outTrace, m_B, H);
    zeroed(m_err, m_B, C);
    m_errW.resize(m_B, H);
    stats = BatchStats{};
    stats.samples = m_B;
    stats.steps = batch.steps;
    stats.spike_count.assign(m_layers.size(), 0.0);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
}

template <typename S>
double OtttNetwork<S>::forwardStep(const Batch& batch, int t, BatchStats& stats, double errScale)
{
    const LifNeurons<S> neurons = otttNeurons<S>(m_cfg.neuron, m_opt);
    const kern::Ops<S>& K = kern::ops<S>();
    const S alpha = S(m_cfg.neuron.alpha), leak = S(m_cfg.readout_leak);
    const int C = m_cfg.classes;
    m_frame.fromBatch(batch, t);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        Layer& layer = m_layers[l];
        const int h = layer.size, n = layer.fan_in;
        const Layer* below = l ? &m_layers[l - 1] : nullptr;
        ++m_eventSteps;
        parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t b = r0; b < r1; ++b) {
                S* cur = layer.current.data() + b * h;
                S* a = layer.a.data() + b * n;
                S* s = layer.s.data() + b * h;  // s^{t-1} until forward() below
                std::fill(cur, cur + h, S(0));
                if (!below) {
                    K.sparseRows(m_frame.row_off.data(), m_frame.idx.data(), m_frame.val.data(), b, b + 1,
                                 layer.W.w.data(), std::size_t(h), layer.current.data(), true);
                    K.leaky(a, nullptr, alpha, std::size_t(n));
                    for (auto e = m_frame.row_off[b]; e < m_frame.row_off[b + 1]; ++e)
                        a[m_frame.idx[std::size_t(e)]] += m_frame.val[std::size_t(e)];
                } else {
                    const S* x = below->s.data() + b * n;
                    gatherDense(cur, x, n, layer.W.w, h);
                    K.leaky(a, x, alpha, std::size_t(n));
                }
                if (layer.recurrent) {
                    gatherDense(cur, s, h, layer.R.w, h);
                    K.leaky(layer.q.data() + b * h, s, alpha, std::size_t(h));
                }
                m_rowSpikes[b] = neurons.forward(layer.mem.data() + b * h, layer.u.data() + b * h, s, cur,
                                                 std::size_t(h));
            }
        });
        for (double count : m_rowSpikes)
            stats.spike_count[l] += count;
    }
    // Readout: leaky integrator of the last layer's spikes, and its trace r with the same leak.
    const Layer& last = m_layers.back();
    const int h = last.size;
    double loss = 0;
    for (int b = 0; b < m_B; ++b) {
        loss += leakyReadoutStep(m_mout.data() + std::ptrdiff_t(b) * C, m_outTrace.data() + std::ptrdiff_t(b) * h,
                                 last.s.data() + std::ptrdiff_t(b) * h, h, m_out.w, C, leak, batch.labels[std::size_t(b)],
                                 errScale > 0 ? &m_err(b, 0) : nullptr, errScale);
    }
    m_lastLoss = loss / m_B;
    stats.readout_loss_sum += m_lastLoss;
    if (errScale > 0 && !std::isfinite(m_lastLoss))
        throw DivergenceError("OTTT readout loss became " + std::to_string(m_lastLoss) +
                              " (lower the learning rate or check the input scale)");
    return m_lastLoss;
}

template <typename S>
void OtttNetwork<S>::backwardStep()
{
    const LifNeurons<S> neurons = otttNeurons<S>(m_cfg.neuron, m_opt);
    const int L = int(m_layers.size());
    addOuter(m_out.g, m_err, m_outTrace);  // dW_out += e^T r^t (m_err carries 1/B and the step weight)
    kern::gemm(kern::in(m_err), kern::in(m_out.w), kern::out(m_errW));
    for (int l = L - 1; l >= 0; --l) {
        Layer& layer = m_layers[std::size_t(l)];
        const Layer* above = l + 1 < L ? &m_layers[std::size_t(l + 1)] : nullptr;
        const int h = layer.size;
        // delta_l = psi(u_l^t) * dL^t/ds_l^t, from the layer above (or the readout) at this step only.
        parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
            const auto n = Eigen::Index(r1 - r0);
            if (above)
                kern::gemm(kern::in(above->delta.middleRows(r0, n)), kern::in(above->W.w),
                           kern::out(layer.delta.middleRows(r0, n)));
            else
                layer.delta.middleRows(r0, n) = m_errW.middleRows(r0, n);
            for (std::size_t b = r0; b < r1; ++b)
                neurons.scaleBySurrogate(layer.u.data() + b * h, layer.s.data() + b * h, layer.delta.data() + b * h,
                                         std::size_t(h));
        });
        addOuter(layer.W.g, layer.delta, layer.a);  // dW_l += delta_l^T a_l^t
        if (layer.recurrent)
            addOuter(layer.R.g, layer.delta, layer.q);  // dR_l += delta_l^T q_l^t
    }
}

template <typename S>
void OtttNetwork<S>::zeroGradients()
{
    for (auto& layer : m_layers) {
        layer.W.g.setZero();
        if (layer.recurrent)
            layer.R.g.setZero();
    }
    m_out.g.setZero();
}

template <typename S>
void OtttNetwork<S>::adamAll(double lr)
{
    for (auto& layer : m_layers) {
        adamStep(layer.W, m_cfg.adam, lr);
        if (layer.recurrent)
            adamStep(layer.R, m_cfg.adam, lr);
    }
    adamStep(m_out, m_cfg.adam, lr);
    checkFinite();
}

template <typename S>
BatchStats OtttNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    BatchStats stats;
    beginBatch(batch, stats);
    const int T = batch.steps;
    // OTTT_A: the gradient of (1/T) sum_t L^t, one Adam step; OTTT_O: dL^t/dW, a step at every t.
    const double weight = m_opt.online ? 1.0 : 1.0 / T;
    zeroGradients();
    for (int t = 0; t < T; ++t) {
        forwardStep(batch, t, stats, weight / m_B);
        backwardStep();
        if (onStep)
            onStep(t);
        if (m_opt.online) {
            adamAll(lr);
            zeroGradients();
        }
    }
    if (!m_opt.online)
        adamAll(lr);
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
BatchStats OtttNetwork<S>::stepGradients(const Batch& batch, int step)
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
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
BatchStats OtttNetwork<S>::evaluateBatch(const Batch& batch)
{
    BatchStats stats;
    beginBatch(batch, stats);
    for (int t = 0; t < batch.steps; ++t)
        forwardStep(batch, t, stats, 0.0);
    scorePredictions(m_mout, batch.labels, stats);
    return stats;
}

template <typename S>
void OtttNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        requireFiniteWeights(m_layers[l].W.w, "W" + std::to_string(l + 1));
        if (m_layers[l].recurrent)
            requireFiniteWeights(m_layers[l].R.w, "R" + std::to_string(l + 1));
    }
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> OtttNetwork<S>::memory() const
{
    auto bytes = [](const auto& m) { return std::size_t(m.size()) * sizeof(S); };
    const std::size_t B = std::size_t(m_cfg.max_batch);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        MemoryRow row;
        row.part = "layer " + std::to_string(l + 1);
        row.weights_bytes = bytes(layer.W.w) + (layer.recurrent ? bytes(layer.R.w) : 0);
        row.optimizer_bytes = layer.W.optimizerBytes() + (layer.recurrent ? layer.R.optimizerBytes() : 0);
        row.trace_bytes = bytes(layer.a) + bytes(layer.q);
        row.rule_state_bytes = row.trace_bytes + bytes(layer.mem) + bytes(layer.s);
        row.buffer_bytes = bytes(layer.u) + bytes(layer.current) + bytes(layer.delta) + bytes(layer.W.g) +
                           (layer.recurrent ? bytes(layer.R.g) : 0);
        row.model_bytes = B * std::size_t(layer.fan_in + (layer.recurrent ? layer.size : 0)) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.trace_bytes = bytes(m_outTrace);
    out.rule_state_bytes = out.trace_bytes + bytes(m_mout);
    out.buffer_bytes = bytes(m_out.g) + bytes(m_err) + bytes(m_errW) + m_frame.bytes() +
                       m_rowSpikes.capacity() * sizeof(double);
    out.model_bytes = B * std::size_t(m_out.w.cols()) * sizeof(S);
    rows.push_back(out);
    return rows;
}

template class OtttNetwork<float>;
template class OtttNetwork<double>;

} // namespace tp
