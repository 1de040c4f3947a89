#pragma once
/// The conv engines (TP's and BPTT's) behind the Model interface, shared by both rules.
#include <memory>
#include <string>

#include "core/errors.h"
#include "nn/conv_geometry.h"
#include "rules/net_model.h"

namespace tp {

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

} // namespace tp
