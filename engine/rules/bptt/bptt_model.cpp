#include "rules/bptt/bptt_model.h"

namespace tp {

std::unique_ptr<Model> makeBpttModel(const TpConfig& config, Precision precision)
{
    if (precision == Precision::Float64)
        return std::make_unique<BpttModel<double>>(config);
    return std::make_unique<BpttModel<float>>(config);
}

} // namespace tp
