#include "train/run_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "io/h5.h"
#include "report/machine_info.h"
#include "train/trainer.h"

namespace tp {

namespace fs = std::filesystem;
constexpr std::size_t kMemoryColumns = 6;

std::string RunFiles::checkpointPath(const std::string& dir)
{
    return (fs::path(dir) / "checkpoint.h5").string();
}

RunFiles::RunFiles(std::string dir, const Experiment& experiment, bool resume)
    : m_dir(std::move(dir)), m_config(toJson(experiment))
{
    if (resume && m_dir.empty())
        throw ConfigError("--resume needs --out DIR (the folder of the interrupted run)");
    if (resume && !fs::exists(checkpointPath(m_dir)))
        throw IoError("cannot resume: " + checkpointPath(m_dir) + " does not exist (no epoch of this run finished)");
    if (m_dir.empty())
        return;
    std::error_code ec;
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

void RunFiles::writeText(const std::string& name, const std::string& text) const
{
    const fs::path path = fs::path(m_dir) / name;
    const std::string tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out)
            throw IoError("cannot write " + tmp);
    }
    h5::commitAtomic(tmp, path.string());
}

void RunFiles::writeH5(const std::string& name, const Model& model, bool withOptimizer,
                       const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const
{
    h5::writeAtomically((fs::path(m_dir) / name).string(), [&](h5::File& f) {
        f.writeAttr("format", std::string(withOptimizer ? "traceprop-checkpoint" : "traceprop-results"));
        f.writeAttr("format_version", std::int64_t(1));
        f.writeAttr("traceprop_version", std::string(TP_VERSION));
        f.writeAttr("precision", std::string(model.precision() == Precision::Float64 ? "float64" : "float32"));
        f.writeAttr("epochs_done", std::int64_t(history.size()));
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
                          "target traces, label trace, S; BPTT: u and s history); -1 = not run by the engine; "
                          "float32, one synthetic batch of B rows with min(B, C) distinct classes");
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
    });
}

void RunFiles::saveEpoch(const Model& model, const std::vector<EpochMetrics>& history,
                         const std::vector<MemoryRow>& memory) const
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
    csv << ",samples_per_second,train_seconds,test_seconds\n";
    csv.precision(9);
    nlohmann::json epochs = nlohmann::json::array();
    double best = 0;
    for (const auto& m : history) {
        csv << m.epoch << ',' << m.lr << ',' << m.train_accuracy << ',' << m.test_accuracy << ',' << m.readout_loss;
        for (auto v : m.layer_loss)
            csv << ',' << v;
        for (auto v : m.firing_rate)
            csv << ',' << v;
        csv << ',' << m.samples_per_second << ',' << m.train_seconds << ',' << m.test_seconds << '\n';
        epochs.push_back(epochJson(m));
        best = std::max(best, m.test_accuracy);
    }
    writeText("metrics.csv", csv.str());
    const nlohmann::json doc{{"experiment", m_config},
                             {"epochs", epochs},
                             {"best_test_accuracy", best},
                             {"memory", memoryJson(memory)}};
    writeText("metrics.json", doc.dump(2) + "\n");
    writeH5("checkpoint.h5", model, true, history, memory);
}

void RunFiles::saveResults(const Model& model, const std::vector<EpochMetrics>& history,
                           const std::vector<MemoryRow>& memory) const
{
    if (!m_dir.empty())
        writeH5("results.h5", model, false, history, memory);
}

std::vector<EpochMetrics> RunFiles::loadCheckpoint(Model& model, std::vector<MemoryRow>& memory) const
{
    const std::string path = checkpointPath(m_dir);
    const h5::File f = h5::File::openRead(path);
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
    model.load(f, true);
    memory = readMemory(f);
    return readHistory(f, model.config().layers.size());
}

std::vector<EpochMetrics> readHistory(const h5::File& f, std::size_t layers)
{
    const std::string& path = f.path();
    const auto E = std::size_t(f.attrInt("epochs_done"));
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
        if (!(epoch[e] >= 0 && epoch[e] <= 1e9))  // also NaN; int(x) outside int's range is undefined
            throw FormatError(path, "dataset /metrics/epoch", "epoch " + std::to_string(epoch[e]) + " out of range");
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
        MemoryTableRow r{rules[i], int(v[0]), int(v[1]), int(v[2]), std::size_t(v[3]), std::size_t(v[4]), {}};
        if (v[5] >= 0)
            r.measured_bytes = std::size_t(v[5]);
        rows.push_back(r);
    }
    return rows;
}

} // namespace tp
