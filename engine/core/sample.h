#pragma once
/// Samples and batches: the one representation every dataset produces and the engine consumes.
/// A sample is a variable-length sequence of sparse input frames stored as CSR by time step:
/// frame t holds the (channel, value) pairs in [step_offsets[t], step_offsets[t+1]).
/// Values are event counts for event data (1 for a single spike) or real features (GSC).
#include <cstdint>
#include <span>
#include <vector>

namespace tp {

struct Sample {
    std::int32_t label = 0;
    std::int32_t channels = 0;               ///< input size (flattened sensor size)
    std::vector<std::int32_t> step_offsets;  ///< size steps()+1, step_offsets[0] == 0
    std::vector<std::int32_t> units;         ///< channel index of each entry, < channels
    std::vector<float> values;               ///< value of each entry (same size as units)

    std::int32_t steps() const { return step_offsets.empty() ? 0 : std::int32_t(step_offsets.size()) - 1; }
    std::size_t nonZeros() const { return units.size(); }
};

/// A padded mini-batch in time-major sparse form. Frame t of row b holds the entries
/// [row_offsets[t][b], row_offsets[t][b+1]) of units[t] / values[t]. Rows shorter than
/// `steps` are zero-padded at the end (tp-algorithm.md section 8.17): their frames are empty.
struct Batch {
    std::int32_t size = 0;      ///< B
    std::int32_t steps = 0;     ///< T = longest sample in the batch
    std::int32_t channels = 0;  ///< input size
    std::vector<std::int32_t> labels;                    ///< B labels
    std::vector<std::int32_t> lengths;                   ///< B true lengths (before padding)
    std::vector<std::vector<std::int32_t>> row_offsets;  ///< T x (B+1)
    std::vector<std::vector<std::int32_t>> units;        ///< T frames
    std::vector<std::vector<float>> values;              ///< T frames

    /// Fraction of non-zero entries over the whole padded batch.
    double density() const;
};

/// Build a padded batch from the samples `indices` of `samples`. Throws ConfigError when the
/// samples disagree on `channels` or a label is outside [0, classes).
Batch makeBatch(std::span<const Sample> samples, std::span<const std::size_t> indices, int classes);

} // namespace tp

namespace tp {

/// A batch of random binary events (each input on with probability `density` at each step),
/// every row `steps` long. Rows 0..classes-1 carry labels 0..classes-1 so that every class is
/// present; the other labels are uniform. For benchmarks and tests.
Batch syntheticBatch(int rows, int steps, int channels, int classes, double density, std::uint64_t seed);

} // namespace tp
