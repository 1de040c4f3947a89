#include "train/sweep.h"

#include "report/html_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/errors.h"
#include "core/file_read.h"
#include "io/atomic_file.h"
#include "io/h5.h"
#include "train/run_files.h"

namespace tp {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// "run.lr" = 0.001 -> "lr-0.001"; characters other than [A-Za-z0-9.+-] become '_'.
std::string folderPart(const std::string& key, const json& value)
{
    const auto dot = key.rfind('.');
    std::string text = key.substr(dot == std::string::npos ? 0 : dot + 1) + "-" +
                       (value.is_string() ? value.get<std::string>() : value.dump());
    for (char& c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+')
            c = '_';
    return text;
}

std::string readText(const std::string& file)
{
    return readFileText(file, "sweep file", std::size_t(16) << 20);  // a sweep file is a few KB
}

void writeTextAtomically(const fs::path& path, const std::string& text)
{
    writeFileAtomically(path.string(), text);
}

/// The experiment as it identifies a run's result: everything but the thread count.
json runIdentity(const Experiment& e)
{
    json id = toJson(e);
    id["run"].erase("threads");
    return id;
}

} // namespace

SweepSpec parseSweep(const json& doc, const std::string& source, const std::string& baseDir)
{
    std::vector<ConfigIssue> issues;
    SweepSpec spec;
    spec.file = source;
    if (!doc.is_object())
        throw ConfigError({{"", "a sweep file is a JSON object"}}, source);
    for (const auto& [key, value] : doc.items())
        if (key != "experiment" && key != "set" && key != "list" && key != "grid" && key != "seed_key")
            issues.push_back({key, "unknown key (known: experiment, set, list, grid, seed_key)"});
    if (!doc.contains("experiment") || !doc["experiment"].is_string() || doc["experiment"].get<std::string>().empty())
        issues.push_back({"experiment", "must name the base experiment file (a string)"});
    else {
        const fs::path p = doc["experiment"].get<std::string>();
        spec.experiment_file = (p.is_absolute() ? p : fs::path(baseDir) / p).lexically_normal().string();
    }
    if (doc.contains("set")) {
        if (!doc["set"].is_array())
            issues.push_back({"set", "must be an array of \"key.path=value\" strings"});
        else
            for (std::size_t i = 0; i < doc["set"].size(); ++i) {
                if (doc["set"][i].is_string())
                    spec.base_overrides.push_back(doc["set"][i].get<std::string>());
                else
                    issues.push_back({"set[" + std::to_string(i) + "]", "must be a \"key.path=value\" string"});
            }
    }
    if (doc.contains("seed_key")) {
        if (doc["seed_key"].is_string())
            spec.seed_key = doc["seed_key"].get<std::string>();
        else
            issues.push_back({"seed_key", "must be a string such as \"run.seed\""});
    }
    std::vector<json> combos{json::object()};
    if (doc.contains("list")) {
        const json& list = doc["list"];
        if (!list.is_array() || list.empty())
            issues.push_back({"list", "must be a non-empty array of objects {\"key.path\": value}"});
        else {
            combos.clear();
            for (std::size_t i = 0; i < list.size(); ++i) {
                if (!list[i].is_object() || list[i].empty())
                    issues.push_back({"list[" + std::to_string(i) + "]", "must be a non-empty object {\"key.path\": value}"});
                combos.push_back(list[i]);
            }
        }
    }
    if (doc.contains("grid")) {
        const json& grid = doc["grid"];
        if (!grid.is_object() || grid.empty())
            issues.push_back({"grid", "must be a non-empty object {\"key.path\": [values]}"});
        else {
            // The seed key varies fastest: it is expanded last.
            std::vector<std::string> keys;
            for (const auto& [key, values] : grid.items())
                if (key != spec.seed_key)
                    keys.push_back(key);
            if (grid.contains(spec.seed_key))
                keys.push_back(spec.seed_key);
            for (const auto& key : keys) {
                const json& values = grid[key];
                if (!values.is_array() || values.empty()) {
                    issues.push_back({"grid." + key, "must be a non-empty array of values"});
                    continue;
                }
                std::vector<json> next;
                for (const auto& combo : combos)
                    for (const auto& v : values) {
                        json c = combo;
                        if (c.contains(key))
                            issues.push_back({"grid." + key, "is also set by an entry of \"list\""});
                        c[key] = v;
                        next.push_back(std::move(c));
                    }
                combos = std::move(next);
            }
        }
    }
    if (!doc.contains("list") && !doc.contains("grid"))
        issues.push_back({"grid", "a sweep needs a \"grid\" or a \"list\" of overrides"});
    if (!issues.empty())
        throw ConfigError(issues, source);
    const int width = combos.size() > 1000 ? 5 : 3;
    for (std::size_t i = 0; i < combos.size(); ++i) {
        SweepRun run;
        run.index = int(i);
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "%0*zu", width, i);
        run.name = prefix;
        run.values = combos[i];
        json groupValues = json::object();
        // Insertion order of json objects is sorted by key: names and groups are deterministic.
        for (const auto& [key, value] : combos[i].items()) {
            run.overrides.push_back(key + "=" + value.dump());
            if (run.name.size() < 120)
                run.name += "_" + folderPart(key, value);
            if (key != spec.seed_key)
                groupValues[key] = value;
        }
        run.group = groupValues.empty() ? std::string() : groupValues.dump();
        spec.runs.push_back(std::move(run));
    }
    return spec;
}

SweepSpec loadSweep(const std::string& file, const std::vector<std::string>& extraOverrides,
                    const DatasetValidator& validate)
{
    const std::string text = readText(file);
    const json doc = parseJsonText(text, file);
    SweepSpec spec = parseSweep(doc, file, fs::path(file).parent_path().string());
    spec.base_overrides.insert(spec.base_overrides.end(), extraOverrides.begin(), extraOverrides.end());
    for (const auto& run : spec.runs) {
        try {
            sweepExperiment(spec, run, validate);
        } catch (const ConfigError& e) {
            throw ConfigError(file + ": run " + run.name + ": " + e.what());
        }
    }
    return spec;
}

Experiment sweepExperiment(const SweepSpec& spec, const SweepRun& run, const DatasetValidator& validate,
                           const std::vector<std::string>& extra)
{
    std::vector<std::string> all = spec.base_overrides;
    all.insert(all.end(), run.overrides.begin(), run.overrides.end());
    all.insert(all.end(), extra.begin(), extra.end());
    return loadExperiment(spec.experiment_file, all, validate);
}

json outcomeJson(const RunOutcome& o)
{
    json j{{"test_accuracy", o.test_accuracy},
           {"best", o.best},
           {"final", o.final},
           {"best_epoch", o.best_epoch},
           {"weights_fnv1a", o.weights_fnv1a}};
    if (!o.error.empty())
        j["error"] = o.error;
    return j;
}

RunOutcome outcomeFromJson(const json& j)
{
    RunOutcome o;
    try {
        o.test_accuracy = j.at("test_accuracy").get<std::vector<double>>();
        o.best = j.at("best").get<double>();
        o.final = j.at("final").get<double>();
        o.best_epoch = j.at("best_epoch").get<int>();
        o.weights_fnv1a = j.at("weights_fnv1a").get<std::string>();
        o.error = j.value("error", std::string());
    } catch (const json::exception& e) {
        throw ConfigError(std::string("run outcome: ") + e.what());
    }
    return o;
}

std::string weightsChecksum(const std::string& resultsFile)
{
    const h5::File f = h5::File::openRead(resultsFile);
    std::uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ p[i]) * 0x100000001b3ull;
    };
    for (const auto& name : f.datasets("weights")) {
        const auto a = f.readDoubles("weights/" + name);
        mix(name.data(), name.size());
        mix(a.dims.data(), a.dims.size() * sizeof(std::size_t));
        mix(a.data.data(), a.data.size() * sizeof(double));
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

RunOutcome executeRun(const Experiment& experiment, const SweepRun& run, const std::string& dir,
                      const DatasetProvider& dataset, std::stop_token stop,
                      const std::function<void(const Progress&)>& onProgress)
{
    RunOutcome o;
    const Dataset& data = dataset(experiment);
    TrainOptions opt;
    opt.out_dir = dir;
    opt.stop = stop;
    opt.on_progress = onProgress;
    TrainResult result;
    try {
        bool resumable = false;
        if (fs::exists(RunFiles::checkpointPath(dir))) {
            // An interrupted attempt of this same run continues; anything else starts afresh.
            const h5::File f = h5::File::openRead(RunFiles::checkpointPath(dir));
            resumable = resumeIdentity(json::parse(f.readString("config"))) == resumeIdentity(toJson(experiment)) &&
                        f.attrInt("epochs_done") <= experiment.run.epochs;
        }
        opt.resume = resumable;
        opt.overwrite = !resumable;  // the sweep owns its run folders: anything else there is an older attempt
        Trainer trainer(experiment, data);
        result = trainer.run(opt);
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        o.error = e.what();
        return o;
    }
    if (result.stopped) {
        o.error = "stopped";
        return o;
    }
    for (const auto& m : result.history) {
        o.test_accuracy.push_back(m.test_accuracy);
        if (o.best_epoch == 0 || m.test_accuracy > o.best) {
            o.best = m.test_accuracy;
            o.best_epoch = m.epoch;
        }
    }
    o.final = o.test_accuracy.empty() ? 0.0 : o.test_accuracy.back();
    o.weights_fnv1a = weightsChecksum((fs::path(dir) / "results.h5").string());
    const json doc{{"run", run.name},
                   {"index", run.index},
                   {"values", run.values},
                   {"experiment", runIdentity(experiment)},
                   {"outcome", outcomeJson(o)}};
    writeTextAtomically(fs::path(dir) / "run.json", doc.dump(2) + "\n");
    return o;
}

std::optional<RunOutcome> completedRun(const std::string& dir, const Experiment& experiment)
{
    const fs::path file = fs::path(dir) / "run.json";
    std::error_code ec;
    if (!fs::exists(file, ec) || !fs::exists(fs::path(dir) / "results.h5", ec))
        return std::nullopt;
    try {
        const json doc = json::parse(readText(file.string()));
        if (doc.at("experiment") != runIdentity(experiment))
            return std::nullopt;
        return outcomeFromJson(doc.at("outcome"));
    } catch (const std::exception&) {
        return std::nullopt;  // unreadable or foreign: train it again
    }
}

std::pair<double, double> meanStd(const std::vector<double>& v)
{
    if (v.empty())
        return {0.0, 0.0};
    double sum = 0;
    for (double x : v)
        sum += x;
    const double mean = sum / double(v.size());
    double sq = 0;
    for (double x : v)
        sq += (x - mean) * (x - mean);
    return {mean, std::sqrt(sq / double(v.size()))};
}

std::pair<double, double> topKMeanStd(std::vector<double> values, int k)
{
    std::sort(values.begin(), values.end(), std::greater<>());
    values.resize(std::min(values.size(), std::size_t(std::max(0, k))));
    return meanStd(values);
}

std::vector<GroupStats> summarize(const SweepSpec& spec, const std::vector<std::optional<RunOutcome>>& outcomes)
{
    std::vector<GroupStats> groups;
    std::vector<std::vector<double>> best, final;
    for (std::size_t i = 0; i < spec.runs.size(); ++i) {
        const SweepRun& run = spec.runs[i];
        auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupStats& g) { return g.group == run.group; });
        if (it == groups.end()) {
            GroupStats g;
            g.group = run.group;
            g.values = run.group.empty() ? json::object() : json::parse(run.group);
            groups.push_back(g);
            best.emplace_back();
            final.emplace_back();
            it = groups.end() - 1;
        }
        const std::size_t gi = std::size_t(it - groups.begin());
        if (i < outcomes.size() && outcomes[i] && outcomes[i]->error.empty()) {
            best[gi].push_back(100 * outcomes[i]->best);
            final[gi].push_back(100 * outcomes[i]->final);
        }
    }
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        GroupStats& g = groups[gi];
        g.runs = int(best[gi].size());
        g.top_k = std::min(5, g.runs);
        std::tie(g.top_mean_pct, g.top_std_pct) = topKMeanStd(best[gi], g.top_k);
        std::tie(g.best_mean_pct, g.best_std_pct) = meanStd(best[gi]);
        std::tie(g.final_mean_pct, g.final_std_pct) = meanStd(final[gi]);
    }
    return groups;
}

void writeSummary(const std::string& dir, const SweepSpec& spec, const std::vector<std::optional<RunOutcome>>& outcomes)
{
    const auto groups = summarize(spec, outcomes);
    std::ostringstream csv, md;
    csv.precision(10);
    csv << "group,runs,top_k,top_mean_pct,top_std_pct,best_mean_pct,best_std_pct,final_mean_pct,final_std_pct\n";
    json jgroups = json::array();
    for (const auto& g : groups) {
        std::string label = g.group.empty() ? "all" : g.group;
        std::string quoted = label;
        for (std::size_t p = 0; (p = quoted.find('"', p)) != std::string::npos; p += 2)
            quoted.insert(p, 1, '"');
        csv << '"' << quoted << "\"," << g.runs << ',' << g.top_k << ',' << g.top_mean_pct << ',' << g.top_std_pct << ','
            << g.best_mean_pct << ',' << g.best_std_pct << ',' << g.final_mean_pct << ',' << g.final_std_pct << '\n';
        jgroups.push_back({{"values", g.values},
                           {"runs", g.runs},
                           {"top_k", g.top_k},
                           {"top_mean_pct", g.top_mean_pct},
                           {"top_std_pct", g.top_std_pct},
                           {"best_mean_pct", g.best_mean_pct},
                           {"best_std_pct", g.best_std_pct},
                           {"final_mean_pct", g.final_mean_pct},
                           {"final_std_pct", g.final_std_pct}});
    }
    json jruns = json::array();
    int done = 0, failed = 0;
    for (std::size_t i = 0; i < spec.runs.size(); ++i) {
        json r{{"run", spec.runs[i].name}, {"values", spec.runs[i].values}};
        if (i < outcomes.size() && outcomes[i]) {
            r["outcome"] = outcomeJson(*outcomes[i]);
            (outcomes[i]->error.empty() ? done : failed)++;
        }
        jruns.push_back(r);
    }
    const json doc{{"sweep", spec.file},
                   {"experiment", spec.experiment_file},
                   {"runs_total", spec.runs.size()},
                   {"runs_done", done},
                   {"runs_failed", failed},
                   {"groups", jgroups},
                   {"runs", jruns}};

    char line[512];
    md << "# Sweep " << fs::path(spec.file).filename().string() << "\n\n"
       << "Base experiment `" << spec.experiment_file << "`, " << spec.runs.size() << " runs (" << done
       << " done, " << failed << " failed). Per run, best = highest test accuracy over the epochs, final = "
       << "last epoch; top-k = mean of the k = min(5, runs) highest bests, +- their population std "
       << "(tp-algorithm.md 7.1).\n\n"
       << "| group | runs | top-k best (%) | mean best (%) | mean final (%) |\n|---|---:|---:|---:|---:|\n";
    for (const auto& g : groups) {
        std::snprintf(line, sizeof line, "| %s | %d | %.2f +- %.2f (k=%d) | %.2f +- %.2f | %.2f +- %.2f |\n",
                      g.group.empty() ? "all" : g.group.c_str(), g.runs, g.top_mean_pct, g.top_std_pct, g.top_k,
                      g.best_mean_pct, g.best_std_pct, g.final_mean_pct, g.final_std_pct);
        md << line;
    }
    md << "\n| run | best (%) | best epoch | final (%) | weights FNV-1a |\n|---|---:|---:|---:|---|\n";
    for (std::size_t i = 0; i < spec.runs.size(); ++i) {
        if (i >= outcomes.size() || !outcomes[i]) {
            md << "| " << spec.runs[i].name << " | not run | | | |\n";
            continue;
        }
        const RunOutcome& o = *outcomes[i];
        if (!o.error.empty())
            md << "| " << spec.runs[i].name << " | failed: " << o.error << " | | | |\n";
        else {
            std::snprintf(line, sizeof line, "| %s | %.2f | %d | %.2f | `%s` |\n", spec.runs[i].name.c_str(),
                          100 * o.best, o.best_epoch, 100 * o.final, o.weights_fnv1a.c_str());
            md << line;
        }
    }
    // The same summary as a page in the report format (index.html of `report`): statistics per
    // group, every run, and best / final accuracy per run as a chart.
    report::Table groupTable{{"group", "runs", "top-k best (%)", "mean best (%)", "mean final (%)"}, {}, {false, true, true, true, true}};
    for (const auto& g : groups) {
        const auto pm = [&](double m, double sd) {
            std::snprintf(line, sizeof line, "%.2f \u00b1 %.2f", m, sd);
            return std::string(line);
        };
        groupTable.rows.push_back({g.group.empty() ? "all" : g.group, std::to_string(g.runs),
                                   pm(g.top_mean_pct, g.top_std_pct) + " (k=" + std::to_string(g.top_k) + ")",
                                   pm(g.best_mean_pct, g.best_std_pct), pm(g.final_mean_pct, g.final_std_pct)});
    }
    report::Table runTable{{"run", "best (%)", "best epoch", "final (%)", "weights FNV-1a"}, {}, {false, true, true, true, false}};
    report::LineChart chart{"Accuracy per run", "run", "test accuracy (%)", {{"best", {}, {}}, {"final", {}, {}, true}}, {}, {}, true};
    for (std::size_t i = 0; i < spec.runs.size(); ++i) {
        const bool ran = i < outcomes.size() && outcomes[i] && outcomes[i]->error.empty();
        if (!ran) {
            runTable.rows.push_back({spec.runs[i].name, i < outcomes.size() && outcomes[i] ? "failed: " + outcomes[i]->error : "not run", "", "", ""});
            continue;
        }
        const RunOutcome& o = *outcomes[i];
        std::snprintf(line, sizeof line, "%.2f", 100 * o.best);
        const std::string best = line;
        std::snprintf(line, sizeof line, "%.2f", 100 * o.final);
        runTable.rows.push_back({spec.runs[i].name, best, std::to_string(o.best_epoch), line, o.weights_fnv1a});
        chart.series[0].x.push_back(double(i + 1));
        chart.series[0].y.push_back(100 * o.best);
        chart.series[1].x.push_back(double(i + 1));
        chart.series[1].y.push_back(100 * o.final);
    }
    const std::string html = report::renderTablesHtml(
        "Sweep " + fs::path(spec.file).filename().string(),
        "Base experiment " + spec.experiment_file + ", " + std::to_string(spec.runs.size()) + " runs (" + std::to_string(done) +
            " done, " + std::to_string(failed) + " failed). Per run, best = highest test accuracy over the epochs, final = last "
            "epoch; top-k = mean of the k = min(5, runs) highest bests, \u00b1 their population std (tp-algorithm.md 7.1).",
        {chart}, {{"Groups", groupTable}, {"Runs", runTable}});

    std::error_code ec;
    fs::create_directories(dir, ec);
    writeTextAtomically(fs::path(dir) / "summary.html", html);
    writeTextAtomically(fs::path(dir) / "summary.csv", csv.str());
    writeTextAtomically(fs::path(dir) / "summary.json", doc.dump(2) + "\n");
    writeTextAtomically(fs::path(dir) / "summary.md", md.str());
}

} // namespace tp
