#include "core/sample.h"

#include "core/rng.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.h"

namespace tp {

double Batch::density() const
{
    const double cells = double(size) * double(steps) * double(channels);
    if (cells <= 0.0)
        return 0.0;
    std::size_t entries = 0;
    for (const auto& frame : units)
        entries += frame.size();
    return double(entries) / cells;
}

Batch makeBatch(std::span<const Sample> samples, std::span<const std::size_t> indices, int classes)
{
    Batch batch;
    batch.size = std::int32_t(indices.size());
    if (indices.empty())
        return batch;

    // Check everything before allocating, and report every bad sample at once.
    std::vector<ConfigIssue> issues;
    for (std::size_t b = 0; b < indices.size(); ++b) {
        const std::size_t index = indices[b];
        if (index >= samples.size())
            throw std::out_of_range("makeBatch: sample index " + std::to_string(index)
                                    + " is outside [0, " + std::to_string(samples.size()) + ")");
        const Sample& sample = samples[index];
        const std::string where = "sample " + std::to_string(index);
        if (b == 0) {
            batch.channels = sample.channels;
        } else if (sample.channels != batch.channels) {
            issues.push_back({where, "has " + std::to_string(sample.channels)
                                         + " channels but the batch has "
                                         + std::to_string(batch.channels)});
        }
        if (sample.label < 0 || sample.label >= classes)
            issues.push_back({where, "label " + std::to_string(sample.label) + " is outside [0, "
                                         + std::to_string(classes) + ")"});
        batch.steps = std::max(batch.steps, sample.steps());
    }
    if (!issues.empty())
        throw ConfigError(std::move(issues), "makeBatch");

    const std::size_t rows = indices.size();
    batch.labels.resize(rows);
    batch.lengths.resize(rows);
    for (std::size_t b = 0; b < rows; ++b) {
        batch.labels[b] = samples[indices[b]].label;
        batch.lengths[b] = samples[indices[b]].steps();
    }

    const auto steps = std::size_t(batch.steps);
    batch.row_offsets.assign(steps, std::vector<std::int32_t>(rows + 1, 0));
    batch.units.resize(steps);
    batch.values.resize(steps);
    for (std::size_t t = 0; t < steps; ++t) {
        auto& offsets = batch.row_offsets[t];
        std::size_t total = 0;
        for (std::size_t b = 0; b < rows; ++b) {
            const Sample& sample = samples[indices[b]];
            if (t < std::size_t(sample.steps()))
                total += std::size_t(sample.step_offsets[t + 1] - sample.step_offsets[t]);
        }
        auto& units = batch.units[t];
        auto& values = batch.values[t];
        units.reserve(total);
        values.reserve(total);
        for (std::size_t b = 0; b < rows; ++b) {
            const Sample& sample = samples[indices[b]];
            if (t < std::size_t(sample.steps())) {
                const auto begin = std::size_t(sample.step_offsets[t]);
                const auto end = std::size_t(sample.step_offsets[t + 1]);
                units.insert(units.end(), sample.units.begin() + begin, sample.units.begin() + end);
                values.insert(values.end(), sample.values.begin() + begin,
                              sample.values.begin() + end);
            }
            offsets[b + 1] = std::int32_t(units.size());
        }
    }
    return batch;
}

} // namespace tp

namespace tp {

Batch syntheticBatch(int rows, int steps, int channels, int classes, double density, std::uint64_t seed)
{
    Rng rng(seed, 5);
    Batch b;
    b.size = rows;
    b.steps = steps;
    b.channels = channels;
    b.lengths.assign(std::size_t(rows), steps);
    for (int i = 0; i < rows; ++i)
        b.labels.push_back(std::int32_t(i < classes ? i : int(rng.below(std::uint64_t(classes)))));
    for (int t = 0; t < steps; ++t) {
        std::vector<std::int32_t> off{0}, units;
        for (int r = 0; r < rows; ++r) {
            for (int i = 0; i < channels; ++i)
                if (rng.uniform() < density)
                    units.push_back(i);
            off.push_back(std::int32_t(units.size()));
        }
        b.values.emplace_back(units.size(), 1.0f);
        b.units.push_back(std::move(units));
        b.row_offsets.push_back(std::move(off));
    }
    return b;
}

} // namespace tp
