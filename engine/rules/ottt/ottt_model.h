#pragma once
/// OTTT behind the Model interface: the shared NetModel (save/load, scaling) over OtttNetwork.
#include "rules/net_model.h"
#include "rules/ottt/ottt_network.h"
#include "rules/probe_record.h"

namespace tp {

/// Every stored matrix of an OTTT network with its name: W1.., R1.. (recurrent layers), W_out;
/// the same names and checkpoint layout as BPTT.
template <typename S, typename Fn>
void forEachMatrix(OtttNetwork<S>& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    fn("W_out", net.readout().w, &net.readout());
}

template <typename S>
class OtttModel final : public NetModel<OtttNetwork<S>> {
public:
    explicit OtttModel(const TpConfig& c) : NetModel<OtttNetwork<S>>(c) {}

    /// Per picked neuron j of layer l and step t: its presynaptic trace, the trace of its own
    /// spikes as what reads them keeps it (a_{l+1}[j] with the neuron leak, or, for the last
    /// layer, the readout's r[j] with the readout leak), and its instantaneous error
    /// delta_j^t = dL^t/du_j^t (the step's loss alone, mean over rows; OTTT_A's 1/T weight undone).
    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        ProbeRecorder rec(probe, batch, req, net.config(), layerSizes(net),
                          {{"presynaptic trace of the neuron's spikes (as the next layer / readout sees it)", "trace"},
                           {"instantaneous error δ = ∂Lᵗ/∂uⱼᵗ", "δ"}});
        const int row = rec.row(), l = rec.layer();
        const auto& layers = net.layers();
        const auto& L = layers[std::size_t(l)];
        const LifNeurons<S> lif = otttNeurons<S>(net.config().neuron, net.options());
        const double unweight = net.options().online ? 1.0 : double(batch.steps);
        auto record = [&](int t) {
            for (std::size_t k = 0; k < layers.size(); ++k)
                rec.spikes(t, k, layers[k].s);
            rec.potential(t, L.u, lif);
            rec.set(t, 0, [&](int j) {
                return std::size_t(l) + 1 < layers.size() ? layers[std::size_t(l) + 1].a(row, j) : net.readoutTrace()(row, j);
            });
            rec.set(t, 1, [&](int j) { return double(L.delta(row, j)) * unweight; });
        };
        rec.before(net);
        const BatchStats stats = net.trainBatch(batch, lr, record);
        rec.after(net);
        return stats;
    }
};

} // namespace tp
