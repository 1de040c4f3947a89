// `traceprop-cli export-nir RUN_DIR|CHECKPOINT OUT.nir` and `import-nir IN.nir --out EXP.json`:
// trained networks out to and in from NIR (engine/nir/nir_network.h has the mapping).
#include <cstdio>
#include <map>
#include <optional>

#include "commands.h"
#include "nir/nir_network.h"
#include "registry.h"

namespace tp::cli {

namespace {

/// "3 nodes: 1 Input, 1 LIF, ..." of a flat graph.
std::string nodeSummary(const nir::Graph& g)
{
    std::map<std::string, int> byType;
    for (const auto& [name, node] : g.nodes)
        ++byType[node.type];
    std::string text = std::to_string(g.nodes.size()) + " nodes (";
    bool first = true;
    for (const auto& [type, n] : byType) {
        text += (first ? "" : ", ") + std::to_string(n) + " " + type;
        first = false;
    }
    return text + "), " + std::to_string(g.edges.size()) + " edges";
}

} // namespace

Runner addExportNir(CLI::App& app)
{
    struct Options {
        std::string run, out;
        double dt = 0;
    };
    auto o = std::make_shared<Options>();
    app.add_option("RUN", o->run, "run folder (its results.h5, else checkpoint.h5) or a results.h5 / checkpoint.h5")
        ->required();
    app.add_option("OUT", o->out, "NIR file to write (HDF5, the layout of the Python nir library)")->required();
    app.add_option("--dt", o->dt, "seconds per time step (default: the binning's time_window_us, else 0.001)")
        ->check(CLI::PositiveNumber);
    return [o] {
        const NirExport e = exportNir(o->run, o->out, o->dt,
                                      [](const Experiment& exp) { return plannedDatasetShape(exp.dataset).input; });
        std::printf("wrote %s from %s: %s; dt %g s%s\n", o->out.c_str(), e.run_file.c_str(), nodeSummary(e.graph).c_str(),
                    e.dt_s, e.default_dt ? " (default; --dt sets it)" : "");
        return kExitOk;
    };
}

Runner addImportNir(CLI::App& app)
{
    struct Options {
        std::string in, out;
        double dt = 0;
        std::vector<std::string> sets;
    };
    auto o = std::make_shared<Options>();
    app.add_option("IN", o->in, "NIR file (HDF5) written by nir.write or export-nir")->required();
    app.add_option("--out", o->out, "experiment file to write; its initial weights go beside it as NAME.weights.h5")
        ->required();
    app.add_option("--dt", o->dt, "seconds per time step (default: the file's metadata dt, else tau / r of its neurons)")
        ->check(CLI::PositiveNumber);
    app.add_option("--set", o->sets, "override a field of the built experiment: key.path=value (repeatable), e.g. "
                                     "dataset.kind=shd --set dataset.path=/data/SHD");
    return [o] {
        const ImportedNetwork net = importNir(o->in, o->out, o->dt > 0 ? std::optional(o->dt) : std::nullopt, o->sets,
                                              validateDatasetSpec);
        std::string layers;
        for (const auto& l : net.experiment.network.layers)
            layers += (layers.empty() ? "" : "-") + std::to_string(l.size) + (l.type == "conv" ? "c" : "") +
                      (l.pool != "none" && l.type == "conv" ? "/" + l.pool : "") + (l.recurrent ? "r" : "");
        std::printf("wrote %s and %s: %d inputs, layers %s, %zu classes; alpha %.9g, v_th %.9g, reset %s, readout "
                    "leak %.9g; dt %g s (%s)\n",
                    o->out.c_str(), net.experiment.network.init_weights.c_str(), net.experiment.network.inputs,
                    layers.c_str(), net.weights.at("W_out").rows, net.experiment.neuron.alpha, net.experiment.neuron.v_th,
                    net.experiment.neuron.reset.c_str(), net.experiment.network.readout_leak, net.dt_s,
                    net.dt_source.c_str());
        for (const auto& note : net.notes)
            std::printf("note: %s\n", note.c_str());
        return kExitOk;
    };
}

} // namespace tp::cli
