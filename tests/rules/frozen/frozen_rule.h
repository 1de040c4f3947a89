#pragma once
// A test-only learning rule, "frozen": the network runs forward (BPTT's forward pass) and nothing
// is ever updated. It lives in the test tree and is added with registerRule(); nothing outside
// this folder knows it, which shows what adding a rule takes.
#include "rules/rule.h"

namespace tp::test {

extern const LearningRule kFrozenRule;

} // namespace tp::test
