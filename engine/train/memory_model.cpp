#include "train/memory_model.h"

#include <algorithm>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/model.h"
#include "rules/registry.h"

namespace tp {

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
    auto row = [&](const std::string& name, std::size_t model, std::size_t paper) {
        return RuleMemory{name, model * value_bytes, paper * value_bytes, w, 2 * w};
    };
    std::vector<RuleMemory> rows;
    for (const LearningRule* rule : learningRules()) {
        const std::size_t model = rule->state_values(net, B, T);
        rows.push_back(row(rule->name, model, rule->paper_values ? rule->paper_values(net, B, T) : model));
    }
    const std::size_t eprop = epropModelValues(net, B), aux = auxModelValues(net, B);
    rows.push_back(row("eprop", eprop, eprop));
    rows.push_back(row("aux", aux, aux));
    return rows;
}

std::string memoryRuleTitle(const std::string& rule)
{
    if (const LearningRule* r = findRule(rule))
        return r->title;
    if (rule == "eprop")
        return "e-prop (model only)";
    if (rule == "aux")
        return "aux-matrix local rule (model only)";
    return rule;
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
    std::size_t largestRun = 0;  // the largest state of the rules the engine runs
    for (const auto& m : model) {
        rows.push_back({m.rule, steps, classes, batch, m.model_bytes, m.paper_bytes, std::nullopt});
        if (findRule(m.rule))
            largestRun = std::max(largestRun, m.model_bytes);
    }
    if (measure_limit_bytes > 0 && largestRun <= measure_limit_bytes) {
        const Batch b = syntheticBatch(batch, steps, config.inputs, classes, density, 1);
        for (const LearningRule* rule : learningRules()) {
            TpConfig c = config;
            c.rule.name = rule->name;
            auto m = makeModel(c, Precision::Float32);
            m->initWeights(1);
            m->train(b, 1e-3);
            for (auto& r : rows)
                if (r.rule == rule->name)
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
        const LearningRule* rule = findRule(m.rule);
        const bool sameSteps = !rule || !rule->state_grows_with_steps || measured_steps == steps;
        if (m.rule == config.rule.name && !measured.empty() && sameSteps)
            row.measured_bytes = measuredRuleStateBytes(measured);
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace tp
