#pragma once
/// A trainable network of either precision behind one interface (the trainer, the CLI and,
/// later, the GUI do not care whether state is float32 or float64).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sample.h"
#include "nn/network.h"
#include "rules/probe.h"

namespace tp {

namespace h5 {
class File;
}

/// A stored array that holds NaN or Inf (Model::firstNonFinite).
struct NonFiniteArray {
    std::string array;          ///< checkpoint name: "weights/W1", "optimizer/W1/m", "optimizer/W1/v"
    std::string layer;          ///< "layer 1", "layer 1 (recurrent)", "readout", "target projection"
    std::size_t count = 0;      ///< values that are NaN or Inf
    std::size_t size = 0;       ///< values of the array
};

/// The matrices every rule's network has, by checkpoint name: W1, W2, ... (layer inputs), R1, ...
/// (recurrent weights) and W_out (readout). A rule's other matrices (TP's S and S_rec, DECOLLE's
/// G1.., e-prop's B1..) are its own.
inline bool isNetworkMatrix(const std::string& name)
{
    if (name == "W_out")
        return true;
    if (name.size() < 2 || (name[0] != 'W' && name[0] != 'R'))
        return false;
    return name.find_first_not_of("0123456789", 1) == std::string::npos;
}

class Model {
public:
    virtual ~Model() = default;
    virtual void initWeights(std::uint64_t seed) = 0;
    virtual BatchStats train(const Batch& batch, double lr) = 0;
    virtual BatchStats evaluate(const Batch& batch) = 0;
    /// train() that also records `request`'s batch row into `probe` (same weights and stats as
    /// train()). Models that cannot record (conv networks) train normally and leave `probe` empty
    /// but for its rule's name.
    virtual BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& request, Probe& probe)
    {
        probe = Probe{};
        probe.rule = config().rule.name;
        return train(batch, lr);
    }
    virtual std::vector<MemoryRow> memory() const = 0;
    /// Write weights under "weights/" (and Adam state under "optimizer/" when asked).
    virtual void save(h5::File& file, bool withOptimizer) const = 0;
    /// Read what save() wrote; throws FormatError on a missing dataset or a shape mismatch.
    virtual void load(const h5::File& file, bool withOptimizer) = 0;
    /// Read only the network's own matrices (isNetworkMatrix: weights/W<l>, weights/R<l>,
    /// weights/W_out) of a run file of any rule or an import-nir weights file; the rule's other
    /// matrices and the Adam state keep their values. Errors as load().
    virtual void loadNetwork(const h5::File& file) = 0;
    /// Every trainable array (weights, Adam m and v; frozen matrices excluded) in a fixed order,
    /// as fn(data, count) over contiguous scalars of precision(). For data-parallel averaging.
    virtual void forEachTrainable(const std::function<void(void* data, std::size_t count)>& fn) = 0;
    /// The first stored array (checkpoint order: per matrix its weights, then Adam m and v) that
    /// holds a NaN or an Inf; nullopt when all are finite. One read of every array (about the
    /// cost of one Adam step); the trainer calls it after every batch.
    virtual std::optional<NonFiniteArray> firstNonFinite() const = 0;
    /// Multiply every trainable weight by `gain` (benchmarks of higher activity).
    virtual void scaleWeights(double gain) = 0;
    virtual const TpConfig& config() const = 0;
    virtual Precision precision() const = 0;
    /// Dense/event-driven layer-input products so far (to show which path ran).
    virtual std::pair<std::int64_t, std::int64_t> pathCounts() const = 0;
};

} // namespace tp
