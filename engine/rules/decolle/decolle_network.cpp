#include "rules/decolle/decolle_network.h"

#include <algorithm>

#include "nn/adam_matrix.h"
#include "nn/conv_ops.h"
#include "nn/finite_check.h"
#include "rules/decolle/decolle_common.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 8;       // batch rows per task
constexpr std::size_t kChunkElems = 8192;  // weight elements per gradient task
} // namespace

using conv::zeroed;

template <typename S>
DecolleNetwork<S>::DecolleNetwork(const TpConfig& config, const DecolleOptions& options)
    : m_cfg(config), m_opt(options), m_burnIn(decolleBurnIn(config.rule))
{
    m_out.resize(m_cfg.classes, buildDenseLayers(m_cfg, m_layers));
    for (auto& layer : m_layers)
        layer.G.resize(m_cfg.classes, layer.size);
    initWeights(0);
}

template <typename S>
void DecolleNetwork<S>::initWeights(std::uint64_t seed)
{
    initDenseWeights(m_layers, m_out, seed);
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        linearInit(m_layers[l].G, seed, kDecolleGStream + l);
}

template <typename S>
void DecolleNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.inputs, m_cfg.classes);
    m_B = batch.size;
    const int C = m_cfg.classes;
    for (auto& layer : m_layers) {
        for (Mat* m : {&layer.mem, &layer.u, &layer.s, &layer.current, &layer.delta})
            zeroed(*m, m_B, layer.size);
        zeroed(layer.p, m_B, layer.fan_in);
        zeroed(layer.q, layer.recurrent ? m_B : 0, layer.size);
        zeroed(layer.y, m_B, C);
        layer.loss = 0;
    }
    zeroed(m_mout, m_B, C);
    zeroed(m_err, m_B, C);
    zeroed(m_outTrace, m_B, m_layers.back().size);
    zeroed(m_frame, m_B, m_cfg.inputs);
}

template <typename S>
void DecolleNetwork<S>::forwardStep(const Batch& batch, int t, std::vector<double>& spikes)
{
    const LifNeurons<S> neurons = decolleNeurons<S>(m_cfg.neuron, m_opt);
    const kern::Ops<S>& K = kern::ops<S>();
    conv::denseFrame(batch, t, m_frame);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        Layer& layer = m_layers[l];
        const Mat& x = l == 0 ? m_frame : m_layers[l - 1].s;
        const int h = layer.size, n = layer.fan_in;
        ++m_denseSteps;
        parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
            const auto rows = Eigen::Index(r1 - r0);
            kern::gemm(kern::in(x.middleRows(r0, rows)), kern::transposed(kern::in(layer.W.w)),
                       kern::out(layer.current.middleRows(r0, rows)));
            if (layer.recurrent)  // layer.s still holds s^{t-1}
                kern::gemm(kern::in(layer.s.middleRows(r0, rows)), kern::transposed(kern::in(layer.R.w)),
                           kern::out(layer.current.middleRows(r0, rows)), true);
            for (std::size_t b = r0; b < r1; ++b) {
                const std::ptrdiff_t o = std::ptrdiff_t(b) * h;
                K.leaky(layer.p.data() + std::ptrdiff_t(b) * n, x.data() + std::ptrdiff_t(b) * n, neurons.alpha,
                        std::size_t(n));
                if (layer.recurrent)
                    K.leaky(layer.q.data() + o, layer.s.data() + o, neurons.alpha, std::size_t(h));
                m_rowSpikes[b] = neurons.forward(layer.mem.data() + o, layer.u.data() + o, layer.s.data() + o,
                                                 layer.current.data() + o, std::size_t(h));
            }
        });
        for (double c : m_rowSpikes)
            spikes[l] += c;
    }
}

template <typename S>
void DecolleNetwork<S>::gradientStep(Param& p, const Mat& delta, const Mat& pre, double lr)
{
    const std::size_t grain = std::max<std::size_t>(1, kChunkElems / std::size_t(p.w.rows()));
    parallelChunks(std::size_t(p.w.cols()), grain, [&](std::size_t c0, std::size_t c1) {
        const auto n = Eigen::Index(c1 - c0);
        kern::gemm(kern::transposed(kern::in(delta)), kern::in(pre.middleCols(c0, n)), kern::out(p.g.middleCols(c0, n)));
    });
    adamStep(p, m_cfg.adam, lr);
}

template <typename S>
double DecolleNetwork<S>::localStep(std::size_t l, const std::vector<int>& labels, bool update, double lr)
{
    Layer& layer = m_layers[l];
    layer.loss = localReadout(layer.s, layer.G, labels, layer.y, layer.delta);
    if (!update)
        return layer.loss;
    const LifNeurons<S> neurons = decolleNeurons<S>(m_cfg.neuron, m_opt);
    neurons.surrogate(layer.u.data(), std::size_t(layer.u.size()), nullptr, layer.delta.data());
    gradientStep(layer.W, layer.delta, layer.p, lr);
    if (layer.recurrent)
        gradientStep(layer.R, layer.delta, layer.q, lr);
    return layer.loss;
}

template <typename S>
double DecolleNetwork<S>::readoutStep(const std::vector<int>& labels, bool update, double lr)
{
    return tp::readoutStep(m_mout, m_err, m_outTrace, m_layers.back().s, m_out.w, m_out, labels, m_cfg.readout_leak,
                           m_cfg.neuron.beta, update, m_cfg.adam, lr);
}

template <typename S>
BatchStats DecolleNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    return decolleBatch(*this, batch, lr, true, onStep);
}

template <typename S>
BatchStats DecolleNetwork<S>::evaluateBatch(const Batch& batch)
{
    return decolleBatch(*this, batch, 0.0, false, {});
}

template <typename S>
void DecolleNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        requireFiniteWeights(m_layers[l].W.w, "W" + std::to_string(l + 1));
        if (m_layers[l].recurrent)
            requireFiniteWeights(m_layers[l].R.w, "R" + std::to_string(l + 1));
    }
    requireFiniteWeights(m_out.w, "W_out");
}

template <typename S>
std::vector<MemoryRow> DecolleNetwork<S>::memory() const
{
    auto bytes = [](const auto& m) { return std::size_t(m.size()) * sizeof(S); };
    const std::size_t B = std::size_t(m_cfg.max_batch), C = std::size_t(m_cfg.classes);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        const std::size_t H = std::size_t(layer.size);
        MemoryRow row;
        row.part = "layer " + std::to_string(l + 1);
        row.weights_bytes = bytes(layer.W.w) + (layer.recurrent ? bytes(layer.R.w) : 0);
        row.optimizer_bytes = layer.W.optimizerBytes() + (layer.recurrent ? layer.R.optimizerBytes() : 0);
        row.trace_bytes = bytes(layer.p) + bytes(layer.q) + bytes(layer.G);
        row.rule_state_bytes = row.trace_bytes + bytes(layer.mem) + bytes(layer.s);
        row.buffer_bytes = bytes(layer.u) + bytes(layer.current) + bytes(layer.y) + bytes(layer.delta) +
                           bytes(layer.W.g) + (layer.recurrent ? bytes(layer.R.g) : 0);
        row.model_bytes = (B * (std::size_t(layer.fan_in) + (layer.recurrent ? H : 0)) + C * H) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.trace_bytes = bytes(m_outTrace);
    out.rule_state_bytes = out.trace_bytes + bytes(m_mout);
    out.buffer_bytes = bytes(m_out.g) + bytes(m_err) + bytes(m_frame) + m_rowSpikes.capacity() * sizeof(double);
    out.model_bytes = B * std::size_t(m_layers.back().size) * sizeof(S);
    rows.push_back(out);
    return rows;
}

template class DecolleNetwork<float>;
template class DecolleNetwork<double>;

} // namespace tp
