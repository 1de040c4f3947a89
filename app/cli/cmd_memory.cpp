#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/errors.h"
#include "registry.h"
#include "rules/registry.h"
#include "train/memory_model.h"

namespace tp::cli {

namespace {

std::vector<int> parseList(const std::string& text, const char* what)
{
    std::vector<int> v;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        try {
            std::size_t used = 0;
            const int n = std::stoi(item, &used);
            if (used != item.size() || n < 1)
                throw std::invalid_argument(item);
            v.push_back(n);
        } catch (const std::exception&) {
            throw ConfigError(std::string("--") + what + ": '" + item + "' is not a positive integer");
        }
    }
    if (v.empty())
        throw ConfigError(std::string("--") + what + ": give at least one value");
    return v;
}

} // namespace

Runner addMemory(CLI::App& app)
{
    struct Options {
        std::string file, classes = "10,100,1000", steps = "100,1000";
        std::vector<std::string> sets;
        int batch = 0;
        double density = 0.05, measureLimitMiB = 256;
        bool csv = false, json = false, noMeasure = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON): network, neuron and rule settings")->required();
    app.add_option("--classes", o->classes, "comma-separated class counts C of the grid");
    app.add_option("--steps", o->steps, "comma-separated sequence lengths T of the grid");
    app.add_option("--batch", o->batch, "batch rows B (default: the experiment's run.batch)")->check(CLI::Range(1, 65536));
    app.add_option("--set", o->sets, "override a field: key.path=value (repeatable)");
    app.add_option("--density", o->density, "input spike density of the synthetic batch")->check(CLI::Range(0.0, 1.0));
    app.add_option("--measure-limit", o->measureLimitMiB,
                   "measure (train one synthetic batch of each registered rule) only where the batch's u and s of every "
                   "neuron at every step (BPTT's history) and the rule's own state are at most this many MiB (default 256); "
                   "larger points get the model only")
        ->check(CLI::Range(0.0, 1e9));
    app.add_flag("--no-measure", o->noMeasure, "analytic model only (do not build and train the registered rules)");
    app.add_flag("--csv", o->csv, "CSV on stdout");
    app.add_flag("--json", o->json, "one JSON object per row on stdout");
    return [o] {
        const Experiment exp = loadWithOverrides(o->file, o->sets, -1);
        const std::vector<int> classes = parseList(o->classes, "classes"), steps = parseList(o->steps, "steps");
        std::array<int, 3> shape = {exp.network.inputs, 1, 1};
        const bool conv = !exp.network.layers.empty() && exp.network.layers[0].type == "conv";
        if (exp.network.inputs == 0 || conv) {  // the dataset's frame (conv blocks need its C, H, W), not its files
            try {
                shape = plannedDatasetShape(exp.dataset).input;
            } catch (const ConfigError& e) {
                throw ConfigError(e.issues(), o->file);
            }
        }
        const int inputs = shape[0] * shape[1] * shape[2];
        const int B = o->batch > 0 ? o->batch : exp.run.batch;
        TpConfig cfg = TpConfig::fromExperiment(exp, inputs, classes.front());
        cfg.input_shape = shape;
        const std::size_t limit = o->noMeasure ? 0 : std::size_t(o->measureLimitMiB * 1024 * 1024);
        std::vector<MemoryTableRow> rows;
        std::vector<int> unmeasured;  // steps of the points above the limit
        for (int T : steps)
            for (int C : classes) {
                auto part = memoryTable(cfg, B, T, C, o->density, limit);
                const bool unmeasuredRule = std::any_of(part.begin(), part.end(), [](const auto& r) {
                    return findRule(r.rule) && !r.measured_bytes;
                });
                if (limit && unmeasuredRule && (unmeasured.empty() || unmeasured.back() != T))
                    unmeasured.push_back(T);
                rows.insert(rows.end(), part.begin(), part.end());
            }
        // Smallest C of the grid where TP's model is below the aux-matrix rule's (independent of T).
        std::map<int, std::pair<std::size_t, std::size_t>> byClass;  // C -> (tp, aux) at the first T
        for (const auto& r : rows)
            if (r.steps == steps.front()) {
                if (r.rule == "tp")
                    byClass[r.classes].first = r.model_bytes;
                if (r.rule == "aux")
                    byClass[r.classes].second = r.model_bytes;
            }
        int crossover = 0;
        for (const auto& [C, p] : byClass)
            if (p.first < p.second) {
                crossover = C;
                break;
            }
        const std::string crossText = crossover
            ? "TP's rule state is below the aux-matrix rule's from classes = " + std::to_string(crossover) +
                  " (batch " + std::to_string(B) + ")"
            : "TP's rule state is not below the aux-matrix rule's at any classes of the grid (batch " +
                  std::to_string(B) + ")" +
                  (cfg.layers.size() == 1 ? "; with one layer it never is (2*B*H + C*H vs B*H + C*H)" : "");
        std::string limitText;
        if (!unmeasured.empty()) {
            char mib[32];
            std::snprintf(mib, sizeof mib, "%g", o->measureLimitMiB);
            limitText = "some rules not measured (the batch's history or the rule's state above --measure-limit " +
                        std::string(mib) + " MiB) at steps";
            for (int T : unmeasured)
                limitText += " " + std::to_string(T);
        }
        auto measured = [](const MemoryTableRow& r) { return r.measured_bytes ? std::to_string(*r.measured_bytes) : ""; };
        if (o->json) {
            for (const auto& r : rows) {
                nlohmann::json j{{"rule", r.rule},   {"steps", r.steps},           {"classes", r.classes},
                                 {"batch", r.batch}, {"model_bytes", r.model_bytes}, {"paper_bytes", r.paper_bytes}};
                if (r.measured_bytes)
                    j["measured_bytes"] = *r.measured_bytes;
                std::cout << j.dump() << "\n";
            }
            std::cerr << crossText << "\n";
            if (!limitText.empty())
                std::cerr << limitText << "\n";
        } else if (o->csv) {
            std::cout << "rule,steps,classes,batch,model_bytes,paper_bytes,measured_bytes\n";
            for (const auto& r : rows)
                std::cout << r.rule << ',' << r.steps << ',' << r.classes << ',' << r.batch << ',' << r.model_bytes
                          << ',' << r.paper_bytes << ',' << measured(r) << "\n";
            std::cerr << crossText << "\n";
            if (!limitText.empty())
                std::cerr << limitText << "\n";
        } else {
            const std::string frame = shape[1] * shape[2] == 1 ? "" : " (" + std::to_string(shape[0]) + "x" +
                                      std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + ")";
            std::printf("rule-state memory (float32 bytes), batch %d, %d inputs%s; model = memory_model.h, "
                        "paper = TP's 2*B*sum H + C*H_1, measured = traces (+ S) after one synthetic batch\n",
                        B, inputs, frame.c_str());
            std::printf("%-6s %7s %8s %14s %14s %14s %8s\n", "rule", "steps", "classes", "model_bytes", "paper_bytes",
                        "measured", "meas/mod");
            for (const auto& r : rows) {
                std::printf("%-6s %7d %8d %14zu %14zu %14s", r.rule.c_str(), r.steps, r.classes, r.model_bytes,
                            r.paper_bytes, measured(r).c_str());
                if (r.measured_bytes && r.model_bytes)
                    std::printf(" %8.3f", double(*r.measured_bytes) / double(r.model_bytes));
                std::printf("\n");
            }
            std::printf("%s\n", crossText.c_str());
            if (!limitText.empty())
                std::printf("%s\n", limitText.c_str());
        }
        return kExitOk;
    };
}

} // namespace tp::cli
