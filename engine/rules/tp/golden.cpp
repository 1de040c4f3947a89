#include "rules/tp/golden.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/tp/golden_compare.h"
#include "io/h5.h"
#include "rules/tp/tp_network.h"

namespace tp {

bool GoldenReport::passed() const
{
    for (const auto& a : arrays)
        if (!a.ok())
            return false;
    return !arrays.empty();
}

std::string GoldenReport::table() const
{
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-26s %12s %12s %10s  %s\n", "array", "max rel dev", "max abs dev", "tolerance",
                  "result");
    out += line;
    for (const auto& a : arrays) {
        if (a.exact)
            std::snprintf(line, sizeof line, "%-26s %12s %12lld %10s  %s\n", a.name.c_str(), "exact",
                          (long long)a.mismatches, "0 diffs", a.ok() ? "ok" : "MISMATCH");
        else
            std::snprintf(line, sizeof line, "%-26s %12.3e %12.3e %10.0e  %s\n", a.name.c_str(), a.max_rel, a.max_abs,
                          a.tolerance, a.ok() ? "ok" : "MISMATCH");
        out += line;
    }
    return out;
}

namespace {

using golden_detail::Comparer;
using golden_detail::kStateTol;
using golden_detail::kGradTol;
using golden_detail::kWeightTol;

template <typename S>
GoldenReport replay(const h5::File& f, Precision precision, ComputePath path)
{
    using Net = TpNetwork<S>;
    if (f.hasAttribute("model") && f.attrString("model") == "cnn")
        return golden_detail::replayConv<S>(f, precision);
    if (f.hasAttribute("model") && f.attrString("model") != "mlp")
        throw ConfigError(f.path() + ": model '" + f.attrString("model") + "' is not supported (mlp or cnn)");
    if (f.attrInt("format_version") != 1)
        throw FormatError(f.path(), "attribute format_version",
                          "version " + std::to_string(f.attrInt("format_version")) + " is not supported (expected 1)");
    const auto hidden = f.attrInts("hidden");
    const auto recurrent = f.attrInts("recurrent");
    if (hidden.empty() || recurrent.size() != hidden.size())
        throw FormatError(f.path(), "attribute recurrent", "must have one entry per hidden layer");
    TpConfig cfg;
    cfg.inputs = int(f.attrInt("n_in"));
    cfg.classes = int(f.attrInt("n_classes"));
    const int B = int(f.attrInt("batch")), T = int(f.attrInt("steps"));
    if (cfg.inputs < 1 || cfg.classes < 1 || B < 2 || T < 1)
        throw FormatError(f.path(), "root attributes", "n_in, n_classes, batch >= 2 and steps must be positive");
    cfg.max_batch = B;
    for (std::size_t l = 0; l < hidden.size(); ++l) {
        if (hidden[l] < 1)
            throw FormatError(f.path(), "attribute hidden", "layer sizes must be positive");
        cfg.layers.push_back({"lif", int(hidden[l]), recurrent[l] != 0});
    }
    cfg.neuron.alpha = f.attrDouble("alpha");
    cfg.neuron.beta = f.attrDouble("beta");
    cfg.neuron.v_th = f.attrDouble("v_th");
    cfg.neuron.surrogate_scale = f.attrDouble("kappa");
    cfg.neuron.reset = f.attrString("reset");
    cfg.readout_leak = f.attrDouble("out_leak");
    cfg.adam = {f.attrDouble("adam_beta1"), f.attrDouble("adam_beta2"), f.attrDouble("adam_eps")};
    cfg.path = path;
    const double lr = f.attrDouble("lr");
    for (const char* name : {"alpha", "beta", "v_th", "kappa", "out_leak", "lr", "adam_beta1", "adam_beta2", "adam_eps"})
        if (!std::isfinite(f.attrDouble(name)))
            throw FormatError(f.path(), std::string("attribute ") + name, "is NaN or Inf");
    Net net(cfg);

    auto loadInto = [&](typename Net::WMat& w, const std::string& name) {
        const auto a = f.readDoubles("init/" + name);
        if (a.dims.size() != 2 || a.dims[0] != std::size_t(w.rows()) || a.dims[1] != std::size_t(w.cols()))
            throw FormatError(f.path(), "dataset /init/" + name,
                              "shape does not match (" + std::to_string(w.rows()) + ", " + std::to_string(w.cols()) + ")");
        for (double v : a.data)
            if (!std::isfinite(v))
                throw FormatError(f.path(), "dataset /init/" + name, "holds NaN or Inf");
        for (Eigen::Index o = 0; o < w.rows(); ++o)
            for (Eigen::Index i = 0; i < w.cols(); ++i)
                w(o, i) = S(a.data[std::size_t(o * w.cols() + i)]);
    };
    const int L = int(hidden.size());
    for (int l = 0; l < L; ++l) {
        loadInto(net.layers()[l].W.w, "W" + std::to_string(l + 1));
        if (recurrent[l])
            loadInto(net.layers()[l].R.w, "R" + std::to_string(l + 1));
    }
    loadInto(net.targetProjection(), "S");
    if (recurrent[0])
        loadInto(net.targetRecurrent(), "S_rec");
    loadInto(net.readout().w, "W_out");

    // Input: (T, B, n_in) dense -> sparse batch.
    const auto x = f.readDoubles("input/x");
    const auto labels = f.readInts("input/labels");
    if (x.dims != std::vector<std::size_t>{std::size_t(T), std::size_t(B), std::size_t(cfg.inputs)})
        throw FormatError(f.path(), "dataset /input/x", "shape must be (steps, batch, n_in)");
    for (double v : x.data)
        if (!std::isfinite(v))
            throw FormatError(f.path(), "dataset /input/x", "holds NaN or Inf");
    if (labels.size() != std::size_t(B))
        throw FormatError(f.path(), "dataset /input/labels", "must hold one label per batch row");
    Batch batch;
    batch.size = B;
    batch.steps = T;
    batch.channels = cfg.inputs;
    batch.lengths.assign(B, T);
    for (auto v : labels.data) {
        if (v < 0 || v >= cfg.classes)
            throw FormatError(f.path(), "dataset /input/labels", "label " + std::to_string(v) + " outside [0, n_classes)");
        batch.labels.push_back(std::int32_t(v));
    }
    for (int t = 0; t < T; ++t) {
        std::vector<std::int32_t> off{0}, units;
        std::vector<float> values;
        for (int b = 0; b < B; ++b) {
            for (int i = 0; i < cfg.inputs; ++i) {
                const double v = x.data[(std::size_t(t) * B + b) * cfg.inputs + i];
                if (v != 0) {
                    units.push_back(i);
                    values.push_back(float(v));
                }
            }
            off.push_back(std::int32_t(units.size()));
        }
        batch.row_offsets.push_back(std::move(off));
        batch.units.push_back(std::move(units));
        batch.values.push_back(std::move(values));
    }

    Comparer cmp(f, precision);
    const auto& rowClass = net.classOfRow();
    const int C = cfg.classes;
    auto train = [&](int t) {
        for (int l = 0; l < L; ++l) {
            const auto& layer = net.layers()[l];
            const std::string n = std::to_string(l + 1);
            const std::size_t H = std::size_t(layer.size), BH = std::size_t(B) * H;
            auto in = [&](const typename Net::Mat& m) { return [&m, H](std::size_t i) { return double(m.data()[i]); }; };
            auto tg = [&](const typename Net::Mat& m) {
                return [&m, H, &rowClass](std::size_t i) { return double(m(rowClass[i / H], Eigen::Index(i % H))); };
            };
            cmp.compare("potential" + n, t, BH, kStateTol, false, in(layer.in.u));
            cmp.compare("spikes" + n, t, BH, 0, true, in(layer.in.s));
            cmp.compare("trace" + n, t, BH, kStateTol, false, in(layer.in.trace));
            cmp.compare("target_potential" + n, t, BH, kStateTol, false, tg(layer.tgt.u));
            cmp.compare("target_spikes" + n, t, BH, 0, true, tg(layer.tgt.s));
            cmp.compare("target_trace" + n, t, BH, kStateTol, false, tg(layer.tgt.trace));
            cmp.compare("similarity" + n, t, std::size_t(B) * B, kStateTol, false, [&](std::size_t i) {
                return double(layer.z(Eigen::Index(i / B), rowClass[i % B]));
            });
            cmp.compare("soft_target" + n, t, std::size_t(B) * B, kStateTol, false, [&](std::size_t i) {
                return double(layer.y(rowClass[i / B], rowClass[i % B]));
            });
            cmp.compare("loss" + n, t, 1, kStateTol, false, [&](std::size_t) { return layer.loss; });
            auto grad = [](const typename Net::WMat& g) {
                return [&g](std::size_t i) { return double(g(Eigen::Index(i / g.cols()), Eigen::Index(i % g.cols()))); };
            };
            cmp.compare("grad_W" + n, t, std::size_t(layer.W.g.size()), kGradTol, false, grad(layer.W.g));
            if (layer.recurrent)
                cmp.compare("grad_R" + n, t, std::size_t(layer.R.g.size()), kGradTol, false, grad(layer.R.g));
        }
        cmp.compare("label_trace", t, std::size_t(B) * C, kStateTol, false, [&](std::size_t i) {
            return double(net.labelTrace()(rowClass[i / C], Eigen::Index(i % C)));
        });
        const auto& go = net.readout().g;
        cmp.compare("grad_W_out", t, std::size_t(go.size()), kGradTol, false, [&](std::size_t i) {
            return double(go(Eigen::Index(i / go.cols()), Eigen::Index(i % go.cols())));
        });
        cmp.compare("readout", t, std::size_t(B) * C, kStateTol, false,
                    [&](std::size_t i) { return double(net.readoutMembrane().data()[i]); });
    };
    net.trainBatch(batch, lr, train);

    auto finalW = [&](const std::string& name, const typename Net::WMat& w) {
        cmp.compare("final/" + name, -1, std::size_t(w.size()), kWeightTol, false, [&](std::size_t i) {
            return double(w(Eigen::Index(i / w.cols()), Eigen::Index(i % w.cols())));
        });
    };
    for (int l = 0; l < L; ++l) {
        finalW("W" + std::to_string(l + 1), net.layers()[l].W.w);
        if (recurrent[l])
            finalW("R" + std::to_string(l + 1), net.layers()[l].R.w);
    }
    finalW("W_out", net.readout().w);

    auto infer = [&](int t) {
        for (int l = 0; l < L; ++l) {
            const auto& s = net.layers()[l].in.s;
            cmp.compare("inference/spikes" + std::to_string(l + 1), t, std::size_t(s.size()), 0, true,
                        [&](std::size_t i) { return double(s.data()[i]); });
        }
        cmp.compare("inference/readout", t, std::size_t(B) * C, kStateTol, false,
                    [&](std::size_t i) { return double(net.readoutMembrane().data()[i]); });
    };
    const BatchStats stats = net.evaluateBatch(batch, infer);
    cmp.compare("predictions", -1, std::size_t(B), 0, true,
                [&](std::size_t i) { return double(stats.predictions[i]); });

    GoldenReport report;
    report.file = f.path();
    report.precision = precision;
    report.arrays = cmp.result();
    return report;
}

} // namespace

GoldenReport verifyGolden(const std::string& file, Precision precision, ComputePath path)
{
    const h5::File f = h5::File::openRead(file);
    return precision == Precision::Float64 ? replay<double>(f, precision, path) : replay<float>(f, precision, path);
}

} // namespace tp
