#include "train/memory_model.h"

#include <algorithm>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "train/memory_budget.h"

namespace tp {

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
        if (!std::all_of(net.layers.begin(), net.layers.end(), [&](const auto& l) { return rule->supportsLayer(l.kind); }))
            continue;  // a rule that cannot train this network has no row
        const std::size_t model = rule->state_values(net, B, T);
        rows.push_back(row(rule->name, model, rule->paper_values ? rule->paper_values(net, B, T) : model));
    }
    const std::size_t aux = auxModelValues(net, B);
    rows.push_back(row("aux", aux, aux));
    return rows;
}

std::string memoryRuleTitle(const std::string& rule)
{
    if (const LearningRule* r = findRule(rule))
        return r->title;
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

MemoryParts measuredParts(const std::vector<MemoryRow>& memory)
{
    MemoryParts p;
    std::size_t traces = 0;
    for (const auto& r : memory) {
        p.weights += r.weights_bytes;
        p.optimizer += r.optimizer_bytes;
        p.buffers += r.rule_state_bytes + r.buffer_bytes;
        traces += r.trace_bytes;
    }
    p.rule_state = measuredRuleStateBytes(memory);  // the traces, and TP's S
    p.weights -= p.rule_state - traces;             // S counts as rule state, not twice
    p.buffers -= traces;                            // the traces are part of MemoryRow::rule_state_bytes
    return p;
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
    // The work of training one batch grows with the neuron steps: measure only where the batch's u
    // and s of every neuron at every step (BPTT's history, 2*T*B*sum H values) and the rule's own
    // state are within the limit.
    const std::size_t history = 2 * std::size_t(steps) * std::size_t(batch) * sumNeurons(net) * 4;
    std::optional<Batch> b;  // made for the first rule measured
    std::vector<MemoryTableRow> rows;
    for (const auto& m : model) {
        MemoryTableRow row{m.rule, steps, classes, batch, m.model_bytes, m.paper_bytes, std::nullopt, 0, {}, std::nullopt};
        row.model = {m.weights_bytes, m.optimizer_bytes, m.model_bytes, 0};
        if (findRule(m.rule)) {  // the run plan's remainder: membranes, gradients, scratch
            TpConfig c = config;
            c.rule.name = m.rule;
            const std::size_t planned = estimateRunMemory(c, steps, 4).bytes;
            row.model.buffers = planned - std::min(planned, row.model.total());
        }
        if (findRule(m.rule) && measure_limit_bytes > 0 && history <= measure_limit_bytes &&
            m.model_bytes <= measure_limit_bytes) {
            TpConfig c = config;
            c.rule.name = m.rule;
            if (!b)
                b = syntheticBatch(batch, steps, config.inputs, classes, density, 1);
            auto trained = makeModel(c, Precision::Float32);
            trained->initWeights(1);
            trained->train(*b, 1e-3);
            const auto memory = trained->memory();
            row.measured_bytes = measuredRuleStateBytes(memory);
            row.measured = measuredParts(memory);
        }
        rows.push_back(std::move(row));
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
        MemoryTableRow row{m.rule, steps, config.classes, batch, m.model_bytes, m.paper_bytes, std::nullopt, 0, {}, std::nullopt};
        const LearningRule* rule = findRule(m.rule);
        const bool sameSteps = !rule || !rule->state_grows_with_steps || measured_steps == steps;
        if (m.rule == config.rule.name && !measured.empty() && sameSteps)
            row.measured_bytes = measuredRuleStateBytes(measured);
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace tp
