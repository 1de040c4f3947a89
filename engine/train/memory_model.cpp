#include "train/memory_model.h"

#include <algorithm>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/tp/conv_network.h"
#include "rules/model.h"

namespace tp {

NetShape NetShape::fromConfig(const TpConfig& config)
{
    NetShape net;
    net.inputs = std::size_t(config.inputs);
    net.classes = std::size_t(config.classes);
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

static std::size_t sumNeurons(const NetShape& net)
{
    std::size_t s = 0;
    for (const auto& l : net.layers)
        s += l.neurons;
    return s;
}

static std::size_t sumTraced(const NetShape& net)
{
    std::size_t s = 0;
    for (const auto& l : net.layers)
        s += l.traced;
    return s;
}

static std::size_t firstNeurons(const NetShape& net)
{
    return net.layers.empty() ? 0 : net.layers.front().neurons;
}

std::size_t tpModelValues(const NetShape& net, std::size_t B)
{
    const std::size_t K = std::min(B, net.classes), C = net.classes, H1 = firstNeurons(net);
    const bool rec1 = !net.layers.empty() && net.layers.front().recurrent;
    return (B + K) * sumTraced(net) + K * C + C * H1 + (rec1 ? H1 * H1 : 0);
}

std::size_t tpPaperValues(const NetShape& net, std::size_t B)
{
    return 2 * B * sumTraced(net) + net.classes * firstNeurons(net);
}

std::size_t bpttModelValues(const NetShape& net, std::size_t B, std::size_t T)
{
    return 2 * T * B * sumNeurons(net);
}

std::size_t epropModelValues(const NetShape& net, std::size_t B)
{
    std::size_t syn = 0;
    for (const auto& l : net.layers)
        syn += l.synapses + (l.recurrent ? l.neurons * l.neurons : 0);
    return B * syn;
}

std::size_t auxModelValues(const NetShape& net, std::size_t B)
{
    return (B + net.classes) * sumTraced(net);
}

std::size_t weightValues(const NetShape& net)
{
    std::size_t w = 0;
    for (const auto& l : net.layers)
        w += l.ff_weights + (l.recurrent ? l.neurons * l.neurons : 0);
    if (!net.layers.empty())
        w += net.classes * net.layers.back().traced;
    return w;
}

std::vector<RuleMemory> memoryModel(const NetShape& net, std::size_t B, std::size_t T, std::size_t value_bytes)
{
    const std::size_t w = weightValues(net) * value_bytes;
    auto row = [&](const char* name, std::size_t model, std::size_t paper) {
        return RuleMemory{name, model * value_bytes, paper * value_bytes, w, 2 * w};
    };
    const std::size_t bptt = bpttModelValues(net, B, T), eprop = epropModelValues(net, B), aux = auxModelValues(net, B);
    return {row("tp", tpModelValues(net, B), tpPaperValues(net, B)), row("bptt", bptt, bptt), row("eprop", eprop, eprop),
            row("aux", aux, aux)};
}

std::size_t measuredRuleStateBytes(const std::vector<MemoryRow>& memory)
{
    std::size_t bytes = 0;
    for (const auto& r : memory) {
        bytes += r.trace_bytes;
        if (r.part == "target projection S")
            bytes += r.weights_bytes;
    }
    return bytes;
}

std::vector<MemoryTableRow> memoryTable(TpConfig config, int batch, int steps, int classes, double density,
                                        std::size_t measure_limit_bytes)
{
    if (batch < 1 || steps < 1 || classes < 1)
        throw ConfigError("memory table: batch, steps and classes must be positive");
    config.classes = classes;
    config.max_batch = batch;
    const NetShape net = NetShape::fromConfig(config);
    const auto model = memoryModel(net, std::size_t(batch), std::size_t(steps), 4);
    std::vector<MemoryTableRow> rows;
    for (const auto& m : model)
        rows.push_back({m.rule, steps, classes, batch, m.model_bytes, m.paper_bytes, std::nullopt});
    if (measure_limit_bytes > 0 && model[1].model_bytes <= measure_limit_bytes) {  // model[1]: bptt
        const Batch b = syntheticBatch(batch, steps, config.inputs, classes, density, 1);
        for (const char* rule : {"tp", "bptt"}) {
            TpConfig c = config;
            c.rule.name = rule;
            auto m = makeModel(c, Precision::Float32);
            m->initWeights(1);
            m->train(b, 1e-3);
            for (auto& r : rows)
                if (r.rule == rule)
                    r.measured_bytes = measuredRuleStateBytes(m->memory());
        }
    }
    return rows;
}

std::vector<MemoryTableRow> runMemoryTable(const TpConfig& config, int batch, int steps,
                                           const std::vector<MemoryRow>& measured, int measured_steps,
                                           std::size_t value_bytes)
{
    if (batch < 1 || steps < 1 || config.classes < 1)
        return {};
    NetShape net;
    try {
        net = NetShape::fromConfig(config);
    } catch (const ConfigError&) {
        return {};
    }
    std::vector<MemoryTableRow> rows;
    for (const auto& m : memoryModel(net, std::size_t(batch), std::size_t(steps), value_bytes)) {
        MemoryTableRow row{m.rule, steps, config.classes, batch, m.model_bytes, m.paper_bytes, std::nullopt};
        const bool sameSteps = m.rule != "bptt" || measured_steps == steps;
        if (m.rule == config.rule.name && !measured.empty() && sameSteps)
            row.measured_bytes = measuredRuleStateBytes(measured);
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace tp
