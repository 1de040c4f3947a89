// `traceprop-cli help rules|params`: what this build has, read from the registries.
#include <iostream>
#include <memory>

#include "commands.h"
#include "config/params.h"
#include "rules/registry.h"

namespace tp::cli {

namespace {

std::string joined(std::span<const char* const> items)
{
    std::string text;
    for (const char* i : items)
        text += (text.empty() ? "" : ", ") + std::string(i);
    return text;
}

void printRules()
{
    for (const LearningRule* r : learningRules()) {
        std::cout << r->name << "  " << r->title << "\n  " << r->description << "\n  layers: "
                  << joined(r->layer_kinds) << "; rule state: " << r->state_formula << "\n";
        if (!r->params.empty())
            std::cout << paramTableText("rule", r->params);
    }
}

void printParams()
{
    for (const LearningRule* r : learningRules())
        std::cout << "rule \"" << r->name << "\":\n"
                  << (r->params.empty() ? std::string("  (no parameters)\n") : paramTableText("rule", r->params));
}

} // namespace

Runner addHelp(CLI::App& app)
{
    auto topic = std::make_shared<std::string>();
    app.add_option("TOPIC", *topic, "rules (the learning rules and their parameters) or params (every parameter)")
        ->required()
        ->check(CLI::IsMember({"rules", "params"}));
    return [topic] {
        if (*topic == "rules")
            printRules();
        else
            printParams();
        return kExitOk;
    };
}

} // namespace tp::cli
