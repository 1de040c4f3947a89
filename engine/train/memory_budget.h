#pragma once
/// The memory check a run passes before it allocates anything: an estimate of what the run's own
/// rule allocates (weights, Adam state, rule state, confusion matrix) against what this process
/// can get (physical RAM, cgroup v2 memory.max, RLIMIT_AS). A run that cannot fit is refused with
/// a ConfigError naming the field that drives the size, instead of dying in std::bad_alloc.
#include <cstddef>
#include <string>

#include "nn/network.h"

namespace tp {

/// Bytes this process may allocate, and where that bound comes from.
struct MemoryLimit {
    std::size_t bytes = 0;
    std::string source;  ///< "physical RAM", "cgroup memory.max", "RLIMIT_AS"
};

/// The smallest of physical RAM (sysconf), the cgroup v2 memory.max of this process (when set)
/// and RLIMIT_AS (when set). Reads /proc/self/cgroup and /sys/fs/cgroup; any thread.
MemoryLimit availableMemory();

/// What a run of `config` (its rule.name, max_batch, classes and layers) allocates at `steps`
/// time steps per batch (0: unknown, BPTT's history then not counted), in bytes of
/// `value_bytes` per value, and the largest single part with the experiment field that drives it.
struct MemoryEstimate {
    std::size_t bytes = 0;            ///< total
    std::size_t largest_bytes = 0;    ///< the largest part
    std::string field;                ///< e.g. "network.layers[3].size", "run.batch", "binning.steps"
    std::string part;                 ///< what the largest part is, in words
};

/// Throws ConfigError for a layer type the analytic model cannot size (NetShape::fromConfig).
MemoryEstimate estimateRunMemory(const TpConfig& config, int steps, std::size_t value_bytes);

/// Throws ConfigError({field, "..."}) when `estimate` exceeds `limit`, with both in GB.
void requireMemoryFits(const MemoryEstimate& estimate, const MemoryLimit& limit);

} // namespace tp
