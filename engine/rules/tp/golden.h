#pragma once
/// Golden-vector conformance (../shared/golden/README.md): replay the recorded mini-batch of
/// TP training with the engine and compare every recorded array, step by step.
#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment.h"

namespace tp {

/// Largest deviation of one array over all its time steps.
struct GoldenDeviation {
    std::string name;
    bool exact = false;          ///< spikes / predictions: must match entry for entry
    double tolerance = 0;        ///< bound on max_rel (relative to max|expected| per step)
    double max_rel = 0;
    double max_abs = 0;
    std::int64_t mismatches = 0; ///< exact arrays: entries that differ
    int worst_step = -1;         ///< time step (0-based) of max_rel, -1 for whole arrays
    bool ok() const { return exact ? mismatches == 0 : max_rel <= tolerance; }
};

struct GoldenReport {
    std::string file;
    Precision precision = Precision::Float32;
    std::vector<GoldenDeviation> arrays;
    bool passed() const;
    std::string table() const;   ///< one line per array, for terminals and logs
};

/// Replays `file` and compares. MLP files ("mlp" or no model attribute) run on TpNetwork along
/// `path`; conv files (model "cnn") run on ConvTpNetwork (dense only, `path` is ignored) and
/// every dataset under /expected must be compared (an uncompared one is a failing row).
/// Throws IoError / FormatError for unreadable or malformed files (missing attribute or
/// dataset, wrong shape) and ConfigError for a model or option this build cannot run.
GoldenReport verifyGolden(const std::string& file, Precision precision, ComputePath path = ComputePath::Auto);

} // namespace tp
