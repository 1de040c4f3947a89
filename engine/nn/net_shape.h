#pragma once
/// The sizes of a network that memory models need (train/memory_model.h, each rule's
/// LearningRule::state_values): neurons, traced outputs, weights and synapses per layer.
#include <cstddef>
#include <vector>

#include "nn/network.h"

namespace tp {

/// What the analytic model needs of a network: neurons per layer, weights per layer (feed-forward
/// fan-in times neurons; a conv layer gives its feature-map size and kernel weights here).
struct NetShape {
    struct Layer {
        const char* kind = "lif";     ///< the layer type ("lif", "conv"): which rules can train it
        std::size_t neurons = 0;      ///< H_l (a conv layer: channels * height * width of its full map)
        std::size_t traced = 0;       ///< values of the layer's output, what TP traces (conv: the pooled map; dense: H_l)
        std::size_t ff_weights = 0;   ///< feed-forward synapses into the layer (dense: H_l * H_{l-1})
        std::size_t synapses = 0;     ///< per-synapse state for e-prop (dense: H_l * H_{l-1})
        bool recurrent = false;       ///< adds H_l^2 weights and synapses
    };
    std::size_t inputs = 0, classes = 0;
    bool soft_reset = true;  ///< the neurons' reset (e-prop keeps an eligibility vector per input when soft, per synapse when hard)
    std::vector<Layer> layers;

    /// The shape of the network of `config`: dense LIF layers, or conv blocks on
    /// config.input_shape (3x3 kernels; neurons = full map, traced = pooled map, e-prop synapses =
    /// neurons * C_in * 9). Throws ConfigError for a layer type it cannot size.
    static NetShape fromConfig(const TpConfig& config);
};

/// sum_l H_l, sum_l of the traced outputs, and H_1.
std::size_t sumNeurons(const NetShape& net);
std::size_t sumTraced(const NetShape& net);
std::size_t firstNeurons(const NetShape& net);

} // namespace tp
