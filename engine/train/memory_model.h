#pragma once
/// Analytic memory of the learning-rule state of every registered rule and of an auxiliary-matrix local
/// rule (TESS/DECOLLE style) for one network, batch B and sequence length T, beside what the
/// engine measures for the rules it runs (TP, BPTT). tp-algorithm.md section 4 (paper Table 3,
/// Eq. 25 and the memory-vs-classes figure as reconstructed there).
///
/// Notation: L layers of H_l neurons (l = 1..L), H_0 = inputs, C classes (the paper's O),
/// B batch rows, T time steps, rec_l = 1 when layer l is recurrent. Every count is in values;
/// bytes = values * 4 (float32; the paper's setting). All formulas are per batch of B samples
/// (Table 3's entries are per sample: multiply by B where the state is per sample).
///
/// Rule state ("model_bytes"; the part that differs between the rules):
/// Conv networks: sum_l H_l below counts the traced (pooled) maps in TP's and the aux rule's traces
/// and in the readout's weights, and the full maps (where u and s live) in BPTT's history;
/// H_1 of S is the full first map (tp-algorithm.md section 5.3).
///
///   TP (paper, Eq. 25 reconstruction, Table 3 "LH" space + "OH" aux):
///       paper  = 2*B*sum_l H_l            two per-neuron traces per layer (input and target path)
///              + C*H_1                    the one fixed target projection S
///       model  = (B + K)*sum_l H_l + K*C + C*H_1 + rec_1*H_1^2,   K = min(B, C)
///                The engine's count: the target path is driven by the one-hot label alone, so rows
///                of one class carry the same target state; at most K = min(B, C) distinct target
///                rows exist (tp_network.h), so K target traces replace B. K*C is the label trace
///                c-bar that feeds S, rec_1*H_1^2 the frozen recurrent matrix S_rec of target layer 1.
///                For C >= B, model = paper + B*C (+ H_1^2); both give the same TP-vs-aux crossover.
///       TP also needs (not in model_bytes; forward state, scratch): membrane and spikes of both
///       paths (2*(B+K)*sum H_l), the (B x K) logits z_l and the (K x K) soft targets per layer
///       (the paper's B x B similarity), the readout membrane B*C and readout trace B*H_L.
///   BPTT (Table 3 "TLH" per sample): model = 2*T*B*sum_l H_l, the stored pre-reset potential u
///       (for the surrogate psi(u)) and the spikes s (input of the next layer, the recurrence and
///       the reset term) of every layer at every step: exactly engine/bptt's u_hist and s_hist.
///       Not counted: the B x H membranes and the per-step backward scratch (dL/ds, dL/dm, dL/dI).
///   e-prop (Table 3 "LH^2"; rules/eprop/eprop_rule.h): model = B * sum_l (syn_l + eps_l), one
///       filtered eligibility trace per synapse and sample, and the eligibility vectors: one per
///       input with the soft reset (the presynaptic trace), one per synapse with the hard one.
///       Its fixed random feedback matrices (C x H_l) are counted as weights of a "feedback" part.
///   aux-matrix local rule (TESS / DECOLLE / DRTP style, Table 3 TESS "LH" + aux "LOH"):
///       model = B*sum_l H_l + C*sum_l H_l   one per-neuron trace per layer and one fixed random
///       C x H_l matrix per layer that brings the label/error to layer l.
/// TP < aux  <=>  K*sum H + K*C + C*H_1 (+ rec_1*H_1^2) < C*sum H: never for C <= B (K = C); for C > B
///   C > B*sum H / (sum H - H_1 - B) (model) or C > B*sum H / (sum H - H_1) (paper; = B*L/(L-1) for
///   equal widths): TP wins only when the classes exceed about the batch size.
///
/// Common to all rules (not in model_bytes): weights sum_l H_l*(H_{l-1} + rec_l*H_l) + C*H_L and the
/// Adam moments, twice that (plus one step counter per matrix).
///
/// Measured (engine/tp memory(), engine/bptt memory()): the sum over parts of MemoryRow::trace_bytes
/// plus weights_bytes of the "target projection S" part. For TP that is the input and target traces
/// of every layer, the label trace and S (+ S_rec); for BPTT u_hist + s_hist. It equals model_bytes
/// when the batch holds min(B, C) distinct classes (syntheticBatch does).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nn/net_shape.h"
#include "nn/network.h"

namespace tp {

class Model;

/// Analytic counts for one rule, in bytes (float32 unless `value_bytes` says otherwise).
struct RuleMemory {
    std::string rule;                 ///< "tp", "bptt", "eprop", "aux"
    std::size_t model_bytes = 0;      ///< the rule state (see above)
    std::size_t paper_bytes = 0;      ///< the paper's own formula (TP: 2*B*sum H + C*H_1; others = model)
    std::size_t weights_bytes = 0;    ///< trainable weights (common to all rules)
    std::size_t optimizer_bytes = 0;  ///< Adam moments (2x weights)
};

/// The reference rule the engine does not run (the registered rules bring their own counts:
/// LearningRule::state_values).
std::size_t auxModelValues(const NetShape& net, std::size_t B);
std::size_t weightValues(const NetShape& net);

/// The title of a memory row's rule: a registered rule's title, or the reference's
/// ("aux-matrix local rule (model only)").
std::string memoryRuleTitle(const std::string& rule);

/// Every registered rule that trains every layer kind of `net` (learningRules(): tp, bptt, eprop, ...),
/// then the reference aux.
std::vector<RuleMemory> memoryModel(const NetShape& net, std::size_t B, std::size_t T, std::size_t value_bytes = 4);

/// The measured bytes comparable to model_bytes (see above) from a memory() table.
std::size_t measuredRuleStateBytes(const std::vector<MemoryRow>& memory);

/// A rule's memory by part, in bytes: its weights, Adam's moments, the rule state of Table 3
/// (model_bytes' count) and everything else (membranes, spikes, gradients, per-step scratch).
struct MemoryParts {
    std::size_t weights = 0, optimizer = 0, rule_state = 0, buffers = 0;
    std::size_t total() const { return weights + optimizer + rule_state + buffers; }
};

/// The parts a memory() table measured (MemoryRow's columns; rule_state = measuredRuleStateBytes,
/// the rest of MemoryRow::rule_state_bytes counts as buffers).
MemoryParts measuredParts(const std::vector<MemoryRow>& memory);

/// One row of the memory table: a rule at (steps, classes) with the analytic and, for the rules
/// the engine runs, the measured bytes.
struct MemoryTableRow {
    std::string rule;
    int steps = 0, classes = 0, batch = 0;
    std::size_t model_bytes = 0, paper_bytes = 0;
    std::optional<std::size_t> measured_bytes;
    int hidden = 0;                 ///< the size every layer was set to (0: the experiment's own)
    MemoryParts model;              ///< buffers: the run plan's remainder (memory_budget.h); registered rules only
    std::optional<MemoryParts> measured;
};

/// Build every registered rule (float32) that trains `config`'s layers with `classes` classes and
/// max_batch = `batch`, train ONE synthetic batch (syntheticBatch, `steps` steps, input density
/// `density`) and read memory(). Returns memoryModel's rows, the registered rules' measured. A rule
/// is measured only when the batch's u and s of every neuron at every step (2*T*B*sum H values: the
/// work of the batch, and BPTT's history) and the rule's own model_bytes are both at most
/// `measure_limit_bytes` (0: model only).
std::vector<MemoryTableRow> memoryTable(TpConfig config, int batch, int steps, int classes, double density = 0.05,
                                        std::size_t measure_limit_bytes = SIZE_MAX);

/// The table a training run writes to results.h5: the model rows of every rule at (batch, steps,
/// config.classes) in `value_bytes` per value, and for the run's own rule (config.rule.name) the
/// bytes it measured (`measured`, its memory() on a batch of `measured_steps` steps; BPTT's row
/// only when that T is `steps`, TP's state does not depend on T). Builds and trains nothing.
/// Empty when the model cannot size the network (conv layers without a spatial input).
std::vector<MemoryTableRow> runMemoryTable(const TpConfig& config, int batch, int steps,
                                           const std::vector<MemoryRow>& measured, int measured_steps,
                                           std::size_t value_bytes = 4);

} // namespace tp
