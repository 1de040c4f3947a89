// Spiking Randman as a dataset format (format.h): a built-in generator, no files.
#include "randman.h"
#include "registry.h"

namespace tp {

namespace {

constexpr ParamSpec kParams[] = {
    {.key = "classes", .type = ParamType::Int, .lo = 2, .hi = 1000, .def = "10", .help = "number of classes"},
    {.key = "units", .type = ParamType::Int, .lo = 1, .hi = 100000, .def = "20",
     .help = "input channels: the manifolds' embedding dimension"},
    {.key = "dim", .type = ParamType::Int, .lo = 1, .hi = 8, .def = "1", .help = "manifold dimension"},
    {.key = "alpha", .type = ParamType::Number, .lo = 0, .hi = kNoLimit, .lo_open = true, .hi_open = true, .def = "1.0",
     .help = "smoothness of the manifolds (larger = smoother, fewer Fourier terms)"},
    {.key = "spikes", .type = ParamType::Int, .lo = 1, .hi = 100, .def = "1", .help = "spikes per unit and sample"},
    {.key = "samples_per_class", .type = ParamType::Int, .lo = 2, .hi = 1000000, .def = "1000",
     .help = "samples generated per class (both splits)"},
    {.key = "train_fraction", .type = ParamType::Number, .lo = 0, .hi = 1, .lo_open = true, .hi_open = true,
     .def = "0.8", .help = "share of the shuffled samples that go to the training split"},
    {.key = "seed", .type = ParamType::Seed, .def = "1", .help = "seed of the manifolds, the samples and the shuffle"},
    {.key = "shuffle", .type = ParamType::Bool, .def = "true", .help = "shuffle all samples jointly before the split"},
};

constexpr ParamSpec kBinning[] = {
    {.key = "steps", .type = ParamType::Int, .lo = 1, .hi = 100000, .def = "100", .unit = "steps",
     .help = "time steps of every sample"},
    {.key = "step_frac", .type = ParamType::Number, .lo = 0, .hi = 1, .lo_open = true, .def = "0.5",
     .help = "fraction of the steps (after the offset) that can hold spikes"},
    {.key = "offset_frac", .type = ParamType::Number, .lo = 0, .hi = 1, .hi_open = true, .def = "0.0",
     .help = "fraction of the steps before the first possible spike"},
};

} // namespace

RandmanParams randmanParams(const DatasetSpec& spec)
{
    std::vector<ConfigIssue> issues;
    if (spec.kind != "randman")
        issues.push_back({"dataset.kind", "expected \"randman\", got \"" + spec.kind + "\""});
    else
        validateDatasetSpec(spec, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));

    RandmanParams params;
    const auto& p = spec.params;
    const auto& b = spec.binning;
    params.classes = p.value("classes", params.classes);
    params.units = p.value("units", params.units);
    params.dim = p.value("dim", params.dim);
    params.alpha = p.value("alpha", params.alpha);
    params.spikes = p.value("spikes", params.spikes);
    params.samples_per_class = p.value("samples_per_class", params.samples_per_class);
    params.train_fraction = p.value("train_fraction", params.train_fraction);
    params.seed = p.value("seed", params.seed);
    params.shuffle = p.value("shuffle", params.shuffle);
    params.steps = b.value("steps", params.steps);
    params.step_frac = b.value("step_frac", params.step_frac);
    params.offset_frac = b.value("offset_frac", params.offset_frac);
    return params;
}

extern const DatasetFormat kRandmanFormat{
    .kind = "randman",
    .display = "Randman",
    .description = "built-in Spiking Randman task (Zenke & Vogels 2021): classes told apart only by spike timing",
    .recorded = false,
    .params = kParams,
    .binning = kBinning,
    .shape = [](const DatasetSpec& spec) {
        const RandmanParams p = randmanParams(spec);
        return DatasetShape{{p.units, 1, 1}, p.classes};
    },
    .open = [](const DatasetSpec& spec, const DatasetSource&) -> std::unique_ptr<Dataset> {
        return std::make_unique<RandmanDataset>(randmanParams(spec));
    },
};

} // namespace tp
