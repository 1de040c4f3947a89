#include "tp/conv_network.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/errors.h"
#include "core/rng.h"
#include "tp/parallel.h"

namespace tp {

namespace {
constexpr std::size_t kRowGrain = 2;       // rows per forward / weight-gradient task
constexpr std::size_t kChunkElems = 8192;  // weight elements per Adam task

template <typename M>
void zeroed(M& m, Eigen::Index rows, Eigen::Index cols)
{
    m.resize(rows, cols);
    m.setZero();
}

/// col (C_in*9, H*W) row-major: col[(c*3+i)*3+j][h*W+w] = a[c, h+i-1, w+j-1] (0 outside).
template <typename S>
void im2col(const S* a, const MapShape& in, S* col)
{
    const int H = in.h, W = in.w, HW = in.plane();
    for (int c = 0; c < in.c; ++c)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
                S* dst = col + std::ptrdiff_t((c * 3 + i) * 3 + j) * HW;
                for (int h = 0; h < H; ++h) {
                    const int hh = h + i - 1;
                    S* d = dst + h * W;
                    if (hh < 0 || hh >= H) {
                        std::fill(d, d + W, S(0));
                        continue;
                    }
                    const S* src = a + std::ptrdiff_t(c) * HW + hh * W;
                    for (int w = 0; w < W; ++w) {
                        const int ww = w + j - 1;
                        d[w] = (ww >= 0 && ww < W) ? src[ww] : S(0);
                    }
                }
            }
}

/// Scaled weight standardisation of each row (in double):
/// w_hat = gain * (w - mean) / sqrt(var * n + eps), var biased over the row's n entries.
template <typename M>
void standardiseRows(const M& w, M& w_hat, double gain, double eps)
{
    using S = typename M::Scalar;
    w_hat.resize(w.rows(), w.cols());
    const Eigen::Index n = w.cols();
    for (Eigen::Index o = 0; o < w.rows(); ++o) {
        double mean = 0;
        for (Eigen::Index k = 0; k < n; ++k)
            mean += double(w(o, k));
        mean /= double(n);
        double var = 0;
        for (Eigen::Index k = 0; k < n; ++k) {
            const double d = double(w(o, k)) - mean;
            var += d * d;
        }
        var /= double(n);
        const double scale = gain / std::sqrt(var * double(n) + eps);
        for (Eigen::Index k = 0; k < n; ++k)
            w_hat(o, k) = S((double(w(o, k)) - mean) * scale);
    }
}

/// dE/dW from a = dE/dW_hat through the standardisation, per row: with d = w - mean and
/// sigma = sqrt(var*n + eps), g_d = gain*(a/sigma - (a.d) d/sigma^3), g = g_d - mean(g_d).
template <typename M>
void standardiseBackward(const M& w, const M& a, M& g, double gain, double eps)
{
    using S = typename M::Scalar;
    g.resize(w.rows(), w.cols());
    const Eigen::Index n = w.cols();
    std::vector<double> d(static_cast<std::size_t>(n)), gd(static_cast<std::size_t>(n));
    for (Eigen::Index o = 0; o < w.rows(); ++o) {
        double mean = 0;
        for (Eigen::Index k = 0; k < n; ++k)
            mean += double(w(o, k));
        mean /= double(n);
        double var = 0;
        for (Eigen::Index k = 0; k < n; ++k) {
            d[k] = double(w(o, k)) - mean;
            var += d[k] * d[k];
        }
        var /= double(n);
        const double sigma = std::sqrt(var * double(n) + eps);
        double ad = 0;
        for (Eigen::Index k = 0; k < n; ++k)
            ad += double(a(o, k)) * d[k];
        const double s3 = sigma * sigma * sigma;
        double gmean = 0;
        for (Eigen::Index k = 0; k < n; ++k) {
            gd[k] = gain * (double(a(o, k)) / sigma - ad * d[k] / s3);
            gmean += gd[k];
        }
        gmean /= double(n);
        for (Eigen::Index k = 0; k < n; ++k)
            g(o, k) = S(gd[k] - gmean);
    }
}

/// out.row(b) (C_out, H*W) = w_hat (C_out, C_in*9) * im2col(a.row(b)), for each row.
template <typename M>
void convRows(const M& a, const MapShape& in, const M& wHat, M& out)
{
    const Eigen::Index rows = a.rows(), n = Eigen::Index(in.c) * 9, hw = in.plane(), cout = wHat.rows();
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M col(n, hw);
        for (std::size_t b = b0; b < b1; ++b) {
            im2col(a.data() + std::ptrdiff_t(b) * a.cols(), in, col.data());
            Eigen::Map<M> o(out.data() + std::ptrdiff_t(b) * out.cols(), cout, hw);
            o.noalias() = wHat * col;
        }
    });
}

/// Adds sum_b delta.row(b) (C_out, H*W) * im2col(a.row(b))^T to g: one partial per fixed chunk
/// of rows, summed in chunk order (deterministic for any thread count).
template <typename M>
void convGradRows(const M& delta, const M& a, const MapShape& in, M& g)
{
    const Eigen::Index rows = a.rows(), n = Eigen::Index(in.c) * 9, hw = in.plane(), cout = g.rows();
    const std::size_t chunks = (std::size_t(rows) + kRowGrain - 1) / kRowGrain;
    std::vector<M> partial(chunks);
    parallelChunks(std::size_t(rows), kRowGrain, [&](std::size_t b0, std::size_t b1) {
        M& p = partial[b0 / kRowGrain];
        zeroed(p, cout, n);
        M col(n, hw);
        for (std::size_t b = b0; b < b1; ++b) {
            im2col(a.data() + std::ptrdiff_t(b) * a.cols(), in, col.data());
            Eigen::Map<const M> d(delta.data() + std::ptrdiff_t(b) * delta.cols(), cout, hw);
            p.noalias() += d * col.transpose();
        }
    });
    for (const auto& p : partial)
        g += p;
}

} // namespace

PoolKind parsePoolKind(const std::string& name)
{
    if (name == "none")
        return PoolKind::None;
    if (name == "max2")
        return PoolKind::Max2;
    if (name == "avgpool2x2")
        return PoolKind::AvgPool2x2;
    throw ConfigError("unknown pool kind '" + name + "' (expected none, max2 or avgpool2x2)");
}

ConvTpConfig ConvTpConfig::fromExperiment(const Experiment& e, MapShape input, int classes)
{
    ConvTpConfig c;
    c.input = input;
    c.classes = classes;
    c.max_batch = e.run.batch;
    c.blocks = e.network.layers;
    c.neuron = e.neuron;
    c.readout_leak = e.network.readout_leak;
    c.weight_norm = e.network.norm == "weight";
    c.adam = {e.run.adam_beta1, e.run.adam_beta2, e.run.adam_eps};
    return c;
}

template <typename S>
void ConvTpNetwork<S>::Param::resize(int out, int in)
{
    zeroed(w, out, in);
    zeroed(w_hat, out, in);
    zeroed(m, out, in);
    zeroed(v, out, in);
    zeroed(g_hat, out, in);
    zeroed(g, out, in);
    step = 0;
}

template <typename S>
ConvTpNetwork<S>::ConvTpNetwork(const ConvTpConfig& config) : m_cfg(config)
{
    if (m_cfg.blocks.empty() || m_cfg.classes < 1 || m_cfg.input.c < 1 || m_cfg.input.h < 1 || m_cfg.input.w < 1)
        throw ConfigError("conv network needs >= 1 block, a positive input shape and classes > 0");
    MapShape in = m_cfg.input;
    for (std::size_t l = 0; l < m_cfg.blocks.size(); ++l) {
        const LayerSpec& spec = m_cfg.blocks[l];
        const std::string where = "block " + std::to_string(l + 1);
        if (spec.type != "conv")
            throw ConfigError(where + ": type '" + spec.type + "' in a conv network (expected conv)");
        if (spec.size < 1)
            throw ConfigError(where + ": needs >= 1 output channel");
        Block blk;
        blk.in_shape = in;
        blk.map_shape = {spec.size, in.h, in.w};
        blk.pool = parsePoolKind(spec.pool);
        const int H = in.h, W = in.w;
        int Hp = H, Wp = W;
        if (blk.pool == PoolKind::Max2) {
            if (H < 2 || W < 2)
                throw ConfigError(where + ": max2 pooling of a " + std::to_string(H) + "x" + std::to_string(W) + " map");
            Hp = H / 2;
            Wp = W / 2;
        } else if (blk.pool == PoolKind::AvgPool2x2) {
            Hp = Wp = 2;
        }
        blk.pooled_shape = {spec.size, Hp, Wp};
        // Windows over one plane, each in row-major order (the max-pool tie rule relies on it).
        blk.win_off.push_back(0);
        for (int i = 0; i < Hp; ++i)
            for (int j = 0; j < Wp; ++j) {
                int r0 = i, r1 = i + 1, c0 = j, c1 = j + 1;
                if (blk.pool == PoolKind::Max2) {
                    r0 = 2 * i, r1 = 2 * i + 2, c0 = 2 * j, c1 = 2 * j + 2;
                } else if (blk.pool == PoolKind::AvgPool2x2) {
                    r0 = (i * H) / Hp, r1 = ((i + 1) * H + Hp - 1) / Hp;
                    c0 = (j * W) / Wp, c1 = ((j + 1) * W + Wp - 1) / Wp;
                }
                for (int r = r0; r < r1; ++r)
                    for (int c = c0; c < c1; ++c)
                        blk.win_idx.push_back(r * W + c);
                blk.win_off.push_back(int(blk.win_idx.size()));
            }
        blk.W.resize(spec.size, in.c * 9);
        m_blocks.push_back(std::move(blk));
        in = m_blocks.back().pooled_shape;
    }
    m_out.resize(m_cfg.classes, in.size());
    zeroed(m_S, m_blocks[0].map_shape.size(), m_cfg.classes);
    initWeights(0);
}

template <typename S>
void ConvTpNetwork<S>::initWeights(std::uint64_t seed)
{
    // Kaiming normal (fan_in, gain sqrt 2), element order (out, in) as PyTorch fills a weight.
    auto fill = [seed](Mat& w, std::uint64_t stream) {
        Rng rng(seed, stream);
        const double sd = std::sqrt(2.0 / double(w.cols()));
        const Eigen::Index n = w.size();
        for (Eigen::Index i = 0; i < n; i += 2) {
            const double u1 = 1.0 - rng.uniform();  // (0, 1]
            const double u2 = rng.uniform();
            const double r = std::sqrt(-2.0 * std::log(u1));
            w.data()[i] = S(sd * r * std::cos(2.0 * std::numbers::pi * u2));
            if (i + 1 < n)
                w.data()[i + 1] = S(sd * r * std::sin(2.0 * std::numbers::pi * u2));
        }
    };
    auto reset = [](Param& p) {
        p.m.setZero();
        p.v.setZero();
        p.g.setZero();
        p.g_hat.setZero();
        p.step = 0;
    };
    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        fill(m_blocks[l].W.w, 10 + l);
        reset(m_blocks[l].W);
    }
    fill(m_S, 1);
    fill(m_out.w, 3);
    reset(m_out);
}

template <typename S>
void ConvTpNetwork<S>::beginBatch(const Batch& batch)
{
    if (batch.size < 1 || batch.size > m_cfg.max_batch)
        throw ConfigError("batch of " + std::to_string(batch.size) + " rows (allowed 1.." +
                          std::to_string(m_cfg.max_batch) + ")");
    if (batch.channels != m_cfg.input.size())
        throw ConfigError("batch has " + std::to_string(batch.channels) + " inputs per frame, the conv network expects " +
                          std::to_string(m_cfg.input.size()) + " (C_in*H*W)");
    m_B = batch.size;
    m_classLabel = batch.labels;
    std::sort(m_classLabel.begin(), m_classLabel.end());
    m_classLabel.erase(std::unique(m_classLabel.begin(), m_classLabel.end()), m_classLabel.end());
    m_K = int(m_classLabel.size());
    m_rowClass.resize(m_B);
    m_classCount.assign(m_K, 0);
    for (int b = 0; b < m_B; ++b) {
        const int label = batch.labels[b];
        if (label < 0 || label >= m_cfg.classes)
            throw ConfigError("label " + std::to_string(label) + " outside [0, " + std::to_string(m_cfg.classes) + ")");
        const int k = int(std::lower_bound(m_classLabel.begin(), m_classLabel.end(), label) - m_classLabel.begin());
        m_rowClass[b] = k;
        ++m_classCount[k];
    }
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
        m_blocks[0].tgt.current.row(k) = m_Shat.col(m_classLabel[k]).transpose();
    zeroed(m_frame, m_B, m_cfg.input.size());
    zeroed(m_labelTrace, m_K, m_cfg.classes);
    zeroed(m_mout, m_B, m_cfg.classes);
    zeroed(m_err, m_B, m_cfg.classes);
}

template <typename S>
void ConvTpNetwork<S>::standardiseAll()
{
    for (auto& blk : m_blocks) {
        if (m_cfg.weight_norm)
            standardiseRows(blk.W.w, blk.W.w_hat, m_cfg.ws_gain, m_cfg.ws_eps);
        else
            blk.W.w_hat = blk.W.w;
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
    const S alpha = S(m_cfg.neuron.alpha), beta = S(m_cfg.neuron.beta), th = S(vth);
    const bool soft = m_cfg.neuron.resetKind() == ResetKind::Soft;
    const Eigen::Index n = st.u.size();
    S* mem = st.mem.data();
    S* u = st.u.data();
    S* s = st.s.data();
    const S* cur = st.current.data();
    for (Eigen::Index i = 0; i < n; ++i) {
        const S ui = alpha * mem[i] + cur[i];
        const S si = ui >= th ? S(1) : S(0);
        u[i] = ui;
        s[i] = si;
        mem[i] = soft ? ui - th * si : ui * (S(1) - si);
    }
    const int C = blk.map_shape.c, hw = blk.map_shape.plane(), P = blk.pooled_shape.plane();
    for (Eigen::Index r = 0; r < st.s.rows(); ++r)
        for (int c = 0; c < C; ++c) {
            const S* plane = st.s.data() + r * st.s.cols() + std::ptrdiff_t(c) * hw;
            S* out = st.pooled.data() + r * st.pooled.cols() + std::ptrdiff_t(c) * P;
            for (int q = 0; q < P; ++q) {
                const int e0 = blk.win_off[q], e1 = blk.win_off[q + 1];
                S v = blk.pool == PoolKind::Max2 ? -std::numeric_limits<S>::infinity() : S(0);
                for (int e = e0; e < e1; ++e)
                    v = blk.pool == PoolKind::Max2 ? std::max(v, plane[blk.win_idx[e]]) : v + plane[blk.win_idx[e]];
                if (blk.pool == PoolKind::AvgPool2x2)
                    v /= S(e1 - e0);
                out[q] = v;
            }
        }
    st.trace = beta * st.trace + st.pooled;
}

template <typename S>
void ConvTpNetwork<S>::forwardStep(const Batch& batch, int t, bool withTarget)
{
    standardiseAll();
    if (withTarget) {
        m_labelTrace *= S(m_cfg.neuron.beta);
        for (int k = 0; k < m_K; ++k)
            m_labelTrace(k, m_classLabel[k]) += S(1);
    }
    m_frame.setZero();
    const auto& off = batch.row_offsets[std::size_t(t)];
    const auto& units = batch.units[std::size_t(t)];
    const auto& values = batch.values[std::size_t(t)];
    for (int b = 0; b < m_B; ++b)
        for (auto e = off[b]; e < off[b + 1]; ++e)
            m_frame(b, units[e]) += S(values[e]);

    for (std::size_t l = 0; l < m_blocks.size(); ++l) {
        Block& blk = m_blocks[l];
        const Mat& a = l == 0 ? m_frame : m_blocks[l - 1].in.pooled;
        convRows(a, blk.in_shape, blk.W.w_hat, blk.in.current);
        lifPath(blk.in, blk, m_cfg.neuron.v_th);
        if (!withTarget)
            continue;
        if (l == 0) {
            lifPath(blk.tgt, blk, m_cfg.target_v_th);  // current = S_hat column of the class, set in beginBatch
        } else {
            convRows(m_blocks[l - 1].tgt.pooled, blk.in_shape, blk.W.w_hat, blk.tgt.current);
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
    const int prevC = l == 0 ? m_cfg.classes : m_blocks[l - 1].pooled_shape.c;

    // Soft targets: D = mean over positions of the channel-vector distance between previous-layer
    // target traces; y = softmax(-D) over the B columns (class rows weighted by their counts).
    for (int k = 0; k < K; ++k) {
        S dmin = std::numeric_limits<S>::infinity();
        for (int k2 = 0; k2 < K; ++k2) {
            S dist = 0;
            for (int p = 0; p < prevP; ++p) {
                S acc = 0;
                for (int c = 0; c < prevC; ++c) {
                    const int j = c * prevP + p;
                    const S d = prev(k, j) - prev(k2, j) + S(1e-9);
                    acc += d * d;
                }
                dist += std::sqrt(acc);
            }
            blk.y(k, k2) = dist / S(prevP);
            dmin = std::min(dmin, blk.y(k, k2));
        }
        S denom = 0;
        for (int k2 = 0; k2 < K; ++k2) {
            blk.y(k, k2) = std::exp(-(blk.y(k, k2) - dmin));
            denom += S(m_classCount[k2]) * blk.y(k, k2);
        }
        for (int k2 = 0; k2 < K; ++k2)
            blk.y(k, k2) /= denom;
    }

    // Logits (flattened dot product / P), log-softmax with max subtraction, loss, class-summed G.
    const S invP = S(1.0 / double(blk.pooled_shape.plane()));
    blk.z.noalias() = eps * teps.transpose();
    blk.z *= invP;
    double loss = 0;
    const S invB = S(1.0 / B);
    for (int b = 0; b < B; ++b) {
        S mx = -std::numeric_limits<S>::infinity();
        for (int k = 0; k < K; ++k)
            mx = std::max(mx, blk.z(b, k));
        S sum = 0;
        for (int k = 0; k < K; ++k)
            sum += S(m_classCount[k]) * std::exp(blk.z(b, k) - mx);
        const S lse = mx + std::log(sum);
        const int cb = m_rowClass[b];
        double rowLoss = 0;
        for (int k = 0; k < K; ++k) {
            const S logp = blk.z(b, k) - lse;
            const S yv = blk.y(cb, k);
            rowLoss -= double(m_classCount[k]) * double(yv) * double(logp);
            blk.gc(b, k) = S(m_classCount[k]) * (std::exp(logp) - yv) * invB;
        }
        loss += rowLoss;
    }
    blk.loss = loss / B;

    // dE/d(trace) on the pooled maps, back through the pooling onto the full map, times the
    // surrogate derivative at the pre-reset potential (with the path's threshold).
    const Mat gEps = (blk.gc * teps) * invP;
    const Mat gTeps = (blk.gc.transpose() * eps) * invP;
    const S kappa = S(m_cfg.neuron.surrogate_scale), pi = S(std::numbers::pi);
    const int C = blk.map_shape.c, hw = blk.map_shape.plane(), P = blk.pooled_shape.plane();
    auto backward = [&](PathState& st, const Mat& gPool, double vth) {
        st.delta.setZero();
        for (Eigen::Index r = 0; r < st.delta.rows(); ++r)
            for (int c = 0; c < C; ++c) {
                const std::ptrdiff_t full = r * st.delta.cols() + std::ptrdiff_t(c) * hw;
                S* dst = st.delta.data() + full;
                const S* spk = st.s.data() + full;
                const S* g = gPool.data() + r * gPool.cols() + std::ptrdiff_t(c) * P;
                for (int q = 0; q < P; ++q) {
                    const int e0 = blk.win_off[q], e1 = blk.win_off[q + 1];
                    if (blk.pool == PoolKind::Max2) {
                        int best = e0;  // first maximum in row-major order (PyTorch CPU tie rule)
                        for (int e = e0 + 1; e < e1; ++e)
                            if (spk[blk.win_idx[e]] > spk[blk.win_idx[best]])
                                best = e;
                        dst[blk.win_idx[best]] += g[q];
                    } else {
                        const S share = blk.pool == PoolKind::AvgPool2x2 ? g[q] / S(e1 - e0) : g[q];
                        for (int e = e0; e < e1; ++e)
                            dst[blk.win_idx[e]] += share;
                    }
                }
            }
        const S th = S(vth);
        st.delta.array() *= st.u.array().unaryExpr([&](S u) {
            const S x = pi * (u - th);
            return kappa / (S(1) + x * x);
        });
    };
    backward(blk.in, gEps, m_cfg.neuron.v_th);
    backward(blk.tgt, gTeps, l == 0 ? m_cfg.target_v_th : m_cfg.neuron.v_th);

    // Conv weight gradient (input path, plus the target path for blocks >= 2), then the
    // standardisation Jacobian, then Adam.
    blk.W.g_hat.setZero();
    convGradRows(blk.in.delta, l == 0 ? m_frame : m_blocks[l - 1].in.pooled, blk.in_shape, blk.W.g_hat);
    if (l >= 1)
        convGradRows(blk.tgt.delta, m_blocks[l - 1].tgt.pooled, blk.in_shape, blk.W.g_hat);
    if (m_cfg.weight_norm)
        standardiseBackward(blk.W.w, blk.W.g_hat, blk.W.g, m_cfg.ws_gain, m_cfg.ws_eps);
    else
        blk.W.g = blk.W.g_hat;
    const AdamStep adam = AdamStep::make(m_cfg.adam, lr, ++blk.W.step);
    Param& p = blk.W;
    parallelChunks(std::size_t(p.w.size()), kChunkElems, [&](std::size_t i0, std::size_t i1) {
        adam.apply(p.w.data() + i0, p.m.data() + i0, p.v.data() + i0, p.g.data() + i0, i1 - i0);
    });
}

template <typename S>
void ConvTpNetwork<S>::readoutStep(const Batch& batch, double lr, bool learn)
{
    const Block& last = m_blocks.back();
    const int C = m_cfg.classes;
    m_mout *= S(m_cfg.readout_leak);
    m_mout.noalias() += last.in.pooled * m_out.w_hat.transpose();
    double loss = 0;
    for (int b = 0; b < m_B; ++b) {
        const S mx = m_mout.row(b).maxCoeff();
        S sum = 0;
        for (int c = 0; c < C; ++c)
            sum += std::exp(m_mout(b, c) - mx);
        const int label = batch.labels[b];
        for (int c = 0; c < C; ++c)
            m_err(b, c) = std::exp(m_mout(b, c) - mx) / sum - (c == label ? S(1) : S(0));
        loss += double(mx) + std::log(double(sum)) - double(m_mout(b, label));
    }
    m_readoutLoss = loss / m_B;
    if (!learn)
        return;
    // Delta rule on the raw W_out, as if there were no standardisation (reference quirk).
    m_out.g.noalias() = m_err.transpose() * last.in.trace;
    m_out.g *= S(1.0 / m_B);
    const AdamStep adam = AdamStep::make(m_cfg.adam, lr, ++m_out.step);
    adam.apply(m_out.w.data(), m_out.m.data(), m_out.v.data(), m_out.g.data(), std::size_t(m_out.w.size()));
}

template <typename S>
BatchStats ConvTpNetwork<S>::trainBatch(const Batch& batch, double lr, const std::function<void(int)>& onStep)
{
    if (batch.size < 2)
        throw ConfigError("TP needs at least 2 rows per batch (the contrastive loss compares rows)");
    beginBatch(batch);
    BatchStats stats;
    stats.samples = m_B;
    stats.steps = batch.steps;
    stats.layer_loss_sum.assign(m_blocks.size(), 0.0);
    stats.spike_count.assign(m_blocks.size(), 0.0);
    for (int t = 0; t < batch.steps; ++t) {
        forwardStep(batch, t, true);
        for (std::size_t l = 0; l < m_blocks.size(); ++l) {
            lossAndGradients(m_blocks[l], int(l), lr);
            if (!std::isfinite(m_blocks[l].loss))
                throw DivergenceError("block " + std::to_string(l + 1) + " local loss became " +
                                      std::to_string(m_blocks[l].loss) + " at time step " + std::to_string(t + 1) +
                                      " (lower the learning rate or check the input scale)");
            stats.layer_loss_sum[l] += m_blocks[l].loss;
            stats.spike_count[l] += double(m_blocks[l].in.s.sum());
        }
        readoutStep(batch, lr, true);
        stats.readout_loss_sum += m_readoutLoss;
        if (onStep)
            onStep(t);
    }
    checkFinite();
    scorePredictions(batch, stats);
    return stats;
}

template <typename S>
BatchStats ConvTpNetwork<S>::evaluateBatch(const Batch& batch, const std::function<void(int)>& onStep)
{
    beginBatch(batch);
    BatchStats stats;
    stats.samples = m_B;
    stats.steps = batch.steps;
    stats.spike_count.assign(m_blocks.size(), 0.0);
    for (int t = 0; t < batch.steps; ++t) {
        forwardStep(batch, t, false);
        for (std::size_t l = 0; l < m_blocks.size(); ++l)
            stats.spike_count[l] += double(m_blocks[l].in.s.sum());
        readoutStep(batch, 0.0, false);
        stats.readout_loss_sum += m_readoutLoss;
        if (onStep)
            onStep(t);
    }
    scorePredictions(batch, stats);
    return stats;
}

template <typename S>
void ConvTpNetwork<S>::scorePredictions(const Batch& batch, BatchStats& stats) const
{
    for (int b = 0; b < m_B; ++b) {
        Eigen::Index best;
        m_mout.row(b).maxCoeff(&best);
        stats.predictions.push_back(std::int32_t(best));
        stats.correct += int(best) == batch.labels[b];
    }
}

template <typename S>
void ConvTpNetwork<S>::checkFinite() const
{
    auto check = [](const Mat& w, const std::string& name) {
        if (!w.allFinite())
            throw DivergenceError("weights " + name + " contain NaN or Inf: the run diverged "
                                  "(lower the learning rate or check the input scale)");
    };
    for (std::size_t l = 0; l < m_blocks.size(); ++l)
        check(m_blocks[l].W.w, "W" + std::to_string(l + 1));
    check(m_out.w, "W_out");
    check(m_S, "S");
}

template class ConvTpNetwork<float>;
template class ConvTpNetwork<double>;

} // namespace tp
