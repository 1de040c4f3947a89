#pragma once
/// A trainable network of either precision behind one interface (the trainer, the CLI and,
/// later, the GUI do not care whether state is float32 or float64).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tp/tp_network.h"

namespace tp {

namespace h5 {
class File;
}

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

class Model {
public:
    virtual ~Model() = default;
    virtual void initWeights(std::uint64_t seed) = 0;
    virtual BatchStats train(const Batch& batch, double lr) = 0;
    virtual BatchStats evaluate(const Batch& batch) = 0;
    /// train() that also records `request`'s batch row into `probe` (same weights and stats as
    /// train()). Models that cannot record (conv, BPTT) train normally and leave `probe` empty.
    virtual BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& request, Probe& probe)
    {
        probe = Probe{};
        return train(batch, lr);
    }
    virtual std::vector<MemoryRow> memory() const = 0;
    /// Write weights under "weights/" (and Adam state under "optimizer/" when asked).
    virtual void save(h5::File& file, bool withOptimizer) const = 0;
    /// Read what save() wrote; throws FormatError on a missing dataset or a shape mismatch.
    virtual void load(const h5::File& file, bool withOptimizer) = 0;
    /// Multiply every trainable weight by `gain` (benchmarks of higher activity).
    virtual void scaleWeights(double gain) = 0;
    virtual const TpConfig& config() const = 0;
    virtual Precision precision() const = 0;
    /// Dense/event-driven layer-input products so far (to show which path ran).
    virtual std::pair<std::int64_t, std::int64_t> pathCounts() const = 0;
};

/// A dense model (TP or BPTT, by rule.name) for lif layers, the conv TP engine for conv layers
/// (config.input_shape gives the frame's (C, H, W)). Throws ConfigError for conv layers mixed
/// with lif ones and for BPTT with conv layers.
std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision);

/// True when the layers are conv (all of them); throws ConfigError when conv and lif are mixed.
bool isConvConfig(const TpConfig& config);

} // namespace tp
