// Golden replay of conv ("cnn") files (../shared/golden/README.md, "Conv files") with ConvTpNetwork.
#include <cmath>

#include "core/errors.h"
#include "core/sample.h"
#include "rules/tp/golden_compare.h"
#include "io/h5.h"
#include "rules/tp/conv_network.h"

namespace tp::golden_detail {

namespace {

/// A (T, B, C_in, H, W) dense input as a sparse Batch with frames flattened (c, h, w).
Batch loadFrames(const h5::File& f, const std::string& name, int T, int B, int frame, const std::vector<std::int32_t>& labels)
{
    const auto x = f.readDoubles(name);
    std::size_t n = 1;
    for (auto d : x.dims)
        n *= d;
    if (x.dims.size() != 5 || x.dims[0] != std::size_t(T) || x.dims[1] != std::size_t(B) ||
        n != std::size_t(T) * std::size_t(B) * std::size_t(frame))
        throw FormatError(f.path(), "dataset /" + name, "shape must be (steps, batch, C_in, H, W)");
    Batch batch;
    batch.size = B;
    batch.steps = T;
    batch.channels = frame;
    batch.labels = labels;
    batch.lengths.assign(std::size_t(B), T);
    for (int t = 0; t < T; ++t) {
        std::vector<std::int32_t> off{0}, units;
        std::vector<float> values;
        for (int b = 0; b < B; ++b) {
            for (int i = 0; i < frame; ++i) {
                const double v = x.data[(std::size_t(t) * B + b) * frame + i];
                if (!std::isfinite(v))
                    throw FormatError(f.path(), "dataset /" + name, "holds NaN or Inf");
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
    return batch;
}

std::vector<std::string> splitCommas(const std::string& s)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = s.find(',', pos);
        out.push_back(s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

} // namespace

template <typename S>
GoldenReport replayConv(const h5::File& f, Precision precision)
{
    using Net = ConvTpNetwork<S>;
    using Mat = typename Net::Mat;
    if (f.attrInt("format_version") != 1)
        throw FormatError(f.path(), "attribute format_version",
                          "version " + std::to_string(f.attrInt("format_version")) + " is not supported (expected 1)");
    if (f.attrInt("kernel_size") != 3 || f.attrInt("padding") != 1)
        throw ConfigError(f.path() + ": only 3x3 kernels with padding 1 are supported");
    const auto inShape = f.attrInts("input_shape");
    const auto channels = f.attrInts("out_channels");
    const auto pools = splitCommas(f.attrString("pool"));
    if (inShape.size() != 3 || channels.empty() || pools.size() != channels.size())
        throw FormatError(f.path(), "attributes input_shape/out_channels/pool", "inconsistent block description");
    // Sizes are checked in 64 bits before anything is allocated (a corrupt file must not turn
    // into a huge allocation or an int overflow).
    constexpr std::int64_t kMaxDim = 1 << 16, kMaxElems = std::int64_t(1) << 22;
    auto dim = [&](std::int64_t v, const char* what) {
        if (v < 1 || v > kMaxDim)
            throw FormatError(f.path(), std::string("attribute ") + what, "value " + std::to_string(v) + " out of range");
        return v;
    };
    {
        const std::int64_t h = dim(inShape[1], "input_shape"), w = dim(inShape[2], "input_shape");
        const std::int64_t rows = dim(f.attrInt("batch"), "batch");
        dim(f.attrInt("steps"), "steps");
        const std::int64_t classes = dim(f.attrInt("n_classes"), "n_classes");
        std::int64_t cin = dim(inShape[0], "input_shape");
        if (channels.size() > 64 || cin * h * w > kMaxElems / rows)
            throw FormatError(f.path(), "attribute input_shape", "too large for a golden replay");
        for (std::size_t l = 0; l < channels.size(); ++l) {
            const std::int64_t cout = dim(channels[l], "out_channels"), map = cout * h * w;  // <= 2^48
            if (map > kMaxElems / rows || cout * cin * 9 > kMaxElems || map > kMaxElems / classes)
                throw FormatError(f.path(), "attribute out_channels", "maps too large for a golden replay");
            cin = cout;
        }
    }
    ConvTpConfig cfg;
    cfg.input = {int(inShape[0]), int(inShape[1]), int(inShape[2])};
    cfg.classes = int(f.attrInt("n_classes"));
    const int B = int(f.attrInt("batch")), T = int(f.attrInt("steps"));
    if (cfg.classes < 1 || B < 2 || T < 1 || cfg.input.c < 1 || cfg.input.h < 1 || cfg.input.w < 1)
        throw FormatError(f.path(), "root attributes", "n_classes, batch >= 2, steps and input_shape must be positive");
    cfg.max_batch = B;
    for (std::size_t l = 0; l < channels.size(); ++l) {
        if (channels[l] < 1)
            throw FormatError(f.path(), "attribute out_channels", "channel counts must be positive");
        LayerSpec spec;
        spec.type = "conv";
        spec.size = int(channels[l]);
        spec.pool = pools[l];
        cfg.blocks.push_back(spec);
    }
    cfg.neuron.alpha = f.attrDouble("alpha");
    cfg.neuron.beta = f.attrDouble("beta");
    cfg.neuron.v_th = f.attrDouble("v_th");
    cfg.neuron.surrogate_scale = f.attrDouble("kappa");
    cfg.neuron.reset = f.attrString("reset");
    cfg.target_v_th = f.attrDouble("target_v_th");
    cfg.readout_leak = f.attrDouble("out_leak");
    cfg.weight_norm = f.attrString("norm") == "weight";
    if (cfg.weight_norm) {
        cfg.ws_gain = f.attrDouble("ws_gain");
        cfg.ws_eps = f.attrDouble("ws_eps");
    }
    cfg.adam = {f.attrDouble("adam_beta1"), f.attrDouble("adam_beta2"), f.attrDouble("adam_eps")};
    const double lr = f.attrDouble("lr");
    for (const char* name : {"alpha", "beta", "v_th", "target_v_th", "kappa", "out_leak", "lr", "adam_beta1",
                             "adam_beta2", "adam_eps"})
        if (!std::isfinite(f.attrDouble(name)))
            throw FormatError(f.path(), std::string("attribute ") + name, "is NaN or Inf");
    Net net(cfg);
    const int L = int(net.blocks().size());

    // The engine's geometry must agree with the file's.
    const auto mapShapes = f.attrInts("map_shapes"), pooledShapes = f.attrInts("pooled_shapes");
    if (mapShapes.size() != std::size_t(3 * L) || pooledShapes.size() != std::size_t(3 * L))
        throw FormatError(f.path(), "attributes map_shapes/pooled_shapes", "need 3 values per block");
    for (int l = 0; l < L; ++l) {
        const auto& blk = net.blocks()[l];
        const MapShape m = blk.map_shape, p = blk.pooled_shape;
        if (mapShapes[3 * l] != m.c || mapShapes[3 * l + 1] != m.h || mapShapes[3 * l + 2] != m.w ||
            pooledShapes[3 * l] != p.c || pooledShapes[3 * l + 1] != p.h || pooledShapes[3 * l + 2] != p.w)
            throw FormatError(f.path(), "attributes map_shapes/pooled_shapes",
                              "block " + std::to_string(l + 1) + " does not match the engine's shape inference");
    }
    if (f.attrInt("n_features") != net.features())
        throw FormatError(f.path(), "attribute n_features", "does not match the last block's pooled size");

    auto loadInto = [&](Mat& w, const std::string& name) {
        const auto a = f.readDoubles("init/" + name);
        if (a.size() != std::size_t(w.size()) || a.dims.empty() || a.dims[0] != std::size_t(w.rows()))
            throw FormatError(f.path(), "dataset /init/" + name,
                              "shape does not match (" + std::to_string(w.rows()) + ", " + std::to_string(w.cols()) + ")");
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!std::isfinite(a.data[i]))
                throw FormatError(f.path(), "dataset /init/" + name, "holds NaN or Inf");
            w.data()[i] = S(a.data[i]);  // both row-major, (out, in...)
        }
    };
    for (int l = 0; l < L; ++l)
        loadInto(net.blocks()[l].W.w, "W" + std::to_string(l + 1));
    loadInto(net.targetProjection(), "S");
    loadInto(net.readout().w, "W_out");
    std::vector<Mat> init;
    for (int l = 0; l < L; ++l)
        init.push_back(net.blocks()[l].W.w);
    init.push_back(net.readout().w);

    const auto labelsArr = f.readInts("input/labels");
    if (labelsArr.size() != std::size_t(B))
        throw FormatError(f.path(), "dataset /input/labels", "must hold one label per batch row");
    std::vector<std::int32_t> labels;
    for (auto v : labelsArr.data) {
        if (v < 0 || v >= cfg.classes)
            throw FormatError(f.path(), "dataset /input/labels", "label " + std::to_string(v) + " outside [0, n_classes)");
        labels.push_back(std::int32_t(v));
    }
    const int frame = cfg.input.size();
    const Batch train = loadFrames(f, "input/x", T, B, frame, labels);
    const Batch inferBatch = loadFrames(f, f.exists("input/x_infer") ? "input/x_infer" : "input/x", T, B, frame, labels);

    Comparer cmp(f, precision);
    const auto& rowClass = net.classOfRow();
    const int C = cfg.classes;
    auto flat = [](const Mat& m) { return [&m](std::size_t i) { return double(m.data()[i]); }; };
    auto byClass = [&rowClass](const Mat& m) {
        const std::size_t n = std::size_t(m.cols());
        return [&m, n, &rowClass](std::size_t i) { return double(m(rowClass[i / n], Eigen::Index(i % n))); };
    };
    auto onStep = [&](int t) {
        for (int l = 0; l < L; ++l) {
            const auto& blk = net.blocks()[l];
            const std::string n = std::to_string(l + 1);
            const std::size_t full = std::size_t(B) * blk.map_shape.size(), pooled = std::size_t(B) * blk.pooled_shape.size();
            cmp.compare("potential" + n, t, full, kStateTol, false, flat(blk.in.u));
            cmp.compare("spikes" + n, t, full, 0, true, flat(blk.in.s));
            cmp.compare("trace" + n, t, pooled, kStateTol, false, flat(blk.in.trace));
            cmp.compare("target_potential" + n, t, full, kStateTol, false, byClass(blk.tgt.u));
            cmp.compare("target_spikes" + n, t, full, 0, true, byClass(blk.tgt.s));
            cmp.compare("target_trace" + n, t, pooled, kStateTol, false, byClass(blk.tgt.trace));
            cmp.compare("similarity" + n, t, std::size_t(B) * B, kStateTol, false,
                        [&](std::size_t i) { return double(blk.z(Eigen::Index(i / B), rowClass[i % B])); });
            cmp.compare("soft_target" + n, t, std::size_t(B) * B, kStateTol, false,
                        [&](std::size_t i) { return double(blk.y(rowClass[i / B], rowClass[i % B])); });
            cmp.compare("loss" + n, t, 1, kStateTol, false, [&](std::size_t) { return blk.loss; });
            cmp.compare("grad_W_hat" + n, t, std::size_t(blk.W.g_hat.size()), kGradTol, false, flat(blk.W.g_hat));
            cmp.compare("grad_W" + n, t, std::size_t(blk.W.g.size()), kGradTol, false, flat(blk.W.g));
        }
        cmp.compare("label_trace", t, std::size_t(B) * C, kStateTol, false, byClass(net.labelTrace()));
        cmp.compare("grad_W_out", t, std::size_t(net.readout().g.size()), kGradTol, false, flat(net.readout().g));
        cmp.compare("readout", t, std::size_t(B) * C, kStateTol, false, flat(net.readoutMembrane()));
    };
    net.trainBatch(train, lr, onStep);

    // Final weights, and their change final - init as "change/..." (about 1e-2: a missed or
    // doubled update could hide under a tolerance on the weights themselves).
    auto finalW = [&](const std::string& name, const Mat& w, const Mat& w0) {
        cmp.compare("final/" + name, -1, std::size_t(w.size()), kWeightTol, false, flat(w));
        const auto want = f.readDoubles("expected/final/" + name);
        cmp.compareDerived(
            "change/" + name, std::size_t(w.size()), kWeightChangeTol,
            [&](std::size_t i) { return want.data[i] - double(w0.data()[i]); },
            [&](std::size_t i) { return double(w.data()[i]) - double(w0.data()[i]); });
    };
    for (int l = 0; l < L; ++l)
        finalW("W" + std::to_string(l + 1), net.blocks()[l].W.w, init[std::size_t(l)]);
    finalW("W_out", net.readout().w, init.back());

    auto infer = [&](int t) {
        for (int l = 0; l < L; ++l) {
            const auto& s = net.blocks()[l].in.s;
            cmp.compare("inference/spikes" + std::to_string(l + 1), t, std::size_t(s.size()), 0, true, flat(s));
        }
        cmp.compare("inference/readout", t, std::size_t(B) * C, kStateTol, false, flat(net.readoutMembrane()));
    };
    const BatchStats stats = net.evaluateBatch(inferBatch, infer);
    cmp.compare("predictions", -1, std::size_t(B), 0, true, [&](std::size_t i) { return double(stats.predictions[i]); });

    for (const auto& name : f.datasets("expected"))
        if (!cmp.compared(name))
            cmp.notCompared(name);

    GoldenReport report;
    report.file = f.path();
    report.precision = precision;
    report.arrays = cmp.result();
    return report;
}

template GoldenReport replayConv<float>(const h5::File&, Precision);
template GoldenReport replayConv<double>(const h5::File&, Precision);

} // namespace tp::golden_detail
