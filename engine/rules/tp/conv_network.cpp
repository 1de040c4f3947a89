#include "rules/tp/conv_network.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.h"
#include "nn/conv_ops.h"
#include "nn/lif.h"
#include "nn/parallel.h"
#include "nn/adam_matrix.h"
#include "nn/finite_check.h"
#include "rules/tp/tp_common.h"

namespace tp {

using conv::convGradRows;
using conv::convRows;
using conv::standardiseBackward;
using conv::standardiseRows;
using conv::zeroed;

template <typename S>
ConvTpNetwork<S>::ConvTpNetwork(const ConvTpConfig& config) : m_cfg(config)
{
    m_out.resize(m_cfg.classes, buildConvBlocks(m_cfg, m_blocks));
    zeroed(m_S, m_blocks[0].map_shape.size(), m_cfg.classes);
    initWeights(0);
}

template <typename S>
void ConvTpNetwork<S>::initWeights(std::uint64_t seed)
{
    initConvWeights(m_blocks, m_out, seed);
    kaimingNormal(m_S, seed, 1);
}

template <typename S>
void ConvTpNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.input.size(), m_cfg.classes, " (C_in*H*W)");
    m_B = batch.size;
    m_classes.assign(batch.labels);
    m_K = m_classes.size();
    auto zeroPath = [](PathState& st, int rows, const Block& blk) {
        const int n = blk.map_shape.size(), np = blk.pooled_shape.size();
        zeroed(st.mem, rows, n);
        zeroed(st.u, rows, n);
        zeroed(st.s, rows, n);
        zeroed(st.current, rows, n);
        zeroed(st.delta, rows, n);
        zeroed(st.pooled, rows, np);
        zeroed(st.trace, rows, np);
    };
    for (auto& blk : m_blocks) {
        zeroPath(blk.in, m_B, blk);
        zeroPath(blk.tgt, m_K, blk);
        zeroed(blk.z, m_B, m_K);
        zeroed(blk.y, m_K, m_K);
        zeroed(blk.gc, m_B, m_K);
        blk.loss = 0;
    }
    // Target layer 1: I = c * S_hat^T, constant over the run (S is frozen).
    if (m_cfg.weight_norm)
        standardiseRows(m_S, m_Shat, m_cfg.ws_gain, m_cfg.ws_eps);
    else
        m_Shat = m_S;
    for (int k = 0; k < m_K; ++k)
        m_blocks[0].tgt.current.row(k) = m_Shat.col(m_classes.label[std::size_t(k)]).transpose();
    zeroed(m_frame, m_B, m_cfg.input.size());
    zeroed(m_labelTrace, m_K, m_cfg.classes);
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_err, m_B, m_cfg.classes);
}

template <typename S>
void ConvTpNetwork<S>::standardiseAll()
{
    for (auto& blk : m_blocks) {
        if (m_cfg.weight_norm) {
            standardiseRows(blk.W.w, blk.W.w_hat, m_cfg.ws_gain, m_cfg.ws_eps, &blk.W.w_hatT);
        } else {
            blk.W.w_hat = blk.W.w;
            blk.W.w_hatT = blk.W.w.transpose();
        }
    }
    if (m_cfg.weight_norm)
        standardiseRows(m_out.w, m_out.w_hat, m_cfg.ws_gain, m_cfg.ws_eps);
    else
        m_out.w_hat = m_out.w;
}

/// LIF on the full map (u = alpha*m + I, s = [u >= th], reset), then pooling of the spike map
/// and the trace of the pooled spikes.
template <typename S>
void ConvTpNetwork<S>::lifPath(PathState& st, const Block& blk, double vth)
{
    const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, vth);
    const S beta = neurons.beta;
    const Eigen::Index n = st.u.cols();
    parallelChunks(std::size_t(st.u.rows()), conv::kRowGrain, [&](std::size_t r0, std::size_t r1) {
        for (Eigen::Index r = Eigen::Index(r0); r < Eigen::Index(r1); ++r) {
            S* s = st.s.data() + r * n;
            neurons.forward(st.mem.data() + r * n, st.u.data() + r * n, s, st.current.data() + r * n, std::size_t(n));
            conv::poolRow(blk, s, st.pooled.data() + r * st.pooled.cols());
        }
    });
    st.trace = beta * st.trace + st.pooled;
}

template <typename S>
void ConvTpNetwork<S>::convForward(const Mat& a, Block& blk, PathState& st)
{
    st.event = conv::convForward(a, blk.in_shape, blk.W.w_hat, blk.W.w_hatT, m_cfg.path, st.act, st.current);
    (st.event ? m_eventRows : m_denseRows) += a.rows();
}

template <typename S>
void ConvTpNetwork<S>::forwardStep(const Batch& batch, int t, bool withTarget)
{
    standardiseAll();
    if (withTarget)
        stepLabelTrace(m_labelTrace, m_classes, m_cfg.neuron.beta);
    conv::denseFrame(batch, t, m_frame);

    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        Block& blk = m_blocks[l];
        const Mat& a = l == 0 ? m_frame : m_blocks[l - 1].in.pooled;
        convForward(a, blk, blk.in);
        lifPath(blk.in, blk, m_cfg.neuron.v_th);
        if (!withTarget)
            continue;
        if (l == 0) {
            lifPath(blk.tgt, blk, m_cfg.target_v_th);  // current = S_hat column of the class, set in beginBatch
        } else {
            convForward(m_blocks[l - 1].tgt.pooled, blk, blk.tgt);
            lifPath(blk.tgt, blk, m_cfg.neuron.v_th);
        }
    }
}

template <typename S>
void ConvTpNetwork<S>::lossAndGradients(Block& blk, int l, double lr)
{
    const int B = m_B, K = m_K;
    const Mat& eps = blk.in.trace;
    const Mat& teps = blk.tgt.trace;
    const Mat& prev = l == 0 ? m_labelTrace : m_blocks[l - 1].tgt.trace;
    const int prevP = l == 0 ? 1 : m_blocks[l - 1].pooled_shape.plane();
    const S invP = S(1.0 / double(blk.pooled_shape.plane()));
    blk.loss = contrastiveLoss(prev, prevP, eps, teps, blk.pooled_shape.plane(), m_classes, blk.z, blk.y, blk.gc);

    // dE/d(trace) on the pooled maps, back through the pooling onto the full map, times the
    // surrogate derivative at the pre-reset potential (with the path's threshold).
    Mat gEps(B, teps.cols()), gTeps(K, eps.cols());
    kern::gemm(kern::in(blk.gc), kern::in(teps), kern::out(gEps));
    kern::gemm(kern::transposed(kern::in(blk.gc)), kern::in(eps), kern::out(gTeps));
    gEps *= invP;
    gTeps *= invP;
    auto backward = [&](PathState& st, const Mat& gPool, double vth) {
        const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, vth);
        const Eigen::Index n = st.delta.cols();
        parallelChunks(std::size_t(st.delta.rows()), conv::kRowGrain, [&](std::size_t r0, std::size_t r1) {
            for (Eigen::Index r = Eigen::Index(r0); r < Eigen::Index(r1); ++r) {
                S* d = st.delta.data() + r * n;
                const S* u = st.u.data() + r * n;
                std::fill(d, d + n, S(0));
                conv::unpoolRowAdd(blk, st.s.data() + r * n, gPool.data() + r * gPool.cols(), d);
                neurons.surrogate(u, std::size_t(n), nullptr, d);
            }
        });
    };
    backward(blk.in, gEps, m_cfg.neuron.v_th);
    backward(blk.tgt, gTeps, l == 0 ? m_cfg.target_v_th : m_cfg.neuron.v_th);

    // Conv weight gradient (input path, plus the target path for blocks >= 2), then the
    // standardisation Jacobian, then Adam.
    blk.W.g_hat.setZero();
    blk.W.g_hatT.setZero();
    conv::convWeightGradient(blk.in.delta, l == 0 ? m_frame : m_blocks[l - 1].in.pooled, blk.in_shape, blk.in.event,
                             blk.in.act, blk.in.deltaT, blk.W.g_hat, blk.W.g_hatT);
    if (l >= 1)
        conv::convWeightGradient(blk.tgt.delta, m_blocks[l - 1].tgt.pooled, blk.in_shape, blk.tgt.event, blk.tgt.act,
                                 blk.tgt.deltaT, blk.W.g_hat, blk.W.g_hatT);
    conv::addTransposed(blk.W.g_hatT, blk.W.g_hat);
    if (m_cfg.weight_norm)
        standardiseBackward(blk.W.w, blk.W.g_hat, blk.W.g, m_cfg.ws_gain, m_cfg.ws_eps);
    else
        blk.W.g = blk.W.g_hat;
    adamStep(blk.W, m_cfg.adam, lr);
}

template <typename S>
void ConvTpNetwork<S>::readoutStep(const Batch& batch, double lr, bool learn)
{
    const Block& last = m_blocks.back();
    const int C = m_cfg.classes;
    m_mout *= S(m_cfg.readout_leak);
    kern::gemm(kern::in(last.in.pooled), kern::transposed(kern::in(m_out.w_hat)), kern::out(m_mout), true);
    double loss = 0;
    for (int b = 0; b < m_B; ++b) {
        loss += softmaxCrossEntropy<S>(&m_mout(b, 0), C, batch.labels[b], &m_err(b, 0));
    }
    m_readoutLoss = loss / m_B;
    if (!learn)
        return;
    // Delta rule on the raw W_out, as if there were no standardisation (reference quirk).
    readoutDeltaStep(m_out, m_err, last.in.trace, m_cfg.adam, lr);
}

template <typename S>
BatchStats ConvTpNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    return tpBatch(*this, batch, lr, true, onStep);
}

template <typename S>
BatchStats ConvTpNetwork<S>::evaluateBatch(const Batch& batch, const std::function<void(int)>& onStep)
{
    return tpBatch(*this, batch, 0.0, false, onStep);
}

template <typename S>
void ConvTpNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        requireFiniteWeights(m_blocks[l].W.w, "W" + std::to_string(l + 1));
    requireFiniteWeights(m_out.w, "W_out");
    requireFiniteWeights(m_S, "S");
}

template <typename S>
std::vector<MemoryRow> ConvTpNetwork<S>::memory() const
{
    auto bytes = &Param::bytes;
    auto path = [&](const PathState& p) {
        return bytes(p.mem) + bytes(p.u) + bytes(p.s) + bytes(p.pooled) + bytes(p.trace);
    };
    auto scratch = [&](const PathState& p) { return bytes(p.current) + bytes(p.delta) + bytes(p.deltaT) + p.act.bytes(); };
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        const Block& b = m_blocks[l];
        MemoryRow r;
        r.part = "block " + std::to_string(l + 1);
        r.weights_bytes = bytes(b.W.w);
        r.optimizer_bytes = b.W.optimizerBytes();
        r.rule_state_bytes = path(b.in) + path(b.tgt);
        r.trace_bytes = bytes(b.in.trace) + bytes(b.tgt.trace);
        r.buffer_bytes = b.W.bufferBytes() + scratch(b.in) + scratch(b.tgt) + bytes(b.z) + bytes(b.y) + bytes(b.gc) +
                         b.ConvGeometry::bytes();
        r.model_bytes = 2 * std::size_t(m_cfg.max_batch) * std::size_t(b.pooled_shape.size()) * sizeof(S);
        rows.push_back(r);
    }
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = m_out.optimizerBytes();
    out.rule_state_bytes = bytes(m_mout);
    out.buffer_bytes = m_out.bufferBytes() + bytes(m_err) + bytes(m_frame);
    rows.push_back(out);
    MemoryRow sp;
    sp.part = "target projection S";
    sp.weights_bytes = bytes(m_S);
    sp.rule_state_bytes = bytes(m_labelTrace);
    sp.trace_bytes = bytes(m_labelTrace);
    sp.buffer_bytes = bytes(m_Shat) + m_classes.bytes();
    sp.model_bytes = bytes(m_S);
    rows.push_back(sp);
    return rows;
}

template class ConvTpNetwork<float>;
template class ConvTpNetwork<double>;

} // namespace tp
