#include "train/run_files.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <filesystem>
#include <sstream>

#include "core/errors.h"
#include "core/file_read.h"
#include "io/atomic_file.h"
#include "io/h5.h"
#include "io/machine_info.h"
#include "train/trainer.h"

namespace tp {

namespace fs = std::filesystem;
constexpr std::size_t kMemoryColumns = 6;
constexpr std::int64_t kMaxEpochs = 100'000;  // run.epochs' upper bound (config/experiment.cpp)

std::string RunFiles::checkpointPath(const std::string& dir)
{
    return (fs::path(dir) / "checkpoint.h5").string();
}

namespace {

/// Epochs in DIR/metrics.csv (data lines after the header); 0 when there is none or it is unreadable.
std::size_t epochsInMetricsCsv(const std::string& dir)
{
    const std::string csv = (fs::path(dir) / "metrics.csv").string();
    std::error_code ec;
    if (!fs::is_regular_file(csv, ec))
        return 0;
    std::string text;
    try {
        text = readFileText(csv, "metrics CSV", std::size_t(64) << 20);
    } catch (const InputError&) {
        return 0;
    }
    std::size_t lines = 0;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        if (text.find_first_not_of(" \t\r", begin) < end)
            ++lines;
        begin = end + 1;
    }
    return lines > 0 ? lines - 1 : 0;
}

/// Why --resume finds no checkpoint, true to what the folder holds. checkpoint.h5 is written
/// before metrics.csv (older builds wrote it after), so metrics.csv epochs without a checkpoint
/// mean it was removed, or an older build was stopped while writing its first checkpoint.
std::string noCheckpointMessage(const std::string& dir)
{
    const std::string path = RunFiles::checkpointPath(dir);
    const std::size_t epochs = epochsInMetricsCsv(dir);
    std::error_code ec;
    const bool partial = fs::exists(path + ".tmp", ec);
    if (epochs == 0)
        return "cannot resume: " + path + " does not exist (no epoch of this run finished" +
               (partial ? "; " + path + ".tmp is an unfinished write" : std::string()) + ")";
    return "cannot resume: no checkpoint in " + dir + ": metrics.csv records " + std::to_string(epochs) +
           (epochs == 1 ? " epoch" : " epochs") + ", but " + path + " does not exist (" +
           (partial ? "the run was stopped while writing it: only " + path + ".tmp, unfinished, is there"
                    : "the run was stopped before it was complete, or it was removed") +
           "); start the run again in an empty folder";
}

} // namespace

const std::vector<std::string>& RunFiles::runFileNames()
{
    static const std::vector<std::string> names{"checkpoint.h5", "metrics.csv", "metrics.json", "results.h5"};
    return names;
}

void RunFiles::checkFolder(const std::string& dir, bool resume, bool overwrite)
{
    if (resume && overwrite)
        throw ConfigError("--resume continues the run in --out and --overwrite replaces it: choose one");
    if (resume && dir.empty())
        throw ConfigError("--resume needs --out DIR (the folder of the interrupted run)");
    if (resume && !fs::exists(checkpointPath(dir)))
        throw IoError(noCheckpointMessage(dir));
    if (resume || overwrite || dir.empty())
        return;
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return;
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        found.push_back(entry.path().filename().string());
    if (found.empty())
        return;
    std::sort(found.begin(), found.end());
    std::string list;
    for (std::size_t i = 0; i < found.size() && i < 4; ++i)
        list += (i ? ", " : "") + found[i];
    if (found.size() > 4)
        list += ", ... (" + std::to_string(found.size()) + " entries)";
    throw ConfigError("the output folder " + dir + " is not empty (" + list + "): a new run there would mix its "
                      "files with what is there. Add --resume to continue the run in it, --overwrite to replace "
                      "it, or choose another --out");
}

std::string RunFiles::newRunId()
{
    std::random_device device;
    const auto now = std::uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
    std::uint64_t id = (std::uint64_t(device()) << 32) ^ std::uint64_t(device()) ^ (now * 0x9e3779b97f4a7c15ull);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
    return hex;
}

RunFiles::RunFiles(std::string dir, const Experiment& experiment, bool resume, bool overwrite)
    : m_dir(std::move(dir)), m_config(toJson(experiment)), m_runId(newRunId())
{
    checkFolder(m_dir, resume, overwrite);
    if (m_dir.empty())
        return;
    std::error_code ec;
    if (overwrite)
        for (const auto& name : runFileNames())
            for (const std::string& file : {name, name + ".tmp"})
                if (fs::remove(fs::path(m_dir) / file, ec); ec)
                    throw IoError("cannot remove " + (fs::path(m_dir) / file).string() + " (--overwrite): " +
                                  ec.message());
    fs::create_directories(m_dir, ec);
    if (ec || !fs::is_directory(m_dir))
        throw IoError("cannot create the output folder " + m_dir + (ec ? ": " + ec.message() : ""));
}

nlohmann::json resumeIdentity(const nlohmann::json& config)
{
    nlohmann::json id = config;
    if (id.contains("run")) {
        id["run"].erase("threads");
        id["run"].erase("epochs");
    }
    return id;
}

nlohmann::json RunFiles::epochJson(const EpochMetrics& m)
{
    nlohmann::json j{{"epoch", m.epoch},
                     {"lr", m.lr},
                     {"train_accuracy", m.train_accuracy},
                     {"test_accuracy", m.test_accuracy},
                     {"loss", m.layer_loss},
                     {"readout_loss", m.readout_loss},
                     {"firing_rate", m.firing_rate},
                     {"samples_per_second", m.samples_per_second},
                     {"train_seconds", m.train_seconds},
                     {"test_seconds", m.test_seconds}};
    for (const auto& c : m.lr_changes)  // only runs whose rate was changed by hand have the key
        j["lr_changes"].push_back({{"batch", c.batch}, {"lr", c.lr}});
    return j;
}

static nlohmann::json memoryJson(const std::vector<MemoryRow>& memory)
{
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : memory)
        rows.push_back({{"part", r.part},
                        {"weights_bytes", r.weights_bytes},
                        {"optimizer_bytes", r.optimizer_bytes},
                        {"rule_state_bytes", r.rule_state_bytes},
                        {"trace_bytes", r.trace_bytes},
                        {"buffer_bytes", r.buffer_bytes},
                        {"total_bytes", r.total()},
                        {"model_bytes", r.model_bytes}});
    return rows;
}

std::string RunFiles::keptCheckpoint() const
{
    return m_checkpointEpochs > 0
               ? "the last good checkpoint (epoch " + std::to_string(m_checkpointEpochs) + ") is kept"
               : "no checkpoint of this run was written yet";
}

void RunFiles::writeText(const std::string& name, const std::string& text) const
{
    const std::string path = (fs::path(m_dir) / name).string();
    writeFileAtomically(path, text, keptPrevious(path) + "; " + keptCheckpoint());
}

void RunFiles::writeH5(const std::string& name, const Model& model, bool withOptimizer,
                       const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const
{
    const std::string path = (fs::path(m_dir) / name).string();
    const std::string kept = withOptimizer ? keptCheckpoint()
                                           : keptCheckpoint() + " (train --resume with the same --out writes " + name + ")";
    h5::writeAtomically(path, [&](h5::File& f) {
        f.writeAttr("format", std::string(withOptimizer ? "traceprop-checkpoint" : "traceprop-results"));
        f.writeAttr("format_version", std::int64_t(1));
        f.writeAttr("traceprop_version", std::string(TP_VERSION));
        f.writeAttr("precision", std::string(model.precision() == Precision::Float64 ? "float64" : "float32"));
        f.writeAttr("epochs_done", std::int64_t(history.size()));
        f.writeAttr("run_id", m_runId);
        f.writeString("config", m_config.dump(2));
        const std::size_t E = history.size();
        const std::size_t L = history.empty() ? 0 : history.front().layer_loss.size();
        auto column = [&](const std::string& key, auto get) {
            std::vector<double> v;
            for (const auto& m : history)
                v.push_back(get(m));
            f.write("metrics/" + key, {E}, v.data());
        };
        column("epoch", [](const EpochMetrics& m) { return double(m.epoch); });
        column("lr", [](const EpochMetrics& m) { return m.lr; });
        column("train_accuracy", [](const EpochMetrics& m) { return m.train_accuracy; });
        column("test_accuracy", [](const EpochMetrics& m) { return m.test_accuracy; });
        column("readout_loss", [](const EpochMetrics& m) { return m.readout_loss; });
        column("samples_per_second", [](const EpochMetrics& m) { return m.samples_per_second; });
        column("train_seconds", [](const EpochMetrics& m) { return m.train_seconds; });
        column("test_seconds", [](const EpochMetrics& m) { return m.test_seconds; });
        std::vector<double> loss, rate;
        for (const auto& m : history) {
            loss.insert(loss.end(), m.layer_loss.begin(), m.layer_loss.end());
            rate.insert(rate.end(), m.firing_rate.begin(), m.firing_rate.end());
        }
        f.write("metrics/loss", {E, L}, loss.data());
        f.write("metrics/firing_rate", {E, L}, rate.data());
        std::vector<std::int64_t> bytes;
        for (const auto& r : memory)
            for (auto b : {r.weights_bytes, r.optimizer_bytes, r.rule_state_bytes, r.trace_bytes, r.buffer_bytes,
                           r.model_bytes})
                bytes.push_back(std::int64_t(b));
        f.write("memory/bytes", {memory.size(), kMemoryColumns}, bytes.data());
        f.writeString("memory/columns",
                      "weights_bytes,optimizer_bytes,rule_state_bytes,trace_bytes,buffer_bytes,model_bytes");
        std::string parts;
        for (const auto& r : memory)
            parts += (parts.empty() ? "" : ",") + r.part;
        f.writeString("memory/parts", parts);
        if (!withOptimizer && !m_memoryTable.empty()) {
            std::vector<std::int64_t> table;
            std::string rules;
            for (const auto& r : m_memoryTable) {
                for (std::int64_t v : {std::int64_t(r.steps), std::int64_t(r.classes), std::int64_t(r.batch),
                                       std::int64_t(r.model_bytes), std::int64_t(r.paper_bytes),
                                       r.measured_bytes ? std::int64_t(*r.measured_bytes) : std::int64_t(-1)})
                    table.push_back(v);
                rules += (rules.empty() ? "" : ",") + r.rule;
            }
            f.write("memory_model/bytes", {m_memoryTable.size(), 6}, table.data());
            f.writeString("memory_model/columns", "steps,classes,batch,model_bytes,paper_bytes,measured_bytes");
            f.writeString("memory_model/rules", rules);
            f.writeString("memory_model/measured_parts",
                          "sum of MemoryRow::trace_bytes + weights_bytes of 'target projection S' (TP: input and "
                          "target traces, label trace, S; BPTT: u and s history) of the run's own rule, read on its first "
                          "full batch; -1 = a rule this run does not train (model only); bytes in the run's "
                          "precision");
        }
        if (!withOptimizer) {
            const MachineInfo machine = currentMachine();
            f.writeAttr("machine_cpu", machine.cpu);
            f.writeAttr("machine_cores", std::int64_t(machine.cores));
            f.writeAttr("machine_os", machine.os);
            f.writeAttr("compiler", machine.compiler);
            f.writeAttr("kernels", machine.kernels);
            f.writeAttr("library_versions", machine.libraries);
            if (m_classes > 0) {
                const auto C = std::size_t(m_classes);
                f.write("confusion_matrix", {C, C}, m_confusion.data());
                f.writeString("confusion_matrix_axes",
                              "rows: true class, columns: predicted class; test split, final weights");
            }
        }
        model.save(f, withOptimizer);
    }, kept);
}

void RunFiles::saveEpoch(const Model& model, const std::vector<EpochMetrics>& history,
                         const std::vector<MemoryRow>& memory)
{
    if (m_dir.empty())
        return;
    // The checkpoint first: when the disk fills up, the files that a resume rebuilds from it
    // are the ones left behind.
    writeH5("checkpoint.h5", model, true, history, memory);
    m_checkpointEpochs = int(history.size());
    saveMetrics(history, memory);
}

void RunFiles::saveMetrics(const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const
{
    if (m_dir.empty())
        return;
    std::ostringstream csv;
    const std::size_t L = history.empty() ? 0 : history.front().layer_loss.size();
    csv << "epoch,lr,train_accuracy,test_accuracy,readout_loss";
    for (std::size_t l = 0; l < L; ++l)
        csv << ",loss_layer" << l + 1;
    for (std::size_t l = 0; l < L; ++l)
        csv << ",firing_rate_layer" << l + 1;
    // The run id as a last column: pandas.read_csv and our readers take the file as it is (a
    // comment line would need comment='#'), and a row copied elsewhere still says its run.
    csv << ",samples_per_second,train_seconds,test_seconds,run_id\n";
    csv.precision(9);
    nlohmann::json epochs = nlohmann::json::array();
    double best = 0;
    for (const auto& m : history) {
        csv << m.epoch << ',' << m.lr << ',' << m.train_accuracy << ',' << m.test_accuracy << ',' << m.readout_loss;
        for (auto v : m.layer_loss)
            csv << ',' << v;
        for (auto v : m.firing_rate)
            csv << ',' << v;
        csv << ',' << m.samples_per_second << ',' << m.train_seconds << ',' << m.test_seconds << ',' << m_runId
            << '\n';
        epochs.push_back(epochJson(m));
        best = std::max(best, m.test_accuracy);
    }
    writeText("metrics.csv", csv.str());
    const nlohmann::json doc{{"run_id", m_runId},
                             {"experiment", m_config},
                             {"epochs", epochs},
                             {"best_test_accuracy", best},
                             {"memory", memoryJson(memory)}};
    writeText("metrics.json", doc.dump(2) + "\n");
}

void RunFiles::saveResults(const Model& model, const std::vector<EpochMetrics>& history,
                           const std::vector<MemoryRow>& memory) const
{
    if (!m_dir.empty())
        writeH5("results.h5", model, false, history, memory);
}

std::vector<EpochMetrics> RunFiles::loadCheckpoint(Model& model, std::vector<MemoryRow>& memory)
{
    const std::string path = checkpointPath(m_dir);
    const h5::File f = h5::File::openRead(path);
    checkRunFileVersion(f);
    nlohmann::json saved;
    try {
        saved = nlohmann::json::parse(f.readString("config"));
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path, "dataset /config", std::string("not valid JSON: ") + e.what());
    }
    if (resumeIdentity(saved) != resumeIdentity(m_config))
        throw ConfigError("cannot resume: " + path + " was written by a different experiment "
                          "(only run.epochs and run.threads may change between a run and its resume)");
    const std::string precision = model.precision() == Precision::Float64 ? "float64" : "float32";
    if (f.attrString("precision") != precision)
        throw ConfigError("cannot resume: checkpoint precision differs from run.precision");
    std::vector<EpochMetrics> history = readHistory(f, model.config().layers.size());
    model.load(f, true);
    memory = readMemory(f);
    if (f.hasAttribute("run_id"))  // checkpoints written before run ids: the resume starts one
        m_runId = f.attrString("run_id");
    m_checkpointEpochs = int(history.size());
    return history;
}

void checkRunFileVersion(const h5::File& f)
{
    const std::int64_t version = f.attrInt("format_version");
    if (version != kRunFileFormatVersion)
        throw FormatError(f.path(), "attribute format_version",
                          "format_version " + std::to_string(version) + "; this build reads version " +
                              std::to_string(kRunFileFormatVersion) +
                              (version > kRunFileFormatVersion ? " (written by a newer TraceProp?)" : ""));
}

std::vector<EpochMetrics> readHistory(const h5::File& f, std::size_t layers)
{
    const std::string& path = f.path();
    checkRunFileVersion(f);
    const std::int64_t done = f.attrInt("epochs_done");
    if (done < 0 || done > kMaxEpochs)
        throw FormatError(path, "attribute epochs_done",
                          "the file is corrupt: epochs_done " + std::to_string(done) + " out of range [0, " +
                              std::to_string(kMaxEpochs) + "]");
    const auto E = std::size_t(done);
    auto col = [&](const std::string& key) {
        auto a = f.readDoubles("metrics/" + key);
        if (a.size() != E)
            throw FormatError(path, "dataset /metrics/" + key, "expected " + std::to_string(E) + " values");
        return a.data;
    };
    const auto epoch = col("epoch"), lr = col("lr"), tr = col("train_accuracy"), te = col("test_accuracy"),
               ro = col("readout_loss"), sps = col("samples_per_second"), ts = col("train_seconds"),
               vs = col("test_seconds");
    const auto loss = f.readDoubles("metrics/loss"), rate = f.readDoubles("metrics/firing_rate");
    const std::size_t L = layers ? layers : (loss.dims.size() == 2 ? loss.dims[1] : 0);
    if (loss.size() != E * L || rate.size() != E * L)
        throw FormatError(path, "dataset /metrics/loss", "shape does not match the network");
    std::vector<EpochMetrics> history(E);
    for (std::size_t e = 0; e < E; ++e) {
        auto& m = history[e];
        if (!(epoch[e] >= 1 && epoch[e] <= double(kMaxEpochs)) || std::floor(epoch[e]) != epoch[e])
            throw FormatError(path, "dataset /metrics/epoch",
                              "the file is corrupt: epoch number " + std::to_string(epoch[e]) + " out of range [1, " +
                                  std::to_string(kMaxEpochs) + "]");
        m.epoch = int(epoch[e]);
        m.lr = lr[e];
        m.train_accuracy = tr[e];
        m.test_accuracy = te[e];
        m.readout_loss = ro[e];
        m.samples_per_second = sps[e];
        m.train_seconds = ts[e];
        m.test_seconds = vs[e];
        m.layer_loss.assign(loss.data.begin() + long(e * L), loss.data.begin() + long((e + 1) * L));
        m.firing_rate.assign(rate.data.begin() + long(e * L), rate.data.begin() + long((e + 1) * L));
    }
    return history;
}

static std::vector<std::string> splitCommas(const std::string& names)
{
    std::vector<std::string> parts;
    for (std::size_t pos = 0; !names.empty();) {
        const std::size_t comma = names.find(',', pos);
        parts.push_back(names.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return parts;
}

std::vector<MemoryRow> readMemory(const h5::File& f)
{
    const auto bytes = f.readInts("memory/bytes");
    const std::vector<std::string> parts = splitCommas(f.readString("memory/parts"));
    constexpr std::size_t C = kMemoryColumns;
    if (bytes.size() != parts.size() * C)
        throw FormatError(f.path(), "dataset /memory/bytes", "expected 6 columns per part of /memory/parts");
    std::vector<MemoryRow> memory;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto* v = bytes.data.data() + i * C;
        for (std::size_t c = 0; c < C; ++c)
            if (v[c] < 0)
                throw FormatError(f.path(), "dataset /memory/bytes",
                                  "the file is corrupt: negative byte count " + std::to_string(v[c]));
        memory.push_back({parts[i], std::size_t(v[0]), std::size_t(v[1]), std::size_t(v[2]), std::size_t(v[3]),
                          std::size_t(v[4]), std::size_t(v[5])});
    }
    return memory;
}

std::vector<MemoryTableRow> readMemoryTable(const h5::File& f)
{
    if (!f.exists("memory_model/bytes"))
        return {};
    const auto bytes = f.readInts("memory_model/bytes");
    const std::vector<std::string> rules = splitCommas(f.readString("memory_model/rules"));
    if (bytes.size() != rules.size() * 6)
        throw FormatError(f.path(), "dataset /memory_model/bytes", "expected 6 columns per rule of /memory_model/rules");
    std::vector<MemoryTableRow> rows;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto* v = bytes.data.data() + i * 6;
        MemoryTableRow r{rules[i], int(v[0]), int(v[1]), int(v[2]), std::size_t(v[3]), std::size_t(v[4]), {}, 0, {}, {}};
        if (v[5] >= 0)
            r.measured_bytes = std::size_t(v[5]);
        rows.push_back(r);
    }
    return rows;
}

std::string runWeightsFile(const std::string& path)
{
    std::error_code ec;
    if (!fs::is_directory(path, ec))
        return path;
    for (const char* name : {"results.h5", "checkpoint.h5"})
        if (fs::exists(fs::path(path) / name, ec))
            return (fs::path(path) / name).string();
    throw IoError(path + ": a run folder without results.h5 or checkpoint.h5 (no trained weights yet)");
}

} // namespace tp
