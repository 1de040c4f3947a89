#pragma once
/// e-prop as a learning rule (registered in rules/registry.cpp as "eprop").
#include <cstddef>

#include "rules/rule.h"

namespace tp {

extern const LearningRule kEpropRule;

/// e-prop's rule state: a filtered eligibility trace per synapse and batch row, and an eligibility
/// vector per input (soft reset) or per synapse (hard reset): B * sum_l (syn_l + eps_l) values.
std::size_t epropModelValues(const NetShape& net, std::size_t B);

} // namespace tp
