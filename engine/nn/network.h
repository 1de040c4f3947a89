#pragma once
/// What every learning rule's network is built from and reports: the network description
/// (TpConfig, derived from an Experiment and the dataset), the totals of one batch (BatchStats)
/// and the bytes of one part of the network (MemoryRow).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "nn/adam.h"

namespace tp {

/// Everything the engine needs to build a network (derived from an Experiment and the dataset).
struct TpConfig {
    int inputs = 0;
    /// (C, H, W) of an input frame (C*H*W = inputs); only conv layers use H and W.
    std::array<int, 3> input_shape = {0, 1, 1};
    int classes = 0;
    int max_batch = 128;
    std::vector<LayerSpec> layers;
    std::string norm = "none";  ///< network.norm: "weight" = weight standardisation (conv layers)
    NeuronSpec neuron;
    double readout_leak = 1.0;
    RuleSpec rule;
    ComputePath path = ComputePath::Auto;
    AdamSettings adam;
    double event_density_threshold = 0.08; ///< Auto path: event-driven below this input density

    static TpConfig fromExperiment(const Experiment& e, int inputs, int classes);
};

/// Bytes allocated by one part of the network (measured from the containers), beside the
/// paper's analytic count for the rule state.
struct MemoryRow {
    std::string part;            ///< "layer 1", "readout", "target projection S"
    std::size_t weights_bytes = 0;
    std::size_t optimizer_bytes = 0;
    std::size_t rule_state_bytes = 0;  ///< traces, membranes, spikes (both paths)
    std::size_t trace_bytes = 0;       ///< the traces alone (part of rule_state_bytes), to set beside model_bytes
    std::size_t buffer_bytes = 0;      ///< per-step temporaries, gradients, sparse lists
    std::size_t model_bytes = 0;       ///< analytic: 2*B*H traces (+ S for the projection row)
    std::size_t total() const { return weights_bytes + optimizer_bytes + rule_state_bytes + buffer_bytes; }
};

/// Totals of one training or evaluation pass over a batch.
struct BatchStats {
    int samples = 0;
    int correct = 0;
    int steps = 0;
    std::vector<double> layer_loss_sum;  ///< sum over steps of E_l (training only; empty: the rule has no local losses)
    double readout_loss_sum = 0;          ///< sum over steps of the readout cross-entropy
    std::vector<double> spike_count;      ///< input-path spikes per layer (over B, T, H)
    std::vector<std::int32_t> predictions;
};

/// True when the layers are conv (all of them); throws ConfigError when conv and lif are mixed.
bool isConvConfig(const TpConfig& config);

} // namespace tp
