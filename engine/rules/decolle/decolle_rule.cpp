#include "rules/decolle/decolle_rule.h"

#include <algorithm>

#include "rules/decolle/decolle_model.h"

namespace tp {

std::size_t decolleStateValues(const NetShape& net, std::size_t B, std::size_t)
{
    std::size_t recurrent = 0;
    for (const auto& l : net.layers)
        recurrent += l.recurrent ? l.neurons : 0;
    return B * (net.inputs + sumTraced(net) + recurrent) + net.classes * sumTraced(net);
}

namespace {

std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    const bool f64 = precision == Precision::Float64;
    if (isConvConfig(config))
        return f64 ? std::unique_ptr<Model>(std::make_unique<ConvDecolleModel<double>>(config))
                   : std::make_unique<ConvDecolleModel<float>>(config);
    return f64 ? std::unique_ptr<Model>(std::make_unique<DecolleModel<double>>(config))
               : std::make_unique<DecolleModel<float>>(config);
}

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    const std::size_t B = in.batch, C = in.net.classes, H = sumNeurons(in.net), F = sumTraced(in.net),
                      vb = in.value_bytes;
    const std::size_t traces = decolleStateValues(in.net, B, in.steps) - C * F;
    terms.push_back({C * F * vb, "dataset.classes", "fixed local readouts G (classes x each layer's output)"});
    terms.push_back({traces * vb, "run.batch", "presynaptic traces (batch x each layer's inputs)"});
    // Membrane, pre-reset potential, spikes, input current and dL/du of every neuron, and the
    // local readouts' outputs.
    terms.push_back({(5 * B * H + B * C * in.net.layers.size()) * vb,
                     std::max<std::size_t>(B, 1) >= in.largest_neurons ? "run.batch" : in.largest_field,
                     "membranes, spikes and local-loss scratch (batch x neurons)"});
}

constexpr const char* kLayerKinds[] = {"lif", "conv"};
constexpr ParamSpec kParams[] = {
    {.key = "burn_in", .type = ParamType::Int, .lo = 0, .hi = 1'000'000, .def = "0", .unit = "steps",
     .help = "steps at the start of each sequence without updates (the state settles)"},
};

} // namespace

const LearningRule kDecolleRule = {
    .name = "decolle",
    .title = "DECOLLE (local readouts)",
    .description = "fixed random local readout and MSE loss per layer, presynaptic traces, an update every step",
    .explanation = "Local in space: every layer has its own fixed random readout and its own loss against the label; "
                   "no gradient crosses layers. Local in time: presynaptic traces carry the past, and each step's local "
                   "losses update the weights at that step. Stores: one presynaptic trace per input of each layer and "
                   "sample, and the fixed local readouts (classes x neurons per layer): flat in T.",
    .layer_kinds = kLayerKinds,
    .params = kParams,
    .make = &make,
    .state_values = &decolleStateValues,
    .paper_values = nullptr,
    .state_grows_with_steps = false,
    .layer_losses = true,
    .state_text = "traces + G",
    .state_formula = "B (N_in + sum_l H_l + sum_rec H_l) traces + C sum_l H_l fixed G",
    .plan = &plan,
};

} // namespace tp
