// The comparison report's data, figures and tables: several runs of one experiment under
// different rules, each read by loadReportData (report_data.cpp) and shown side by side.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "report/report_data.h"
#include "rules/registry.h"

namespace tp::report {

namespace {

using nlohmann::json;

std::string ruleName(const ReportData& d)
{
    return d.experiment.value("rule", json::object()).value("name", std::string("tp"));
}

/// Whether the run's rule reports local losses per layer (an unknown rule: assume it does).
bool hasLocalLosses(const ReportData& d)
{
    const LearningRule* rule = findRule(ruleName(d));
    return !rule || rule->layer_losses;
}

/// What must be equal for runs to be compared: the experiment without its rule, its
/// description and the run settings other than the seed (epochs, lr, threads may differ).
json comparedPart(const json& experiment)
{
    json e = experiment;
    e.erase("rule");
    e.erase("description");
    if (e.contains("run") && e["run"].is_object()) {
        json run = json::object();
        if (e["run"].contains("seed"))
            run["seed"] = e["run"]["seed"];
        e["run"] = run;
    }
    return e;
}

std::string valueAt(const json& doc, const json::json_pointer& at)
{
    return doc.contains(at) ? doc.at(at).dump() : std::string("absent");
}

std::size_t sum(const std::vector<MemoryRow>& rows, std::size_t MemoryRow::*part)
{
    std::size_t total = 0;
    for (const auto& r : rows)
        total += r.*part;
    return total;
}

std::size_t total(const std::vector<MemoryRow>& rows)
{
    std::size_t t = 0;
    for (const auto& r : rows)
        t += r.total();
    return t;
}

double mib(std::size_t bytes) { return double(bytes) / (1024.0 * 1024.0); }

/// Measured parts as the tables and the bar chart show them.
const std::pair<const char*, std::size_t MemoryRow::*> kParts[] = {{"weights", &MemoryRow::weights_bytes},
                                                                    {"optimizer", &MemoryRow::optimizer_bytes},
                                                                    {"rule state", &MemoryRow::rule_state_bytes},
                                                                    {"buffers", &MemoryRow::buffer_bytes}};

/// A CSV field: quoted when it holds a comma, quote or line break.
std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string number(double v)
{
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

double meanOf(const ReportData& d, double (*get)(const EpochMetrics&))
{
    double s = 0;
    for (const auto& m : d.history)
        s += get(m);
    return d.history.empty() ? 0.0 : s / double(d.history.size());
}

double samplesPerSecond(const EpochMetrics& m) { return m.samples_per_second; }
double epochSeconds(const EpochMetrics& m) { return m.train_seconds + m.test_seconds; }

std::size_t layerCount(const ComparisonData& c)
{
    std::size_t L = 0;
    for (const auto& d : c.runs)
        if (!d.history.empty())
            L = std::max(L, d.history.front().layer_loss.size());
    return L;
}

/// "randman (classes 10, samples_per_class 40, seed 3)": words a PDF line can wrap.
std::string datasetText(const json& data)
{
    std::string params;
    for (const auto& [key, value] : data.items())
        if (key != "kind")
            params += (params.empty() ? "" : ", ") + key + " " + value.dump();
    return data.value("kind", std::string("?")) + (params.empty() ? "" : " (" + params + ")");
}

} // namespace

ComparisonData loadComparisonData(const std::vector<std::string>& runDirs)
{
    if (runDirs.size() < 2)
        throw ConfigError("a comparison report takes two or more run folders, not " + std::to_string(runDirs.size()));
    ComparisonData c;
    for (const auto& dir : runDirs) {
        c.runs.push_back(loadReportData(dir, {}));
        const ReportData& d = c.runs.back();
        const json first = comparedPart(c.runs.front().experiment), mine = comparedPart(d.experiment);
        if (const json patch = json::diff(first, mine); !patch.empty()) {
            const json::json_pointer at(patch.front().at("path").get<std::string>());
            std::string field = at.to_string().substr(1);
            std::replace(field.begin(), field.end(), '/', '.');
            const std::string what = field.rfind("dataset", 0) == 0   ? "dataset"
                                     : field.rfind("network", 0) == 0 ? "network"
                                     : field == "run.seed"            ? "seed"
                                                                      : "experiment";
            throw ConfigError("cannot compare " + d.run_dir + " with " + c.runs.front().run_dir + ": a different " +
                              what + " (" + field + " is " + valueAt(d.experiment, at) + " there, " +
                              valueAt(c.runs.front().experiment, at) +
                              " in the first run); a comparison takes runs of one experiment with the same data, "
                              "network and seed, differing in the rule");
        }
        std::string label = ruleName(d);
        for (int n = 2; std::find(c.labels.begin(), c.labels.end(), label) != c.labels.end(); ++n)
            label = ruleName(d) + "-" + std::to_string(n);
        c.labels.push_back(label);
    }
    return c;
}

std::vector<LineChart> comparisonCharts(const ComparisonData& c)
{
    auto column = [](const ReportData& d, auto get) {
        std::vector<double> v;
        for (const auto& m : d.history)
            v.push_back(get(m));
        return v;
    };
    auto epochs = [&](const ReportData& d) { return column(d, [](const EpochMetrics& m) { return double(m.epoch); }); };
    LineChart acc{"Accuracy (test solid, train dashed)", "epoch", "accuracy (%)", {}, 0.0, 100.0};
    LineChart readout{"Readout loss (cross-entropy)", "epoch", "mean loss per time step", {}, std::nullopt, std::nullopt};
    LineChart speed{"Training throughput", "epoch", "samples per second", {}, 0.0, std::nullopt};
    std::vector<LineChart> local;
    std::string without;  // rules without local losses
    for (std::size_t l = 0; l < layerCount(c); ++l)
        local.push_back({"Local loss, layer " + std::to_string(l + 1), "epoch", "mean loss per time step", {},
                         std::nullopt, std::nullopt});
    for (std::size_t r = 0; r < c.runs.size(); ++r) {
        const ReportData& d = c.runs[r];
        const std::string& name = c.labels[r];
        const int color = int(r);
        acc.series.push_back({name + " test", epochs(d), column(d, [](auto& m) { return 100 * m.test_accuracy; }), false, color});
        acc.series.push_back({name + " train", epochs(d), column(d, [](auto& m) { return 100 * m.train_accuracy; }), true, color});
        readout.series.push_back({name, epochs(d), column(d, [](auto& m) { return m.readout_loss; }), false, color});
        speed.series.push_back({name, epochs(d), column(d, samplesPerSecond), false, color});
        if (!hasLocalLosses(d)) {
            without += (without.empty() ? "" : ", ") + name;
            continue;
        }
        for (std::size_t l = 0; l < local.size(); ++l)
            local[l].series.push_back({name, epochs(d), column(d, [l](const EpochMetrics& m) {
                                           return l < m.layer_loss.size() ? m.layer_loss[l] : NAN;
                                       }), false, color});
    }
    for (auto& chart : local)
        if (!without.empty())
            chart.title += " (" + without + ": no local losses)";
    std::vector<LineChart> charts{acc};
    charts.insert(charts.end(), local.begin(), local.end());
    charts.push_back(readout);
    charts.push_back(speed);
    return charts;
}

BarChart comparisonMemoryChart(const ComparisonData& c)
{
    BarChart chart{"Measured memory by part", "MiB", c.labels, {}, 2};
    for (const auto& [name, part] : kParts) {
        BarChart::Stack s{name, {}};
        for (const auto& d : c.runs)
            s.values.push_back(mib(sum(d.memory, part)));
        chart.stacks.push_back(s);
    }
    double top = 0;
    for (const auto& d : c.runs)
        top = std::max(top, mib(total(d.memory)));
    chart.total_decimals = top >= 100 ? 0 : top >= 1 ? 1 : top >= 0.1 ? 2 : 3;
    return chart;
}

std::vector<std::pair<std::string, std::string>> comparisonSetup(const ComparisonData& c)
{
    const ReportData& first = c.runs.front();
    const json& data = first.experiment.value("dataset", json::object());
    const json& run = first.experiment.value("run", json::object());
    // Run settings that may differ per run: one value, or each run's.
    auto perRun = [&c](const std::string& key) {
        std::vector<std::string> values;
        for (const auto& d : c.runs) {
            const json& v = d.experiment.value("run", json::object()).value(key, json());
            values.push_back(v.is_number_float() ? shortest(v.get<double>()) : v.dump());
        }
        if (std::all_of(values.begin(), values.end(), [&](const auto& v) { return v == values.front(); }))
            return values.front();
        std::string text;
        for (std::size_t r = 0; r < values.size(); ++r)
            text += (r ? ", " : "") + c.labels[r] + " " + values[r];
        return text;
    };
    std::string seeds = "run.seed " + run.value("seed", json()).dump();
    if (data.contains("seed"))
        seeds += ", dataset.seed " + data["seed"].dump();
    std::string rules;
    for (const auto& d : c.runs)
        rules += (rules.empty() ? "" : ", ") + memoryRuleTitle(ruleName(d));
    std::vector<std::pair<std::string, std::string>> rows{
        {"Experiment", first.name()},
        {"Rules", rules},
        {"Dataset", datasetText(data)},
        {"Network", networkText(first)},
        {"Seeds", seeds},
        {"Epochs", perRun("epochs")},
        {"Batch", perRun("batch")},
        {"Learning rate", perRun("lr")},
        {"Precision", first.precision},
        {"Machine", first.machine.cpu + ", " + std::to_string(first.machine.cores) + " cores" +
                        (first.machine_from_run ? "" : " (the report's; the run recorded none)")},
    };
    for (std::size_t r = 0; r < c.runs.size(); ++r)
        rows.push_back({"Run " + c.labels[r], c.runs[r].run_dir});
    return rows;
}

Table comparisonSummaryTable(const ComparisonData& c)
{
    Table t{{"rule", "best test", "final test", "final train", "samples/s", "s/epoch", "memory (MiB)"},
            {},
            {false, true, true, true, true, true, true}};
    for (std::size_t r = 0; r < c.runs.size(); ++r) {
        const ReportData& d = c.runs[r];
        t.rows.push_back({c.labels[r], percent(d.best_test_accuracy) + " (epoch " + std::to_string(d.best_epoch) + ")",
                          percent(d.final_test_accuracy),
                          d.history.empty() ? "-" : percent(d.history.back().train_accuracy),
                          groupedInt(std::llround(meanOf(d, samplesPerSecond))), fixed(meanOf(d, epochSeconds), 2),
                          fixed(mib(total(d.memory)), 3)});
    }
    return t;
}

Table comparisonMemoryTable(const ComparisonData& c)
{
    Table t{{"rule"}, {}, {false}};
    for (const auto& [name, part] : kParts)
        t.header.push_back(name), t.numeric.push_back(true);
    t.header.push_back("total (MiB)"), t.numeric.push_back(true);
    for (std::size_t r = 0; r < c.runs.size(); ++r) {
        std::vector<std::string> row{c.labels[r]};
        for (const auto& [name, part] : kParts)
            row.push_back(fixed(mib(sum(c.runs[r].memory, part)), 3));
        row.push_back(fixed(mib(total(c.runs[r].memory)), 3));
        t.rows.push_back(row);
    }
    return t;
}

std::string comparisonCsv(const ComparisonData& c)
{
    const std::size_t L = layerCount(c);
    std::ostringstream out;
    out << "rule,epoch,train_accuracy,test_accuracy,readout_loss";
    for (std::size_t l = 0; l < L; ++l)
        out << ",loss_layer" << l + 1;
    out << ",samples_per_second,train_seconds,test_seconds";
    for (const char* part : {"weights", "optimizer", "rule_state", "buffer"})
        out << "," << part << "_bytes";
    out << ",memory_bytes\n";
    for (std::size_t r = 0; r < c.runs.size(); ++r) {
        const ReportData& d = c.runs[r];
        const bool local = hasLocalLosses(d);
        for (const auto& m : d.history) {
            out << csvField(c.labels[r]) << ',' << m.epoch << ',' << number(m.train_accuracy) << ','
                << number(m.test_accuracy) << ',' << number(m.readout_loss);
            for (std::size_t l = 0; l < L; ++l)  // empty: the rule has no local losses
                out << ',' << (local && l < m.layer_loss.size() ? number(m.layer_loss[l]) : "");
            out << ',' << number(m.samples_per_second) << ',' << number(m.train_seconds) << ','
                << number(m.test_seconds);
            for (const auto& [name, part] : kParts)
                out << ',' << sum(d.memory, part);
            out << ',' << total(d.memory) << '\n';
        }
    }
    return out.str();
}

} // namespace tp::report
