#pragma once
/// OTTT (online training through time) as a learning rule (registered in rules/registry.cpp).
#include <cstddef>

#include "rules/rule.h"

namespace tp {

extern const LearningRule kOtttRule;

/// OTTT's traces in values: B * (inputs + sum_l traced_l + sum over recurrent layers of H_l), the
/// trace a of every layer's input (the input frame, then each layer's output), q of every
/// recurrent layer and r of the readout's input. Independent of T.
std::size_t otttStateValues(const NetShape& net, std::size_t B, std::size_t T);

} // namespace tp
