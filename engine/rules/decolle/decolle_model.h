#pragma once
/// DECOLLE behind the Model interface (rules/decolle/decolle_rule.cpp registers it as "decolle"):
/// the shared NetModel (save/load, scaling) over DecolleNetwork and, for conv layers, over
/// ConvNet<ConvDecolleNetwork> (rules/conv_model.h). The fixed local readouts are saved as
/// frozen matrices "G1", "G2", ...
#include <memory>
#include <string>

#include "rules/conv_model.h"
#include "rules/decolle/conv_decolle_network.h"
#include "rules/decolle/decolle_network.h"
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
