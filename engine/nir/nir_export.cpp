// Our trained networks as NIR graphs (the mapping: nir/nir_network.h).
#include "nir/nir_network.h"

#include <Eigen/Core>

#include "core/errors.h"
#include "io/h5.h"
#include "nn/conv_geometry.h"
#include "nn/conv_ops.h"
#include "train/run_files.h"

namespace tp {

using nir::Value;

TrainedNetwork readTrainedNetwork(const std::string& runFile)
{
    const h5::File f = h5::File::openRead(runFile);
    checkRunFileVersion(f);
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(f.readString("config"));
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(runFile, "dataset /config", std::string("not valid JSON: ") + e.what());
    }
    TrainedNetwork net;
    net.experiment = parseExperiment(config, runFile + " (dataset /config)");
    net.precision = f.hasAttribute("precision") && f.attrString("precision") == "float64" ? Precision::Float64
                                                                                           : Precision::Float32;
    const auto& layers = net.experiment.network.layers;
    const bool conv = layers.front().type == "conv";
    auto read = [&](const std::string& name, std::size_t rows, std::size_t cols) {
        auto a = f.readDoubles("weights/" + name);
        if (a.dims.size() != 2 || (rows && a.dims[0] != rows) || (cols && a.dims[1] != cols) || a.dims[1] == 0)
            throw FormatError(runFile, "dataset /weights/" + name,
                              "shape does not match the experiment's network (" +
                                  (rows ? std::to_string(rows) : std::string("classes")) + ", " +
                                  (cols ? std::to_string(cols) : std::string("inputs")) + ")");
        net.weights[name] = {a.dims[0], a.dims[1], std::move(a.data)};
    };
    std::size_t fanIn = 0;  // unknown for layer 1: the dataset's
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const std::string n = std::to_string(l + 1);
        const std::size_t size = std::size_t(layers[l].size);
        read("W" + n, size, conv && fanIn ? fanIn * 9 : fanIn);
        if (conv && net.weights["W" + n].cols % 9)
            throw FormatError(runFile, "dataset /weights/W" + n, "a conv block's weights need C_in * 9 columns");
        if (layers[l].recurrent)
            read("R" + n, size, size);
        fanIn = size;
    }
    read("W_out", 0, 0);  // classes and (conv) the pooled size are the data's: checked by toNir
    return net;
}

double defaultNirDt(const Experiment& e)
{
    const auto& b = e.dataset.binning;
    if (b.is_object() && b.contains("time_window_us") && b["time_window_us"].is_number() &&
        b["time_window_us"].get<double>() > 0)
        return b["time_window_us"].get<double>() * 1e-6;
    return 1e-3;
}

namespace {

std::vector<std::int64_t> ints(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

Value shapeValue(const std::vector<std::int64_t>& shape) { return Value::integers({shape.size()}, shape); }

std::vector<std::size_t> dimsOf(const std::vector<std::int64_t>& shape) { return {shape.begin(), shape.end()}; }

std::size_t count(const std::vector<std::int64_t>& shape)
{
    std::size_t n = 1;
    for (auto d : shape)
        n *= std::size_t(d);
    return n;
}

/// A node of `type`. Its datasets are added as nir's to_dict() writes them: exactly the fields of
/// the node's dataclass (nir.read passes each to its constructor, which refuses others), so no
/// input_type / output_type (to_dict drops them; Flatten writes its input_type itself), and
/// metadata only on the nodes whose class has it (Input, Output, the neurons, Threshold).
nir::Node typed(const char* type)
{
    nir::Node n;
    n.type = type;
    return n;
}

Value filled(const std::vector<std::int64_t>& shape, double v) { return Value::reals(dimsOf(shape), std::vector<double>(count(shape), v)); }

/// A leaky neuron population of `shape`: LIF (spiking) or LI (readout) with leak factor `leak`
/// per step, input scale 1; IF / I when leak = 1 (tau would be infinite).
nir::Node neuron(bool spiking, double leak, double vth, bool soft, double dt, const std::vector<std::int64_t>& shape)
{
    const bool integrator = leak >= 1.0;
    nir::Node n = typed(spiking ? (integrator ? "IF" : "LIF") : (integrator ? "I" : "LI"));
    if (integrator) {
        n.params["r"] = filled(shape, 1.0 / dt);
    } else {
        const double tau = dt / (1.0 - leak);
        n.params["tau"] = filled(shape, tau);
        n.params["r"] = filled(shape, tau / dt);
        n.params["v_leak"] = filled(shape, 0.0);
    }
    if (spiking) {
        n.params["v_threshold"] = filled(shape, vth);
        n.params["v_reset"] = filled(shape, 0.0);
        n.metadata["reset_mechanism"] = Value::string(soft ? "subtract" : "zero");
        n.metadata["spike_test"] = Value::string(">=");
    }
    return n;
}

/// The weights the forward pass uses: with network.norm "weight" (conv networks) the scaled
/// standardisation of the stored ones, by the networks' own function in their precision.
template <typename S>
NetworkMatrix effective(const NetworkMatrix& m, bool standardise)
{
    if (!standardise)
        return m;
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Mat w(Eigen::Index(m.rows), Eigen::Index(m.cols)), hat;
    for (std::size_t i = 0; i < m.values.size(); ++i)
        w.data()[i] = S(m.values[i]);
    const ConvTpConfig defaults;  // the gain and epsilon every conv engine standardises with
    conv::standardiseRows(w, hat, defaults.ws_gain, defaults.ws_eps);
    NetworkMatrix out{m.rows, m.cols, std::vector<double>(hat.data(), hat.data() + hat.size())};
    return out;
}

} // namespace

nir::Graph toNir(const TrainedNetwork& net, const NirExportOptions& options)
{
    const Experiment& e = net.experiment;
    const double dt = options.dt_s > 0 ? options.dt_s : defaultNirDt(e);
    const bool f32 = net.precision == Precision::Float32;
    const bool soft = e.neuron.resetKind() == ResetKind::Soft;
    const bool conv = e.network.layers.front().type == "conv";
    const bool standardise = conv && e.network.norm == "weight";
    auto weights = [&](const std::string& name) {
        const NetworkMatrix& m = net.weights.at(name);
        return f32 ? effective<float>(m, standardise) : effective<double>(m, standardise);
    };
    auto matrixValue = [&](const NetworkMatrix& m, std::vector<std::size_t> dims) {
        return Value::reals(std::move(dims), m.values, f32);
    };

    nir::Graph g;
    std::string prev = "input";
    auto chain = [&](const std::string& name, nir::Node node) {
        g.nodes[name] = std::move(node);
        g.edges.emplace_back(prev, name);
        prev = name;
    };
    std::vector<std::int64_t> shape;
    if (conv) {
        const auto [c, h, w] = options.input_shape;
        if (h < 1 || w < 1 || std::size_t(c) * 9 != net.weights.at("W1").cols)
            throw ConfigError("a conv network's NIR graph needs its input shape (C, H, W) with C * 9 = " +
                              std::to_string(net.weights.at("W1").cols) + " (the dataset's frame shape)");
        shape = {c, h, w};
    } else {
        shape = {std::int64_t(net.weights.at("W1").cols)};
    }
    nir::Node input = typed("Input");
    input.params["shape"] = shapeValue(shape);
    g.nodes["input"] = input;

    for (std::size_t l = 0; l < e.network.layers.size(); ++l) {
        const LayerSpec& spec = e.network.layers[l];
        const std::string n = std::to_string(l + 1);
        const NetworkMatrix W = weights("W" + n);
        if (conv) {
            const std::int64_t cin = shape[0], h = shape[1], w = shape[2], cout = spec.size;
            const std::vector<std::int64_t> out{cout, h, w};
            nir::Node c = typed("Conv2d");
            c.params["weight"] = matrixValue(W, {std::size_t(cout), std::size_t(cin), 3, 3});
            c.params["input_shape"] = Value::integers({2}, {h, w});
            c.params["stride"] = Value::integers({2}, ints({1, 1}));
            c.params["padding"] = Value::integers({2}, ints({1, 1}));
            c.params["dilation"] = Value::integers({2}, ints({1, 1}));
            c.params["groups"] = Value::integers({}, ints({1}));
            c.params["bias"] = Value::reals({std::size_t(cout)}, std::vector<double>(std::size_t(cout), 0.0), f32);
            chain("conv" + n, c);
            chain("lif" + n, neuron(true, e.neuron.alpha, e.neuron.v_th, soft, dt, out));
            const ConvGeometry geo = ConvGeometry::make(spec, MapShape{int(cin), int(h), int(w)}, "block " + n);
            const std::vector<std::int64_t> pooled{cout, geo.pooled_shape.h, geo.pooled_shape.w};
            if (geo.pool == PoolKind::Max2) {
                nir::Node p = typed("SumPool2d");
                p.params["kernel_size"] = Value::integers({2}, ints({2, 2}));
                p.params["stride"] = Value::integers({2}, ints({2, 2}));
                p.params["padding"] = Value::integers({2}, ints({0, 0}));
                chain("pool" + n, p);
                nir::Node t = typed("Threshold");
                t.params["threshold"] = filled(pooled, 0.5);
                t.metadata["traceprop_pool"] = Value::string("max2: the max of binary spikes over a 2x2 window");
                chain("pool" + n + "_spike", t);
            } else if (geo.pool == PoolKind::AvgPool2x2) {
                if (h < 2 || w < 2)
                    throw ConfigError("block " + n + ": average pooling of a " + std::to_string(h) + "x" +
                                      std::to_string(w) + " map to 2x2 repeats whole rows or columns, which no "
                                      "AvgPool2d can express");
                nir::Node p = typed("AvgPool2d");
                p.params["kernel_size"] = Value::integers({2}, {(h + 1) / 2, (w + 1) / 2});
                p.params["stride"] = Value::integers({2}, {h / 2, w / 2});
                p.params["padding"] = Value::integers({2}, ints({0, 0}));
                chain("pool" + n, p);
            }
            shape = pooled;
        } else {
            const std::vector<std::int64_t> out{spec.size};
            nir::Node fc = typed("Linear");
            fc.params["weight"] = matrixValue(W, {W.rows, W.cols});
            chain("fc" + n, fc);
            chain("lif" + n, neuron(true, e.neuron.alpha, e.neuron.v_th, soft, dt, out));
            if (spec.recurrent) {
                const NetworkMatrix R = weights("R" + n);
                nir::Node rec = typed("Linear");
                rec.params["weight"] = matrixValue(R, {R.rows, R.cols});
                g.nodes["rec" + n] = rec;
                g.edges.emplace_back("lif" + n, "rec" + n);
                g.edges.emplace_back("rec" + n, "lif" + n);
            }
            shape = out;
        }
    }
    const NetworkMatrix Wout = weights("W_out");
    const std::vector<std::int64_t> flat{std::int64_t(count(shape))};
    if (Wout.cols != count(shape))
        throw ConfigError("the run's W_out reads " + std::to_string(Wout.cols) + " values, its last layer gives " +
                          std::to_string(count(shape)) + " (an input shape other than the run's?)");
    if (conv) {
        nir::Node f = typed("Flatten");
        f.params["input_type"] = shapeValue(shape);  // Flatten.to_dict writes its input type as a dataset
        f.params["start_dim"] = Value::integers({}, ints({0}));
        f.params["end_dim"] = Value::integers({}, ints({-1}));
        chain("flatten", f);
    }
    const std::vector<std::int64_t> classes{std::int64_t(Wout.rows)};
    nir::Node fc = typed("Linear");
    fc.params["weight"] = matrixValue(Wout, {Wout.rows, Wout.cols});
    chain("fc_out", fc);
    chain("readout", neuron(false, e.network.readout_leak, 0, soft, dt, classes));
    nir::Node output = typed("Output");
    output.params["shape"] = shapeValue(classes);
    chain("output", output);

    g.metadata["dt"] = Value::scalar(dt);
    g.metadata["generator"] = Value::string(std::string("TraceProp Workbench ") + TP_VERSION);
    g.metadata["traceprop_experiment"] = Value::string(toJson(e).dump());
    return g;
}

NirExport exportNir(const std::string& run, const std::string& nirFile, double dt_s,
                    const std::function<std::array<int, 3>(const Experiment&)>& inputShape)
{
    NirExport out;
    out.run_file = runWeightsFile(run);
    const TrainedNetwork net = readTrainedNetwork(out.run_file);
    NirExportOptions options;
    out.default_dt = !(dt_s > 0);
    options.dt_s = out.dt_s = out.default_dt ? defaultNirDt(net.experiment) : dt_s;
    if (net.experiment.network.layers.front().type == "conv")
        options.input_shape = inputShape(net.experiment);
    out.graph = toNir(net, options);
    nir::write(nirFile, out.graph);
    return out;
}

} // namespace tp
