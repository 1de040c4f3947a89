#include "report/report.h"

#include <cstdio>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/errors.h"
#include "io/atomic_file.h"
#include "io/h5.h"
#include "report/report_data.h"
#include "rules/registry.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// A file of the report's temporary folder: on failure the previous report stays in place.
void writeFile(const fs::path& path, const std::string& bytes)
{
    writeFileAtomically(path.string(), bytes, "the previous report is kept");
}

/// results.h5 of the report: the run's file plus what it lacks (nothing the run wrote is changed),
/// completed in memory and written to `path`.
void completeResults(const report::ReportData& d, const fs::path& path)
{
    std::lock_guard lock(h5::libraryMutex());
    h5::File f = h5::File::openInMemory(d.results_path);
    if (!f.exists("confusion_matrix") && d.confusion.classes > 0) {
        const auto C = std::size_t(d.confusion.classes);
        f.write("confusion_matrix", {C, C}, d.confusion.counts.data());
        if (!f.exists("confusion_matrix_axes"))
            f.writeString("confusion_matrix_axes", "rows: true class, columns: predicted class; test split, final "
                                               "weights (computed by the report)");
    }
    auto attr = [&f](const std::string& name, const auto& value) {
        if (!f.hasAttribute(name))
            f.writeAttr(name, value);
    };
    if (!f.hasAttribute("machine_cpu"))
        attr("machine_source", std::string("the report's machine (the run recorded none)"));
    attr("machine_cpu", d.machine.cpu);
    attr("machine_cores", std::int64_t(d.machine.cores));
    attr("machine_os", d.machine.os);
    attr("compiler", d.machine.compiler);
    attr("kernels", d.machine.kernels);
    attr("library_versions", d.machine.libraries);
    const auto& run = d.experiment.value("run", nlohmann::json::object());
    const auto& data = d.experiment.value("dataset", nlohmann::json::object());
    if (!f.exists("seeds/run") && run.contains("seed") && run["seed"].is_number_integer()) {
        const auto seed = run["seed"].get<std::int64_t>();
        f.write("seeds/run", {1}, &seed);
    }
    if (!f.exists("seeds/dataset") && data.contains("seed") && data["seed"].is_number_integer()) {
        const auto seed = data["seed"].get<std::int64_t>();
        f.write("seeds/dataset", {1}, &seed);
    }
    attr("best_test_accuracy", d.best_test_accuracy);
    attr("best_epoch", std::int64_t(d.best_epoch));
    attr("final_test_accuracy", d.final_test_accuracy);
    h5::commitImage(f, path.string(), "the previous report is kept");
}

/// Put the finished folder `tmp` at `out`: an atomic exchange where the file system has one
/// (Linux renameat2), else rename the old report aside first. The old report is removed after.
void commitFolder(const fs::path& tmp, const fs::path& out)
{
    std::error_code ec;
    if (!fs::exists(out, ec)) {
        fs::rename(tmp, out);
        return;
    }
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) == 0) {
        fs::remove_all(tmp, ec);  // now holds the old report
        return;
    }
#endif
    const fs::path old = out.string() + ".old-" + std::to_string(getpid());
    fs::rename(out, old);
    fs::rename(tmp, out);
    fs::remove_all(old, ec);
}

/// absolute, normal, no trailing separator
fs::path cleanPath(const std::string& p)
{
    fs::path n = fs::absolute(p).lexically_normal();
    return n.has_filename() ? n : n.parent_path();
}

/// `outDir` made absolute after checking that a report may (re)place it without touching the
/// runs (ConfigError otherwise).
fs::path checkReportFolder(const std::string& outDir, const std::vector<std::string>& runDirs)
{
    const fs::path out = cleanPath(outDir);
    std::error_code ec;
    for (const auto& runDir : runDirs) {
        const fs::path run = cleanPath(runDir);
        const auto relative = run.lexically_relative(out);
        if (out == run || (!relative.empty() && *relative.begin() != ".."))
            throw ConfigError("the report folder " + out.string() + " would replace the run folder " + run.string() +
                              "; choose another --out");
    }
    if (fs::exists(out, ec) && !fs::is_empty(out, ec) && !fs::exists(out / "index.html", ec))
        throw ConfigError("the report folder " + out.string() + " exists and is not a report (no index.html); "
                          "choose another --out");
    return out;
}

/// Builds the report in a temporary folder beside `out` with `fill(folder)`, then swaps it into
/// place: a failure never leaves a half-written report where an old one was.
template <class Fill>
std::string buildReportFolder(const fs::path& out, Fill&& fill)
{
    std::error_code ec;
    const fs::path tmp = out.parent_path() / ("." + out.filename().string() + ".tmp-" + std::to_string(getpid()));
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec)
        throw IoError("cannot create " + tmp.string() + ": " + ec.message());
    try {
        fill(tmp);
        commitFolder(tmp, out);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(tmp, ec);
        throw IoError(std::string("cannot write the report: ") + e.what());
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    return out.string();
}

/// comparison.h5: per run a group (its label) of per-epoch arrays and measured memory parts.
void writeComparisonH5(const report::ComparisonData& c, const fs::path& path)
{
    h5::writeAtomically(
        path.string(),
        [&c](h5::File& f) {
            const report::ReportData& first = c.runs.front();
            f.writeAttr("experiment", first.name());
            const auto& run = first.experiment.value("run", nlohmann::json::object());
            f.writeAttr("seed", run.value("seed", std::int64_t(0)));
            const auto& data = first.experiment.value("dataset", nlohmann::json::object());
            f.writeAttr("dataset", data.dump());
            std::string labels;
            for (const auto& l : c.labels)
                labels += (labels.empty() ? "" : ",") + l;
            f.writeAttr("runs", labels);
            for (std::size_t r = 0; r < c.runs.size(); ++r) {
                const report::ReportData& d = c.runs[r];
                const std::string g = c.labels[r] + "/";
                const std::size_t E = d.history.size(), L = E ? d.history.front().layer_loss.size() : 0;
                auto column = [&](auto get) {
                    std::vector<double> v;
                    for (const auto& m : d.history)
                        v.push_back(get(m));
                    return v;
                };
                auto put = [&](const std::string& name, const std::vector<double>& v) { f.write(g + name, {v.size()}, v.data()); };
                std::vector<std::int64_t> epochs;
                std::vector<double> loss(E * L), rate(E * L);
                for (std::size_t e = 0; e < E; ++e) {
                    epochs.push_back(d.history[e].epoch);
                    for (std::size_t l = 0; l < L && l < d.history[e].layer_loss.size(); ++l)
                        loss[e * L + l] = d.history[e].layer_loss[l], rate[e * L + l] = d.history[e].firing_rate.at(l);
                }
                f.write(g + "epoch", {E}, epochs.data());
                put("train_accuracy", column([](auto& m) { return m.train_accuracy; }));
                put("test_accuracy", column([](auto& m) { return m.test_accuracy; }));
                put("readout_loss", column([](auto& m) { return m.readout_loss; }));
                put("samples_per_second", column([](auto& m) { return m.samples_per_second; }));
                put("train_seconds", column([](auto& m) { return m.train_seconds; }));
                put("test_seconds", column([](auto& m) { return m.test_seconds; }));
                const LearningRule* rule = findRule(d.experiment.value("rule", nlohmann::json::object()).value("name", std::string()));
                if (!rule || rule->layer_losses)  // rules without local losses have no such array
                    f.write(g + "layer_loss", {E, L}, loss.data());
                f.write(g + "firing_rate", {E, L}, rate.data());
                f.writeString(g + "rule", d.experiment.value("rule", nlohmann::json::object()).dump());
                f.writeString(g + "run_dir", d.run_dir);
                f.writeString(g + "run_id", d.run_id);
                std::string parts;
                for (const auto& m : d.memory)
                    parts += (parts.empty() ? "" : "\n") + m.part;
                f.writeString(g + "memory/parts", parts);
                for (const auto& [name, part] :
                     {std::pair{"weights_bytes", &MemoryRow::weights_bytes}, {"optimizer_bytes", &MemoryRow::optimizer_bytes},
                      {"rule_state_bytes", &MemoryRow::rule_state_bytes}, {"trace_bytes", &MemoryRow::trace_bytes},
                      {"buffer_bytes", &MemoryRow::buffer_bytes}}) {
                    std::vector<std::int64_t> v;
                    for (const auto& m : d.memory)
                        v.push_back(std::int64_t(m.*part));
                    f.write(g + "memory/" + name, {v.size()}, v.data());
                }
            }
        },
        "the previous report is kept");
}

} // namespace

std::string defaultReportDir(const std::string& runDir) { return (fs::path(runDir) / "report").string(); }

std::string writeReport(const std::string& runDir, const std::string& outDir, const ReportOptions& options)
{
    const fs::path out = checkReportFolder(outDir.empty() ? defaultReportDir(runDir) : outDir, {runDir});
    const report::ReportData data = report::loadReportData(runDir, options);
    return buildReportFolder(out, [&data](const fs::path& tmp) {
        writeFile(tmp / "index.html", report::renderHtml(data));
        writeFile(tmp / "report.pdf", report::renderPdf(data));
        writeFile(tmp / "metrics.csv", data.metrics_csv);  // the run's files as checked, byte for byte
        writeFile(tmp / "metrics.json", data.metrics_json);
        completeResults(data, tmp / "results.h5");
    });
}

std::string defaultComparisonDir(const std::vector<std::string>& runDirs)
{
    return runDirs.empty() ? std::string("report") : (cleanPath(runDirs.front()).parent_path() / "report").string();
}

std::string writeComparisonReport(const std::vector<std::string>& runDirs, const std::string& outDir)
{
    const fs::path out = checkReportFolder(outDir.empty() ? defaultComparisonDir(runDirs) : outDir, runDirs);
    const report::ComparisonData data = report::loadComparisonData(runDirs);
    return buildReportFolder(out, [&data](const fs::path& tmp) {
        writeFile(tmp / "index.html", report::renderComparisonHtml(data));
        writeFile(tmp / "report.pdf", report::renderComparisonPdf(data));
        writeFile(tmp / "comparison.csv", report::comparisonCsv(data));
        writeComparisonH5(data, tmp / "comparison.h5");
    });
}

} // namespace tp
