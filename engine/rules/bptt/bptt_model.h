#pragma once
/// The BPTT baseline behind the Model interface (rules/bptt/bptt_rule.cpp registers it as "bptt").
#include <memory>

#include "rules/bptt/bptt_network.h"
#include "rules/net_model.h"

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
};


} // namespace tp
