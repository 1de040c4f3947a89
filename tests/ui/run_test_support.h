#pragma once
// Shared by the run/charts GUI tests and the throughput benchmark: the shipped randman default
// experiment, shrunk by overrides (as `traceprop-cli train --set` does) so a run takes seconds.
#include <fstream>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "datasets/registry.h"

namespace tp::test {

/// resources/experiments/randman.json with `overrides` ("key.path=value") applied.
inline Experiment randmanExperiment(const std::vector<std::string>& overrides)
{
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(TP_RESOURCES_DIR "/experiments/randman.json"));
    for (const auto& o : overrides)
        applyOverride(doc, o);
    return parseExperiment(doc, "randman.json", validateDatasetSpec);
}

/// 10 classes x 60 samples (480 train / 120 test), batch 32: 15 batches per epoch.
inline Experiment smallRandman(int epochs)
{
    return randmanExperiment({"dataset.samples_per_class=60", "run.batch=32", "run.epochs=" + std::to_string(epochs)});
}

} // namespace tp::test
