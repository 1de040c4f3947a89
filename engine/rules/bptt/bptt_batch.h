#pragma once
/// The batch passes both BPTT networks (BpttNetwork, ConvBpttNetwork) share: forward over all
/// steps, then backward through time (gradients only), or forward alone (inference).
#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/sample.h"
#include "nn/network.h"

namespace tp {

/// Forward and backward: every Param::g holds dL/dW of the last-step loss (mean over rows).
/// `observer` (at most one, for networks whose backward takes it) is handed to backward().
template <typename Net, typename... Observer>
BatchStats bpttGradients(Net& net, const Batch& batch, const Observer&... observer)
{
    net.beginBatch(batch);
    BatchStats stats;
    net.forward(batch, stats);
    if (!std::isfinite(net.lastLoss()))
        throw DivergenceError("BPTT readout loss became " + std::to_string(net.lastLoss()) +
                              " (lower the learning rate or check the input scale)");
    net.backward(batch, observer...);
    return stats;
}

/// Inference: the forward pass alone, without the (unused) local-loss columns.
template <typename Net>
BatchStats bpttEvaluate(Net& net, const Batch& batch)
{
    net.beginBatch(batch);
    BatchStats stats;
    net.forward(batch, stats);
    stats.layer_loss_sum.clear();
    return stats;
}

} // namespace tp
