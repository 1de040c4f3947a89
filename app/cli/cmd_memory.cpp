#include <array>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/errors.h"
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
        double density = 0.05;
        bool csv = false, json = false, noMeasure = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON): network, neuron and rule settings")->required();
    app.add_option("--classes", o->classes, "comma-separated class counts C of the grid");
    app.add_option("--steps", o->steps, "comma-separated sequence lengths T of the grid");
    app.add_option("--batch", o->batch, "batch rows B (default: the experiment's run.batch)")->check(CLI::Range(1, 65536));
    app.add_option("--set", o->sets, "override a field: key.path=value (repeatable)");
    app.add_option("--density", o->density, "input spike density of the synthetic batch")->check(CLI::Range(0.0, 1.0));
    app.add_flag("--no-measure", o->noMeasure, "analytic model only (do not build and train TP and BPTT)");
    app.add_flag("--csv", o->csv, "CSV on stdout");
    app.add_flag("--json", o->json, "one JSON object per row on stdout");
    return [o] {
        const Experiment exp = loadWithOverrides(o->file, o->sets, -1);
        const std::vector<int> classes = parseList(o->classes, "classes"), steps = parseList(o->steps, "steps");
        int inputs = exp.network.inputs;
        std::array<int, 3> shape = {inputs, 1, 1};
        const bool conv = !exp.network.layers.empty() && exp.network.layers[0].type == "conv";
        if (inputs == 0 || conv) {  // conv blocks are sized from the dataset's (C, H, W)
            const auto data = openExperimentData(exp, o->file);
            inputs = data->channels();
            shape = data->inputShape();
        }
        const int B = o->batch > 0 ? o->batch : exp.run.batch;
        TpConfig cfg = TpConfig::fromExperiment(exp, inputs, classes.front());
        cfg.input_shape = shape;
        std::vector<MemoryTableRow> rows;
        for (int T : steps)
            for (int C : classes) {
                auto part = memoryTable(cfg, B, T, C, o->density, !o->noMeasure);
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
        } else if (o->csv) {
            std::cout << "rule,steps,classes,batch,model_bytes,paper_bytes,measured_bytes\n";
            for (const auto& r : rows)
                std::cout << r.rule << ',' << r.steps << ',' << r.classes << ',' << r.batch << ',' << r.model_bytes
                          << ',' << r.paper_bytes << ',' << measured(r) << "\n";
            std::cerr << crossText << "\n";
        } else {
            std::printf("rule-state memory (float32 bytes), batch %d, %d inputs; model = memory_model.h, "
                        "paper = TP's 2*B*sum H + C*H_1, measured = traces (+ S) after one synthetic batch\n",
                        B, inputs);
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
        }
        return kExitOk;
    };
}

} // namespace tp::cli
