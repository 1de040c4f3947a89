// NIR in and out (engine/io/nir.h, engine/nir/nir_network.h): our networks -> NIR -> ours give
// the same spikes at every step, bit for bit (dense, recurrent, conv with max and average
// pooling and weight standardisation); files in the layouts the Python nir library writes,
// written here with the HDF5 C API (strings variable-length and fixed-length), import and run
// (a dense LIF net, snnTorch's recurrent CubaLIF subgraph, a conv IF net) or are refused with
// every problem named (the NIR paper's Braille RNN and N-MNIST CNN as they are); an imported
// network's spike counts against a hand computation; errors for unknown types, corrupt files,
// missing edges.
// oneTBB before Qt: Qt's `emit` macro breaks the oneTBB headers.
#include <tbb/task_arena.h>

#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <hdf5.h>

#include "config/experiment.h"
#include "core/errors.h"
#include "core/rng.h"
#include "core/sample.h"
#include "io/h5.h"
#include "io/nir.h"
#include "nir/nir_network.h"
#include "rules/bptt/bptt_model.h"
#include "rules/conv_model.h"
#include "rules/registry.h"
#include "rules/tp/conv_network.h"
#include "train/trainer.h"

using namespace tp;

namespace {

// ---- files in the nir library's layout, written with the HDF5 C API -----------------------

/// Writes datasets at slash paths (groups created on the way), strings in either HDF5 form:
/// variable-length UTF-8 (h5py's Python str) or fixed-length NUL-padded ASCII (numpy 'S').
class NirFixture {
public:
    NirFixture(const QString& path, bool fixedStrings) : m_fixed(fixedStrings)
    {
        m_file = H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        m_lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(m_lcpl, 1);
    }
    ~NirFixture()
    {
        H5Pclose(m_lcpl);
        H5Fclose(m_file);
    }
    bool ok() const { return m_file >= 0 && m_failures == 0; }

    void strings(const std::string& path, std::vector<hsize_t> dims, const std::vector<std::string>& s)
    {
        const hid_t type = H5Tcopy(H5T_C_S1);
        std::vector<const char*> ptrs;
        std::string fixed;
        std::size_t width = 1;
        for (const auto& x : s)
            width = std::max(width, x.size());
        if (m_fixed) {
            H5Tset_size(type, width);
            H5Tset_strpad(type, H5T_STR_NULLPAD);
            for (const auto& x : s)
                fixed += x + std::string(width - x.size(), '\0');
        } else {
            H5Tset_size(type, H5T_VARIABLE);
            H5Tset_cset(type, H5T_CSET_UTF8);
            for (const auto& x : s)
                ptrs.push_back(x.c_str());
        }
        write(path, dims, type, type, m_fixed ? static_cast<const void*>(fixed.data()) : ptrs.data());
        H5Tclose(type);
    }
    void string(const std::string& path, const std::string& text) { strings(path, {}, {text}); }
    void reals(const std::string& path, std::vector<hsize_t> dims, const std::vector<double>& v, bool f32 = true)
    {
        if (f32) {
            const std::vector<float> f(v.begin(), v.end());
            write(path, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, f.data());
        } else {
            write(path, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data());
        }
    }
    /// One value per neuron of a population of `n` (as the exporters write neuron parameters).
    void fill(const std::string& path, hsize_t n, double v) { reals(path, {n}, std::vector<double>(n, v)); }
    void ints(const std::string& path, std::vector<hsize_t> dims, const std::vector<std::int64_t>& v)
    {
        write(path, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, v.data());
    }

    // A NIRGraph at `g` ("node", or a nested node's group): its type, nodes' types, edges.
    void graph(const std::string& g, const std::vector<std::pair<std::string, std::string>>& edges)
    {
        string(g + "/type", "NIRGraph");
        std::vector<std::string> flat;
        for (const auto& [a, b] : edges) {
            flat.push_back(a);
            flat.push_back(b);
        }
        strings(g + "/edges", {edges.size(), 2}, flat);
    }
    void node(const std::string& g, const std::string& name, const std::string& type)
    {
        string(g + "/nodes/" + name + "/type", type);
    }
    std::string at(const std::string& g, const std::string& name) const { return g + "/nodes/" + name + "/"; }

private:
    void write(const std::string& path, const std::vector<hsize_t>& dims, hid_t fileType, hid_t memType, const void* data)
    {
        const hid_t space = dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(dims.size()), dims.data(), nullptr);
        const hid_t ds = H5Dcreate2(m_file, path.c_str(), fileType, space, m_lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (ds < 0 || H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
            ++m_failures;
        if (ds >= 0)
            H5Dclose(ds);
        H5Sclose(space);
    }

    hid_t m_file = -1, m_lcpl = -1;
    bool m_fixed;
    int m_failures = 0;
};

/// The fields snnTorch's exporter writes for a LIF (tau = dt / (1 - beta), r = tau / dt, v_leak
/// 0, v_threshold; no v_reset: files from before nir added it).
void lifNode(NirFixture& f, const std::string& at, hsize_t n, double beta, double dt, double threshold)
{
    const double tau = dt / (1 - beta);
    f.fill(at + "tau", n, tau);
    f.fill(at + "r", n, tau / dt);
    f.fill(at + "v_leak", n, 0);
    f.fill(at + "v_threshold", n, threshold);
}

void cubaNode(NirFixture& f, const std::string& at, hsize_t n, double alpha, double beta, double dt, double threshold)
{
    const double tauSyn = dt / (1 - alpha), tauMem = dt / (1 - beta);
    f.fill(at + "tau_syn", n, tauSyn);
    f.fill(at + "tau_mem", n, tauMem);
    f.fill(at + "r", n, tauMem / dt);
    f.fill(at + "v_leak", n, 0);
    f.fill(at + "v_threshold", n, threshold);
    f.fill(at + "w_in", n, tauSyn / dt);
}

void affine(NirFixture& f, const std::string& at, hsize_t out, hsize_t in, const std::vector<double>& w, double bias = 0)
{
    f.reals(at + "weight", {out, in}, w);
    f.fill(at + "bias", out, bias);
}

std::vector<double> ramp(std::size_t n, double scale, std::uint64_t seed)
{
    Rng rng(seed, 7);
    std::vector<double> v(n);
    for (auto& x : v)
        x = scale * rng.uniform(-1.0, 1.0);
    return v;
}

/// The first dense-LIF fixture: 2 inputs, 2 hidden LIF, 2 spiking outputs (snnTorch style: the
/// output layer spikes), Affine with zero biases, no dt in the metadata, v_reset absent.
/// alpha = 0.5 (tau = 2 dt), input scale r dt / tau = 1, threshold 1, reset to zero.
void denseLifFixture(const QString& path, bool fixedStrings)
{
    NirFixture f(path, fixedStrings);
    const double dt = 1e-3;
    f.string("version", "1.0.0");
    f.graph("node", {{"input", "fc1"}, {"fc1", "lif1"}, {"lif1", "fc2"}, {"fc2", "lif2"}, {"lif2", "output"}});
    f.node("node", "input", "Input");
    f.ints(f.at("node", "input") + "shape", {1}, {2});
    f.node("node", "fc1", "Affine");
    affine(f, f.at("node", "fc1"), 2, 2, {0.6, 0, 0, 0.7});
    f.node("node", "lif1", "LIF");
    lifNode(f, f.at("node", "lif1"), 2, 0.5, dt, 1.0);
    f.node("node", "fc2", "Affine");
    affine(f, f.at("node", "fc2"), 2, 2, {1.5, 0, 0, 1.5});
    f.node("node", "lif2", "LIF");
    lifNode(f, f.at("node", "lif2"), 2, 0.5, dt, 1.0);
    f.node("node", "output", "Output");
    f.ints(f.at("node", "output") + "shape", {1}, {2});
    QVERIFY(f.ok());
}

/// snnTorch's RSynaptic export (paper/03_rnn): fc1 (Affine) -> lif1, a nested NIRGraph
/// {input -> lif (CubaLIF) <-> w_rec (Linear), lif -> output} -> fc2 -> lif2 (CubaLIF) -> output.
/// `braille`: the paper's values (synaptic alpha 0.9, biases 0.1): refused; else tau_syn = dt
/// and zero biases: imports.
void recurrentCubaFixture(const QString& path, bool fixedStrings, bool braille)
{
    NirFixture f(path, fixedStrings);
    const double dt = 1e-4, alphaSyn = braille ? 0.9 : 0.0, bias = braille ? 0.1 : 0.0;
    const hsize_t in = 12, hidden = 6, out = 7;
    f.string("version", "1.0.0");
    f.graph("node", {{"input", "fc1"}, {"fc1", "lif1"}, {"lif1", "fc2"}, {"fc2", "lif2"}, {"lif2", "output"}});
    f.node("node", "input", "Input");
    f.ints(f.at("node", "input") + "shape", {1}, {std::int64_t(in)});
    f.node("node", "fc1", "Affine");
    affine(f, f.at("node", "fc1"), hidden, in, ramp(hidden * in, 1.2, 1), bias);
    // nir versions whose to_dict kept the dict-valued types wrote them as groups: read past them.
    f.ints(f.at("node", "fc1") + "input_type/input", {1}, {std::int64_t(in)});
    f.ints(f.at("node", "fc1") + "output_type/output", {1}, {std::int64_t(hidden)});
    const std::string sub = "node/nodes/lif1";
    f.graph(sub, {{"input", "lif"}, {"lif", "w_rec"}, {"w_rec", "lif"}, {"lif", "output"}});
    f.node(sub, "input", "Input");
    f.ints(f.at(sub, "input") + "shape", {1}, {std::int64_t(hidden)});
    f.node(sub, "lif", "CubaLIF");
    cubaNode(f, f.at(sub, "lif"), hidden, alphaSyn, 0.8, dt, 1.0);
    f.node(sub, "w_rec", "Linear");
    f.reals(f.at(sub, "w_rec") + "weight", {hidden, hidden}, ramp(hidden * hidden, 0.5, 2));
    f.node(sub, "output", "Output");
    f.ints(f.at(sub, "output") + "shape", {1}, {std::int64_t(hidden)});
    f.node("node", "fc2", "Affine");
    affine(f, f.at("node", "fc2"), out, hidden, ramp(out * hidden, 1.5, 3), bias);
    f.node("node", "lif2", "CubaLIF");
    cubaNode(f, f.at("node", "lif2"), out, alphaSyn, 0.8, dt, 1.0);
    f.node("node", "output", "Output");
    f.ints(f.at("node", "output") + "shape", {1}, {std::int64_t(out)});
    QVERIFY(f.ok());
}

void conv2d(NirFixture& f, const std::string& at, hsize_t cout, hsize_t cin, hsize_t k, std::int64_t stride,
            std::int64_t padding, const std::vector<double>& w)
{
    f.reals(at + "weight", {cout, cin, k, k}, w);
    f.ints(at + "stride", {2}, {stride, stride});
    f.ints(at + "padding", {2}, {padding, padding});
    f.ints(at + "dilation", {2}, {1, 1});
    f.ints(at + "groups", {}, {1});
    f.fill(at + "bias", cout, 0);
}

void ifNode(NirFixture& f, const std::string& at, hsize_t n, double threshold)
{
    f.fill(at + "r", n, 1.0);  // sinabs: the input once per step (dt = 1 / r)
    f.fill(at + "v_threshold", n, threshold);
}

/// A conv IF net in the form ours reads: Input (1, 4, 4) -> Conv2d 3x3 (identity kernel: the
/// centre tap 1) -> IF -> SumPool2d(2) -> Threshold(0.5) -> Flatten -> Linear -> I -> Output.
void convIfFixture(const QString& path, bool fixedStrings)
{
    NirFixture f(path, fixedStrings);
    f.string("version", "1.0.0");
    f.graph("node", {{"input", "conv"}, {"conv", "if"}, {"if", "pool"}, {"pool", "spike"}, {"spike", "flat"},
                     {"flat", "fc"}, {"fc", "out_i"}, {"out_i", "output"}});
    f.node("node", "input", "Input");
    f.ints(f.at("node", "input") + "shape", {3}, {1, 4, 4});
    f.node("node", "conv", "Conv2d");
    conv2d(f, f.at("node", "conv"), 1, 1, 3, 1, 1, {0, 0, 0, 0, 1, 0, 0, 0, 0});
    f.ints(f.at("node", "conv") + "input_shape", {2}, {4, 4});
    f.node("node", "if", "IF");
    ifNode(f, f.at("node", "if"), 16, 2.0);
    f.node("node", "pool", "SumPool2d");
    f.ints(f.at("node", "pool") + "kernel_size", {2}, {2, 2});
    f.ints(f.at("node", "pool") + "stride", {2}, {2, 2});
    f.ints(f.at("node", "pool") + "padding", {2}, {0, 0});
    f.node("node", "spike", "Threshold");
    f.reals(f.at("node", "spike") + "threshold", {1, 2, 2}, {0.5, 0.5, 0.5, 0.5});
    f.node("node", "flat", "Flatten");
    f.ints(f.at("node", "flat") + "start_dim", {}, {0});
    f.ints(f.at("node", "flat") + "end_dim", {}, {-1});
    f.ints(f.at("node", "flat") + "input_type", {3}, {1, 2, 2});
    f.node("node", "fc", "Linear");
    f.reals(f.at("node", "fc") + "weight", {2, 4}, {1, 0, 0, 0, 0, 0, 0, 1});  // class 0: window (0,0), 1: (1,1)
    f.node("node", "out_i", "I");
    f.fill(f.at("node", "out_i") + "r", 2, 1.0);
    f.node("node", "output", "Output");
    f.ints(f.at("node", "output") + "shape", {1}, {2});
    QVERIFY(f.ok());
}

/// The NIR paper's N-MNIST CNN (paper/02_cnn, sinabs export) as it is: 5x5 stride-2 conv,
/// sum pooling of spike counts, dense IF layers after the convs, IF output.
void paperCnnFixture(const QString& path)
{
    NirFixture f(path, false);
    f.string("version", "1.0.0");
    f.graph("node", {{"input", "0"}, {"0", "1"}, {"1", "2"}, {"2", "3"}, {"3", "4"}, {"4", "5"}, {"5", "6"}, {"6", "7"},
                     {"7", "8"}, {"8", "9"}, {"9", "10"}, {"10", "11"}, {"11", "12"}, {"12", "output"}});
    f.node("node", "input", "Input");
    f.ints(f.at("node", "input") + "shape", {3}, {2, 34, 34});
    f.node("node", "0", "Conv2d");
    conv2d(f, f.at("node", "0"), 16, 2, 5, 2, 1, ramp(16 * 2 * 25, 0.3, 4));
    f.node("node", "1", "IF");
    ifNode(f, f.at("node", "1"), 16 * 16 * 16, 1.0);
    f.node("node", "2", "Conv2d");
    conv2d(f, f.at("node", "2"), 16, 16, 3, 1, 1, ramp(16 * 16 * 9, 0.3, 5));
    f.node("node", "3", "IF");
    ifNode(f, f.at("node", "3"), 16 * 16 * 16, 1.0);
    f.node("node", "4", "SumPool2d");
    f.ints(f.at("node", "4") + "kernel_size", {2}, {2, 2});
    f.ints(f.at("node", "4") + "stride", {2}, {2, 2});
    f.ints(f.at("node", "4") + "padding", {2}, {0, 0});
    f.node("node", "5", "Conv2d");
    conv2d(f, f.at("node", "5"), 8, 16, 3, 1, 1, ramp(8 * 16 * 9, 0.3, 6));
    f.node("node", "6", "IF");
    ifNode(f, f.at("node", "6"), 8 * 8 * 8, 1.0);
    f.node("node", "7", "SumPool2d");
    f.ints(f.at("node", "7") + "kernel_size", {2}, {2, 2});
    f.ints(f.at("node", "7") + "stride", {2}, {2, 2});
    f.ints(f.at("node", "7") + "padding", {2}, {0, 0});
    f.node("node", "8", "Flatten");
    f.ints(f.at("node", "8") + "start_dim", {}, {0});
    f.ints(f.at("node", "8") + "end_dim", {}, {-1});
    f.node("node", "9", "Linear");
    f.reals(f.at("node", "9") + "weight", {256, 128}, ramp(256 * 128, 0.1, 7));
    f.node("node", "10", "IF");
    ifNode(f, f.at("node", "10"), 256, 1.0);
    f.node("node", "11", "Linear");
    f.reals(f.at("node", "11") + "weight", {10, 256}, ramp(10 * 256, 0.1, 8));
    f.node("node", "12", "IF");
    ifNode(f, f.at("node", "12"), 10, 1.0);
    f.node("node", "output", "Output");
    f.ints(f.at("node", "output") + "shape", {1}, {10});
    QVERIFY(f.ok());
}

// ---- running networks ------------------------------------------------------------------------

std::unique_ptr<Model> buildModel(const Experiment& e, std::array<int, 3> shape, int classes, int batch)
{
    Experiment x = e;
    x.run.batch = batch;
    TpConfig c = TpConfig::fromExperiment(x, shape[0] * shape[1] * shape[2], classes);
    c.input_shape = shape;
    return makeModel(c, x.run.precision);
}

/// A row-major copy of a matrix (the spikes of a step, a readout membrane), exact in double.
template <typename M>
std::vector<double> copyOf(const M& m)
{
    std::vector<double> v(std::size_t(m.size()));
    for (Eigen::Index r = 0, i = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            v[std::size_t(i++)] = double(m(r, c));
    return v;
}

/// What a network computes on a batch: every layer's spikes at every step (conv blocks: also
/// their pooled maps), the readout membrane, last the predictions; `spikes` marks the spike maps.
struct Trace {
    std::vector<std::vector<double>> arrays;
    std::vector<bool> spikes;
    void add(std::vector<double> a, bool isSpikes)
    {
        arrays.push_back(std::move(a));
        spikes.push_back(isSpikes);
    }
    const std::vector<double>& operator[](std::size_t i) const { return arrays[i]; }
    std::size_t size() const { return arrays.size(); }
    const std::vector<double>& back() const { return arrays.back(); }
};

template <typename S>
bool traceOf(Model& model, const Batch& batch, Trace& trace)
{
    BatchStats stats;
    if (auto* bptt = dynamic_cast<BpttModel<S>*>(&model)) {
        auto& net = bptt->network();
        stats = net.evaluateBatch(batch);
        for (const auto& l : net.layers())
            trace.add(copyOf(l.s_hist), true);
        trace.add(copyOf(net.readoutMembrane()), false);
    } else if (auto* conv = dynamic_cast<ConvModel<ConvTpNetwork<S>>*>(&model)) {
        auto& net = conv->network().inner();
        stats = net.evaluateBatch(batch, [&](int) {
            for (const auto& b : net.blocks()) {
                trace.add(copyOf(b.in.s), true);
                trace.add(copyOf(b.in.pooled), false);
            }
            trace.add(copyOf(net.readoutMembrane()), false);
        });
    } else {
        return false;
    }
    trace.add({stats.predictions.begin(), stats.predictions.end()}, false);
    return true;
}

Trace forwardTrace(Model& model, const Batch& batch)
{
    Trace trace;
    if (!traceOf<float>(model, batch, trace) && !traceOf<double>(model, batch, trace))
        qFatal("forwardTrace: a model this test cannot look into");
    return trace;
}

/// A results-file as RunFiles writes it: format_version, precision, the experiment, the weights.
void writeRunFile(const QString& path, const Experiment& e, const Model& model)
{
    h5::writeAtomically(path.toStdString(), [&](h5::File& f) {
        f.writeAttr("format_version", std::int64_t(1));
        f.writeAttr("precision", std::string(e.run.precision == Precision::Float64 ? "float64" : "float32"));
        f.writeString("config", toJson(e).dump());
        model.save(f, false);
    });
}

Experiment experimentWith(std::vector<LayerSpec> layers)
{
    Experiment e;
    e.name = "nir-test";
    e.network.layers = std::move(layers);
    e.neuron.alpha = 0.87;  // 1 - dt/tau is not exactly 0.87 in doubles: the metadata keeps the bits
    e.neuron.beta = 0.9;
    e.neuron.v_th = 0.45;
    e.network.readout_leak = 0.93;
    e.dataset.kind = "randman";
    return e;
}

/// A batch whose every row gets `x[row]` (one value per input) at each of `steps` steps.
Batch constantBatch(const std::vector<std::vector<float>>& x, int steps, int classes)
{
    std::vector<Sample> samples;
    for (std::size_t r = 0; r < x.size(); ++r) {
        Sample s;
        s.label = int(r) % classes;
        s.channels = int(x[r].size());
        s.step_offsets.push_back(0);
        for (int t = 0; t < steps; ++t) {
            for (std::size_t i = 0; i < x[r].size(); ++i)
                if (x[r][i] != 0) {
                    s.units.push_back(int(i));
                    s.values.push_back(x[r][i]);
                }
            s.step_offsets.push_back(int(s.units.size()));
        }
        samples.push_back(std::move(s));
    }
    std::vector<std::size_t> all(samples.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    return makeBatch(samples, all, classes);
}

/// The fields of each node class of the nir library (its dataclasses): nir.read passes a node's
/// datasets to the class's constructor, which refuses any other; metadata only where the class has it.
void checkLibraryFields(const nir::Graph& g)
{
    static const std::map<std::string, std::set<std::string>> fields{
        {"Input", {"shape"}},
        {"Output", {"shape"}},
        {"Linear", {"weight"}},
        {"LIF", {"tau", "r", "v_leak", "v_threshold", "v_reset"}},
        {"IF", {"r", "v_threshold", "v_reset"}},
        {"LI", {"tau", "r", "v_leak"}},
        {"I", {"r"}},
        {"Conv2d", {"input_shape", "weight", "stride", "padding", "dilation", "groups", "bias"}},
        {"SumPool2d", {"kernel_size", "stride", "padding"}},
        {"AvgPool2d", {"kernel_size", "stride", "padding"}},
        {"Threshold", {"threshold"}},
        {"Flatten", {"input_type", "start_dim", "end_dim"}},
    };
    static const std::set<std::string> withMetadata{"Input", "Output", "LIF", "IF", "LI", "I", "Threshold"};
    for (const auto& [name, node] : g.nodes) {
        QVERIFY2(fields.count(node.type), node.type.c_str());
        std::set<std::string> keys;
        for (const auto& [key, value] : node.params)
            keys.insert(key);
        QVERIFY2(keys == fields.at(node.type), qPrintable(QString::fromStdString(name + " (" + node.type + ")")));
        QVERIFY2(node.metadata.empty() || withMetadata.count(node.type), name.c_str());
    }
}

QString errorOf(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestNir : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    /// Imports `file` and builds its network with the imported initial weights (any rule).
    std::unique_ptr<Model> importAndBuild(const QString& file, std::array<int, 3> shape, int batch,
                                          ImportedNetwork* imported = nullptr, std::optional<double> dt = std::nullopt,
                                          const std::string& rule = "")
    {
        ImportedNetwork net = fromNir(nir::read(file.toStdString()).graph, file.toStdString(), dt);
        const QString weights = file + ".weights.h5";
        writeNetworkWeights(weights.toStdString(), net.weights, net.precision, file.toStdString());
        if (!rule.empty())
            net.experiment.rule.name = rule;
        auto model = buildModel(net.experiment, shape, int(net.weights.at("W_out").rows), batch);
        model->initWeights(99);  // other seed: only the loaded matrices can make the spikes agree
        loadNetworkWeights(*model, weights.toStdString());
        if (imported)
            *imported = net;
        return model;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // (a) ours -> NIR -> ours: the same spikes at every step, bit for bit.
    void roundTripKeepsEverySpike_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("dense, two layers, soft reset") << "dense";
        QTest::newRow("recurrent, hard reset ('Soft' quirk)") << "recurrent";
        QTest::newRow("conv: none, max2, avgpool2x2 on odd maps, weight norm") << "conv";
        QTest::newRow("dense, alpha 1 and lambda 1 (IF and I), float64") << "integrators";
    }
    void roundTripKeepsEverySpike()
    {
        QFETCH(QString, kind);
        Experiment e;
        std::array<int, 3> shape{24, 1, 1};
        const int classes = 5, B = 6, T = 12;
        if (kind == "conv") {
            e = experimentWith({{"conv", 4, false, "none"}, {"conv", 6, false, "max2"}, {"conv", 5, false, "avgpool2x2"}});
            e.network.norm = "weight";
            e.neuron.v_th = 0.6;
            shape = {2, 7, 9};  // 7x9 -> max2 3x4 -> adaptive 2x2: kernel (2, 2), stride (1, 2)
        } else if (kind == "recurrent") {
            e = experimentWith({{"lif", 16, true, "none"}, {"lif", 12, false, "none"}});
            e.neuron.reset = "Soft";
        } else if (kind == "integrators") {
            e = experimentWith({{"lif", 16, false, "none"}});
            e.neuron.alpha = 1;
            e.network.readout_leak = 1;
            e.run.precision = Precision::Float64;
        } else {
            e = experimentWith({{"lif", 20, false, "none"}, {"lif", 14, false, "none"}});
        }
        e.rule.name = kind == "conv" ? "tp" : "bptt";  // models this test can look into (same forward)
        auto original = buildModel(e, shape, classes, B);
        original->initWeights(7);
        original->scaleWeights(kind == "conv" ? 1.0 : 2.5);  // lively spikes
        const QString run = path("run-" + kind + ".h5"), file = path("net-" + kind + ".nir");
        writeRunFile(run, e, *original);

        const TrainedNetwork trained = readTrainedNetwork(run.toStdString());
        nir::write(file.toStdString(), toNir(trained, {2.5e-3, shape}));
        checkLibraryFields(nir::read(file.toStdString()).graph);
        ImportedNetwork imported;
        auto back = importAndBuild(file, shape, B, &imported);

        const Experiment& i = imported.experiment;
        QCOMPARE(i.neuron.alpha, e.neuron.alpha);  // bit for bit, through tau and dt
        QCOMPARE(i.neuron.v_th, e.neuron.v_th);
        QCOMPARE(i.neuron.reset, e.neuron.reset);
        QCOMPARE(i.network.readout_leak, e.network.readout_leak);
        QCOMPARE(i.network.norm, std::string("none"));  // the file holds the standardised weights
        QCOMPARE(i.network.layers.size(), e.network.layers.size());
        for (std::size_t l = 0; l < e.network.layers.size(); ++l) {
            QCOMPARE(i.network.layers[l].size, e.network.layers[l].size);
            QCOMPARE(i.network.layers[l].recurrent, e.network.layers[l].recurrent);
            QCOMPARE(i.network.layers[l].pool, e.network.layers[l].pool);
        }
        QCOMPARE(imported.dt_s, 2.5e-3);
        QCOMPARE(imported.dt_source, std::string("the graph's metadata"));
        QCOMPARE(imported.precision, e.run.precision);

        const Batch batch = syntheticBatch(B, T, shape[0] * shape[1] * shape[2], classes, 0.3, 11);
        const auto want = forwardTrace(*original, batch), got = forwardTrace(*back, batch);
        QCOMPARE(got.size(), want.size());
        double spikes = 0, places = 0;
        for (std::size_t k = 0; k + 1 < want.size(); ++k) {
            QVERIFY2(got[k] == want[k], qPrintable(QString("array %1 of the forward trace differs").arg(k)));
            if (want.spikes[k]) {
                for (float x : want[k])
                    spikes += x;
                places += double(want[k].size());
            }
        }
        QCOMPARE(got.back(), want.back());  // predictions
        // The comparison can fail: the spikes are neither silent nor saturated.
        QVERIFY2(spikes > 0.02 * places && spikes < 0.9 * places, qPrintable(QString("spike share %1").arg(spikes / places)));
    }

    // (b) files in the layouts the Python library writes: they import and run, whichever HDF5
    // string form; what our networks cannot represent is refused with every problem named.
    void pythonLayoutsImportAndRun_data()
    {
        QTest::addColumn<bool>("fixed");
        QTest::newRow("variable-length strings (h5py str)") << false;
        QTest::newRow("fixed-length strings (numpy S)") << true;
    }
    void pythonLayoutsImportAndRun()
    {
        QFETCH(bool, fixed);
        const QString tag = fixed ? "fixed" : "vlen";

        // Dense LIF with spiking outputs: dt from tau / r, identity readout.
        const QString dense = path("dense-" + tag + ".nir");
        denseLifFixture(dense, fixed);
        ImportedNetwork d;
        auto denseModel = importAndBuild(dense, {2, 1, 1}, 2, &d);
        QCOMPARE(d.dt_source, std::string("tau / r of its neuron nodes"));
        QVERIFY(std::abs(d.dt_s - 1e-3) < 1e-9);  // tau / r of float32 parameters
        QCOMPARE(d.experiment.network.layers.size(), std::size_t(2));  // the spiking output is a layer
        QCOMPARE(d.experiment.neuron.reset, std::string("hard"));      // NIR: reset to v_reset (0)
        QCOMPARE(d.experiment.network.readout_leak, 1.0);
        QVERIFY(std::abs(d.experiment.neuron.alpha - 0.5) < 1e-12);

        // snnTorch's recurrent CubaLIF subgraph (tau_syn = dt): a recurrent layer.
        const QString rnn = path("rnn-" + tag + ".nir");
        recurrentCubaFixture(rnn, fixed, false);
        ImportedNetwork r;
        auto rnnModel = importAndBuild(rnn, {12, 1, 1}, 4, &r);
        QCOMPARE(r.experiment.network.layers.size(), std::size_t(2));
        QVERIFY(r.experiment.network.layers[0].recurrent);
        QVERIFY(!r.experiment.network.layers[1].recurrent);
        QCOMPARE(r.weights.at("R1").rows, std::size_t(6));
        QVERIFY(std::abs(r.experiment.neuron.alpha - 0.8) < 1e-9);
        const BatchStats rs = rnnModel->evaluate(syntheticBatch(4, 20, 12, 7, 0.4, 3));
        QCOMPARE(rs.predictions.size(), std::size_t(4));
        QVERIFY2(rs.spike_count[0] > 0, "the imported RNN does not spike");

        // Conv IF in our form: checked against the hand computation in convImportComputesByHand.
        const QString conv = path("conv-" + tag + ".nir");
        convIfFixture(conv, fixed);
        ImportedNetwork c;
        importAndBuild(conv, {1, 4, 4}, 2, &c);
        QCOMPARE(c.experiment.network.layers[0].type, std::string("conv"));
        QCOMPARE(c.experiment.network.layers[0].pool, std::string("max2"));
        QCOMPARE(c.dt_s, 1.0);  // sinabs' IF: r = 1 per step

        // The paper's Braille RNN as it is (synaptic current, biases): refused, every node named.
        const QString braille = path("braille-" + tag + ".nir");
        recurrentCubaFixture(braille, fixed, true);
        const QString why = errorOf([&] { fromNir(nir::read(braille.toStdString()).graph, braille.toStdString()); });
        for (const char* part : {"cannot import this NIR graph", "node 'fc1' (Affine): bias is not zero",
                                 "node 'lif1.lif' (CubaLIF): tau_syn", "keeps a synaptic current",
                                 "node 'fc2' (Affine): bias is not zero"})
            QVERIFY2(why.contains(part), qPrintable(part + QString("\n  in: ") + why));
    }

    void paperCnnIsRefusedListingWhatDiffers()
    {
        const QString file = path("scnn_mnist.nir");
        paperCnnFixture(file);
        const QString why = errorOf([&] { fromNir(nir::read(file.toStdString()).graph, file.toStdString()); });
        // The walk goes on past what it cannot take (NIR's output sizes), so one error lists all.
        for (const char* part : {"(6 problems)", "node '0' (Conv2d): weight (16, 2, 5, 5), our conv blocks are 3x3",
                                 "node '0' (Conv2d): stride (2, 2), ours is 1",
                                 "node '4' (SumPool2d) is followed by node '5' (Conv2d), not Threshold",
                                 "node '7' (SumPool2d) is followed by node '8' (Flatten), not Threshold",
                                 "node '10' (IF): a dense spiking layer after conv blocks",
                                 "node '12' (IF): a dense spiking layer after conv blocks"})
            QVERIFY2(why.contains(part), qPrintable(part + QString("\n  in: ") + why));
        QVERIFY2(why.startsWith(file), qPrintable(why));
    }

    void sumPoolWithoutThresholdIsRefused()
    {
        // The CNN's second half alone (its first conv made ours): sum pooling of spikes.
        const QString file = path("sumpool.nir");
        {
            NirFixture f(file, false);
            f.graph("node", {{"input", "c"}, {"c", "n"}, {"n", "p"}, {"p", "flat"}, {"flat", "fc"}, {"fc", "o"}, {"o", "output"}});
            f.node("node", "input", "Input");
            f.ints(f.at("node", "input") + "shape", {3}, {1, 4, 4});
            f.node("node", "c", "Conv2d");
            conv2d(f, f.at("node", "c"), 1, 1, 3, 1, 1, ramp(9, 1, 1));
            f.node("node", "n", "IF");
            ifNode(f, f.at("node", "n"), 16, 1.0);
            f.node("node", "p", "SumPool2d");
            f.ints(f.at("node", "p") + "kernel_size", {2}, {2, 2});
            f.ints(f.at("node", "p") + "stride", {2}, {2, 2});
            f.node("node", "flat", "Flatten");
            f.node("node", "fc", "Linear");
            f.reals(f.at("node", "fc") + "weight", {2, 4}, ramp(8, 1, 2));
            f.node("node", "o", "I");
            f.fill(f.at("node", "o") + "r", 2, 1.0);
            f.node("node", "output", "Output");
            f.ints(f.at("node", "output") + "shape", {1}, {2});
            QVERIFY(f.ok());
        }
        const QString why = errorOf([&] { fromNir(nir::read(file.toStdString()).graph, file.toStdString()); });
        QVERIFY2(why.contains("node 'p' (SumPool2d) is followed by node 'flat' (Flatten), not Threshold"), qPrintable(why));
    }

    // (c) evaluate after import against a hand computation. Hidden layer: alpha = 1 - dt/tau =
    // 0.5, threshold 1, reset to zero, inputs 0.6 (neuron 0, row 0) and 0.7 (neuron 1, row 1):
    //   neuron 0: u = 0.6, 0.9, 1.05 (spike, m = 0), 0.6, 0.9, 1.05 (spike): 2 spikes, at t = 3, 6
    //   neuron 1: u = 0.7, 1.05 (spike), 0.7, 1.05, 0.7, 1.05: 3 spikes, at t = 2, 4, 6
    // The other neuron of each row gets 0. Output layer (weight 1.5, same neuron): a hidden spike
    // gives u = 0.5 m + 1.5 >= 1 at once, and after the reset m = 0 nothing is left, so it spikes
    // exactly when its hidden neuron does: counts [2, 0] (row 0) and [0, 3] (row 1). The identity
    // readout integrates them: m_out^T = the counts, predictions 0 and 1.
    void importedNetworkSpikesAsComputedByHand()
    {
        const QString file = path("hand.nir");
        denseLifFixture(file, false);
        auto model = importAndBuild(file, {2, 1, 1}, 2, nullptr, std::nullopt, "bptt");
        const Batch batch = constantBatch({{1, 0}, {0, 1}}, 6, 2);
        const auto trace = forwardTrace(*model, batch);
        // s_hist rows are t * B + b: (T * B, 2) per layer.
        auto spikeTimes = [&](std::size_t layer, int row, int neuron) {
            std::vector<int> t;
            for (int s = 0; s < 6; ++s)
                if (trace[layer][std::size_t((s * 2 + row) * 2 + neuron)] != 0)
                    t.push_back(s + 1);
            return t;
        };
        for (std::size_t layer : {0, 1}) {
            QCOMPARE(spikeTimes(layer, 0, 0), (std::vector<int>{3, 6}));
            QCOMPARE(spikeTimes(layer, 0, 1), std::vector<int>{});
            QCOMPARE(spikeTimes(layer, 1, 0), std::vector<int>{});
            QCOMPARE(spikeTimes(layer, 1, 1), (std::vector<int>{2, 4, 6}));
        }
        QCOMPARE(trace[2], (std::vector<double>{2, 0, 0, 3}));  // readout membrane (B, C) at the last step
        QCOMPARE(trace[3], (std::vector<double>{0, 1}));        // predictions

        // The same through the Model interface of the default rule (TP): the spike counts.
        ImportedNetwork net;
        auto tp = importAndBuild(file, {2, 1, 1}, 2, &net);
        QCOMPARE(net.experiment.rule.name, std::string("tp"));
        const BatchStats s = tp->evaluate(batch);
        QCOMPARE(s.spike_count, (std::vector<double>{5, 5}));
        QCOMPARE(s.predictions, (std::vector<std::int32_t>{0, 1}));

        // Another dt moves the leak: dt = tau = 2 ms gives alpha 0, input scale r dt / tau = 2.
        ImportedNetwork other;
        importAndBuild(file, {2, 1, 1}, 2, &other, 2e-3);
        QCOMPARE(other.dt_source, std::string("--dt"));
        QVERIFY(std::abs(other.experiment.neuron.alpha) < 1e-6);  // 1 - dt / tau, tau stored as float32
        QVERIFY(std::abs(other.weights.at("W1").values[0] - 1.2) < 1e-6);  // 0.6 x 2, folded into W
    }

    // The conv IF fixture by hand: the identity kernel passes the input map to the IF neurons
    // (threshold 2, input once per step: a pixel of value 1 spikes at t = 2, 4, 6; of value 2 at
    // every step); max pooling of their spikes (SumPool2d + Threshold 0.5) per 2x2 window; the
    // readout I counts windows (0,0) for class 0 and (1,1) for class 1.
    void convImportComputesByHand()
    {
        const QString file = path("conv-hand.nir");
        convIfFixture(file, true);
        ImportedNetwork net;
        auto model = importAndBuild(file, {1, 4, 4}, 2, &net);
        QCOMPARE(net.experiment.neuron.v_th, 2.0);
        QCOMPARE(net.experiment.neuron.alpha, 1.0);
        std::vector<float> a(16, 0), b(16, 0);
        a[0] = 1;   // window (0,0): one pixel of 1 -> spikes at t = 2, 4, 6
        a[15] = 2;  // window (1,1): a pixel of 2 -> every step
        b[5] = 2;   // window (0,0): every step
        b[10] = 1;  // window (1,1): t = 2, 4, 6
        const auto trace = forwardTrace(*model, constantBatch({a, b}, 6, 2));
        const std::vector<double>& readout = trace[trace.size() - 2];  // after the last step
        QCOMPARE(readout, (std::vector<double>{3, 6, 6, 3}));
        QCOMPARE(trace.back(), (std::vector<double>{1, 0}));
    }

    // (d) what is not a network we can take, and what is not a NIR file.
    void unknownTypesAndTopologiesAreNamed()
    {
        const QString file = path("odd.nir");
        {
            NirFixture f(file, false);
            f.graph("node", {{"input", "fc"}, {"fc", "mystery"}, {"mystery", "output"}, {"input", "d"}, {"d", "output"}});
            f.node("node", "input", "Input");
            f.ints(f.at("node", "input") + "shape", {1}, {3});
            f.node("node", "fc", "Linear");
            f.reals(f.at("node", "fc") + "weight", {2, 3}, ramp(6, 1, 1));
            f.node("node", "mystery", "Spiky");
            f.node("node", "d", "Delay");
            f.fill(f.at("node", "d") + "delay", 3, 1.0);
            f.node("node", "lonely", "LIF");
            lifNode(f, f.at("node", "lonely"), 2, 0.9, 1e-3, 1.0);
            f.node("node", "output", "Output");
            f.ints(f.at("node", "output") + "shape", {1}, {2});
            QVERIFY(f.ok());
        }
        const nir::File read = nir::read(file.toStdString());
        QCOMPARE(read.graph.nodes.at("mystery").type, std::string("Spiky"));  // read as it is
        const QString why = errorOf([&] { fromNir(read.graph, file.toStdString()); });
        for (const char* part : {"node 'mystery' has type 'Spiky', which is not a NIR primitive this reader knows",
                                 "node 'd' (Delay) is not supported", "node 'input' (Input) feeds 2 nodes (fc, d)",
                                 "problems):"})
            QVERIFY2(why.contains(part), qPrintable(part + QString("\n  in: ") + why));
    }

    void brokenFilesAreFormatErrors()
    {
        // Edges missing, an edge naming a node that is not there, a node without a type.
        const QString noEdges = path("no-edges.nir");
        {
            NirFixture f(noEdges, false);
            f.string("node/type", "NIRGraph");
            f.node("node", "input", "Input");
            QVERIFY(f.ok());
        }
        QString why = errorOf([&] { nir::read(noEdges.toStdString()); });
        QVERIFY2(why.contains(noEdges) && why.contains("dataset /node/edges") && why.contains("missing"), qPrintable(why));

        const QString badEdge = path("bad-edge.nir");
        {
            NirFixture f(badEdge, true);
            f.graph("node", {{"input", "ghost"}});
            f.node("node", "input", "Input");
            QVERIFY(f.ok());
        }
        why = errorOf([&] { nir::read(badEdge.toStdString()); });
        QVERIFY2(why.contains("edge 0 (input -> ghost) names 'ghost', which /node/nodes does not hold"), qPrintable(why));

        const QString noType = path("no-type.nir");
        {
            NirFixture f(noType, false);
            f.graph("node", {});
            f.fill("node/nodes/x/tau", 1, 1.0);
            QVERIFY(f.ok());
        }
        why = errorOf([&] { nir::read(noType.toStdString()); });
        QVERIFY2(why.contains("group /node/nodes/x") && why.contains("has no 'type' dataset"), qPrintable(why));

        // Not a NIR file at all, and a NIR file with bytes flipped: FormatError naming the file.
        const QString notNir = path("results-like.h5");
        {
            NirFixture f(notNir, false);
            f.string("config", "{}");
            QVERIFY(f.ok());
        }
        why = errorOf([&] { nir::read(notNir.toStdString()); });
        QVERIFY2(why.contains("group /node") && why.contains("not a NIR file"), qPrintable(why));

        const QString good = path("dense-vlen-for-corruption.nir");
        denseLifFixture(good, false);
        QFile in(good);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray bytes = in.readAll();
        in.close();
        const QString corrupt = path("corrupt.nir");
        for (qsizetype i = bytes.size() / 3; i < bytes.size(); i += 97)
            bytes[i] = char(bytes[i] ^ 0x5a);
        QFile out(corrupt);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.left(bytes.size() - 64));
        out.close();
        why = errorOf([&] { nir::read(corrupt.toStdString()); });
        QVERIFY2(why.startsWith(corrupt), qPrintable(why));
    }

    void ourGraphHasTheLibraryLayout()
    {
        // What export writes, read back with the HDF5 C API: /version, /node/type, (N, 2) edges of
        // variable-length UTF-8 strings, every node's type as a string, the metadata dt.
        Experiment e = experimentWith({{"lif", 4, true, "none"}});
        auto model = buildModel(e, {3, 1, 1}, 2, 2);
        model->initWeights(1);
        const QString run = path("layout-run.h5"), file = path("layout.nir");
        writeRunFile(run, e, *model);
        nir::write(file.toStdString(), toNir(readTrainedNetwork(run.toStdString()), {0.01, {3, 1, 1}}));
        const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
        QVERIFY(f >= 0);
        const hid_t edges = H5Dopen2(f, "node/edges", H5P_DEFAULT);
        const hid_t type = H5Dget_type(edges), space = H5Dget_space(edges);
        hsize_t dims[2] = {0, 0};
        QCOMPARE(H5Sget_simple_extent_ndims(space), 2);
        H5Sget_simple_extent_dims(space, dims, nullptr);
        QCOMPARE(int(dims[1]), 2);
        QCOMPARE(int(dims[0]), 7);  // input-fc1, fc1-lif1, lif1-rec1, rec1-lif1, lif1-fc_out, fc_out-readout, readout-output
        QVERIFY(H5Tis_variable_str(type) > 0);
        QCOMPARE(H5Tget_cset(type), H5T_CSET_UTF8);
        for (const char* p : {"version", "node/type", "node/nodes/lif1/type", "node/nodes/rec1/weight",
                              "node/nodes/lif1/v_reset", "node/nodes/readout/tau", "node/metadata/dt",
                              "node/nodes/input/shape", "node/nodes/lif1/metadata/reset_mechanism"})
            QVERIFY2(H5Lexists(f, p, H5P_DEFAULT) > 0, p);
        H5Sclose(space);
        H5Tclose(type);
        H5Dclose(edges);
        H5Fclose(f);
        const nir::File back = nir::read(file.toStdString());
        QCOMPARE(back.version, std::string(nir::kFormatVersion));
        QCOMPARE(back.graph.nodes.at("lif1").type, std::string("LIF"));
        QCOMPARE(back.graph.nodes.at("readout").type, std::string("LI"));
        QCOMPARE(back.graph.metadata.at("dt").numbers[0], 0.01);
    }
};

QTEST_GUILESS_MAIN(TestNir)
#include "test_nir.moc"
