#include "rules/tp/tp_network.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "nn/eigen_ref.h"
#include "nn/lif.h"
#include "nn/parallel.h"
#include "nn/finite_check.h"
#include "rules/tp/tp_common.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 8;        // batch rows per task
constexpr std::size_t kChunkElems = 8192;   // weight elements per gradient/Adam task
constexpr int kMinDenseRows = 32;           // fewer rows (e.g. the class rows of the target path): always event-driven

template <typename M>
void zeroed(M& m, int rows, int cols)
{
    m.resize(rows, cols);
    m.setZero();
}
} // namespace


template <typename S>
TpNetwork<S>::TpNetwork(const TpConfig& config) : m_cfg(config)
{
    m_out.resize(m_cfg.classes, buildDenseLayers(m_cfg, m_layers));
    if (m_cfg.rule.train_s)
        m_S.resize(m_layers[0].size, m_cfg.classes);
    else
        zeroed(m_S.w, m_layers[0].size, m_cfg.classes);  // frozen: no optimiser state, no gradient
    if (m_layers[0].recurrent)
        zeroed(m_Srec, m_layers[0].size, m_layers[0].size);
    initWeights(0);
}

template <typename S>
void TpNetwork<S>::initWeights(std::uint64_t seed)
{
    initDenseWeights(m_layers, m_out, seed);
    linearInit(m_S.w, seed, 1);
    m_S.resetOptimizer();
    if (m_Srec.size())
        linearInit(m_Srec, seed, 2);
}

template <typename S>
void TpNetwork<S>::beginBatch(const Batch& batch)
{
    checkBatch(batch, m_cfg.max_batch, m_cfg.inputs, m_cfg.classes);
    m_B = batch.size;
    m_classes.assign(batch.labels);
    m_K = m_classes.size();
    auto zeroPath = [](PathState& st, int rows, int h) {
        zeroed(st.mem, rows, h);
        zeroed(st.u, rows, h);
        zeroed(st.s, rows, h);
        zeroed(st.trace, rows, h);
        zeroed(st.psi, rows, h);
        zeroed(st.delta, rows, h);
        zeroed(st.current, rows, h);
        st.spikes.beginRows(rows, h);  // no spikes before the first step
        st.spikes.compactRows(h);
    };
    for (auto& layer : m_layers) {
        zeroPath(layer.in, m_B, layer.size);
        zeroPath(layer.tgt, m_K, layer.size);
        zeroed(layer.z, m_B, m_K);
        zeroed(layer.y, m_K, m_K);
        zeroed(layer.gc, m_B, m_K);
        layer.loss = 0;
    }
    zeroed(m_labelTrace, m_K, m_cfg.classes);
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_err, m_B, m_cfg.classes);
    if (m_cfg.rule.readout_trace == ReadoutTrace::Exact)
        zeroed(m_outTrace, m_B, m_layers.back().size);
}

template <typename S>
bool TpNetwork<S>::useDense(const SparseRows<S>& input) const
{
    return m_cfg.path == ComputePath::Dense
        || (m_cfg.path == ComputePath::Auto && input.rows >= kMinDenseRows
            && input.density() >= m_cfg.event_density_threshold);
}

template <typename S>
void TpNetwork<S>::forwardPath(PathState& st, int rows, SparseRows<S>& input, SparseRows<S>* rec,
                               const WMat& w, const WMat* r, double vth)
{
    const int h = int(w.rows());
    const bool denseIn = useDense(input);
    if (denseIn) {
        m_dense.resize(rows, input.cols);
        input.toDense(m_dense.data(), input.cols);
        ++m_denseSteps;
    } else {
        ++m_eventSteps;
    }
    const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, vth);
    const kern::Ops<S>& K = kern::ops<S>();
    st.spikes.beginRows(rows, h);
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t r0, std::size_t r1) {
        const auto n = Eigen::Index(r1 - r0);
        if (denseIn)
            kern::gemm(kern::in(m_dense.middleRows(r0, n)), kern::transposed(kern::in(w)),
                       kern::out(st.current.middleRows(r0, n)));
        // Each input's fan-out is a contiguous column of w: rows of (input x w^T) by events.
        auto gather = [&](const SparseRows<S>& in, const WMat& m, bool accumulate) {
            K.sparseRows(in.row_off.data(), in.idx.data(), in.val.data(), r0, r1, m.data(), std::size_t(h),
                         st.current.data(), accumulate);
        };
        if (!denseIn)
            gather(input, w, false);
        if (rec)
            gather(*rec, *r, true);
        for (std::size_t b = r0; b < r1; ++b) {
            const std::ptrdiff_t o = std::ptrdiff_t(b) * h;
            // This row's spikes as indices, at a row stride of h; compacted below.
            st.spikes.row_off[b + 1] =
                std::int32_t(neurons.forward(st.mem.data() + o, st.u.data() + o, st.s.data() + o, st.current.data() + o,
                                             std::size_t(h), st.trace.data() + o, st.spikes.idx.data() + o));
        }
    });
    st.spikes.compactRows(h);
}

template <typename S>
void TpNetwork<S>::forwardStep(const Batch& batch, int t, bool withTarget)
{
    const double vth = m_cfg.neuron.v_th;
    if (withTarget)
        stepLabelTrace(m_labelTrace, m_classes, m_cfg.neuron.beta);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        Layer& layer = m_layers[l];
        if (l == 0)
            layer.a_in.fromBatch(batch, t);
        else
            layer.a_in = m_layers[l - 1].in.spikes;
        if (layer.recurrent)
            layer.p_in = layer.in.spikes;  // spikes of t-1 (empty at the first step)
        forwardPath(layer.in, m_B, layer.a_in, layer.recurrent ? &layer.p_in : nullptr, layer.W.w,
                    layer.recurrent ? &layer.R.w : nullptr, vth);
        if (!withTarget)
            continue;
        if (l == 0)
            layer.a_tgt.fromOneHot(m_classes.label, m_cfg.classes);
        else
            layer.a_tgt = m_layers[l - 1].tgt.spikes;
        if (layer.recurrent)
            layer.p_tgt = layer.tgt.spikes;
        const WMat& w = l == 0 ? m_S.w : layer.W.w;
        const WMat* r = !layer.recurrent ? nullptr : (l == 0 ? &m_Srec : &layer.R.w);
        forwardPath(layer.tgt, m_K, layer.a_tgt, layer.recurrent ? &layer.p_tgt : nullptr, w, r, vth);
    }
}

template <typename S>
void TpNetwork<S>::gradientStep(Param& p, const Mat& delta, SparseRows<S>& input, const Mat* tdelta,
                                SparseRows<S>* tinput, double lr)
{
    const int out = int(p.w.rows());
    const int cols = int(p.w.cols());
    const bool denseIn = useDense(input);
    if (denseIn) {
        m_dense.resize(input.rows, cols);
        input.toDense(m_dense.data(), cols);
    } else {
        input.buildColumns();
    }
    if (tinput)
        tinput->buildColumns();
    const AdamStep adam = AdamStep::make(m_cfg.adam, lr, ++p.step);
    const std::size_t grain = std::max<std::size_t>(1, kChunkElems / std::size_t(out));
    const kern::Ops<S>& K = kern::ops<S>();
    // Gradient columns c0..c1 (one per input) [+]= the column-sorted events of `in` times rows of d.
    auto scatter = [&](const SparseRows<S>& in, const Mat& d, std::size_t c0, std::size_t c1, bool accumulate) {
        K.sparseRows(in.col_off.data(), in.col_row.data(), in.col_val.data(), c0, c1, d.data(), std::size_t(out),
                     p.g.data(), accumulate);
    };
    parallelChunks(std::size_t(cols), grain, [&](std::size_t c0, std::size_t c1) {
        const auto n = Eigen::Index(c1 - c0);
        if (denseIn) {
            kern::gemm(kern::transposed(kern::in(delta)), kern::in(m_dense.middleCols(c0, n)),
                       kern::out(p.g.middleCols(c0, n)));
            if (tinput)
                scatter(*tinput, *tdelta, c0, c1, true);
            const std::size_t off = c0 * out, len = std::size_t(n) * out;
            adam.apply(p.w.data() + off, p.m.data() + off, p.v.data() + off, p.g.data() + off, len);
            return;
        }
        // Event-driven: a column without any active input has a zero gradient; Adam still
        // steps it (its moments decay), without reading or writing a gradient column.
        auto cols = [](const SparseRows<S>* in, const Mat* d) {
            return in ? kern::SparseColumns<S>{in->col_off.data(), in->col_row.data(), in->col_val.data(), d->data()}
                      : kern::SparseColumns<S>{};
        };
        K.sparseGradAdam(cols(&input, &delta), cols(tinput, tdelta), c0, c1, std::size_t(out), p.g.data(), adam,
                         p.w.data(), p.m.data(), p.v.data(), m_recordGradients);
    });
}

template <typename S>
void TpNetwork<S>::lossAndGradients(Layer& layer, int l, double lr)
{
    const Mat& eps = layer.in.trace;
    const Mat& teps = layer.tgt.trace;
    const Mat& prev = l == 0 ? m_labelTrace : m_layers[l - 1].tgt.trace;
    layer.loss = contrastiveLoss(prev, 1, eps, teps, 1, m_classes, layer.z, layer.y, layer.gc);

    // Surrogate derivative at the pre-reset potential, then delta and the class-summed delta~.
    const LifNeurons<S> neurons = lifNeurons<S>(m_cfg.neuron, m_cfg.neuron.v_th);
    kern::gemm(kern::in(layer.gc), kern::in(teps), kern::out(layer.in.delta));
    kern::gemm(kern::transposed(kern::in(layer.gc)), kern::in(eps), kern::out(layer.tgt.delta));
    for (PathState* st : {&layer.in, &layer.tgt})
        neurons.surrogate(st->u.data(), std::size_t(st->u.size()), st->psi.data(), st->delta.data());

    const bool targetTerm = l >= 1;
    gradientStep(layer.W, layer.in.delta, layer.a_in, targetTerm ? &layer.tgt.delta : nullptr,
                 targetTerm ? &layer.a_tgt : nullptr, lr);
    if (layer.recurrent)
        gradientStep(layer.R, layer.in.delta, layer.p_in, targetTerm ? &layer.tgt.delta : nullptr,
                     targetTerm ? &layer.p_tgt : nullptr, lr);
    if (l == 0 && m_cfg.rule.train_s)
        gradientStep(m_S, layer.tgt.delta, layer.a_tgt, nullptr, nullptr, lr);
}

template <typename S>
void TpNetwork<S>::readoutStep(const Batch& batch, double lr, bool learn)
{
    const Layer& last = m_layers.back();
    const int C = m_cfg.classes;
    const SparseRows<S>& readIn = last.in.spikes;
    const S leak = S(m_cfg.readout_leak);
    double loss = 0;
    for (int b = 0; b < m_B; ++b) {
        S* mo = m_mout.data() + b * C;
        for (int c = 0; c < C; ++c)
            mo[c] *= leak;
        kern::ops<S>().sparseRows(readIn.row_off.data(), readIn.idx.data(), nullptr, std::size_t(b),
                                  std::size_t(b) + 1, m_out.w.data(), std::size_t(C), m_mout.data(), true);
        loss += softmaxCrossEntropy<S>(mo, C, batch.labels[b], &m_err(b, 0));
    }
    m_readoutLoss = loss / m_B;
    if (m_cfg.rule.readout_trace == ReadoutTrace::Exact)
        m_outTrace = m_outTrace * leak + last.in.s;
    if (!learn)
        return;
    const Mat& pre = m_cfg.rule.readout_trace == ReadoutTrace::Exact ? m_outTrace : last.in.trace;
    readoutDeltaStep(m_out, m_err, pre, m_cfg.adam, lr);
}

template <typename S>
BatchStats TpNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    m_recordGradients = bool(onStep);
    return tpBatch(*this, batch, lr, true, onStep);
}

template <typename S>
BatchStats TpNetwork<S>::evaluateBatch(const Batch& batch, const std::function<void(int)>& onStep)
{
    return tpBatch(*this, batch, 0.0, false, onStep);
}

template <typename S>
void TpNetwork<S>::checkFinite() const
{
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        requireFiniteWeights(m_layers[l].W.w, "W" + std::to_string(l + 1));
        if (m_layers[l].recurrent)
            requireFiniteWeights(m_layers[l].R.w, "R" + std::to_string(l + 1));
    }
    requireFiniteWeights(m_out.w, "W_out");
    requireFiniteWeights(m_S.w, "S");
}

template <typename S>
std::vector<MemoryRow> TpNetwork<S>::memory() const
{
    auto bytes = [](const auto& m) { return std::size_t(m.size()) * sizeof(S); };
    auto paramWeights = [&](const Param& p) { return bytes(p.w); };
    auto paramOpt = [&](const Param& p) { return p.optimizerBytes(); };
    auto state = [&](const PathState& st) { return bytes(st.mem) + bytes(st.s) + bytes(st.trace); };
    auto temps = [&](const PathState& st) { return bytes(st.u) + bytes(st.psi) + bytes(st.delta) + bytes(st.current); };
    const std::size_t B = std::size_t(m_cfg.max_batch);
    std::vector<MemoryRow> rows;
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        MemoryRow row;
        row.part = "layer " + std::to_string(l + 1);
        row.weights_bytes = paramWeights(layer.W) + (layer.recurrent ? paramWeights(layer.R) : 0);
        row.optimizer_bytes = paramOpt(layer.W) + (layer.recurrent ? paramOpt(layer.R) : 0);
        row.rule_state_bytes = state(layer.in) + state(layer.tgt);
        row.trace_bytes = bytes(layer.in.trace) + bytes(layer.tgt.trace);
        row.buffer_bytes = temps(layer.in) + temps(layer.tgt) + bytes(layer.z) + bytes(layer.y) + bytes(layer.gc)
            + bytes(layer.W.g) + (layer.recurrent ? bytes(layer.R.g) : 0) + layer.a_in.bytes() + layer.a_tgt.bytes()
            + layer.p_in.bytes() + layer.p_tgt.bytes() + layer.in.spikes.bytes() + layer.tgt.spikes.bytes();
        row.model_bytes = 2 * B * std::size_t(layer.size) * sizeof(S);
        rows.push_back(row);
    }
    MemoryRow proj;
    proj.part = "target projection S";
    proj.weights_bytes = bytes(m_S.w) + bytes(m_Srec);
    proj.optimizer_bytes = m_cfg.rule.train_s ? paramOpt(m_S) : 0;
    proj.rule_state_bytes = bytes(m_labelTrace);
    proj.trace_bytes = bytes(m_labelTrace);
    proj.buffer_bytes = (m_cfg.rule.train_s ? bytes(m_S.g) : 0) + m_classes.bytes();
    proj.model_bytes = bytes(m_S.w);
    rows.push_back(proj);
    MemoryRow out;
    out.part = "readout";
    out.weights_bytes = bytes(m_out.w);
    out.optimizer_bytes = paramOpt(m_out);
    out.rule_state_bytes = bytes(m_mout) + bytes(m_outTrace);
    out.buffer_bytes = bytes(m_out.g) + bytes(m_err) + bytes(m_dense);
    rows.push_back(out);
    return rows;
}

template class TpNetwork<float>;
template class TpNetwork<double>;

} // namespace tp
