#pragma once
/// The small dataset interface the trainer consumes. Implementations live in datasets/.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "core/sample.h"

namespace tp {

enum class Split { Train, Test };

class Dataset {
public:
    virtual ~Dataset() = default;
    virtual std::string name() const = 0;
    virtual int classes() const = 0;
    virtual int channels() const = 0;                  ///< input size per time step
    /// Shape (C, H, W) of one input frame, flattened channel-major: input index (c*H + y)*W + x.
    /// Conv networks need it; non-spatial sets are (channels, 1, 1).
    virtual std::array<int, 3> inputShape() const { return {channels(), 1, 1}; }
    virtual std::size_t size(Split split) const = 0;
    virtual const Sample& sample(Split split, std::size_t index) const = 0;
    /// Training sample `index` as seen in `epoch`: with training-time augmentation (random
    /// crop, flip) a fresh variant drawn from (seed, epoch, index), else sample(Train, index).
    virtual Sample trainingSample(std::size_t index, std::uint64_t seed, int epoch) const
    {
        return sample(Split::Train, index);
    }
    /// Optional human-readable class names (empty: use the numbers).
    virtual std::vector<std::string> classNames() const { return {}; }
    /// Reference pipelines that drop the last incomplete batch of both splits (SHD): the
    /// trainer then trains and scores only whole batches.
    virtual bool dropLast() const { return false; }
};

/// Sample order for one epoch: a permutation of [0, n) that depends only on (seed, epoch),
/// so a resumed run shuffles exactly as an uninterrupted one.
std::vector<std::size_t> epochOrder(std::size_t n, std::uint64_t seed, int epoch, bool shuffle);

} // namespace tp
