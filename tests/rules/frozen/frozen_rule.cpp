#include "frozen/frozen_rule.h"

#include "rules/bptt/bptt_model.h"

namespace tp::test {

namespace {

/// BPTT's network behind NetModel, with train() a forward pass: no gradient, no Adam step.
template <typename S>
class FrozenModel final : public NetModel<BpttNetwork<S>> {
public:
    explicit FrozenModel(const TpConfig& c) : NetModel<BpttNetwork<S>>(c) {}
    BatchStats train(const Batch& batch, double) override { return this->network().evaluateBatch(batch); }
};

std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    if (precision == Precision::Float64)
        return std::make_unique<FrozenModel<double>>(config);
    return std::make_unique<FrozenModel<float>>(config);
}

// What the forward pass keeps: u and s of every layer at every step.
std::size_t stateValues(const NetShape& net, std::size_t B, std::size_t T) { return 2 * T * B * sumNeurons(net); }

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    terms.push_back({2 * in.steps * in.batch * sumNeurons(in.net) * in.value_bytes, "binning.steps",
                     "forward history of u and s (2 x steps x batch x neurons)"});
}

constexpr const char* kLayerKinds[] = {"lif"};

} // namespace

const LearningRule kFrozenRule = {
    .name = "frozen",
    .title = "Frozen (test only)",
    .description = "runs the network forward and never changes a weight",
    .layer_kinds = kLayerKinds,
    .params = {},
    .make = &make,
    .state_values = &stateValues,
    .paper_values = nullptr,
    .state_grows_with_steps = true,
    .state_text = "u,s xT",
    .state_formula = "2TBH (forward history)",
    .plan = &plan,
};

} // namespace tp::test
