#include "rules/eprop/eprop_rule.h"

#include <algorithm>
#include <memory>

#include "rules/eprop/eprop_network.h"
#include "nn/readout_loss.h"
#include "rules/net_model.h"
#include "rules/probe_record.h"

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

    /// Per picked neuron j and step t: its filtered eligibility trace, the mean over its incoming
    /// synapses i of ebar_ji^t (the row's), and its learning signal
    /// L_j^t = B_j . (softmax(m_out^t) - onehot) / B, which the rule uses at the last step only.
    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        ProbeRecorder rec(probe, batch, req, net.config(), layerSizes(net),
                          {{"eligibility trace ē (mean over incoming synapses)", "ē"},
                           {"learning signal Bⱼ·(softmax(m_out) − onehot)/B (used at the last step only)", "L_j"}});
        const int row = rec.row(), C = net.config().classes;
        const auto& L = net.layers()[std::size_t(rec.layer())];
        const LifNeurons<S> lif = lifNeurons<S>(net.config().neuron, net.config().neuron.v_th);
        std::vector<S> err(static_cast<std::size_t>(C));
        auto record = [&](int t) {
            for (std::size_t l = 0; l < net.layers().size(); ++l)
                rec.spikes(t, l, net.layers()[l].s);
            rec.potential(t, L.u, lif);
            const Eigen::Index nz = L.width();
            rec.set(t, 0, [&](int j) {
                return Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(
                           L.ebar.data() + (Eigen::Index(row) * L.size + j) * nz, nz).mean();
            });
            softmaxCrossEntropy(net.readoutMembrane().data() + Eigen::Index(row) * C, C, batch.labels[std::size_t(row)],
                                err.data(), 1.0 / batch.size);
            rec.set(t, 1, [&](int j) {
                S signal = 0;
                for (int c = 0; c < C; ++c)
                    signal += err[std::size_t(c)] * (L.feedback.size() ? L.feedback(j, c) : net.readout().w(c, j));
                return signal;
            });
        };
        rec.before(net);
        const BatchStats stats = net.trainBatch(batch, lr, record);
        rec.after(net);
        return stats;
    }
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
