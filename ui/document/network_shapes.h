#pragma once
/// Shape inference of a network as the designer shows it ("700 -> 450 -> 20", conv
/// C x H x W after pooling) and the structural problems the engine would refuse at run time
/// (mixed conv/lif layers, BPTT with conv, conv on a non-spatial input, pooling a map that is
/// too small). Qt-free; works on a document that does not validate yet (unknown values: "?").
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "core/errors.h"
#include "registry.h"  // DatasetShape, nominalDatasetShape: the shape a dataset spec gives

namespace tp::ui {

struct ShapeReport {
    std::optional<std::array<int, 3>> input;            ///< (C, H, W) when known
    int classes = 0;                                     ///< 0 = unknown
    std::vector<std::optional<std::array<int, 3>>> layers;  ///< output of each layer (after pooling)
    std::vector<ConfigIssue> issues;                     ///< structural problems, engine paths
    std::string inputText() const;
    std::string layerText(std::size_t i) const;
    std::string readoutText() const;
    std::string summary() const;                          ///< "40 -> 200 -> 10"
};

/// "40" for (40,1,1), "2x34x34" for a map; "?" when unknown.
std::string shapeText(const std::optional<std::array<int, 3>>& shape);

/// Infers every layer's output from the document JSON. `dataset` overrides the nominal shape
/// (the measured shape of the loaded dataset). `parsed` is the validated experiment when the
/// document validates: then the engine's own run-time checks (modelConfig) run as well.
ShapeReport inferShapes(const nlohmann::ordered_json& doc, const std::optional<DatasetShape>& dataset,
                        const Experiment* parsed);

} // namespace tp::ui
