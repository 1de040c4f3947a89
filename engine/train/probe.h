#pragma once
/// What a probed training pass records of one sample (Model::trainProbed), for the live views:
/// spikes of both paths per layer, and potentials and traces of picked neurons. Plain data, no
/// Eigen (the GUI includes it).
#include <cstdint>
#include <vector>

namespace tp {

/// Which batch row and neurons a probed training pass records (see Model::trainProbed).
struct ProbeRequest {
    int row = 0;                  ///< batch row on show (clamped to the batch)
    int layer = 0;                ///< 0-based layer of the picked neurons
    std::vector<int> neurons;     ///< picked neurons of `layer` (out-of-range ones are skipped)
};

/// The recorded per-time-step state of one batch row during one training pass.
struct Probe {
    struct Layer {
        int size = 0;
        std::vector<std::uint8_t> in_spikes;   ///< [steps x size] row-major, input path
        std::vector<std::uint8_t> tgt_spikes;  ///< [steps x size] row-major, target (label) path
    };
    struct Neuron {
        int neuron = 0;
        std::vector<float> potential;  ///< pre-reset membrane potential u_t (spike when u_t >= threshold)
        std::vector<float> in_trace;   ///< input-path trace
        std::vector<float> tgt_trace;  ///< target-path trace (of the row's class)
    };
    std::int64_t step = 0;        ///< training step (batch) of the run, 1-based (set by the trainer)
    int epoch = 0;                ///< 1-based (set by the trainer)
    int steps = 0;                ///< time steps T; 0 = nothing recorded (model cannot probe)
    int row = 0, label = -1;      ///< batch row recorded and its class
    int layer = 0;                ///< layer of `neurons`
    double threshold = 0;         ///< v_th
    int inputs = 0;
    std::vector<std::uint8_t> input;  ///< [steps x inputs] row-major, 1 where the input frame is non-zero
    std::vector<Layer> layers;
    std::vector<Neuron> neurons;
    bool empty() const { return steps == 0; }
};

} // namespace tp
