#include "rules/model.h"

#include <algorithm>

#include "rules/bptt/bptt_model.h"
#include "rules/bptt/conv_bptt_network.h"
#include "core/errors.h"
#include "rules/tp/conv_network.h"
#include "rules/net_model.h"

namespace tp {

/// TP's stored matrices; Param is null for frozen ones (S unless trained, S_rec).
template <typename S, typename Fn>
void forEachMatrix(TpNetwork<S>& net, Fn&& fn)
{
    using Net = TpNetwork<S>;
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    const bool trainS = net.config().rule.train_s;
    fn("S", net.targetProjection(), trainS ? const_cast<typename Net::Param*>(&net.targetProjectionParam()) : nullptr);
    if (net.targetRecurrent().size())
        fn("S_rec", net.targetRecurrent(), nullptr);
    fn("W_out", net.readout().w, &net.readout());
}

/// A conv engine (TP or BPTT) behind the NetModel interface: its config() is the TpConfig the
/// model was made from, and its spike counts are per channel-plane (divided by H*W of the
/// block's map), so that spike_count[l] / layers[l].size is spikes per neuron as for dense layers.
template <typename Inner>
class ConvNet {
public:
    using WMat = typename Inner::Mat;
    using Param = typename Inner::Param;

    explicit ConvNet(const TpConfig& c) : m_cfg(c), m_net(convConfig(c)) {}

    static ConvTpConfig convConfig(const TpConfig& c)
    {
        ConvTpConfig cc;
        cc.input = {c.input_shape[0], c.input_shape[1], c.input_shape[2]};
        if (cc.input.size() != c.inputs)
            throw ConfigError("conv network: input shape " + std::to_string(cc.input.c) + "x" +
                              std::to_string(cc.input.h) + "x" + std::to_string(cc.input.w) + " is not " +
                              std::to_string(c.inputs) + " inputs");
        cc.classes = c.classes;
        cc.max_batch = c.max_batch;
        cc.blocks = c.layers;
        cc.neuron = c.neuron;
        cc.readout_leak = c.readout_leak;
        cc.weight_norm = c.norm == "weight";
        cc.adam = c.adam;
        cc.path = c.path;
        return cc;
    }

    void initWeights(std::uint64_t seed) { m_net.initWeights(seed); }
    BatchStats trainBatch(const Batch& b, double lr) { return perNeuron(m_net.trainBatch(b, lr), b); }
    BatchStats evaluateBatch(const Batch& b) { return perNeuron(m_net.evaluateBatch(b), b); }
    const TpConfig& config() const { return m_cfg; }
    std::int64_t denseProducts() const { return m_net.denseProducts(); }
    std::int64_t eventProducts() const { return m_net.eventProducts(); }
    std::vector<MemoryRow> memory() const { return m_net.memory(); }
    Inner& inner() { return m_net; }

private:
    BatchStats perNeuron(BatchStats s, const Batch&)
    {
        const auto& blocks = m_net.blocks();
        for (std::size_t l = 0; l < blocks.size() && l < s.spike_count.size(); ++l)
            s.spike_count[l] /= double(blocks[l].map_shape.plane());
        return s;
    }

    TpConfig m_cfg;
    Inner m_net;
};

/// Conv checkpoints: "W<l>" per block (C_out, C_in*9), "S" (TP only, frozen) and "W_out".
template <typename Inner, typename Fn>
void forEachMatrix(ConvNet<Inner>& net, Fn&& fn)
{
    auto& inner = net.inner();
    for (std::size_t l = 0; l < inner.blocks().size(); ++l)
        fn("W" + std::to_string(l + 1), inner.blocks()[l].W.w, &inner.blocks()[l].W);
    if constexpr (requires { inner.targetProjection(); })
        fn("S", inner.targetProjection(), nullptr);
    fn("W_out", inner.readout().w, &inner.readout());
}

namespace {

template <typename S>
class TpModel final : public NetModel<TpNetwork<S>> {
public:
    explicit TpModel(const TpConfig& c) : NetModel<TpNetwork<S>>(c) {}

    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        const int T = batch.steps, row = std::clamp(req.row, 0, std::max(0, batch.size - 1));
        const auto& layers = net.layers();
        probe = Probe{};
        probe.steps = T;
        probe.row = row;
        probe.label = batch.labels.empty() ? -1 : batch.labels[std::size_t(row)];
        probe.layer = std::clamp(req.layer, 0, int(layers.size()) - 1);
        probe.threshold = net.config().neuron.v_th;
        probe.inputs = batch.channels;
        probe.input.assign(std::size_t(T) * std::size_t(batch.channels), 0);
        for (int t = 0; t < T; ++t) {
            const auto& off = batch.row_offsets[std::size_t(t)];
            for (std::int32_t i = off[std::size_t(row)]; i < off[std::size_t(row) + 1]; ++i)
                if (batch.values[std::size_t(t)][std::size_t(i)] != 0.0f)
                    probe.input[std::size_t(t) * std::size_t(batch.channels) +
                                std::size_t(batch.units[std::size_t(t)][std::size_t(i)])] = 1;
        }
        for (const auto& l : layers) {
            const std::size_t n = std::size_t(T) * std::size_t(l.size);
            probe.layers.push_back({l.size, std::vector<std::uint8_t>(n), std::vector<std::uint8_t>(n)});
        }
        for (int n : req.neurons)
            if (n >= 0 && n < layers[std::size_t(probe.layer)].size)
                probe.neurons.push_back({n, std::vector<float>(std::size_t(T)), std::vector<float>(std::size_t(T)),
                                         std::vector<float>(std::size_t(T)), std::vector<float>(std::size_t(T)),
                                         std::vector<float>(std::size_t(T))});
        probe.surrogate_scale = net.config().neuron.surrogate_scale;
        std::vector<typename TpNetwork<S>::WMat> before;
        for (const auto& l : layers)
            before.push_back(l.W.w);
        auto record = [&](int t) {
            const int k = net.classOfRow()[std::size_t(row)];  // target-path row of this sample's class
            for (std::size_t l = 0; l < layers.size(); ++l) {
                auto& p = probe.layers[l];
                const std::size_t off = std::size_t(t) * std::size_t(p.size);
                for (int j = 0; j < p.size; ++j) {
                    p.in_spikes[off + std::size_t(j)] = layers[l].in.s(row, j) != S(0);
                    p.tgt_spikes[off + std::size_t(j)] = layers[l].tgt.s(k, j) != S(0);
                }
            }
            const auto& L = layers[std::size_t(probe.layer)];
            for (auto& n : probe.neurons) {
                n.potential[std::size_t(t)] = float(L.in.u(row, n.neuron));
                n.in_trace[std::size_t(t)] = float(L.in.trace(row, n.neuron));
                n.tgt_trace[std::size_t(t)] = float(L.tgt.trace(k, n.neuron));
                n.surrogate[std::size_t(t)] = float(L.in.psi(row, n.neuron));
                double g2 = L.W.g.row(n.neuron).squaredNorm();
                if (L.recurrent)
                    g2 += L.R.g.row(n.neuron).squaredNorm();
                n.update[std::size_t(t)] = float(std::sqrt(g2));
            }
            if (req.similarity)
                recordSimilarity(batch, t, probe);
        };
        const BatchStats stats = net.trainBatch(batch, lr, record);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const auto& w = layers[l].W.w;
            probe.weights.push_back(makeHistogram(w.data(), std::size_t(w.size())));
            const typename TpNetwork<S>::WMat change = w - before[l];
            probe.weight_change.push_back(makeHistogram(change.data(), std::size_t(change.size())));
        }
        return stats;
    }

private:
    void recordSimilarity(const Batch& batch, int t, Probe& probe)
    {
        const auto& net = this->network();
        const int B = net.batchRows(), K = net.classRows();
        const auto& cls = net.classOfRow();
        if (t == 0) {
            probe.similarity.assign(net.layers().size(), {});
            for (auto& s : probe.similarity) {
                s.rows = B;
                s.cols = K;
                s.col_label.assign(std::size_t(K), -1);
                s.col_count.assign(std::size_t(K), 0);
                for (int b = 0; b < B; ++b) {
                    s.row_label.push_back(batch.labels[std::size_t(b)]);
                    s.col_label[std::size_t(cls[std::size_t(b)])] = batch.labels[std::size_t(b)];
                    ++s.col_count[std::size_t(cls[std::size_t(b)])];
                }
                s.z.reserve(std::size_t(batch.steps) * std::size_t(B) * std::size_t(K));
                s.y.reserve(s.z.capacity());
            }
        }
        for (std::size_t l = 0; l < net.layers().size(); ++l) {
            const auto& L = net.layers()[l];
            auto& s = probe.similarity[l];
            s.loss.push_back(L.loss);
            for (int b = 0; b < B; ++b)
                for (int k = 0; k < K; ++k) {
                    s.z.push_back(float(L.z(b, k)));
                    s.y.push_back(float(L.y(cls[std::size_t(b)], k)));
                }
        }
    }
};

template <typename Inner>
class ConvModel final : public NetModel<ConvNet<Inner>> {
public:
    explicit ConvModel(const TpConfig& c) : NetModel<ConvNet<Inner>>(c) {}
};

template <template <typename> class Net>
std::unique_ptr<Model> makeConvModel(const TpConfig& config, Precision precision)
{
    if (precision == Precision::Float64)
        return std::make_unique<ConvModel<Net<double>>>(config);
    return std::make_unique<ConvModel<Net<float>>>(config);
}

} // namespace

bool isConvConfig(const TpConfig& config)
{
    bool conv = false;
    for (std::size_t i = 0; i < config.layers.size(); ++i) {
        const bool c = config.layers[i].type == "conv";
        if (i == 0)
            conv = c;
        else if (c != conv)
            throw ConfigError({{"network.layers[" + std::to_string(i) + "].type",
                                "'" + config.layers[i].type + "' mixed with '" + config.layers[0].type +
                                    "' layers: a conv network has only conv layers (the readout is fully "
                                    "connected), a dense one only lif layers"}});
    }
    return conv;
}

std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision)
{
    if (isConvConfig(config)) {
        if (config.rule.name == "bptt")
            return makeConvModel<ConvBpttNetwork>(config, precision);
        return makeConvModel<ConvTpNetwork>(config, precision);
    }
    if (config.rule.name == "bptt")
        return makeBpttModel(config, precision);
    if (precision == Precision::Float64)
        return std::make_unique<TpModel<double>>(config);
    return std::make_unique<TpModel<float>>(config);
}

} // namespace tp
