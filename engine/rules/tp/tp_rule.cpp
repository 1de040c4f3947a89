#include "rules/tp/tp_rule.h"

#include <algorithm>

#include "rules/conv_model.h"
#include "rules/net_model.h"
#include "rules/probe_record.h"
#include "rules/tp/conv_network.h"
#include "rules/tp/tp_network.h"

namespace tp {

std::size_t tpModelValues(const NetShape& net, std::size_t B)
{
    const std::size_t K = std::min(B, net.classes), C = net.classes, H1 = firstNeurons(net);
    const bool rec1 = !net.layers.empty() && net.layers.front().recurrent;
    return (B + K) * sumTraced(net) + K * C + C * H1 + (rec1 ? H1 * H1 : 0);
}

std::size_t tpPaperValues(const NetShape& net, std::size_t B)
{
    return 2 * B * sumTraced(net) + net.classes * firstNeurons(net);
}

/// TP's stored matrices; Param is null for frozen ones (S unless trained, S_rec).
template <typename S, typename Fn>
void forEachMatrix(TpNetwork<S>& net, Fn&& fn)
{
    using Net = TpNetwork<S>;
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    const bool trainS = net.config().rule.train_s;
    fn("S", net.targetProjection(), trainS ? const_cast<typename Net::Param*>(&net.targetProjectionParam()) : nullptr);
    if (net.targetRecurrent().size())
        fn("S_rec", net.targetRecurrent(), nullptr);
    fn("W_out", net.readout().w, &net.readout());
}


namespace {

template <typename S>
class TpModel final : public NetModel<TpNetwork<S>> {
public:
    explicit TpModel(const TpConfig& c) : NetModel<TpNetwork<S>>(c) {}

    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        const auto& layers = net.layers();
        ProbeRecorder rec(probe, batch, req, net.config(), layerSizes(net),
                          {{"input-path trace ε", "trace"}, {"target-path trace ε̃ (the sample's class)", "trace"}}, {},
                          true);
        for (auto& n : probe.neurons)
            n.update.resize(std::size_t(batch.steps));
        const int row = rec.row();
        const auto& L = layers[std::size_t(rec.layer())];
        auto record = [&](int t) {
            const int k = net.classOfRow()[std::size_t(row)];  // target-path row of this sample's class
            for (std::size_t l = 0; l < layers.size(); ++l) {
                rec.spikes(t, l, layers[l].in.s);
                rec.targetSpikes(t, l, layers[l].tgt.s, k);
            }
            rec.set(t, 0, [&](int j) { return L.in.trace(row, j); });
            rec.set(t, 1, [&](int j) { return L.tgt.trace(k, j); });
            for (auto& n : probe.neurons) {
                n.potential[std::size_t(t)] = float(L.in.u(row, n.neuron));
                n.surrogate[std::size_t(t)] = float(L.in.psi(row, n.neuron));
                double g2 = L.W.g.row(n.neuron).squaredNorm();
                if (L.recurrent)
                    g2 += L.R.g.row(n.neuron).squaredNorm();
                n.update[std::size_t(t)] = float(std::sqrt(g2));
            }
            if (req.similarity)
                recordSimilarity(batch, t, probe);
        };
        rec.before(net);
        const BatchStats stats = net.trainBatch(batch, lr, record);
        rec.after(net);
        return stats;
    }

private:
    void recordSimilarity(const Batch& batch, int t, Probe& probe)
    {
        const auto& net = this->network();
        const int B = net.batchRows(), K = net.classRows();
        const auto& cls = net.classOfRow();
        if (t == 0) {
            probe.similarity.assign(net.layers().size(), {});
            for (auto& s : probe.similarity) {
                s.rows = B;
                s.cols = K;
                s.col_label.assign(std::size_t(K), -1);
                s.col_count.assign(std::size_t(K), 0);
                for (int b = 0; b < B; ++b) {
                    s.row_label.push_back(batch.labels[std::size_t(b)]);
                    s.col_label[std::size_t(cls[std::size_t(b)])] = batch.labels[std::size_t(b)];
                    ++s.col_count[std::size_t(cls[std::size_t(b)])];
                }
                s.z.reserve(std::size_t(batch.steps) * std::size_t(B) * std::size_t(K));
                s.y.reserve(s.z.capacity());
            }
        }
        for (std::size_t l = 0; l < net.layers().size(); ++l) {
            const auto& L = net.layers()[l];
            auto& s = probe.similarity[l];
            s.loss.push_back(L.loss);
            for (int b = 0; b < B; ++b)
                for (int k = 0; k < K; ++k) {
                    s.z.push_back(float(L.z(b, k)));
                    s.y.push_back(float(L.y(cls[std::size_t(b)], k)));
                }
        }
    }
};


std::unique_ptr<Model> make(const TpConfig& config, Precision precision)
{
    if (isConvConfig(config))
        return makeConvModel<ConvTpNetwork>(config, precision);
    if (precision == Precision::Float64)
        return std::make_unique<TpModel<double>>(config);
    return std::make_unique<TpModel<float>>(config);
}

void plan(const RulePlanInput& in, std::vector<MemoryTerm>& terms)
{
    const std::size_t B = in.batch, C = in.net.classes, K = std::min(B, C), vb = in.value_bytes;
    const std::size_t H = sumNeurons(in.net), L = in.net.layers.size();
    if (L)
        terms.push_back({C * firstNeurons(in.net) * vb * (in.config.rule.train_s ? 4 : 1), "dataset.classes",
                         "target projection S (classes x first layer)"});
    // Both paths' membrane, spikes and trace, plus the B x K logits of every layer.
    terms.push_back({3 * (B + K) * H * vb + B * K * L * vb, B >= in.largest_neurons ? "run.batch" : in.largest_field,
                     "traces, membranes and spikes (batch x neurons)"});
}

std::size_t stateValues(const NetShape& net, std::size_t B, std::size_t) { return tpModelValues(net, B); }
std::size_t paperValues(const NetShape& net, std::size_t B, std::size_t) { return tpPaperValues(net, B); }

constexpr const char* kLayerKinds[] = {"lif", "conv"};
constexpr const char* kReadoutTraces[] = {"beta", "exact"};
constexpr ParamSpec kParams[] = {
    {.key = "train_s", .type = ParamType::Bool, .def = "false",
     .help = "train the target projection S (the reference keeps it fixed)"},
    {.key = "readout_trace", .type = ParamType::Choice, .def = "\"beta\"",
     .help = "trace the readout learns from: beta (reference quirk) or exact (the readout's own leak)",
     .choices = kReadoutTraces},
};

} // namespace

const LearningRule kTpRule = {
    .name = "tp",
    .title = "TP (traces propagation)",
    .description = "forward-only and local: per-layer contrastive loss of input and target traces, an update every step",
    .explanation = "Local in space: every hidden layer learns from its own contrastive loss between the traces of "
                   "its input path and of its target path (the label, brought in by a fixed random projection S); no "
                   "error crosses layers. Local in time: the weights change at every step from the traces of that "
                   "step, and the past lives on only in the traces. Stores: two traces per neuron and sample (input "
                   "and target path) and the fixed S: flat in the sequence length.",
    .layer_kinds = kLayerKinds,
    .params = kParams,
    .make = &make,
    .state_values = &stateValues,
    .paper_values = &paperValues,
    .state_grows_with_steps = false,
    .layer_losses = true,
    .state_text = "traces",
    .state_formula = "2BH traces + S",
    .plan = &plan,
};

} // namespace tp
