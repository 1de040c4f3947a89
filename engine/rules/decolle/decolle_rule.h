#pragma once
/// DECOLLE (local readouts) as a learning rule (registered in rules/registry.cpp).
#include <cstddef>

#include "rules/rule.h"

namespace tp {

extern const LearningRule kDecolleRule;

/// DECOLLE's rule state for batch B: the presynaptic traces of every layer's input (B x N_in for
/// layer 1, B x H_{l-1} after), of a recurrent layer's own spikes (B x H_l) and of the readout's
/// input (B x H_L), plus the fixed local readouts G_l (C x H_l); H = the traced (pooled) output
/// of a conv layer. Flat in T.
std::size_t decolleStateValues(const NetShape& net, std::size_t B, std::size_t T);

} // namespace tp
