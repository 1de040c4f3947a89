#include "config/experiment.h"

// The experiment's own parameter table (experimentParams): what the parser in experiment.cpp
// reads with, `help params` prints and the GUI's properties panel builds its fields from.

namespace tp {
namespace {

constexpr const char* kNorms[] = {"none", "weight"};
constexpr const char* kLayerTypes[] = {"lif", "conv"};
constexpr const char* kPools[] = {"none", "max2", "avgpool2x2"};
constexpr const char* kResets[] = {"soft", "hard"};
constexpr const char* kSurrogates[] = {"arctan"};
constexpr const char* kPrecisions[] = {"float32", "float64"};
constexpr const char* kPaths[] = {"auto", "dense", "event"};

constexpr ParamSpec kNetworkParams[] = {
    {.key = "inputs", .type = ParamType::Int, .lo = 0, .hi = 10'000'000, .def = "0", .unit = "channels",
     .help = "input size per time step; 0 takes it from the dataset, any other value must equal the dataset's"},
    {.key = "norm", .type = ParamType::Choice, .def = "\"none\"",
     .help = "weight: scaled weight standardisation of conv kernels in every forward pass (the paper's CNN runs)",
     .choices = kNorms},
    {.key = "init_weights", .type = ParamType::String, .def = "\"\"",
     .help = "initial weights: a results.h5, checkpoint.h5 or import-nir weights file whose W1.., R1.., W_out replace "
             "the seeded ones (the rule's own matrices keep theirs); \"\" = seeded initialisation"},
};
constexpr ParamSpec kReadoutParams[] = {
    {.key = "leak", .type = ParamType::Number, .lo = 0, .hi = 1, .def = "1", .unit = "/step",
     .help = "leak factor of the leaky-integrator readout per time step (1 = perfect integrator)"},
};
constexpr ParamSpec kLayerTypeParam{
    .key = "type", .type = ParamType::Choice, .def = "\"lif\"",
    .help = "lif: fully connected LIF layer; conv: 3x3 conv LIF block (a network has only one kind)",
    .choices = kLayerTypes};
constexpr ParamSpec kLifLayerParams[] = {
    kLayerTypeParam,
    {.key = "size", .type = ParamType::Int, .lo = 1, .hi = 100'000, .def = "100", .unit = "neurons",
     .help = "neurons of the layer"},
    {.key = "recurrent", .type = ParamType::Bool, .def = "false",
     .help = "add recurrent weights from the layer's own spikes at the previous step"},
};
constexpr ParamSpec kConvLayerParams[] = {
    kLayerTypeParam,
    {.key = "size", .type = ParamType::Int, .lo = 1, .hi = 4096, .def = "100", .unit = "channels",
     .help = "output channels of the 3x3 conv block (stride 1, pad 1)"},
    {.key = "pool", .type = ParamType::Choice, .def = "\"none\"",
     .help = "pooling of the block's spike map: max2 halves H and W, avgpool2x2 averages to 2x2",
     .choices = kPools},
};
constexpr ParamSpec kNeuronParams[] = {
    {.key = "alpha", .type = ParamType::Number, .lo = 0, .hi = 1, .def = "0.95", .unit = "/step",
     .help = "membrane potential multiplier per time step (1 = no leak)"},
    {.key = "beta", .type = ParamType::Number, .lo = 0, .hi = 1, .def = "0.95", .unit = "/step",
     .help = "trace multiplier per time step"},
    {.key = "v_th", .type = ParamType::Number, .lo = 0, .lo_open = true, .def = "1",
     .help = "firing threshold of the membrane potential (in units of input weight)"},
    {.key = "reset", .type = ParamType::String, .def = "\"soft\"",
     .help = "exactly \"soft\" subtracts the threshold after a spike; any other string resets to 0 (reference quirk)",
     .choices = kResets},
};
constexpr ParamSpec kSurrogateParams[] = {
    {.key = "type", .type = ParamType::Choice, .def = "\"arctan\"", .help = "surrogate derivative of the spike",
     .choices = kSurrogates},
    {.key = "scale", .type = ParamType::Number, .lo = 0, .lo_open = true, .def = "1",
     .help = "scale kappa of the ArcTan surrogate kappa / (1 + (pi (u - v_th))^2)"},
};
constexpr ParamSpec kRunParams[] = {
    {.key = "epochs", .type = ParamType::Int, .lo = 1, .hi = 100'000, .def = "10", .unit = "epochs",
     .help = "passes over the training split"},
    {.key = "batch", .type = ParamType::Int, .lo = 2, .hi = 65'536, .def = "128", .unit = "samples",
     .help = "samples per batch (TP's contrastive loss compares the samples of a batch: at least 2)"},
    {.key = "lr", .type = ParamType::Number, .lo = 0, .hi = 1, .lo_open = true, .def = "0.001",
     .help = "Adam learning rate at the first epoch, decaying by a cosine to lr_min_ratio x lr"},
    {.key = "lr_min_ratio", .type = ParamType::Number, .lo = 0, .hi = 1, .def = "0.25",
     .help = "floor of the cosine schedule as a fraction of lr"},
    {.key = "seed", .type = ParamType::Seed, .def = "38472", .help = "seed of the weights, the shuffling and the data"},
    {.key = "threads", .type = ParamType::Int, .lo = 0, .hi = 1024, .def = "0", .unit = "threads",
     .help = "worker threads (0 = all cores); results are bit-identical for any count"},
    {.key = "precision", .type = ParamType::Choice, .def = "\"float32\"", .help = "scalar type of the network state",
     .choices = kPrecisions},
    {.key = "path", .type = ParamType::Choice, .def = "\"auto\"",
     .help = "layer-input products: event-driven, dense, or chosen by input density", .choices = kPaths},
    {.key = "shuffle", .type = ParamType::Bool, .def = "true", .help = "shuffle the training split every epoch"},
};
constexpr ParamSpec kAdamParams[] = {
    {.key = "beta1", .type = ParamType::Number, .lo = 0, .hi = 1, .hi_open = true, .def = "0.9",
     .help = "Adam's first-moment decay"},
    {.key = "beta2", .type = ParamType::Number, .lo = 0, .hi = 1, .hi_open = true, .def = "0.999",
     .help = "Adam's second-moment decay"},
    {.key = "eps", .type = ParamType::Number, .lo = 0, .lo_open = true, .def = "1e-08",
     .help = "Adam's epsilon"},
};

struct Section {
    const char* name;
    std::span<const ParamSpec> params;
};
constexpr Section kSections[] = {
    {"network", kNetworkParams},   {"network.readout", kReadoutParams}, {"layer.lif", kLifLayerParams},
    {"layer.conv", kConvLayerParams}, {"neuron", kNeuronParams},     {"neuron.surrogate", kSurrogateParams},
    {"run", kRunParams},           {"run.adam", kAdamParams},
};

} // namespace

std::span<const ParamSpec> experimentParams(const std::string& section)
{
    for (const Section& s : kSections)
        if (section == s.name)
            return s.params;
    return {};
}

std::vector<std::string> experimentParamSections()
{
    std::vector<std::string> names;
    for (const Section& s : kSections)
        names.push_back(s.name);
    return names;
}

const ParamSpec* experimentParam(const std::string& path)
{
    const auto dot = path.rfind('.');
    if (dot == std::string::npos)
        return nullptr;
    const std::string section = path.substr(0, dot), key = path.substr(dot + 1);
    if (section == "layer") {
        const ParamSpec* lif = findParam(kLifLayerParams, key);
        return lif ? lif : findParam(kConvLayerParams, key);
    }
    return findParam(experimentParams(section), key);
}

} // namespace tp
