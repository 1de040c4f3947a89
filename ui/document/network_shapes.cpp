#include "ui/document/network_shapes.h"

#include <algorithm>

#include "train/trainer.h"

namespace tp::ui {
namespace {

using OJson = nlohmann::ordered_json;
using Shape = std::array<int, 3>;

/// A dataset that has only a shape: lets the engine's modelConfig check the network.
class ShapeOnlyDataset : public Dataset {
public:
    ShapeOnlyDataset(std::string name, DatasetShape shape) : m_name(std::move(name)), m_shape(shape) {}
    std::string name() const override { return m_name; }
    int classes() const override { return m_shape.classes; }
    int channels() const override { return m_shape.input[0] * m_shape.input[1] * m_shape.input[2]; }
    std::array<int, 3> inputShape() const override { return m_shape.input; }
    std::size_t size(Split) const override { return 0; }
    const Sample& sample(Split, std::size_t) const override { throw ConfigError("no samples: shape only"); }

private:
    std::string m_name;
    DatasetShape m_shape;
};

std::string layerPath(std::size_t i) { return "network.layers[" + std::to_string(i) + "]"; }

} // namespace

std::string shapeText(const std::optional<Shape>& shape)
{
    if (!shape)
        return "?";
    const Shape& s = *shape;
    if (s[1] == 1 && s[2] == 1)
        return std::to_string(s[0]);
    return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
}

std::string ShapeReport::inputText() const { return shapeText(input); }
std::string ShapeReport::layerText(std::size_t i) const { return i < layers.size() ? shapeText(layers[i]) : "?"; }
std::string ShapeReport::readoutText() const { return classes > 0 ? std::to_string(classes) : "?"; }

std::string ShapeReport::summary() const
{
    std::string text = inputText();
    for (std::size_t i = 0; i < layers.size(); ++i)
        text += " -> " + layerText(i);
    return text + " -> " + readoutText();
}

ShapeReport inferShapes(const OJson& doc, const std::optional<DatasetShape>& dataset, const Experiment* parsed)
{
    ShapeReport r;
    std::optional<DatasetShape> data = dataset;
    const OJson empty = OJson::object();
    const OJson& net = doc.contains("network") && doc["network"].is_object() ? doc["network"] : empty;
    if (!data && doc.contains("dataset") && doc["dataset"].is_object() && doc["dataset"].contains("kind") &&
        doc["dataset"]["kind"].is_string()) {
        DatasetSpec spec;
        spec.kind = doc["dataset"]["kind"].get<std::string>();
        spec.params = nlohmann::json(doc["dataset"]);
        if (doc.contains("binning") && doc["binning"].is_object())
            spec.binning = nlohmann::json(doc["binning"]);
        data = nominalDatasetShape(spec);
    }
    if (data) {
        r.input = data->input;
        r.classes = data->classes;
    }
    // network.inputs > 0 fixes a flat input size (the trainer checks it against the dataset).
    if (net.contains("inputs") && net["inputs"].is_number_integer() && net["inputs"].get<int>() > 0) {
        const int n = net["inputs"].get<int>();
        if (!r.input || r.input->at(0) * r.input->at(1) * r.input->at(2) != n)
            r.input = Shape{n, 1, 1};
    }

    const OJson& layers = net.contains("layers") && net["layers"].is_array() ? net["layers"] : OJson::array();
    std::optional<Shape> in = r.input;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const OJson& layer = layers[i];
        std::optional<Shape> out;
        const std::string type = layer.is_object() ? layer.value("type", std::string("lif")) : std::string();
        const auto sizeIt = layer.is_object() ? layer.find("size") : layer.end();
        const bool sizeOk = layer.is_object() && sizeIt != layer.end() && sizeIt->is_number_integer() &&
                            sizeIt->get<int>() >= 1;
        const int size = sizeOk ? sizeIt->get<int>() : 0;
        if (type == "lif" && sizeOk) {
            out = Shape{size, 1, 1};
        } else if (type == "conv" && sizeOk && in) {
            int h = (*in)[1], w = (*in)[2];
            const std::string pool = layer.value("pool", std::string("none"));
            if (pool == "max2") {
                if (h < 2 || w < 2)
                    r.issues.push_back({layerPath(i) + ".pool", "max2 pooling of a " + std::to_string(h) + "x" +
                                                                    std::to_string(w) + " map (needs at least 2x2)"});
                h /= 2;
                w /= 2;
            } else if (pool == "avgpool2x2") {
                h = w = 2;
            }
            if (h >= 1 && w >= 1)
                out = Shape{size, h, w};
        }
        r.layers.push_back(out);
        in = out;
    }

    if (parsed && data) {
        // modelConfig does not look at the class count; 1 stands in while it is unknown.
        DatasetShape shape = *data;
        shape.classes = std::max(shape.classes, 1);
        try {
            const ShapeOnlyDataset shapeOnly(parsed->dataset.kind, shape);
            (void)modelConfig(*parsed, shapeOnly);
        } catch (const ConfigError& error) {
            r.issues.insert(r.issues.end(), error.issues().begin(), error.issues().end());
        }
    }
    return r;
}

} // namespace tp::ui
