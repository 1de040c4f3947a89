#include "train/model.h"

#include "bptt/bptt_model.h"
#include "train/net_model.h"

namespace tp {

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
};

} // namespace

std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision)
{
    if (config.rule.name == "bptt")
        return makeBpttModel(config, precision);
    if (precision == Precision::Float64)
        return std::make_unique<TpModel<double>>(config);
    return std::make_unique<TpModel<float>>(config);
}

} // namespace tp
