#include "rules/eprop/eprop_rule.h"

#include <algorithm>
#include <memory>

#include "rules/eprop/eprop_network.h"
#include "rules/net_model.h"

namespace tp {

std::size_t epropModelValues(const NetShape& net, std::size_t B)
{
    std::size_t values = 0;
    for (const auto& l : net.layers) {
        const std::size_t syn = l.synapses + (l.recurrent ? l.neurons * l.neurons : 0);
        const std::size_t inputs = l.neurons ? syn / l.neurons : 0;  // n_z: fan-in (+ H when recurrent)
        values += syn + (net.soft_reset ? inputs : syn);
    }
    return B * values;
}

namespace {

EpropFeedback feedbackOf(const TpConfig& config)
{
    return config.rule.params.value("feedback", std::string("symmetric")) == "random" ? EpropFeedback::Random
                                                                                        : EpropFeedback::Symmetric;
}

template <typename S>
class EpropModel final : public NetModel<EpropNetwork<S>> {
public:
    explicit EpropModel(const TpConfig& c) : NetModel<EpropNetwork<S>>(c, feedbackOf(c)) {}
};

std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    if (precision == Precision::Float64)
        return std::make_unique<EpropModel<double>>(config);
    return std::make_unique<EpropModel<float>>(config);
}

std::size_t stateValues(const NetShape& net, std::size_t B, std::size_t) { return epropModelValues(net, B); }

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    const std::size_t B = in.batch, vb = in.value_bytes, H = sumNeurons(in.net);
    terms.push_back({epropModelValues(in.net, B) * vb, "run.batch",
                     "e-prop's eligibility traces (batch x synapses)"});
    terms.push_back({5 * B * H * vb, std::max<std::size_t>(B, 1) >= in.largest_neurons ? "run.batch" : in.largest_field,
                     "membranes, potentials, spikes and surrogate (batch x neurons)"});
    std::size_t feedback = 0;  // fixed random B_l below the last layer (and for it, with random feedback)
    for (std::size_t l = 0; l < in.net.layers.size(); ++l)
        if (l + 1 < in.net.layers.size() || feedbackOf(in.config) == EpropFeedback::Random)
            feedback += in.net.layers[l].neurons * in.net.classes;
    if (feedback)
        terms.push_back({feedback * vb, "rule.feedback", "fixed random feedback matrices (classes x neurons)"});
}

constexpr const char* kLayerKinds[] = {"lif"};
constexpr const char* kFeedback[] = {"symmetric", "random"};
constexpr ParamSpec kParams[] = {
    {.key = "feedback", .type = ParamType::Choice, .def = "\"symmetric\"",
     .help = "learning signal of the last layer: symmetric (readout weights) or random (a fixed random matrix)",
     .choices = kFeedback},
};

} // namespace

const LearningRule kEpropRule = {
    .name = "eprop",
    .title = "e-prop (eligibility propagation)",
    .description = "eligibility traces per synapse, forward in time, times a learning signal broadcast from the readout error",
    .explanation = "Local in space at the synapse: each synapse keeps an eligibility trace of its own pre- and "
                   "postsynaptic activity, and the error reaches the neurons as a learning signal broadcast from the "
                   "readout (through its weights, or through a fixed random matrix), not backpropagated through the "
                   "layers. Local in time: eligibility runs forward with the sequence; no pass back through time. "
                   "Stores: one filtered eligibility trace per synapse and sample: flat in T, but growing with the "
                   "synapses (H squared for a recurrent layer).",
    .layer_kinds = kLayerKinds,
    .params = kParams,
    .make = &make,
    .state_values = &stateValues,
    .paper_values = nullptr,
    .state_grows_with_steps = false,
    .layer_losses = false,
    .state_text = "elig. traces",
    .state_formula = "B x synapses (ebar) + B x inputs (eps)",
    .plan = &plan,
};

} // namespace tp
