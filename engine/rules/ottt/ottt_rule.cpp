#include "rules/ottt/ottt_rule.h"

#include <algorithm>

#include "rules/conv_model.h"
#include "rules/ottt/conv_ottt_network.h"
#include "rules/ottt/ottt_model.h"

namespace tp {

std::size_t otttStateValues(const NetShape& net, std::size_t B, std::size_t)
{
    std::size_t recurrent = 0;
    for (const auto& l : net.layers)
        recurrent += l.recurrent ? l.neurons : 0;
    return B * (net.inputs + sumTraced(net) + recurrent);
}

namespace {

/// A conv model whose network takes the rule's options (ConvNet builds it from the conv config).
template <typename S>
std::unique_ptr<Model> makeConv(const TpConfig& config)
{
    auto model = std::make_unique<ConvModel<ConvOtttNetwork<S>>>(config);
    model->network().inner().setOptions(OtttOptions::fromConfig(config));
    return model;
}

std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    if (isConvConfig(config))
        return precision == Precision::Float64 ? makeConv<double>(config) : makeConv<float>(config);
    if (precision == Precision::Float64)
        return std::make_unique<OtttModel<double>>(config);
    return std::make_unique<OtttModel<float>>(config);
}

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    const std::size_t B = in.batch, H = sumNeurons(in.net), vb = in.value_bytes;
    terms.push_back({otttStateValues(in.net, B, in.steps) * vb, "run.batch",
                     "OTTT's presynaptic traces (batch x (inputs + layer outputs))"});
    // Membrane, spikes, potential, current and delta of one step (conv: on the full map).
    terms.push_back({5 * B * H * vb, std::max<std::size_t>(B, 1) >= in.largest_neurons ? "run.batch" : in.largest_field,
                     "membranes, spikes and step scratch (batch x neurons)"});
}

constexpr const char* kLayerKinds[] = {"lif", "conv"};
constexpr ParamSpec kParams[] = {
    {.key = "online", .type = ParamType::Bool, .def = "false",
     .help = "OTTT_O: an Adam step at every time step (default OTTT_A: gradients summed, one step per batch)"},
};

} // namespace

const LearningRule kOtttRule = {
    .name = "ottt",
    .title = "OTTT (online training through time)",
    .description = "presynaptic traces and an instantaneous loss every step, backprop across layers only; memory flat in T",
    .explanation = "Not local in space: at every step the readout's error is sent back through the layers, but only "
                   "within that step. Local in time: presynaptic traces stand in for the history, so nothing runs back "
                   "through time; the gradients of the steps add up and the weights change once per batch (or at every "
                   "step with rule.online). Stores: one presynaptic trace per input of each layer and sample: flat in T.",
    .layer_kinds = kLayerKinds,
    .params = kParams,
    .make = &make,
    .state_values = &otttStateValues,
    .paper_values = nullptr,
    .state_grows_with_steps = false,
    .layer_losses = false,
    .state_text = "traces",
    .state_formula = "B(N_in + sum H_l + sum H_rec) traces",
    .plan = &plan,
};

} // namespace tp
