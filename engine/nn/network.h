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
#include "core/errors.h"
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

struct Batch;

/// Throws ConfigError unless the batch has 1..maxBatch rows, at least one time step, `inputs`
/// values per step (`shape` names them in the message, e.g. " (C_in*H*W)") and every label in
/// [0, classes).
void checkBatch(const Batch& batch, int maxBatch, int inputs, int classes, const std::string& shape = {});

/// Fills `layers` with the dense layers of `config` in order (size, fan_in, recurrent, W and,
/// for a recurrent layer, R sized and zeroed); returns the last layer's size (the readout's
/// fan-in). Throws ConfigError for a network without layers, inputs or classes.
template <typename Layer>
int buildDenseLayers(const TpConfig& config, std::vector<Layer>& layers)
{
    if (config.layers.empty() || config.inputs <= 0 || config.classes < 1)
        throw ConfigError("network needs >= 1 hidden layer, inputs > 0 and classes > 0");
    int fanIn = config.inputs;
    for (const auto& spec : config.layers) {
        Layer layer;
        layer.size = spec.size;
        layer.fan_in = fanIn;
        layer.recurrent = spec.recurrent;
        layer.W.resize(spec.size, fanIn);
        if (spec.recurrent)
            layer.R.resize(spec.size, spec.size);
        layers.push_back(std::move(layer));
        fanIn = spec.size;
    }
    return fanIn;
}

/// True when the layers are conv (all of them); throws ConfigError when conv and lif are mixed.
bool isConvConfig(const TpConfig& config);

} // namespace tp
