// NIR graphs as our networks (the mapping: nir/nir_network.h): the chain the walk finds
// (nir_chain.h) as our experiment, with scales and thresholds folded into the weights.
#include "nir/nir_network.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/errors.h"
#include "io/atomic_file.h"
#include "io/h5.h"
#include "nir/nir_chain.h"
#include "train/run_files.h"

namespace tp {

namespace fs = std::filesystem;
using namespace nirchain;

namespace {

/// Scales row r of `m` by f[r] (rows left alone where f[r] is exactly 1, keeping their bits).
void scaleRows(NetworkMatrix& m, const std::vector<double>& f)
{
    for (std::size_t r = 0; r < m.rows && r < f.size(); ++r)
        if (f[r] != 1.0)
            for (std::size_t c = 0; c < m.cols; ++c)
                m.values[r * m.cols + c] *= f[r];
}

std::vector<double> times(std::vector<double> a, const std::vector<double>& b)
{
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        a[i] *= b[i];
    return a;
}

/// Our experiment from the graph's metadata, when it carries one that parses.
std::optional<Experiment> ownExperiment(const nir::Graph& g, const std::string& file, std::vector<std::string>& notes)
{
    const auto it = g.metadata.find("traceprop_experiment");
    if (it == g.metadata.end() || !it->second.isString())
        return std::nullopt;
    try {
        return parseExperiment(nlohmann::json::parse(it->second.text), file + " (metadata traceprop_experiment)");
    } catch (const std::exception& e) {
        notes.push_back(std::string("metadata traceprop_experiment ignored: ") + e.what());
        return std::nullopt;
    }
}

/// The network of a walked chain: one alpha, v_th = the first layer's threshold, every layer's
/// input scale and threshold folded into the rows of its weights (the same spikes).
ImportedNetwork build(Chain chain, const nir::Graph& g, const std::string& file)
{
    ImportedNetwork out;
    out.dt_s = chain.dt_s;
    out.dt_source = chain.dt_source;
    const std::optional<Experiment> own = ownExperiment(g, file, out.notes);
    const Layer& first = chain.layers.front();
    const double vth = first.fit.threshold.front(), alpha = first.fit.leak;
    Experiment e = own ? *own : Experiment{};
    auto snap = [&](double value, std::optional<double> ours) {
        return ours && near(value, *ours, kExactTol) ? *ours : value;
    };
    e.neuron.alpha = snap(alpha, own ? std::optional(own->neuron.alpha) : std::nullopt);
    e.neuron.v_th = vth;
    const bool ownResetFits = own && (own->neuron.resetKind() == ResetKind::Soft) == first.fit.soft;
    e.neuron.reset = ownResetFits ? own->neuron.reset : first.fit.soft ? "soft" : "hard";
    e.network.layers.clear();
    for (std::size_t l = 0; l < chain.layers.size(); ++l) {
        Layer& layer = chain.layers[l];
        e.network.layers.push_back(layer.spec);
        std::vector<double> factor = layer.fit.gain;
        for (std::size_t r = 0; r < factor.size(); ++r)
            factor[r] *= vth / layer.fit.threshold[r];
        if (!layer.rowScale.empty())
            factor = times(factor, layer.rowScale);
        scaleRows(layer.W, factor);
        if (layer.spec.recurrent)
            scaleRows(layer.R, factor);
        if (std::any_of(factor.begin(), factor.end(), [](double f) { return f != 1.0; }))
            out.notes.push_back(layer.label + ": input scale and threshold folded into the rows of its weights");
        const std::string n = std::to_string(l + 1);
        out.weights["W" + n] = layer.W;
        if (layer.spec.recurrent)
            out.weights["R" + n] = layer.R;
    }
    if (chain.identity_readout) {
        const std::size_t c = std::size_t(chain.layers.back().spec.size);
        NetworkMatrix id{c, c, std::vector<double>(c * c, 0.0)};
        for (std::size_t i = 0; i < c; ++i)
            id.values[i * c + i] = 1;
        out.weights["W_out"] = id;
        e.network.readout_leak = 1;
        out.notes.push_back(chain.layers.back().label + " feeds Output: identity readout (I, leak 1), whose last "
                            "value is the spike count");
    } else {
        const Layer& r = chain.readout;
        NetworkMatrix wout = r.W;
        scaleRows(wout, r.rowScale.empty() ? r.fit.gain : times(r.fit.gain, r.rowScale));
        out.weights["W_out"] = wout;
        e.network.readout_leak = snap(r.fit.leak, own ? std::optional(own->network.readout_leak) : std::nullopt);
    }
    e.network.inputs = int(chain.inputs);
    e.network.norm = "none";  // the file holds the weights the forward pass uses
    e.network.init_weights.clear();
    const std::string name = fs::path(file).filename().string();
    if (own) {
        e.description = "Imported from " + name + " (NIR, dt " + num(chain.dt_s) + " s). " + e.description;
        out.precision = own->run.precision;
    } else {
        const int classes = int(out.weights["W_out"].rows);
        e.name = fs::path(file).stem().string();
        e.description = "Imported from " + name + " (NIR, dt " + num(chain.dt_s) +
                        " s). The dataset is a Randman placeholder of the network's size: set dataset.* to the data "
                        "the network was trained on.";
        e.dataset.kind = "randman";
        e.dataset.params = {{"classes", classes}, {"units", int(chain.inputs)}};
        e.dataset.binning = {{"steps", 100}};
        e.neuron.beta = e.neuron.alpha;  // the trace forgets as the membrane does
        out.notes.push_back("no TraceProp experiment in the metadata: dataset, binning, rule and run are defaults "
                            "(neuron.beta = alpha)");
    }
    e.run.precision = out.precision;
    out.experiment = e;
    return out;
}

} // namespace

ImportedNetwork fromNir(const nir::Graph& graph, const std::string& file, std::optional<double> dt_s)
{
    nir::Graph flat;
    try {
        flat = nir::flatten(graph);
    } catch (const ConfigError& e) {
        throw ConfigError(file + ": cannot import this NIR graph (1 problem):\n  " + e.what());
    }
    return build(walk(flat, file, dt_s), flat, file);
}

void writeNetworkWeights(const std::string& path, const NetworkWeights& weights, Precision precision,
                         const std::string& source)
{
    const bool f32 = precision == Precision::Float32;
    h5::writeAtomically(path, [&](h5::File& f) {
        f.writeAttr("format", std::string("traceprop-weights"));
        f.writeAttr("format_version", kRunFileFormatVersion);
        f.writeAttr("precision", std::string(f32 ? "float32" : "float64"));
        f.writeAttr("source", source);
        for (const auto& [name, m] : weights)
            f.write("weights/" + name, {m.rows, m.cols}, m.values.data(), f32);
    });
}

ImportedNetwork importNir(const std::string& nirFile, const std::string& experimentFile, std::optional<double> dt_s,
                          const std::vector<std::string>& overrides, const DatasetValidator& validateDataset)
{
    const nir::File file = nir::read(nirFile);
    ImportedNetwork net = fromNir(file.graph, nirFile, dt_s);
    const fs::path exp(experimentFile);
    const fs::path weights = exp.parent_path() / (exp.stem().string() + ".weights.h5");
    net.experiment.network.init_weights = fs::absolute(weights).lexically_normal().string();
    nlohmann::json doc = toJson(net.experiment);
    for (const auto& o : overrides)
        applyOverride(doc, o);
    net.experiment = parseExperiment(doc, experimentFile, validateDataset);
    writeNetworkWeights(weights.string(), net.weights, net.precision, nirFile);
    writeFileAtomically(experimentFile, doc.dump(2) + "\n");
    return net;
}

} // namespace tp
