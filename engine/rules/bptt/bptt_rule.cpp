#include "rules/bptt/bptt_rule.h"

#include <algorithm>

#include "rules/bptt/bptt_model.h"
#include "rules/bptt/conv_bptt_network.h"
#include "rules/conv_model.h"

namespace tp {

std::size_t bpttModelValues(const NetShape& net, std::size_t B, std::size_t T)
{
    return 2 * T * B * sumNeurons(net);
}

namespace {

std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    if (isConvConfig(config))
        return makeConvModel<ConvBpttNetwork>(config, precision);
    if (precision == Precision::Float64)
        return std::make_unique<BpttModel<double>>(config);
    return std::make_unique<BpttModel<float>>(config);
}

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    const std::size_t B = in.batch, T = in.steps, H = sumNeurons(in.net), vb = in.value_bytes;
    if (T > 0)
        terms.push_back({2 * T * B * H * vb, T >= B ? "binning.steps" : "run.batch",
                         "BPTT's history of u and s (2 x steps x batch x neurons)"});
    terms.push_back({3 * B * H * vb, std::max<std::size_t>(B, 1) >= in.largest_neurons ? "run.batch" : in.largest_field,
                     "membranes and backward scratch (batch x neurons)"});
}

constexpr const char* kLayerKinds[] = {"lif", "conv"};

} // namespace

const LearningRule kBpttRule = {
    .name = "bptt",
    .title = "BPTT (surrogate gradient)",
    .description = "backpropagation through time with the ArcTan surrogate; stores u and s of every step",
    .explanation = "Not local in space: the readout's error flows back through every layer. Not local in time: after "
                   "the forward pass the gradient runs backwards through all T steps of the sequence, and the weights "
                   "change once per batch. Stores: the membrane potential and the spikes of every neuron at every step "
                   "(2 T B H values), so its memory grows linearly with the sequence length.",
    .layer_kinds = kLayerKinds,
    .params = {},
    .make = &make,
    .state_values = &bpttModelValues,
    .paper_values = nullptr,
    .state_grows_with_steps = true,
    .state_text = "u,s xT",
    .state_formula = "2TBH (u, s every step)",
    .plan = &plan,
};

} // namespace tp
