#include <algorithm>
#include <array>
#include <cmath>
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

/// The rule-state bytes of a row to compare across the grid: measured where both ends were, else the model.
std::string growthOf(const MemoryTableRow& a, const MemoryTableRow& b, double size0, double size1, bool exponent)
{
    const bool both = a.measured_bytes && b.measured_bytes;
    const double x0 = double(both ? *a.measured_bytes : a.model_bytes), x1 = double(both ? *b.measured_bytes : b.model_bytes);
    char text[96];
    if (exponent)
        std::snprintf(text, sizeof text, "%s ^%.2f", a.rule.c_str(), x0 > 0 ? std::log(x1 / x0) / std::log(size1 / size0) : 0.0);
    else
        std::snprintf(text, sizeof text, "%s x%.2f", a.rule.c_str(), x0 > 0 ? x1 / x0 : 0.0);
    return std::string(text) + (both ? "" : " (model)");
}

/// What the grid shows, in sentences: where TP's state drops below the aux-matrix rule's (over C), how
/// each rule's state grows with T and with H (measured where measured), and where TP's state is below
/// every other rule's.
std::vector<std::string> memoryNotes(const std::vector<MemoryTableRow>& rows, int B, std::size_t layers)
{
    std::vector<std::string> notes;
    if (rows.empty())
        return notes;
    const MemoryTableRow& first = rows.front();
    auto at = [&](const std::string& rule, int H, int T, int C) -> const MemoryTableRow* {
        for (const auto& r : rows)
            if (r.rule == rule && r.hidden == H && r.steps == T && r.classes == C)
                return &r;
        return nullptr;
    };
    std::vector<std::string> rules;
    std::vector<int> Hs, Ts, Cs;
    for (const auto& r : rows) {
        auto add = [](auto& v, const auto& x) { if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x); };
        add(rules, r.rule);
        add(Hs, r.hidden);
        add(Ts, r.steps);
        add(Cs, r.classes);
    }
    // TP vs aux over the classes, at the first H and T.
    if (at("tp", first.hidden, first.steps, first.classes) && at("aux", first.hidden, first.steps, first.classes)) {
        int crossover = 0;
        for (int C : Cs)
            if (at("tp", first.hidden, first.steps, C)->model_bytes < at("aux", first.hidden, first.steps, C)->model_bytes) {
                crossover = C;
                break;
            }
        notes.push_back(crossover ? "TP's rule state is below the aux-matrix rule's from classes = " +
                                        std::to_string(crossover) + " (batch " + std::to_string(B) + ")"
                                  : "TP's rule state is not below the aux-matrix rule's at any classes of the grid (batch " +
                                        std::to_string(B) + ")" +
                                        (layers == 1 ? "; with one layer it never is (2*B*H + C*H vs B*H + C*H)" : ""));
    }
    auto growth = [&](bool inT) {
        const auto& axis = inT ? Ts : Hs;
        if (axis.size() < 2 || (!inT && axis.front() == 0))
            return;
        std::string text = inT ? "rule state from steps " + std::to_string(Ts.front()) + " to " + std::to_string(Ts.back()) + ":"
                               : "rule state from hidden " + std::to_string(Hs.front()) + " to " + std::to_string(Hs.back()) +
                                     " (exponent of H):";
        for (const auto& rule : rules) {
            const MemoryTableRow* a = at(rule, Hs.front(), Ts.front(), Cs.front());
            const MemoryTableRow* b = inT ? at(rule, Hs.front(), Ts.back(), Cs.front()) : at(rule, Hs.back(), Ts.front(), Cs.front());
            if (a && b)
                text += " " + growthOf(*a, *b, double(axis.front()), double(axis.back()), !inT) + ";";
        }
        text.pop_back();
        notes.push_back(text);
    };
    growth(true);
    growth(false);
    // TP against every other rule (model), point by point.
    if (std::find(rules.begin(), rules.end(), "tp") != rules.end() && rules.size() > 1) {
        int below = 0, points = 0;
        std::string where;
        for (int H : Hs)
            for (int T : Ts)
                for (int C : Cs) {
                    const MemoryTableRow* tp = at("tp", H, T, C);
                    if (!tp)
                        continue;
                    ++points;
                    std::string lower;
                    for (const auto& rule : rules)
                        if (const MemoryTableRow* r = at(rule, H, T, C); r && rule != "tp" && r->model_bytes <= tp->model_bytes)
                            lower += (lower.empty() ? "" : ",") + rule;
                    if (lower.empty())
                        ++below;
                    else
                        where += std::string(where.empty() ? "" : "; ") + (H ? "H=" + std::to_string(H) + " " : "") + "T=" +
                                 std::to_string(T) + " C=" + std::to_string(C) + " (" + lower + ")";
                }
        notes.push_back("TP's rule state is below every other listed rule's at " + std::to_string(below) + " of " +
                        std::to_string(points) + " points" + (where.empty() ? "" : "; not at: " + where));
    }
    return notes;
}

} // namespace

Runner addMemory(CLI::App& app)
{
    struct Options {
        std::string file, classes = "10,100,1000", steps = "100,1000", hidden, rules;
        std::vector<std::string> sets;
        int batch = 0;
        double density = 0.05, measureLimitMiB = 256;
        bool csv = false, json = false, noMeasure = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("EXP", o->file, "experiment file (JSON): network, neuron and rule settings")->required();
    app.add_option("--classes", o->classes, "comma-separated class counts C of the grid");
    app.add_option("--steps", o->steps, "comma-separated sequence lengths T of the grid");
    app.add_option("--hidden", o->hidden,
                   "comma-separated sizes H of the grid: every layer set to H neurons (conv: channels); default: the "
                   "experiment's own sizes");
    app.add_option("--rules", o->rules,
                   "comma-separated rules to list (registered ones and the reference 'aux'); default: every rule that "
                   "trains the network");
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
        const std::vector<int> hidden = o->hidden.empty() ? std::vector<int>{0} : parseList(o->hidden, "hidden");
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
        // --rules: names of registered rules that train these layers, or the reference "aux".
        std::vector<std::string> wanted;
        {
            std::stringstream ss(o->rules);
            for (std::string name; std::getline(ss, name, ',');) {
                const LearningRule* rule = findRule(name);
                if (!rule && name != "aux")
                    throw ConfigError("--rules: unknown rule '" + name + "' (known: " + ruleNames() + ", aux)");
                for (const auto& layer : cfg.layers)
                    if (rule && !rule->supportsLayer(layer.type))
                        throw ConfigError("--rules: the rule '" + name + "' does not train '" + layer.type +
                                          "' layers (it trains: " + rule->layerKindsText() + ")");
                wanted.push_back(name);
            }
        }
        const std::size_t limit = o->noMeasure ? 0 : std::size_t(o->measureLimitMiB * 1024 * 1024);
        std::vector<MemoryTableRow> rows;
        std::vector<int> unmeasured;  // steps of the points with a rule above the limit
        for (int H : hidden)
            for (int T : steps)
                for (int C : classes) {
                    TpConfig c = cfg;
                    for (auto& layer : c.layers)
                        layer.size = H ? H : layer.size;
                    for (auto& r : memoryTable(c, B, T, C, o->density, limit)) {
                        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), r.rule) == wanted.end())
                            continue;
                        r.hidden = H;
                        if (limit && findRule(r.rule) && !r.measured_bytes &&
                            std::find(unmeasured.begin(), unmeasured.end(), T) == unmeasured.end())
                            unmeasured.push_back(T);
                        rows.push_back(std::move(r));
                    }
                }
        const std::vector<std::string> notes = memoryNotes(rows, B, cfg.layers.size());
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
        auto parts = [](const MemoryParts& p) {
            return nlohmann::json{{"weights", p.weights}, {"optimizer", p.optimizer}, {"rule_state", p.rule_state},
                                  {"buffers", p.buffers}, {"total", p.total()}};
        };
        std::FILE* noteOut = o->json || o->csv ? stderr : stdout;
        if (o->json) {
            for (const auto& r : rows) {
                nlohmann::json j{{"rule", r.rule},   {"steps", r.steps},           {"classes", r.classes},
                                 {"batch", r.batch}, {"model_bytes", r.model_bytes}, {"paper_bytes", r.paper_bytes},
                                 {"model", parts(r.model)}};
                if (r.hidden)
                    j["hidden"] = r.hidden;
                if (r.measured_bytes)
                    j["measured_bytes"] = *r.measured_bytes;
                if (r.measured)
                    j["measured"] = parts(*r.measured);
                std::cout << j.dump() << "\n";
            }
        } else if (o->csv) {
            std::cout << "rule,steps,classes,batch,hidden,model_bytes,paper_bytes,measured_bytes,model_weights,"
                         "model_optimizer,model_buffers,measured_weights,measured_optimizer,measured_buffers\n";
            for (const auto& r : rows) {
                std::cout << r.rule << ',' << r.steps << ',' << r.classes << ',' << r.batch << ',' << r.hidden << ','
                          << r.model_bytes << ',' << r.paper_bytes << ',' << measured(r) << ',' << r.model.weights << ','
                          << r.model.optimizer << ',' << r.model.buffers << ',';
                if (r.measured)
                    std::cout << r.measured->weights << ',' << r.measured->optimizer << ',' << r.measured->buffers;
                else
                    std::cout << ",,";
                std::cout << "\n";
            }
        } else {
            const std::string frame = shape[1] * shape[2] == 1 ? "" : " (" + std::to_string(shape[0]) + "x" +
                                      std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + ")";
            std::printf("memory (float32 bytes), batch %d, %d inputs%s; rule state: model = memory_model.h, paper = TP's "
                        "2*B*sum H + C*H_1, measured = traces (+ S) after one synthetic batch; total = weights + Adam + "
                        "rule state + buffers (model: the run plan)\n",
                        B, inputs, frame.c_str());
            std::printf("%-7s %6s %7s %7s %14s %14s %14s %8s %14s %14s\n", "rule", "hidden", "steps", "classes",
                        "model_bytes", "paper_bytes", "measured", "meas/mod", "model_total", "measured_total");
            for (const auto& r : rows) {
                const std::string h = r.hidden ? std::to_string(r.hidden) : "-";
                std::printf("%-7s %6s %7d %7d %14zu %14zu %14s", r.rule.c_str(), h.c_str(), r.steps, r.classes,
                            r.model_bytes, r.paper_bytes, measured(r).c_str());
                if (r.measured_bytes && r.model_bytes)
                    std::printf(" %8.3f", double(*r.measured_bytes) / double(r.model_bytes));
                else
                    std::printf(" %8s", "");
                std::printf(" %14zu %14s\n", r.model.total(), r.measured ? std::to_string(r.measured->total()).c_str() : "");
            }
        }
        for (const std::string& n : notes)
            std::fprintf(noteOut, "%s\n", n.c_str());
        if (!limitText.empty())
            std::fprintf(noteOut, "%s\n", limitText.c_str());
        return kExitOk;
    };
}

} // namespace tp::cli
