#include "rules/registry.h"

#include <algorithm>
#include <stdexcept>

#include "rules/bptt/bptt_rule.h"
#include "rules/eprop/eprop_rule.h"
#include "rules/decolle/decolle_rule.h"
#include "rules/model.h"
#include "rules/ottt/ottt_rule.h"
#include "rules/tp/tp_rule.h"

namespace tp {

namespace {
std::vector<const LearningRule*>& rules()
{
    // The built-in rules: one line each.
    static std::vector<const LearningRule*> list = {
        &kTpRule,
        &kBpttRule,
        &kEpropRule,
        &kDecolleRule,
        &kOtttRule,
    };
    return list;
}
} // namespace

const std::vector<const LearningRule*>& learningRules()
{
    return rules();
}

void registerRule(const LearningRule& rule)
{
    if (findRule(rule.name))
        throw std::logic_error(std::string("a learning rule named '") + rule.name + "' is registered already");
    rules().push_back(&rule);
}

const LearningRule* findRule(const std::string& name)
{
    for (const LearningRule* r : rules())
        if (name == r->name)
            return r;
    return nullptr;
}

bool trainsLayers(const LearningRule& rule, const NetworkSpec& network)
{
    return std::all_of(network.layers.begin(), network.layers.end(),
                       [&rule](const LayerSpec& l) { return rule.supportsLayer(l.type); });
}

std::string ruleNames()
{
    std::string text;
    for (const LearningRule* r : rules())
        text += (text.empty() ? "" : ", ") + std::string(r->name);
    return text;
}

const LearningRule& ruleOf(const std::string& name)
{
    if (const LearningRule* r = findRule(name))
        return *r;
    throw ConfigError({{"rule.name", "unknown rule '" + name + "' (known: " + ruleNames() + ")"}});
}

void validateRuleSpec(const nlohmann::json& section, const RuleSpec& spec, const NetworkSpec& network,
                      std::vector<ConfigIssue>& issues)
{
    const LearningRule* rule = findRule(spec.name);
    if (!rule && !spec.name.empty())
        issues.push_back({"rule.name", "unknown rule '" + spec.name + "' (known: " + ruleNames() + ")"});
    // A key of another registered rule is checked by its spec and left to that rule, so that
    // switching rule.name (--set rule.name=bptt) keeps a file valid.
    if (section.is_object())
        for (const auto& [key, value] : section.items()) {
            if (key == "name")
                continue;
            const ParamSpec* p = rule ? findParam(rule->params, key) : nullptr;
            for (const LearningRule* other : rules())
                p = p ? p : findParam(other->params, key);
            if (p) {
                checkParam(*p, value, "rule." + key, issues);
                continue;
            }
            std::string known = "name";
            for (const LearningRule* r : rules())
                for (const ParamSpec& q : r->params)
                    known += std::string(", ") + q.key;
            issues.push_back({"rule." + key, "unknown key (known: " + known + ")"});
        }
    for (std::size_t i = 0; rule && i < network.layers.size(); ++i)
        if (!rule->supportsLayer(network.layers[i].type)) {
            issues.push_back({"network.layers[" + std::to_string(i) + "].type",
                              "the rule '" + spec.name + "' does not train '" + network.layers[i].type +
                                  "' layers (it trains: " + rule->layerKindsText() + ")"});
            return;
        }
}

std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision)
{
    isConvConfig(config);
    const LearningRule& rule = ruleOf(config.rule.name);
    NetworkSpec net;
    net.layers = config.layers;
    std::vector<ConfigIssue> issues;
    validateRuleSpec(nlohmann::json::object(), config.rule, net, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues));
    return rule.make(config, precision);
}

} // namespace tp
