// The walk of a NIR graph from its Input to its Output (nir_chain.h): a chain of segments
// [Flatten] [Scale] weights [Scale] neuron [pool], a readout, Output. Every problem on the way is
// collected (the walk goes on where it can), and one ConfigError lists them all.
#include "nir/nir_chain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/errors.h"

namespace tp::nirchain {

using nir::Value;

bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol * std::max(std::fabs(a), std::fabs(b)); }

std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

namespace {

/// A map dimension from a file's number: -1 when it is not a whole number in [0, 2^30] (corrupt
/// or hostile values never reach an integer conversion or a product that could overflow).
std::int64_t toDim(double v)
{
    return std::isfinite(v) && v >= 0 && v <= double(1 << 30) && std::floor(v) == v ? std::int64_t(v) : -1;
}

bool spiking(const std::string& t) { return t == "LIF" || t == "IF" || t == "CubaLIF"; }
bool integrating(const std::string& t) { return t == "LI" || t == "I" || t == "CubaLI"; }
bool weighted(const std::string& t) { return t == "Linear" || t == "Affine"; }

class Walker {
public:
    Walker(const nir::Graph& g, std::string file, std::optional<double> dt) : m_g(g), m_file(std::move(file)), m_dtOption(dt)
    {
        for (const auto& [a, b] : g.edges) {
            m_out[a].push_back(b);
            m_in[b].push_back(a);
        }
    }

    Chain run()
    {
        checkTypes();
        for (const auto& [name, node] : m_g.nodes) {
            if (node.type == "Input")
                m_inputs.push_back(name);
            if (node.type == "Output")
                m_outputs.push_back(name);
        }
        if (m_inputs.size() != 1)
            fail("the graph has " + std::to_string(m_inputs.size()) + " Input nodes; our networks have one input");
        if (m_outputs.size() != 1)
            fail("the graph has " + std::to_string(m_outputs.size()) + " Output nodes; our networks have one output");
        chooseDt();
        if (m_inputs.size() == 1 && m_dt > 0)
            walk(m_inputs[0]);
        if (m_reachedOutput) {
            for (const auto& [name, node] : m_g.nodes)
                if (!m_visited.count(name) && !m_bad.count(name))
                    fail(at(name) + " is not on the path from Input to Output");
            if (m_layers.empty())
                fail("the path from Input to Output has no spiking layer (LIF, IF or CubaLIF)");
            checkLayers();
        }
        if (!m_problems.empty()) {
            std::string text = m_file + ": cannot import this NIR graph (" + std::to_string(m_problems.size()) +
                               (m_problems.size() == 1 ? " problem):" : " problems):");
            for (const auto& p : m_problems)
                text += "\n  " + p;
            throw ConfigError(text);
        }
        Chain chain{std::move(m_layers), std::move(m_readout), m_identityReadout, m_inputSize, m_dt, m_dtSource};
        return chain;
    }

private:
    // ---- problems and parameters ----------------------------------------------------------

    void fail(const std::string& problem) { m_problems.push_back(problem); }

    std::string at(const std::string& name) const
    {
        const auto it = m_g.nodes.find(name);
        return "node '" + name + "' (" + (it == m_g.nodes.end() ? std::string("?") : it->second.type) + ")";
    }

    const nir::Node& node(const std::string& name) const { return m_g.nodes.at(name); }

    /// The numbers of `key` of node `name`; null (a problem recorded when `required`) when the
    /// node has no such numeric dataset.
    const Value* numbers(const std::string& name, const std::string& key, bool required = true)
    {
        const auto& params = node(name).params;
        const auto it = params.find(key);
        if (it == params.end() || it->second.isString() || it->second.numbers.empty()) {
            if (required)
                fail(at(name) + ": " + key + (it == params.end() ? " is missing" : " holds no numbers"));
            return nullptr;
        }
        return &it->second;
    }

    /// A neuron parameter per row, for `rows` rows of `perRow` neurons: one value (all rows), one
    /// per row, or one per neuron equal within each row. Empty (a problem recorded) otherwise.
    std::vector<double> perRow(const std::string& name, const std::string& key, std::size_t rows, std::size_t perRowCount,
                               bool required = true, double fallback = 0)
    {
        const Value* v = numbers(name, key, required);
        if (!v)
            return required ? std::vector<double>{} : std::vector<double>(rows, fallback);
        const auto& x = v->numbers;
        if (x.size() == 1)
            return std::vector<double>(rows, x[0]);
        if (x.size() == rows)
            return x;
        if (x.size() == rows * perRowCount) {
            std::vector<double> out(rows);
            for (std::size_t r = 0; r < rows; ++r) {
                out[r] = x[r * perRowCount];
                for (std::size_t k = 1; k < perRowCount; ++k)
                    if (x[r * perRowCount + k] != out[r]) {
                        fail(at(name) + ": " + key + " differs within channel " + std::to_string(r) +
                             " (a conv block's neurons share their channel's weights)");
                        return {};
                    }
            }
            return out;
        }
        fail(at(name) + ": " + key + " has " + std::to_string(x.size()) + " values for " +
             std::to_string(rows * perRowCount) + " neurons");
        return {};
    }

    /// One value for the whole node (our neurons share it); NaN (a problem recorded) otherwise.
    double uniform(const std::string& name, const std::string& key, std::size_t rows, std::size_t perRowCount,
                   const char* why)
    {
        const auto v = perRow(name, key, rows, perRowCount);
        if (v.empty())
            return NAN;
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        if (*lo != *hi) {
            fail(at(name) + ": " + key + " differs between neurons (" + num(*lo) + " to " + num(*hi) + "): " + why);
            return NAN;
        }
        return *lo;
    }

    // ---- types, dt ------------------------------------------------------------------------

    void checkTypes()
    {
        static const std::set<std::string> known{"Input", "Output", "Affine", "Linear", "Scale", "LIF", "CubaLIF",
                                                 "IF", "LI", "I", "CubaLI", "Conv2d", "SumPool2d", "AvgPool2d",
                                                 "Flatten", "Threshold"};
        for (const auto& [name, n] : m_g.nodes) {
            if (known.count(n.type))
                continue;
            m_bad.insert(name);
            if (n.type == "Delay")
                fail(at(name) + " is not supported: our layers pass spikes on within the step (no delays)");
            else if (n.type == "Conv1d")
                fail(at(name) + " is not supported: our conv blocks are 2-D (3x3)");
            else
                fail("node '" + name + "' has type '" + n.type +
                     "', which is not a NIR primitive this reader knows (Input, Output, Affine, Linear, Scale, LIF, "
                     "CubaLIF, IF, LI, I, CubaLI, Conv2d, SumPool2d, AvgPool2d, Flatten, Threshold)");
        }
    }

    void chooseDt()
    {
        if (m_dtOption) {
            m_dt = *m_dtOption;
            m_dtSource = "--dt";
        } else if (const auto it = m_g.metadata.find("dt"); it != m_g.metadata.end()) {
            if (it->second.isString() || it->second.numbers.size() != 1 || !(it->second.numbers[0] > 0))
                fail("the graph's metadata dt is not one positive number of seconds");
            else
                m_dt = it->second.numbers[0];
            m_dtSource = "the graph's metadata";
        } else {
            // The exporters' convention r = tau / dt (1 / dt for IF and I): every neuron node says dt.
            std::vector<std::pair<std::string, double>> says;
            for (const auto& [name, n] : m_g.nodes) {
                if (!spiking(n.type) && !integrating(n.type))
                    continue;
                const Value* r = numbers(name, "r", false);
                const bool cuba = n.type == "CubaLIF" || n.type == "CubaLI";
                const Value* tau = n.type == "IF" || n.type == "I" ? nullptr : numbers(name, cuba ? "tau_mem" : "tau", false);
                if (r && r->numbers[0] > 0 && (tau || n.type == "IF" || n.type == "I"))
                    says.emplace_back(name, (tau ? tau->numbers[0] : 1.0) / r->numbers[0]);
            }
            std::string list;
            bool agree = !says.empty();
            for (const auto& [name, dt] : says) {
                agree = agree && near(dt, says[0].second, kUnitTol);
                list += (list.empty() ? "" : ", ") + name + " " + num(dt) + " s";
            }
            if (says.empty())
                fail("the step dt is not in the graph's metadata and no neuron node gives it (tau / r): give dt (--dt)");
            else if (!agree)
                fail("the step dt is not in the graph's metadata and the neuron nodes' tau / r disagree (" + list +
                     "): give dt (--dt)");
            else
                m_dt = says[0].second;
            m_dtSource = "tau / r of its neuron nodes";
        }
        if (m_dtOption && !(m_dt > 0))
            fail("dt must be a positive number of seconds, got " + num(m_dt));
    }

    // ---- the walk ---------------------------------------------------------------------------

    /// The recurrent weight nodes of neuron `n`: Linear/Affine nodes fed by n alone that feed n alone.
    std::vector<std::string> recurrentOf(const std::string& n)
    {
        std::vector<std::string> rec;
        for (const auto& s : m_out[n])
            if (weighted(node(s).type) && m_in[s] == std::vector<std::string>{n} && m_out[s] == std::vector<std::string>{n})
                rec.push_back(s);
        return rec;
    }

    /// The one node after `cur` on the chain (recurrent weights aside), its one input being `cur`.
    bool next(const std::string& cur, std::string& out)
    {
        std::vector<std::string> succ;
        const auto rec = recurrentOf(cur);
        for (const auto& s : m_out[cur])
            if (std::find(rec.begin(), rec.end(), s) == rec.end())
                succ.push_back(s);
        if (succ.size() != 1) {
            std::string names;
            for (const auto& s : succ)
                names += (names.empty() ? "" : ", ") + s;
            fail(at(cur) + (succ.empty() ? " has no outgoing edge: the path from Input ends before Output"
                                         : " feeds " + std::to_string(succ.size()) + " nodes (" + names +
                                               "): our networks are one chain from Input to Output (recurrent "
                                               "weights aside)"));
            return false;
        }
        out = succ[0];
        std::vector<std::string> preds;
        const auto ownRec = recurrentOf(out);
        for (const auto& p : m_in[out])
            if (std::find(ownRec.begin(), ownRec.end(), p) == ownRec.end())
                preds.push_back(p);
        if (preds != std::vector<std::string>{cur}) {
            std::string names;
            for (const auto& p : preds)
                names += (names.empty() ? "" : ", ") + p;
            fail(at(out) + " has inputs " + names + ": our layers take one input (and their own recurrent weights)");
            return false;
        }
        if (m_bad.count(out))
            return false;
        m_visited.insert(out);
        return true;
    }

    std::vector<std::int64_t> shapeOf(const std::string& name)
    {
        for (const char* key : {"shape", "input_type/input", "output_type/output"})
            if (const Value* v = numbers(name, key, false)) {
                std::vector<std::int64_t> s;
                for (double d : v->numbers)
                    s.push_back(toDim(d));
                return s;
            }
        fail(at(name) + ": no shape");
        return {};
    }

    static std::size_t product(const std::vector<std::int64_t>& s)
    {
        std::size_t n = 1;
        for (auto d : s)
            n *= std::size_t(std::max<std::int64_t>(d, 0));
        return n;
    }

    /// Numbers that must all equal `want` (a stride, a padding, ...): each node field is a scalar or one per dimension.
    bool allEqual(const std::string& name, const std::string& key, double want, bool required = true)
    {
        const Value* v = numbers(name, key, required);
        if (!v)
            return !required;
        for (double x : v->numbers)
            if (x != want) {
                fail(at(name) + ": " + key + " " + describe(*v) + ", ours is " + num(want));
                return false;
            }
        return true;
    }

    static std::string describe(const Value& v)
    {
        std::string s;
        for (double x : v.numbers)
            s += (s.empty() ? "" : ", ") + num(x);
        return v.numbers.size() == 1 ? s : "(" + s + ")";
    }

    /// Records a problem when the node has a non-zero bias (the walk goes on: more to report).
    void requireZeroBias(const std::string& name)
    {
        const Value* b = numbers(name, "bias", false);
        double worst = 0;
        for (double x : b ? b->numbers : std::vector<double>{})
            worst = std::max(worst, std::fabs(x));
        if (worst != 0)
            fail(at(name) + ": bias is not zero (largest |b| " + num(worst) + "): our layers have no bias");
    }

    std::optional<NetworkMatrix> denseWeight(const std::string& name, std::size_t inputs)
    {
        const Value* w = numbers(name, "weight");
        if (!w)
            return std::nullopt;
        requireZeroBias(name);
        if (w->dims.size() != 2) {
            fail(at(name) + ": weight has " + std::to_string(w->dims.size()) + " dimensions, expected (out, in)");
            return std::nullopt;
        }
        if (w->dims[1] != inputs)
            fail(at(name) + ": weight reads " + std::to_string(w->dims[1]) + " inputs, the node before it gives " +
                 std::to_string(inputs));
        return NetworkMatrix{w->dims[0], w->dims[1], w->numbers};
    }

    /// The (C_out, C_in * 9) matrix of a Conv2d and its output map in `shape`; when it is not one
    /// of our 3x3 blocks the problems are recorded and `shape` follows NIR's output size (the walk
    /// goes on). nullopt: no weight to read at all.
    std::optional<NetworkMatrix> convWeight(const std::string& name, std::vector<std::int64_t>& shape)
    {
        const Value* w = numbers(name, "weight");
        if (!w)
            return std::nullopt;
        const auto& d = w->dims;
        if (shape.size() != 3 || d.size() != 4 || d[1] != std::size_t(shape[0])) {
            fail(at(name) + (shape.size() != 3 ? ": its input is not a (C, H, W) map"
                                               : ": weight " + describeDims(d) + " does not read the " +
                                                     std::to_string(shape[0]) + " channels before it"));
            return std::nullopt;
        }
        requireZeroBias(name);
        if (d[2] != 3 || d[3] != 3)
            fail(at(name) + ": weight " + describeDims(d) + ", our conv blocks are 3x3 (C_out, C_in, 3, 3)");
        const bool geometry = allEqual(name, "stride", 1) & allEqual(name, "dilation", 1) & allEqual(name, "groups", 1, false);
        const auto& params = node(name).params;
        const auto pad = params.find("padding");
        double padding = 1;
        if (pad != params.end() && pad->second.isString()) {
            if (pad->second.text != "same")
                fail(at(name) + ": padding '" + pad->second.text + "', ours keeps the map size (1, 'same')");
        } else if (const Value* p = numbers(name, "padding")) {
            padding = p->numbers[0];
            allEqual(name, "padding", 1);
        }
        if (const Value* in = numbers(name, "input_shape", false);
            in && in->numbers.size() == 2 && (in->numbers[0] != double(shape[1]) || in->numbers[1] != double(shape[2])))
            fail(at(name) + ": input_shape " + describe(*in) + ", but its input map is " + std::to_string(shape[1]) + "x" +
                 std::to_string(shape[2]));
        // NIR's output size (calculate_conv_output) with the first stride and dilation.
        const Value* st = numbers(name, "stride", false);
        const Value* di = numbers(name, "dilation", false);
        const double stride = st ? st->numbers[0] : 1, dilation = di ? di->numbers[0] : 1;
        auto outSize = [&](std::int64_t n, std::size_t k) {
            return toDim(std::floor((double(n) + 2 * padding - dilation * (double(k) - 1) - 1) / std::max(1.0, stride) + 1));
        };
        shape = {std::int64_t(d[0]), geometry ? shape[1] : outSize(shape[1], d[2]), geometry ? shape[2] : outSize(shape[2], d[3])};
        return NetworkMatrix{d[0], d[1] * d[2] * d[3], w->numbers};
    }

    static std::string describeDims(const std::vector<std::size_t>& d)
    {
        std::string s;
        for (auto x : d)
            s += (s.empty() ? "" : ", ") + std::to_string(x);
        return "(" + s + ")";
    }

    /// A neuron node over `rows` rows of `perRowCount` neurons (problems recorded; the fit is
    /// used only when there are none).
    NeuronFit fitNeuron(const std::string& name, std::size_t rows, std::size_t perRowCount)
    {
        const std::string t = node(name).type;
        NeuronFit fit;
        const bool cuba = t == "CubaLIF" || t == "CubaLI";
        const bool leaky = t != "IF" && t != "I";
        double tau = 1;
        if (cuba) {
            const double tauSyn = uniform(name, "tau_syn", rows, perRowCount, "our neurons share one leak");
            if (std::isfinite(tauSyn) && !near(tauSyn, m_dt, kUnitTol))
                fail(at(name) + ": tau_syn " + num(tauSyn) + " s keeps a synaptic current (decay " + num(1 - m_dt / tauSyn) +
                     " per step of " + num(m_dt) + " s), which our neurons do not have; only tau_syn = dt imports");
        }
        if (leaky) {
            tau = uniform(name, cuba ? "tau_mem" : "tau", rows, perRowCount, "our neurons share one leak");
            if (std::isfinite(tau) && tau < m_dt * (1 - kExactTol))
                fail(at(name) + ": tau " + num(tau) + " s is shorter than the step dt " + num(m_dt) +
                     " s (a forward-Euler leak 1 - dt/tau below 0)");
            fit.leak = std::isfinite(tau) ? std::max(0.0, 1.0 - m_dt / tau) : 1.0;
            const auto vleak = perRow(name, "v_leak", rows, perRowCount, false, 0.0);
            if (std::any_of(vleak.begin(), vleak.end(), [](double v) { return v != 0; }))
                fail(at(name) + ": v_leak is not zero: it would drive our neurons without input");
        }
        const auto r = perRow(name, "r", rows, perRowCount);
        const auto wIn = cuba ? perRow(name, "w_in", rows, perRowCount, false, 1.0) : std::vector<double>(rows, 1.0);
        for (std::size_t i = 0; i < r.size() && i < wIn.size(); ++i) {
            double g = r[i] * m_dt / (leaky ? tau : 1.0) * wIn[i];
            if (near(g, 1.0, kUnitTol))
                g = 1.0;
            fit.gain.push_back(g);
        }
        if (spiking(t)) {
            fit.threshold = perRow(name, "v_threshold", rows, perRowCount);
            if (std::any_of(fit.threshold.begin(), fit.threshold.end(), [](double v) { return !(v > 0); }))
                fail(at(name) + ": v_threshold must be positive");
            const auto& meta = node(name).metadata;
            const auto reset = meta.find("reset_mechanism");
            if (reset != meta.end() && reset->second.isString() && reset->second.text == "subtract")
                fit.soft = true;
            else if (reset != meta.end() && !(reset->second.isString() && reset->second.text == "zero"))
                fail(at(name) + ": metadata reset_mechanism is neither \"subtract\" nor \"zero\"");
            const auto vreset = perRow(name, "v_reset", rows, perRowCount, false, 0.0);
            if (!fit.soft && std::any_of(vreset.begin(), vreset.end(), [](double v) { return v != 0; }))
                fail(at(name) + ": v_reset is not zero: our hard reset sets the membrane to 0");
        }
        fit.gain.resize(rows, 1.0);
        fit.threshold.resize(spiking(t) ? rows : 0, 1.0);
        return fit;
    }

    void walk(const std::string& input)
    {
        m_visited.insert(input);
        std::vector<std::int64_t> shape = shapeOf(input);
        if (!saneShape(input, shape))
            return;
        m_inputSize = product(shape);
        std::string cur = input;
        std::optional<NetworkMatrix> W;  // the weights of the segment being read
        std::string weightNode;
        double colScale = 1;
        std::vector<double> rowScale;
        bool afterConvNeuron = false;
        std::string n;
        while (next(cur, n)) {
            const std::string t = node(n).type;
            const bool wasConvNeuron = afterConvNeuron;
            afterConvNeuron = false;
            if (t == "Flatten") {
                if (W)
                    fail(at(n) + " sits between the weights " + weightNode + " and their neuron");
                shape = {std::int64_t(product(shape))};
            } else if (t == "Scale") {
                const Value* s = numbers(n, "scale");
                if (!s)
                    return;
                if (!W && s->numbers.size() == 1)
                    colScale *= s->numbers[0];
                else if (W && (s->numbers.size() == 1 || s->numbers.size() == W->rows))
                    rowScale = s->numbers.size() == 1 ? std::vector<double>(W->rows, s->numbers[0]) : s->numbers;
                else
                    fail(at(n) + ": " + std::to_string(s->numbers.size()) + " factors; it folds into the weights next to "
                         "it as one factor, or one per output of the weights before it");
            } else if (weighted(t) || t == "Conv2d") {
                if (W) {
                    fail(at(n) + " follows the weights " + weightNode + " directly (two weight nodes in a row)");
                    return;
                }
                if (t == "Conv2d") {
                    W = convWeight(n, shape);
                } else {
                    W = denseWeight(n, product(shape));  // (C, H, W) into Linear: flattened in C order
                    if (W)
                        shape = {std::int64_t(W->rows)};
                }
                if (!W)
                    return;
                if (colScale != 1)
                    for (double& v : W->values)
                        v *= colScale;
                colScale = 1;
                weightNode = n;
            } else if (spiking(t) || integrating(t)) {
                if (!W) {
                    fail(at(n) + " has no weights before it (Linear, Affine or Conv2d)");
                    return;
                }
                const bool conv = shape.size() == 3;
                const std::size_t perRowCount = conv ? std::size_t(shape[1] * shape[2]) : 1;
                const NeuronFit fit = fitNeuron(n, W->rows, perRowCount);
                if (integrating(t)) {  // the readout
                    if (conv)
                        fail(at(n) + " reads a (C, H, W) map: our readout reads the flattened last block (Flatten, Linear)");
                    m_readout = Layer{{}, n, at(n), *W, {}, fit, rowScale};
                    std::string out;
                    if (next(n, out) && node(out).type != "Output")
                        fail(at(out) + " follows the readout " + at(n) + ": our readout's value is the output");
                    m_reachedOutput = true;
                    return;
                }
                const ParamSpec* sizeSpec = experimentParam(conv ? "layer.conv.size" : "layer.size");
                if (double(W->rows) > sizeSpec->hi) {
                    fail(at(n) + ": " + std::to_string(W->rows) + (conv ? " channels" : " neurons") + ", ours take at most " +
                         num(sizeSpec->hi));
                    return;
                }
                Layer layer{{}, n, at(n), *W, {}, fit, rowScale};
                layer.spec.type = conv ? "conv" : "lif";
                layer.spec.size = int(W->rows);
                const auto rec = recurrentOf(n);
                if (rec.size() > 1 || (conv && !rec.empty()))
                    fail(at(n) + ": " + std::to_string(rec.size()) + " recurrent weight nodes; ours is one Linear per dense layer");
                if (rec.size() == 1) {
                    m_visited.insert(rec[0]);
                    if (auto R = denseWeight(rec[0], W->rows)) {
                        if (R->rows != W->rows)
                            fail(at(rec[0]) + ": recurrent weights must be square");
                        layer.R = *R;
                        layer.spec.recurrent = true;
                    }
                }
                m_layers.push_back(std::move(layer));
                W.reset();
                rowScale.clear();
                afterConvNeuron = conv;
            } else if (t == "SumPool2d" || t == "AvgPool2d") {
                if (!wasConvNeuron || shape.size() != 3) {
                    fail(at(n) + " does not pool a conv block's spikes (it must follow the block's neuron)");
                    return;
                }
                const std::int64_t h = shape[1], w = shape[2];
                const Value* k = numbers(n, "kernel_size");
                const Value* s = numbers(n, "stride");
                if (!k || !s)
                    return;
                auto pair = [](const Value* v) {
                    return std::pair{v->numbers[0], v->numbers.size() > 1 ? v->numbers[1] : v->numbers[0]};
                };
                const auto [kh, kw] = pair(k);
                const auto [sh, sw] = pair(s);
                const bool noPadding = allEqual(n, "padding", 0, false);
                if (t == "SumPool2d") {
                    const bool geometry = kh == 2 && kw == 2 && sh == 2 && sw == 2 && noPadding && h >= 2 && w >= 2;
                    if (!geometry)
                        fail(at(n) + ": kernel " + describe(*k) + ", stride " + describe(*s) +
                             "; max pooling of spikes is SumPool2d(kernel 2, stride 2, padding 0) -> Threshold(0.5)");
                    std::string thr;
                    const bool threshold = next(n, thr) && node(thr).type == "Threshold";
                    if (!threshold && !thr.empty())
                        fail(at(n) + " is followed by " + at(thr) + ", not Threshold: a sum of spikes is not one of "
                             "our poolings (max 2x2 of spikes = SumPool2d(2, 2) -> Threshold(0.5))");
                    if (threshold) {
                        const Value* theta = numbers(thr, "threshold");
                        for (double x : theta ? theta->numbers : std::vector<double>{})
                            if (!(x >= 0 && x < 1)) {
                                fail(at(thr) + ": threshold " + num(x) + " after a 2x2 sum of spikes; max pooling is a "
                                     "threshold in [0, 1)");
                                break;
                            }
                        m_layers.back().spec.pool = "max2";
                    } else if (thr.empty()) {
                        return;
                    }
                    shape = {shape[0], toDim(std::floor((double(h) - kh) / std::max(1.0, sh)) + 1),
                             toDim(std::floor((double(w) - kw) / std::max(1.0, sw)) + 1)};
                    if (threshold)
                        n = thr;  // else the walk goes on after the pool: there may be more to report
                } else {
                    if (h < 2 || w < 2 || kh != double((h + 1) / 2) || kw != double((w + 1) / 2) || sh != double(h / 2) ||
                        sw != double(w / 2) || !noPadding)
                        fail(at(n) + ": kernel " + describe(*k) + ", stride " + describe(*s) + " on a " + std::to_string(h) +
                             "x" + std::to_string(w) + " map; our average pooling is adaptive to 2x2 (here kernel " +
                             std::to_string((h + 1) / 2) + "x" + std::to_string((w + 1) / 2) + ", stride " +
                             std::to_string(h / 2) + "x" + std::to_string(w / 2) + ", padding 0)");
                    m_layers.back().spec.pool = "avgpool2x2";
                    shape = {shape[0], 2, 2};
                }
            } else if (t == "Output") {
                if (W)
                    fail(at(n) + " follows the weights " + weightNode + ": our readout integrates them (LI or I before Output)");
                else if (!afterDenseNeuronBefore(cur))
                    fail(at(n) + " follows " + at(cur) + ": our networks end in a readout (LI or I) or a dense spiking layer");
                else
                    m_identityReadout = true;
                m_reachedOutput = true;
                return;
            } else if (t == "Threshold") {
                fail(at(n) + " is supported only after SumPool2d(2, 2), as max pooling of spikes");
                return;
            } else {
                fail(at(n) + " cannot follow " + at(cur));
                return;
            }
            if (!saneShape(n, shape))
                return;
            cur = n;
        }
    }

    /// Our limits on a map or vector between nodes: 1 to 3 dimensions, each at least 1, at most
    /// network.inputs' maximum values in all (beyond that no layer of ours reads it).
    bool saneShape(const std::string& name, const std::vector<std::int64_t>& shape)
    {
        const double most = experimentParam("network.inputs")->hi;
        double n = 1;
        for (auto d : shape)
            n *= double(d);
        if (shape.empty() || shape.size() > 3 || std::any_of(shape.begin(), shape.end(), [](auto d) { return d < 1; }) ||
            n > most) {
            std::string dims;
            for (auto d : shape)
                dims += (dims.empty() ? "" : ", ") + std::to_string(d);
            fail(at(name) + ": gives a map of shape (" + dims + "); ours are (N), or (C, H, W) for conv blocks, of 1 to " +
                 num(most) + " values");
            return false;
        }
        return true;
    }

    bool afterDenseNeuronBefore(const std::string& cur) const
    {
        return !m_layers.empty() && m_layers.back().node == cur && m_layers.back().spec.type == "lif";
    }

    /// What our layers share: one alpha, one reset, one kind (conv blocks read out directly).
    void checkLayers()
    {
        if (m_layers.empty())
            return;
        const Layer& first = m_layers.front();
        for (const Layer& l : m_layers) {
            if (!near(l.fit.leak, first.fit.leak, kExactTol))
                fail(at(l.node) + ": leak " + num(l.fit.leak) + " per step, " + at(first.node) + " " + num(first.fit.leak) +
                     ": our layers share one alpha");
            if (l.fit.soft != first.fit.soft)
                fail(at(l.node) + ": reset " + (l.fit.soft ? "subtract" : "zero") + ", " + at(first.node) + " " +
                     (first.fit.soft ? "subtract" : "zero") + ": our layers share one reset");
            if (l.spec.type != first.spec.type)
                fail(at(l.node) + (l.spec.type == "lif" ? ": a dense spiking layer after conv blocks: our conv networks "
                                                          "read out from the last block"
                                                        : ": a conv block after dense layers: ours are all conv or all dense"));
        }
    }

    const nir::Graph& m_g;
    std::string m_file;
    std::optional<double> m_dtOption;
    double m_dt = 0;
    std::string m_dtSource;
    std::map<std::string, std::vector<std::string>> m_in, m_out;
    std::vector<std::string> m_inputs, m_outputs, m_problems;
    std::set<std::string> m_visited, m_bad;
    std::vector<Layer> m_layers;
    Layer m_readout;
    bool m_identityReadout = false, m_reachedOutput = false;
    std::size_t m_inputSize = 0;
};

} // namespace

Chain walk(const nir::Graph& graph, const std::string& file, std::optional<double> dt_s)
{
    return Walker(graph, file, dt_s).run();
}

} // namespace tp::nirchain
