#pragma once
/// A learning rule as a plug-in: one folder under engine/rules/ that defines one LearningRule,
/// plus one line in rules/registry.cpp (or registerRule() at run time, as tests do).
///
/// What a rule provides:
///   - who it is: name (as rule.name and --rule take it), title, one-line description, its
///     parameters (the "rule" section's keys besides "name", as a ParamSpec table) and the
///     layer kinds it trains;
///   - make(): a Model for a network (rules/model.h). The Model allocates the rule's state,
///     steps the network forward with the labels over a batch of T steps and applies the
///     updates (TP at every step, BPTT once per batch), reports its memory by part
///     (MemoryRow), saves and loads its matrices;
///   - its memory before anything is built: the analytic rule state (memory_model.h notation)
///     and the terms a run allocates beyond the common weights/Adam/readout (memory_budget.h).
/// Shared parts (nn/): the LIF neuron and surrogate (lif.h), the kernels, Adam, sparse rows,
/// the conv geometry and ops, the readout loss; NetModel (rules/net_model.h) gives a network
/// class save/load, scaling and finiteness checks.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/params.h"
#include "nn/net_shape.h"
#include "nn/network.h"

namespace tp {

class Model;

/// One part of a run's planned memory: its bytes, the experiment field that drives it, and what
/// it is in words (memory_budget.h).
struct MemoryTerm {
    std::size_t bytes = 0;
    std::string field;
    std::string what;
};

/// What a rule's plan() sees: the network's sizes and the run's.
struct RulePlanInput {
    const TpConfig& config;
    const NetShape& net;
    std::size_t batch = 0, steps = 0, value_bytes = 4;  ///< steps 0: unknown
    std::string largest_field;                          ///< "network.layers[i].size" of the widest layer
    std::size_t largest_neurons = 0;
};

struct LearningRule {
    const char* name = "";         ///< "tp"
    const char* title = "";        ///< "TP (traces propagation)"
    const char* description = "";  ///< one line
    /// One paragraph for students: what is local in space, what is local in time, what it stores
    /// (the GUI's rule picker and `help rules` show it).
    const char* explanation = "";
    std::span<const char* const> layer_kinds;  ///< "lif", "conv"
    std::span<const ParamSpec> params;         ///< its keys of the "rule" section (besides name)
    /// A model of this rule for `config` (whose layer kinds it supports).
    std::unique_ptr<Model> (*make)(const TpConfig& config, Precision precision) = nullptr;
    /// The rule state in values for batch B and T steps (what MemoryRow::trace_bytes measures).
    std::size_t (*state_values)(const NetShape& net, std::size_t B, std::size_t T) = nullptr;
    /// The paper's own formula for it (null: the same as state_values).
    std::size_t (*paper_values)(const NetShape& net, std::size_t B, std::size_t T) = nullptr;
    bool state_grows_with_steps = false;  ///< a measured row holds only for the same T
    bool layer_losses = false;            ///< it reports a local loss per layer (BatchStats::layer_loss_sum)
    const char* state_text = "";          ///< the column heading of the state: "traces", "u,s xT"
    const char* state_formula = "";       ///< "2BH traces + S"
    /// The terms a run allocates besides the weights, gradients and Adam state of the layers and
    /// the readout (membranes, traces, histories, fixed matrices).
    void (*plan)(const RulePlanInput& in, std::vector<MemoryTerm>& terms) = nullptr;

    bool supportsLayer(const std::string& kind) const
    {
        for (const char* k : layer_kinds)
            if (kind == k)
                return true;
        return false;
    }
    /// The layer kinds it trains, for messages and lists: "lif, conv".
    std::string layerKindsText() const
    {
        std::string text;
        for (const char* k : layer_kinds)
            text += (text.empty() ? "" : ", ") + std::string(k);
        return text;
    }
};

} // namespace tp
