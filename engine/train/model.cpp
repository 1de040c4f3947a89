#include "train/model.h"

#include "bptt/bptt_model.h"
#include "bptt/conv_bptt_network.h"
#include "core/errors.h"
#include "tp/conv_network.h"
#include "train/net_model.h"

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
