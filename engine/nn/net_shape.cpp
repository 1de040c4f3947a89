#include "nn/net_shape.h"

#include <string>

#include "core/errors.h"
#include "nn/conv_geometry.h"

namespace tp {

NetShape NetShape::fromConfig(const TpConfig& config)
{
    NetShape net;
    net.inputs = std::size_t(config.inputs);
    net.classes = std::size_t(config.classes);
    net.soft_reset = config.neuron.resetKind() == ResetKind::Soft;
    std::size_t prev = net.inputs;
    MapShape map{config.input_shape[0], config.input_shape[1], config.input_shape[2]};
    for (std::size_t i = 0; i < config.layers.size(); ++i) {
        const LayerSpec& spec = config.layers[i];
        const std::string field = "network.layers[" + std::to_string(i) + "].type";
        Layer layer;
        if (spec.type == "conv") {
            if (std::size_t(map.size()) != prev || map.h * map.w == 1)
                throw ConfigError({{field, "the memory model sizes conv layers from a spatial input shape"}});
            const ConvGeometry g = ConvGeometry::make(spec, map, "block " + std::to_string(i + 1));
            layer.kind = "conv";
            layer.neurons = std::size_t(g.map_shape.size());
            layer.traced = std::size_t(g.pooled_shape.size());
            layer.ff_weights = std::size_t(g.map_shape.c) * std::size_t(map.c) * 9;
            layer.synapses = layer.neurons * std::size_t(map.c) * 9;
            map = g.pooled_shape;
        } else if (spec.type == "lif") {
            layer.neurons = layer.traced = std::size_t(spec.size);
            layer.ff_weights = layer.neurons * prev;
            layer.synapses = layer.ff_weights;
            layer.recurrent = spec.recurrent;
            map = {0, 1, 1};
        } else {
            throw ConfigError({{field, "the memory model sizes lif and conv layers only, not '" + spec.type + "'"}});
        }
        net.layers.push_back(layer);
        prev = layer.traced;
    }
    return net;
}

std::size_t sumNeurons(const NetShape& net)
{
    std::size_t s = 0;
    for (const auto& l : net.layers)
        s += l.neurons;
    return s;
}

std::size_t sumTraced(const NetShape& net)
{
    std::size_t s = 0;
    for (const auto& l : net.layers)
        s += l.traced;
    return s;
}

std::size_t firstNeurons(const NetShape& net)
{
    return net.layers.empty() ? 0 : net.layers.front().neurons;
}

} // namespace tp
