#pragma once
/// Internal to engine/nir: what the walk of a NIR graph from its Input to its Output finds
/// (nir_walk.cpp), before import (nir_import.cpp) makes it our experiment and weights.
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "io/nir.h"
#include "nir/nir_network.h"

namespace tp::nirchain {

/// Relative tolerances: an input scale within kUnitTol of 1 is 1, tau_syn within it of dt is dt
/// and dt candidates within it agree (float32 rounding of a writer's tau and r); the leak
/// factors of our metadata are taken when within kExactTol of the ones tau and dt give.
inline constexpr double kUnitTol = 1e-6;
inline constexpr double kExactTol = 1e-9;

bool near(double a, double b, double tol);
std::string num(double v);  ///< 9 significant digits, for messages

/// A neuron node as our neurons see it, per row of its incoming weights (a dense neuron, or a
/// conv block's output channel).
struct NeuronFit {
    double leak = 1;                ///< per step: alpha (spiking) or lambda (readout)
    std::vector<double> gain;       ///< input scale per row
    std::vector<double> threshold;  ///< per row (spiking)
    bool soft = false;              ///< subtractive reset (metadata), else reset to v_reset = 0
};

/// A spiking layer, or the readout: its neuron node, the weights into it, what Scale nodes add.
struct Layer {
    LayerSpec spec;
    std::string node;               ///< the neuron node's name
    std::string label;              ///< "node 'lif1' (LIF)", as messages name it
    NetworkMatrix W, R;
    NeuronFit fit;
    std::vector<double> rowScale;   ///< Scale nodes between the weights and the neuron
};

struct Chain {
    std::vector<Layer> layers;      ///< the spiking layers in order
    Layer readout;                  ///< LI / I / CubaLI (unused with identity_readout)
    bool identity_readout = false;  ///< the last spiking layer feeds Output (argmax of spike counts)
    std::size_t inputs = 0;
    double dt_s = 0;
    std::string dt_source;
};

/// Walks a flattened graph (nir::flatten). ConfigError naming `file` and listing every problem,
/// each with its node and type.
Chain walk(const nir::Graph& graph, const std::string& file, std::optional<double> dt_s);

} // namespace tp::nirchain
