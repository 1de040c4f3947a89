#include "report/report.h"

#include <cstdio>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/errors.h"
#include "io/atomic_file.h"
#include "io/h5.h"
#include "report/report_data.h"

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

} // namespace

std::string defaultReportDir(const std::string& runDir) { return (fs::path(runDir) / "report").string(); }

std::string writeReport(const std::string& runDir, const std::string& outDir, const ReportOptions& options)
{
    const auto clean = [](const std::string& p) {  // absolute, normal, no trailing separator
        fs::path n = fs::absolute(p).lexically_normal();
        return n.has_filename() ? n : n.parent_path();
    };
    const fs::path out = clean(outDir.empty() ? defaultReportDir(runDir) : outDir), run = clean(runDir);
    std::error_code ec;
    const auto relative = run.lexically_relative(out);
    if (out == run || (!relative.empty() && *relative.begin() != ".."))
        throw ConfigError("the report folder " + out.string() + " would replace the run folder " + run.string() +
                          "; choose another --out");
    if (fs::exists(out, ec) && !fs::is_empty(out, ec) && !fs::exists(out / "index.html", ec))
        throw ConfigError("the report folder " + out.string() + " exists and is not a report (no index.html); "
                          "choose another --out");
    const report::ReportData data = report::loadReportData(runDir, options);

    const fs::path tmp = out.parent_path() / ("." + out.filename().string() + ".tmp-" + std::to_string(getpid()));
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec)
        throw IoError("cannot create " + tmp.string() + ": " + ec.message());
    try {
        writeFile(tmp / "index.html", report::renderHtml(data));
        writeFile(tmp / "report.pdf", report::renderPdf(data));
        writeFile(tmp / "metrics.csv", data.metrics_csv);  // the run's files as checked, byte for byte
        writeFile(tmp / "metrics.json", data.metrics_json);
        completeResults(data, tmp / "results.h5");
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

} // namespace tp
