#pragma once
/// The BPTT baseline as a learning rule (registered in rules/registry.cpp).
#include <cstddef>

#include "rules/rule.h"

namespace tp {

extern const LearningRule kBpttRule;

/// BPTT's stored history: u and s of every layer at every step, 2*T*B*sum_l H_l values.
std::size_t bpttModelValues(const NetShape& net, std::size_t B, std::size_t T);

} // namespace tp
