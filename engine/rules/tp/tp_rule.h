#pragma once
/// Traces Propagation as a learning rule (registered in rules/registry.cpp).
#include <cstddef>

#include "rules/rule.h"

namespace tp {

extern const LearningRule kTpRule;

/// TP's rule state in the engine's count (memory_model.h): (B + K)*sum_l H_l + K*C + C*H_1
/// (+ H_1^2 for a recurrent first layer), K = min(B, C).
std::size_t tpModelValues(const NetShape& net, std::size_t B);
/// The paper's Eq. 25 reconstruction: 2*B*sum_l H_l + C*H_1.
std::size_t tpPaperValues(const NetShape& net, std::size_t B);

} // namespace tp
