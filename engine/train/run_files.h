#pragma once
/// The files of a run folder: metrics.csv, metrics.json, checkpoint.h5 (every epoch) and
/// results.h5 (at the end). Every write goes to a temporary file renamed into place.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "train/memory_model.h"
#include "train/model.h"

namespace tp {

struct EpochMetrics;

namespace h5 {
class File;
}

class RunFiles {
public:
    /// `dir` empty: nothing is written. Creates the folder otherwise; with `resume` the folder
    /// must already hold a checkpoint (IoError otherwise, and nothing is created).
    RunFiles(std::string dir, const Experiment& experiment, bool resume = false);

    /// Restore weights, Adam state, history and the memory table measured by the original
    /// run from dir/checkpoint.h5. Throws IoError when there is none, ConfigError when it
    /// belongs to a different experiment.
    std::vector<EpochMetrics> loadCheckpoint(Model& model, std::vector<MemoryRow>& memory) const;

    /// Path of the checkpoint inside a run folder.
    static std::string checkpointPath(const std::string& dir);
    void saveEpoch(const Model& model, const std::vector<EpochMetrics>& history,
                   const std::vector<MemoryRow>& memory) const;
    void saveResults(const Model& model, const std::vector<EpochMetrics>& history,
                     const std::vector<MemoryRow>& memory) const;

    static nlohmann::json epochJson(const EpochMetrics& m);

    /// The analytic/measured memory table (memory_model.h) that saveResults writes to results.h5
    /// under /memory_model (rules, columns, bytes); empty: nothing is written.
    void setMemoryTable(std::vector<MemoryTableRow> rows) { m_memoryTable = std::move(rows); }
    /// The final weights' test-split confusion matrix (classes x classes, row = true label) that
    /// saveResults writes to results.h5 as /confusion_matrix; classes 0: nothing is written.
    void setConfusion(int classes, std::vector<std::int64_t> counts)
    {
        m_classes = classes;
        m_confusion = std::move(counts);
    }

private:
    void writeText(const std::string& name, const std::string& text) const;
    void writeH5(const std::string& name, const Model& model, bool withOptimizer,
                 const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const;
    std::string m_dir;
    nlohmann::json m_config;
    std::vector<MemoryTableRow> m_memoryTable;
    int m_classes = 0;
    std::vector<std::int64_t> m_confusion;
};

/// The format_version RunFiles writes into checkpoint.h5 and results.h5, and the only one read.
constexpr std::int64_t kRunFileFormatVersion = 1;

/// FormatError unless the file's format_version is one this build reads.
void checkRunFileVersion(const h5::File& f);

/// Readers of what RunFiles writes (results.h5 and checkpoint.h5); FormatError names the file
/// and dataset; counts out of range are reported before they are used as sizes. `layers` 0:
/// take the layer count from /metrics/loss.
std::vector<EpochMetrics> readHistory(const h5::File& f, std::size_t layers = 0);
std::vector<MemoryRow> readMemory(const h5::File& f);
/// The /memory_model table; empty when the file has none.
std::vector<MemoryTableRow> readMemoryTable(const h5::File& f);

/// The experiment JSON that identifies a run for --resume (threads and epochs excluded: they
/// do not change the result of the epochs already done).
nlohmann::json resumeIdentity(const nlohmann::json& config);

} // namespace tp
