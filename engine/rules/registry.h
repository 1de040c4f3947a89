#pragma once
/// The learning rules this build knows: the built-in ones (registry.cpp, one line each) and any
/// registered at run time (registerRule: tests, plug-ins). The CLI's --rule, `memory`, `bench`,
/// the reports and the GUI's rule picker list whatever is here.
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "rules/rule.h"

namespace tp {

class Model;

/// Every registered rule, built-in ones first, in registration order.
const std::vector<const LearningRule*>& learningRules();

/// Adds `rule` (kept by address; it must outlive its use). Throws std::logic_error when a rule
/// of that name exists. Not thread-safe: register before training starts.
void registerRule(const LearningRule& rule);

/// The rule called `name`, or null.
const LearningRule* findRule(const std::string& name);

/// The rule called `name`; ConfigError at "rule.name" listing the known rules otherwise.
const LearningRule& ruleOf(const std::string& name);

/// Whether `rule` trains every layer of `network` (a comparison offers only such rules).
bool trainsLayers(const LearningRule& rule, const NetworkSpec& network);

/// "tp, bptt" (for help texts and messages).
std::string ruleNames();

/// A model of config.rule.name's rule. ConfigError for an unknown rule, for a layer kind the
/// rule does not train and for conv layers mixed with lif ones.
std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision);

} // namespace tp
