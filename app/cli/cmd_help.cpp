// `traceprop-cli help rules|formats|params`: what this build has, read from the registries.
#include <iostream>
#include <memory>

#include "commands.h"
#include "config/experiment.h"
#include "config/params.h"
#include "format.h"
#include "registry.h"
#include "rules/registry.h"

namespace tp::cli {

namespace {

void printRules()
{
    for (const LearningRule* r : learningRules()) {
        std::cout << r->name << "  " << r->title << "\n  " << r->description << "\n  layers: "
                  << r->layerKindsText() << "; rule state: " << r->state_formula << "\n";
        if (*r->explanation)
            std::cout << "  " << r->explanation << "\n";
        if (!r->params.empty())
            std::cout << paramTableText("rule", r->params);
    }
}

void printFormats()
{
    for (const DatasetFormat* f : datasetFormats())
        std::cout << f->kind << "  " << f->display << (f->recorded ? "" : " (built-in generator)") << "\n  "
                  << f->description << "\n" << (*f->look_for ? std::string("  looks for: ") + f->look_for + "\n" : "");
}

void printParams()
{
    for (const std::string& section : experimentParamSections())
        std::cout << section << ":\n" << paramTableText(section == "layer.lif" || section == "layer.conv"
                                                            ? "network.layers[i]" : section,
                                                        experimentParams(section));
    for (const DatasetFormat* f : datasetFormats()) {
        std::cout << "dataset \"" << f->kind << "\":\n" << paramTableText("dataset", f->params);
        if (!f->binning.empty())
            std::cout << paramTableText("binning", f->binning);
    }
    for (const LearningRule* r : learningRules())
        std::cout << "rule \"" << r->name << "\":\n"
                  << (r->params.empty() ? std::string("  (no parameters)\n") : paramTableText("rule", r->params));
}

} // namespace

Runner addHelp(CLI::App& app)
{
    auto topic = std::make_shared<std::string>();
    app.add_option("TOPIC", *topic, "rules (the learning rules), formats (the dataset formats) or params (every parameter)")
        ->required()
        ->check(CLI::IsMember({"rules", "formats", "params"}));
    return [topic] {
        if (*topic == "rules")
            printRules();
        else if (*topic == "formats")
            printFormats();
        else
            printParams();
        return kExitOk;
    };
}

} // namespace tp::cli
