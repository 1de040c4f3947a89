#pragma once
/// The BPTT baseline behind the Model interface (rules/bptt/bptt_rule.cpp registers it as "bptt").
#include <memory>

#include "rules/bptt/bptt_network.h"
#include "rules/net_model.h"
#include "rules/probe_record.h"

namespace tp {

/// Every stored matrix of a BPTT network with its name: W1.., R1.. (recurrent layers), W_out;
/// the same names and checkpoint layout as TP (which adds S and S_rec).
template <typename S, typename Fn>
void forEachMatrix(BpttNetwork<S>& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    fn("W_out", net.readout().w, &net.readout());
}

/// BPTT behind the Model interface: the shared NetModel (save/load, scaling) over BpttNetwork.
template <typename S>
class BpttModel final : public NetModel<BpttNetwork<S>> {
public:
    explicit BpttModel(const TpConfig& c, const BpttOptions& options = {}) : NetModel<BpttNetwork<S>>(c, options) {}

    /// Per picked neuron j and step t: dL/du_j^t of the backward pass, the error through time
    /// that reaches the neuron at t from the last-step loss (through the layers above, the leak,
    /// the reset and the recurrence): what makes BPTT non-local. Spikes, potentials and
    /// surrogates come from the stored forward history.
    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        ProbeRecorder rec(probe, batch, req, net.config(), layerSizes(net),
                          {{"error through time ∂L/∂uⱼᵗ (backward pass)", "∂L/∂u"}});
        const int row = rec.row(), B = batch.size;
        const auto& layers = net.layers();
        const auto& L = layers[std::size_t(rec.layer())];
        auto record = [&](int t) { rec.set(t, 0, [&](int j) { return L.dI(row, j); }); };
        rec.before(net);
        const BatchStats stats = net.trainBatch(batch, lr, record);
        rec.after(net);
        const LifNeurons<S> lif = bpttNeurons<S>(net.config().neuron, net.options());
        for (int t = 0; t < batch.steps; ++t) {
            for (std::size_t l = 0; l < layers.size(); ++l)
                rec.spikes(t, l, layers[l].s_hist.middleRows(Eigen::Index(t) * B, B));
            rec.potential(t, L.u_hist.middleRows(Eigen::Index(t) * B, B), lif);
        }
        return stats;
    }
};


} // namespace tp
