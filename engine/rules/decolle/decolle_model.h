#pragma once
/// DECOLLE behind the Model interface (rules/decolle/decolle_rule.cpp registers it as "decolle"):
/// the shared NetModel (save/load, scaling) over DecolleNetwork and, for conv layers, over
/// ConvNet<ConvDecolleNetwork> (rules/conv_model.h). The fixed local readouts are saved as
/// frozen matrices "G1", "G2", ...
#include <memory>
#include <string>

#include "rules/conv_model.h"
#include "rules/decolle/conv_decolle_network.h"
#include "rules/decolle/decolle_common.h"
#include "rules/decolle/decolle_network.h"
#include "rules/probe_record.h"
#include "rules/net_model.h"

namespace tp {

/// DECOLLE's stored matrices: W1.., R1.. (recurrent layers), the frozen local readouts G1.. and
/// W_out (checkpoint layout of NetModel).
template <typename S, typename Fn>
void forEachMatrix(DecolleNetwork<S>& net, Fn&& fn)
{
    for (std::size_t l = 0; l < net.layers().size(); ++l) {
        auto& layer = net.layers()[l];
        fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
        if (layer.recurrent)
            fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
    }
    for (std::size_t l = 0; l < net.layers().size(); ++l)
        fn("G" + std::to_string(l + 1), net.layers()[l].G, static_cast<DenseParam<S>*>(nullptr));
    fn("W_out", net.readout().w, &net.readout());
}

/// The conv form (more specialised than conv_model.h's, which knows no G): W1.., G1.., W_out.
template <typename S, typename Fn>
void forEachMatrix(ConvNet<ConvDecolleNetwork<S>>& net, Fn&& fn)
{
    auto& inner = net.inner();
    for (std::size_t l = 0; l < inner.blocks().size(); ++l)
        fn("W" + std::to_string(l + 1), inner.blocks()[l].W.w, &inner.blocks()[l].W);
    for (std::size_t l = 0; l < inner.blocks().size(); ++l)
        fn("G" + std::to_string(l + 1), inner.blocks()[l].G, static_cast<ConvParam<S>*>(nullptr));
    fn("W_out", inner.readout().w, &inner.readout());
}

template <typename S>
class DecolleModel final : public NetModel<DecolleNetwork<S>> {
public:
    explicit DecolleModel(const TpConfig& c) : NetModel<DecolleNetwork<S>>(c) {}

    /// Per layer l and step t its local readout loss L_l^t (the batch's, the one it descends); per
    /// picked neuron j its local error dL_l^t/ds_j = (G_l^T (y - onehot))_j / B for the row (before
    /// the surrogate scales it into the update, which starts at step burn_in).
    BatchStats trainProbed(const Batch& batch, double lr, const ProbeRequest& req, Probe& probe) override
    {
        auto& net = this->network();
        ProbeRecorder rec(probe, batch, req, net.config(), layerSizes(net),
                          {{"local error Gᵀ(y − onehot)/B (∂L_l/∂s_j)", "∂L_l/∂s"}},
                          {{"local readout loss L_l = ‖G_l s_l − onehot‖² / 2B", "L_l"}});
        const int row = rec.row();
        const auto& L = net.layers()[std::size_t(rec.layer())];
        const LifNeurons<S> lif = decolleNeurons<S>(net.config().neuron, net.options());
        auto record = [&](int t) {
            for (std::size_t l = 0; l < net.layers().size(); ++l) {
                rec.spikes(t, l, net.layers()[l].s);
                rec.setLayer(t, l, 0, net.layers()[l].loss);
            }
            rec.potential(t, L.u, lif);
            rec.set(t, 0, [&](int j) { return L.y.row(row).dot(L.G.col(j)); });  // y holds dL/dy
        };
        rec.before(net);
        const BatchStats stats = net.trainBatch(batch, lr, record);
        rec.after(net);
        return stats;
    }
};

/// The conv engine behind ConvNet (rules/conv_model.h), with rule.burn_in, which ConvTpConfig
/// does not carry.
template <typename S>
class ConvDecolleModel final : public NetModel<ConvNet<ConvDecolleNetwork<S>>> {
public:
    explicit ConvDecolleModel(const TpConfig& c) : NetModel<ConvNet<ConvDecolleNetwork<S>>>(c)
    {
        this->network().inner().setBurnIn(decolleBurnIn(c.rule));
    }
};

} // namespace tp
