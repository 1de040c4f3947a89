#include "rules/eprop/eprop_network.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "nn/adam_matrix.h"
#include "nn/dense_ops.h"
#include "nn/eigen_ref.h"
#include "nn/finite_check.h"
#include "nn/lif.h"
#include "nn/parallel.h"
#include "nn/readout_loss.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 4;  // batch rows per task (each row: one pass over its synapses)
}

template <typename S>
EpropNetwork<S>::EpropNetwork(const TpConfig& config, EpropFeedback feedback) : m_cfg(config), m_feedback(feedback)
{
    m_out.resize(m_cfg.classes, buildDenseLayers(m_cfg, m_layers));
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (l + 1 < m_layers.size() || m_feedback == EpropFeedback::Random)
            m_layers[l].feedback.setZero(m_layers[l].size, m_cfg.classes);
    initWeights(0);
}

template <typename S>
void EpropNetwork<S>::initWeights(std::uint64_t seed)
{
    initDenseWeights(m_layers, m_out, seed);
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (m_layers[l].feedback.size())
            linearInit(m_layers[l].feedback, seed, 200 + l);
}

/// One step of the eligibility of every synapse of `layer` (the step's z, psi and s_prev set).
template <typename S>
void EpropNetwork<S>::eligibility(Layer& layer)
{
    const kern::Ops<S>& K = kern::ops<S>();
    const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, m_cfg.neuron.v_th);
    const S kappa = S(m_cfg.readout_leak);
    const int h = layer.size, nz = layer.width();
    const std::size_t n = std::size_t(nz);
    parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t b = r0; b < r1; ++b) {
            const S* z = layer.z.data() + b * n;
            const S* psi = layer.psi.data() + b * std::size_t(h);
            S* ebar = layer.ebar.data() + b * std::size_t(h) * n;
            if (neurons.soft) {  // one eligibility vector per input: the presynaptic trace
                S* eps = layer.eps.data() + b * n;
                K.leaky(eps, z, neurons.alpha, n);
                for (int j = 0; j < h; ++j) {
                    K.leaky(ebar + j * n, nullptr, kappa, n);
                    K.axpy(ebar + j * n, eps, psi[j], n);
                }
            } else {  // hard reset: a spike of j clears its eligibility vectors
                S* eps = layer.eps.data() + b * std::size_t(h) * n;
                const S* sp = layer.s_prev.data() + b * std::size_t(h);
                for (int j = 0; j < h; ++j) {
                    K.leaky(eps + j * n, z, neurons.alpha * (S(1) - sp[j]), n);
                    K.leaky(ebar + j * n, nullptr, kappa, n);
                    K.axpy(ebar + j * n, eps + j * n, psi[j], n);
                }
            }
        }
    });
}

/// dL/dW_ji = sum_b L_bj ebar_bji (rows in order, whatever the thread count); the last n_z - fan_in
/// columns are R's.
template <typename S>
void EpropNetwork<S>::gradients(Layer& layer)
{
    const kern::Ops<S>& K = kern::ops<S>();
    const int h = layer.size, nz = layer.width();
    const std::size_t n = std::size_t(nz);
    parallelChunks(std::size_t(h), 1, [&](std::size_t j0, std::size_t j1) {
        std::vector<S> sum(n);
        for (std::size_t j = j0; j < j1; ++j) {
            std::fill(sum.begin(), sum.end(), S(0));
            for (int b = 0; b < m_B; ++b)
                K.axpy(sum.data(), layer.ebar.data() + (std::size_t(b) * std::size_t(h) + j) * n, layer.signal(b, j), n);
            for (int i = 0; i < layer.fan_in; ++i)
                layer.W.g(Eigen::Index(j), i) = sum[std::size_t(i)];
            for (int i = layer.fan_in; i < nz; ++i)
                layer.R.g(Eigen::Index(j), i - layer.fan_in) = sum[std::size_t(i)];
        }
    });
}

template <typename S>
BatchStats EpropNetwork<S>::run(const Batch& batch, bool learn, const std::function<void(int)>& onStep)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.inputs, m_cfg.classes);
    m_B = batch.size;
    const int T = batch.steps, C = m_cfg.classes;
    const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, m_cfg.neuron.v_th);
    for (auto& layer : m_layers) {
        const Eigen::Index nz = layer.width();
        for (Mat* m : {&layer.mem, &layer.u, &layer.s, &layer.s_prev, &layer.psi, &layer.signal})
            m->setZero(m_B, layer.size);
        layer.z.setZero(m_B, nz);
        if (learn) {
            layer.eps.setZero(m_B, neurons.soft ? nz : nz * layer.size);
            layer.ebar.setZero(m_B, nz * layer.size);
        }
    }
    const int H = m_layers.back().size;
    m_mout.setZero(m_B, C);
    m_outTrace.setZero(m_B, H);
    m_err.setZero(m_B, C);

    BatchStats stats;
    stats.samples = m_B;
    stats.steps = T;
    stats.spike_count.assign(m_layers.size(), 0.0);
    m_rowSpikes.assign(std::size_t(m_B), 0.0);
    for (int t = 0; t < T; ++t) {
        m_frame.fromBatch(batch, t);
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            Layer& layer = m_layers[l];
            const int h = layer.size, nz = layer.width();
            const Layer* below = l ? &m_layers[l - 1] : nullptr;
            ++m_eventSteps;
            parallelChunks(std::size_t(m_B), kRowGrain, [&](std::size_t r0, std::size_t r1) {
                for (std::size_t b = r0; b < r1; ++b) {
                    S* z = layer.z.data() + b * std::size_t(nz);
                    std::fill(z, z + layer.fan_in, S(0));
                    if (below)
                        std::copy_n(below->s.data() + b * std::size_t(below->size), below->size, z);
                    else
                        for (std::int32_t e = m_frame.row_off[b]; e < m_frame.row_off[b + 1]; ++e)
                            z[m_frame.idx[std::size_t(e)]] += m_frame.val[std::size_t(e)];
                    if (layer.recurrent)
                        std::copy_n(layer.s_prev.data() + b * std::size_t(h), h, z + layer.fan_in);
                    S* cur = layer.psi.data() + b * std::size_t(h);  // the current, before psi overwrites it
                    std::fill(cur, cur + h, S(0));
                    gatherDense(cur, z, layer.fan_in, layer.W.w, h);
                    if (layer.recurrent)
                        gatherDense(cur, z + layer.fan_in, h, layer.R.w, h);
                    S* u = layer.u.data() + b * std::size_t(h);
                    m_rowSpikes[b] = neurons.forward(layer.mem.data() + b * std::size_t(h), u,
                                                     layer.s.data() + b * std::size_t(h), cur, std::size_t(h));
                    neurons.surrogate(u, std::size_t(h), cur, nullptr);
                }
            });
            for (double n : m_rowSpikes)
                stats.spike_count[l] += n;
            if (learn)
                eligibility(layer);
        }
        const Layer& last = m_layers.back();
        double loss = 0;
        for (int b = 0; b < m_B; ++b)
            loss += leakyReadoutStep(m_mout.data() + b * C, m_outTrace.data() + b * H, last.s.data() + b * H, H,
                                     m_out.w, C, S(m_cfg.readout_leak), batch.labels[std::size_t(b)],
                                     t == T - 1 ? &m_err(b, 0) : nullptr, 1.0 / m_B);
        stats.readout_loss_sum += loss / m_B;
        if (t == T - 1)
            m_lastLoss = loss / m_B;
        if (onStep)
            onStep(t);
        for (auto& layer : m_layers)
            layer.s_prev.swap(layer.s);
    }
    for (auto& layer : m_layers)  // s holds the last step's spikes again
        layer.s_prev.swap(layer.s);
    scorePredictions(m_mout, batch.labels, stats);
    if (!std::isfinite(m_lastLoss))
        throw DivergenceError("e-prop readout loss became " + std::to_string(m_lastLoss) +
                              " (lower the learning rate or check the input scale)");
    if (learn) {
        kern::gemm(kern::transposed(kern::in(m_err)), kern::in(m_outTrace), kern::out(m_out.g));
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            Layer& layer = m_layers[l];
            if (layer.feedback.size())
                layer.signal.noalias() = m_err * layer.feedback.transpose();
            else
                layer.signal.noalias() = m_err * m_out.w;
            gradients(layer);
        }
    }
    return stats;
}

template <typename S>
BatchStats EpropNetwork<S>::computeGradients(const Batch& batch)
{
    return run(batch, true);
}

template <typename S>
BatchStats EpropNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    BatchStats stats = run(batch, true, onStep);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        adamStep(m_layers[l].W, m_cfg.adam, lr);
        requireFiniteWeights(m_layers[l].W.w, "W" + std::to_string(l + 1));
        if (m_layers[l].recurrent) {
            adamStep(m_layers[l].R, m_cfg.adam, lr);
            requireFiniteWeights(m_layers[l].R.w, "R" + std::to_string(l + 1));
        }
    }
    adamStep(m_out, m_cfg.adam, lr);
    requireFiniteWeights(m_out.w, "W_out");
    return stats;
}

template <typename S>
BatchStats EpropNetwork<S>::evaluateBatch(const Batch& batch)
{
    return run(batch, false);
}

template <typename S>
std::vector<MemoryRow> EpropNetwork<S>::memory() const
{
    auto bytes = [](const auto& m) { return std::size_t(m.size()) * sizeof(S); };
    std::vector<MemoryRow> rows;
    std::size_t feedback = 0;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        MemoryRow row;
        row.part = "layer " + std::to_string(l + 1);
        row.weights_bytes = bytes(layer.W.w) + (layer.recurrent ? bytes(layer.R.w) : 0);
        row.optimizer_bytes = layer.W.optimizerBytes() + (layer.recurrent ? layer.R.optimizerBytes() : 0);
        row.trace_bytes = bytes(layer.eps) + bytes(layer.ebar);
        row.rule_state_bytes = row.trace_bytes + bytes(layer.mem) + bytes(layer.u) + bytes(layer.s) + bytes(layer.s_prev);
        row.buffer_bytes = bytes(layer.z) + bytes(layer.psi) + bytes(layer.signal) + bytes(layer.W.g)
            + (layer.recurrent ? bytes(layer.R.g) : 0);
        const std::size_t B = std::size_t(m_cfg.max_batch), n = std::size_t(layer.width()), h = std::size_t(layer.size);
        const bool soft = m_cfg.neuron.resetKind() == ResetKind::Soft;
        row.model_bytes = B * (h * n + (soft ? n : h * n)) * sizeof(S);
        feedback += bytes(layer.feedback);
        rows.push_back(row);
    }
    if (feedback) {
        MemoryRow row;
        row.part = "feedback";
        row.weights_bytes = feedback;
        rows.push_back(row);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.rule_state_bytes = bytes(m_mout);
    out.buffer_bytes = bytes(m_outTrace) + bytes(m_out.g) + bytes(m_err) + m_frame.bytes()
        + m_rowSpikes.capacity() * sizeof(double);
    rows.push_back(out);
    return rows;
}

template class EpropNetwork<float>;
template class EpropNetwork<double>;

} // namespace tp
