#include "report/report_data.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/errors.h"
#include "core/file_read.h"
#include "io/h5.h"
#include "rules/registry.h"
#include "train/memory_model.h"
#include "train/run_files.h"

namespace tp::report {

namespace fs = std::filesystem;

std::string ReportData::name() const { return experiment.value("name", std::string("unnamed experiment")); }
std::string ReportData::description() const { return experiment.value("description", std::string()); }

std::string percent(double fraction)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100 * fraction);
    return buf;
}

std::string groupedInt(long long value)
{
    std::string digits = std::to_string(value < 0 ? -value : value), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return (value < 0 ? "-" : "") + out;
}

std::string fixed(double v, int decimals)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string shortest(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// A run's metrics files are a few KB per epoch; 256 MiB is far beyond any real run.
static std::string readText(const fs::path& path, const char* what)
{
    return readFileText(path.string(), what, std::size_t(256) << 20);
}

static std::string describeRun(const std::string& id)
{
    return id.empty() ? "has no run id (written before run ids)" : "belongs to run " + id;
}

[[noreturn]] static void differentRuns(const std::string& file, const std::string& where, const std::string& id,
                                       const std::string& results, const std::string& resultsId)
{
    throw FormatError(file, where,
                      describeRun(id) + ", but " + results + " " + describeRun(resultsId) +
                          ": the files come from two different runs (did a later train --out into this folder "
                          "stop early?); finish that run with train --resume, or train again with --overwrite");
}

/// metrics.csv as RunFiles writes it: a header, one row per epoch of results.h5, numbers only
/// (but the run_id column), epochs and test accuracies as in results.h5, one run id.
static void checkMetricsCsv(const ReportData& d, const std::string& file, const std::string& resultsId)
{
    std::vector<std::string> lines;
    std::istringstream in(d.metrics_csv);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    while (!lines.empty() && lines.back().empty())
        lines.pop_back();
    auto split = [](const std::string& line) {
        std::vector<std::string> cells;
        std::size_t pos = 0;
        for (std::size_t comma; (comma = line.find(',', pos)) != std::string::npos; pos = comma + 1)
            cells.push_back(line.substr(pos, comma - pos));
        cells.push_back(line.substr(pos));
        return cells;
    };
    if (lines.empty())
        throw FormatError(file, "line 1", "empty (expected a header line and one line per epoch)");
    const auto header = split(lines[0]);
    const auto column = [&](const std::string& name) {
        return std::size_t(std::find(header.begin(), header.end(), name) - header.begin());
    };
    const std::size_t epochCol = column("epoch"), testCol = column("test_accuracy"), idCol = column("run_id");
    if (epochCol == header.size() || testCol == header.size())
        throw FormatError(file, "line 1", "not a metrics.csv header (no epoch or test_accuracy column)");
    if (idCol != header.size() && lines.size() > 1) {
        const auto first = split(lines[1]);
        const std::string id = idCol < first.size() ? first[idCol] : "";
        if (id != resultsId)
            differentRuns(file, "line 2", id, d.results_path, resultsId);
    } else if (!resultsId.empty()) {
        differentRuns(file, "line 1", "", d.results_path, resultsId);
    }
    if (lines.size() - 1 != d.history.size())
        throw FormatError(file, "line " + std::to_string(std::min(lines.size(), d.history.size() + 1) + 1),
                          std::to_string(lines.size() - 1) + " epochs, but " + d.results_path + " has " +
                              std::to_string(d.history.size()) + ": the files come from two different runs or "
                              "metrics.csv is damaged");
    std::string csvId;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string where = "line " + std::to_string(i + 1);
        const auto cells = split(lines[i]);
        if (cells.size() != header.size())
            throw FormatError(file, where, std::to_string(cells.size()) + " fields, the header has " +
                                               std::to_string(header.size()));
        std::vector<double> values(cells.size());
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c == idCol)
                continue;
            char* end = nullptr;
            values[c] = std::strtod(cells[c].c_str(), &end);
            if (cells[c].empty() || *end != '\0' || !std::isfinite(values[c]))
                throw FormatError(file, where, "field " + header[c] + " is '" + cells[c].substr(0, 40) +
                                                   "', not a number");
        }
        const EpochMetrics& m = d.history[i - 1];
        if (idCol != header.size()) {
            if (i == 1)
                csvId = cells[idCol];
            else if (cells[idCol] != csvId)
                throw FormatError(file, where, "run id " + cells[idCol] + ", line 2 has " + csvId +
                                                   ": rows of two different runs");
        }
        if (csvId != resultsId)
            differentRuns(file, where, csvId, d.results_path, resultsId);
        if (values[epochCol] != m.epoch || std::abs(values[testCol] - m.test_accuracy) > 1e-7)
            throw FormatError(file, where, "epoch " + cells[epochCol] + " test_accuracy " + cells[testCol] +
                                               ", but " + d.results_path + " has epoch " + std::to_string(m.epoch) +
                                               " test_accuracy " + std::to_string(m.test_accuracy) +
                                               ": the files come from two different runs");
    }
}

/// metrics.json: valid JSON, the same run id and number of epochs as results.h5.
static void checkMetricsJson(const ReportData& d, const std::string& file, const std::string& resultsId)
{
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(d.metrics_json);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(file, "JSON", std::string("not valid JSON: ") + e.what());
    }
    if (!doc.is_object() || !doc.contains("epochs") || !doc["epochs"].is_array())
        throw FormatError(file, "JSON", "not a run's metrics.json (no \"epochs\" array)");
    const std::string id = doc.contains("run_id") && doc["run_id"].is_string() ? doc["run_id"].get<std::string>() : "";
    if (id != resultsId)
        differentRuns(file, "run_id", id, d.results_path, resultsId);
    if (doc["epochs"].size() != d.history.size())
        throw FormatError(file, "epochs", std::to_string(doc["epochs"].size()) + " epochs, but " + d.results_path +
                                              " has " + std::to_string(d.history.size()) +
                                              ": the files come from two different runs");
}

ReportData loadReportData(const std::string& runDir, const ReportOptions& options)
{
    std::error_code ec;
    if (!fs::is_directory(runDir, ec))
        throw IoError("cannot report on " + runDir + ": no such run folder");
    for (const char* file : {"metrics.csv", "metrics.json", "results.h5"}) {
        if (fs::is_directory(fs::path(runDir) / file, ec))
            requireFile((fs::path(runDir) / file).string(), "run file");  // "is a directory, expected a file"
        if (!fs::is_regular_file(fs::path(runDir) / file, ec))
            throw IoError("incomplete run folder " + runDir + ": " + (fs::path(runDir) / file).string() +
                          " does not exist (results.h5 is written when training finishes; finish a stopped run "
                          "with train --resume)");
    }
    ReportData d;
    d.run_dir = fs::absolute(runDir).lexically_normal().string();
    if (d.run_dir.size() > 1 && d.run_dir.back() == '/')
        d.run_dir.pop_back();
    d.results_path = (fs::path(runDir) / "results.h5").string();
    const h5::File f = h5::File::openRead(d.results_path);
    try {
        d.experiment = nlohmann::json::parse(f.readString("config"));
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(d.results_path, "dataset /config", std::string("not valid JSON: ") + e.what());
    }
    d.history = readHistory(f);
    d.memory = readMemory(f);
    d.memory_model = readMemoryTable(f);
    d.precision = f.hasAttribute("precision") ? f.attrString("precision") : "";
    d.traceprop_version = f.hasAttribute("traceprop_version") ? f.attrString("traceprop_version") : "";
    d.run_id = f.hasAttribute("run_id") ? f.attrString("run_id") : "";
    const fs::path csvPath = fs::path(runDir) / "metrics.csv", jsonPath = fs::path(runDir) / "metrics.json";
    d.metrics_csv = readText(csvPath, "metrics CSV");
    d.metrics_json = readText(jsonPath, "metrics JSON");
    checkMetricsCsv(d, csvPath.string(), d.run_id);
    checkMetricsJson(d, jsonPath.string(), d.run_id);
    for (const auto& m : d.history)
        if (m.test_accuracy > d.best_test_accuracy || d.best_epoch == 0) {
            d.best_test_accuracy = m.test_accuracy;
            d.best_epoch = m.epoch;
        }
    d.final_test_accuracy = d.history.empty() ? 0 : d.history.back().test_accuracy;

    if (f.exists("confusion_matrix")) {
        const auto cm = f.readInts("confusion_matrix");
        if (cm.dims.size() != 2 || cm.dims[0] != cm.dims[1])
            throw FormatError(d.results_path, "dataset /confusion_matrix", "expected a square matrix");
        d.confusion.classes = int(cm.dims[0]);
        d.confusion.counts = cm.data;
        d.confusion_from_run = true;
    } else if (options.open_dataset) {
        const Experiment exp = parseExperiment(d.experiment, d.results_path);
        const auto data = options.open_dataset(exp);
        Trainer trainer(exp, *data);
        loadWeights(trainer.model(), d.results_path);
        d.confusion = trainer.confusion(Split::Test, options.threads);
    }

    d.machine_from_run = f.hasAttribute("machine_cpu");
    if (d.machine_from_run) {
        d.machine.cpu = f.attrString("machine_cpu");
        d.machine.cores = int(f.attrInt("machine_cores"));
        d.machine.os = f.attrString("machine_os");
        d.machine.compiler = f.attrString("compiler");
        d.machine.kernels = f.hasAttribute("kernels") ? f.attrString("kernels") : "not recorded by the run";
        d.machine.libraries = f.attrString("library_versions");
    } else {
        d.machine = currentMachine();
    }
    return d;
}

std::vector<LineChart> lineCharts(const ReportData& d)
{
    std::vector<double> epochs;
    for (const auto& m : d.history)
        epochs.push_back(m.epoch);
    auto column = [&](auto get) {
        std::vector<double> v;
        for (const auto& m : d.history)
            v.push_back(get(m));
        return v;
    };
    const std::size_t L = d.history.empty() ? 0 : d.history.front().layer_loss.size();
    LineChart acc{"Accuracy", "epoch", "accuracy (%)", {}, 0.0, 100.0};
    acc.series.push_back({"train (online, during the epoch)", epochs, column([](auto& m) { return 100 * m.train_accuracy; })});
    acc.series.push_back({"test (after the epoch)", epochs, column([](auto& m) { return 100 * m.test_accuracy; })});
    LineChart loss{"Local losses per layer", "epoch", "mean loss per time step", {}, std::nullopt, std::nullopt};
    LineChart rate{"Firing rates per layer", "epoch", "spikes per neuron per step (%)", {}, 0.0, std::nullopt};
    const std::string ruleName = d.experiment.value("rule", nlohmann::json::object()).value("name", std::string("tp"));
    const LearningRule* rule = findRule(ruleName);
    const bool bptt = rule && !rule->layer_losses;  // no local losses to plot
    if (bptt)
        loss.title = "Loss (" + ruleName + " has no local losses)";
    for (std::size_t l = 0; l < L; ++l) {
        if (!bptt)
            loss.series.push_back({"layer " + std::to_string(l + 1) + " (local)", epochs,
                                   column([l](auto& m) { return m.layer_loss[l]; })});
        rate.series.push_back({"layer " + std::to_string(l + 1), epochs,
                               column([l](auto& m) { return 100 * m.firing_rate[l]; })});
    }
    loss.series.push_back({"readout (cross-entropy)", epochs, column([](auto& m) { return m.readout_loss; }), true});
    LineChart speed{"Training throughput", "epoch", "samples per second", {}, 0.0, std::nullopt};
    speed.series.push_back({"training (evaluation excluded)", epochs, column([](auto& m) { return m.samples_per_second; })});
    return {acc, loss, rate, speed};
}

HeatMap confusionHeatMap(const ReportData& d)
{
    return {"Confusion matrix (test split, final weights)", "predicted class", "true class", d.confusion.classes,
            d.confusion.classes, d.confusion.counts};
}

std::string networkText(const ReportData& d)
{
    const auto& net = d.experiment.value("network", nlohmann::json::object());
    std::string s = net.value("inputs", 0) > 0 ? std::to_string(net.value("inputs", 0)) : "";
    if (s.empty() && fs::exists(d.results_path)) {
        const h5::File f = h5::File::openRead(d.results_path);
        if (f.exists("weights/W1")) {
            const auto w = f.readFloats("weights/W1");
            if (w.dims.size() == 2)
                s = std::to_string(w.dims[1]);
        }
    }
    for (const auto& layer : net.value("layers", nlohmann::json::array())) {
        s += (s.empty() ? "" : "-") + std::to_string(layer.value("size", 0));
        const std::string type = layer.value("type", std::string("lif"));
        if (type != "lif")
            s += " " + type;
        if (layer.value("recurrent", false))
            s += "(rec)";
    }
    if (d.confusion.classes > 0)
        s += "-" + std::to_string(d.confusion.classes);
    return s;
}

std::vector<std::pair<std::string, std::string>> summary(const ReportData& d)
{
    double seconds = 0, rate = 0;
    for (const auto& m : d.history)
        seconds += m.train_seconds + m.test_seconds, rate += m.samples_per_second;
    const auto& run = d.experiment.value("run", nlohmann::json::object());
    const auto& rule = d.experiment.value("rule", nlohmann::json::object());
    const auto& data = d.experiment.value("dataset", nlohmann::json::object());
    std::vector<std::pair<std::string, std::string>> rows{
        {"Best test accuracy", percent(d.best_test_accuracy) + " (epoch " + std::to_string(d.best_epoch) + ")"},
        {"Final test accuracy", percent(d.final_test_accuracy)},
        {"Final train accuracy", d.history.empty() ? "-" : percent(d.history.back().train_accuracy)},
        {"Epochs", std::to_string(d.history.size())},
        {"Learning rule", memoryRuleTitle(rule.value("name", std::string("tp")))},
        {"Network", networkText(d)},
        {"Dataset", data.value("kind", std::string("?"))},
        {"Batch, learning rate", std::to_string(run.value("batch", 0)) + ", " + shortest(run.value("lr", 0.0))},
        {"Mean training throughput",
         d.history.empty() ? "-" : groupedInt(std::llround(rate / double(d.history.size()))) + " samples/s"},
        {"Training + evaluation time", fixed(seconds, 1) + " s"},
        {"Precision", d.precision},
    };
    if (d.confusion.classes > 0)
        rows.push_back({"Confusion matrix", percent(d.confusion.accuracy()) + " correct of " +
                                                groupedInt(d.confusion.total()) + " test samples" +
                                                (d.confusion_from_run ? "" : " (computed by the report)")});
    return rows;
}

std::vector<std::pair<std::string, std::string>> provenance(const ReportData& d)
{
    const auto& run = d.experiment.value("run", nlohmann::json::object());
    const auto& data = d.experiment.value("dataset", nlohmann::json::object());
    std::string seeds = "run.seed " + std::to_string(run.value("seed", std::uint64_t(0)));
    if (data.contains("seed"))
        seeds += ", dataset.seed " + data["seed"].dump();
    const std::string where = d.machine_from_run ? "" : " (where the report was written; the run recorded none)";
    return {{"Run id", d.run_id.empty() ? std::string("none (written before run ids)") : d.run_id},
            {"Seeds", seeds},
            {"TraceProp version of the run", d.traceprop_version},
            {"Libraries", d.machine.libraries},
            {"Compiler", d.machine.compiler},
            {"Kernels", d.machine.kernels},
            {"CPU", d.machine.cpu + where},
            {"Cores", std::to_string(d.machine.cores)},
            {"Operating system", d.machine.os},
            {"Run folder", d.run_dir}};
}

Table memoryPartsTable(const ReportData& d)
{
    Table t{{"part", "weights", "optimizer", "rule state", "(traces)", "buffers", "total", "model 2BH (+S)"},
            {},
            {false, true, true, true, true, true, true, true}};
    auto kib = [](std::size_t b) { return fixed(double(b) / 1024.0, 1); };
    for (const auto& r : d.memory)
        t.rows.push_back({r.part, kib(r.weights_bytes), kib(r.optimizer_bytes), kib(r.rule_state_bytes),
                          kib(r.trace_bytes), kib(r.buffer_bytes), kib(r.total()), kib(r.model_bytes)});
    return t;
}

Table memoryModelTable(const ReportData& d)
{
    Table t{{"rule", "steps T", "classes C", "batch B", "model (bytes)", "paper (bytes)", "measured (bytes)",
             "measured / model"},
            {},
            {false, true, true, true, true, true, true, true}};
    for (const auto& r : d.memory_model) {
        const std::string name = memoryRuleTitle(r.rule);
        t.rows.push_back({name, std::to_string(r.steps), std::to_string(r.classes), std::to_string(r.batch),
                          groupedInt((long long)r.model_bytes), groupedInt((long long)r.paper_bytes),
                          r.measured_bytes ? groupedInt((long long)*r.measured_bytes) : "not run",
                          r.measured_bytes && r.model_bytes ? fixed(double(*r.measured_bytes) / double(r.model_bytes), 3)
                                                            : "-"});
    }
    return t;
}

} // namespace tp::report
