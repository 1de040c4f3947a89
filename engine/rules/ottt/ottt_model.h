#pragma once
/// OTTT behind the Model interface: the shared NetModel (save/load, scaling) over OtttNetwork.
#include "rules/net_model.h"
#include "rules/ottt/ottt_network.h"

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
};

} // namespace tp
