#pragma once
/// The files of a run folder: metrics.csv, metrics.json, checkpoint.h5 (every epoch) and
/// results.h5 (at the end). Every write goes to a temporary file renamed into place. Each file
/// carries the run's id (a random 64-bit hex string chosen when the run starts, kept by
/// --resume): metrics.csv in its last column "run_id", metrics.json as "run_id", the HDF5 files
/// as the root attribute "run_id". A report refuses files of different runs.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "train/memory_model.h"
#include "rules/model.h"

namespace tp {

struct EpochMetrics;

namespace h5 {
class File;
}

class RunFiles {
public:
    /// `dir` empty: nothing is written. Creates the folder otherwise; with `resume` the folder
    /// must already hold a checkpoint (IoError otherwise, and nothing is created). A new run
    /// needs an empty or missing folder (see checkFolder); with `overwrite` the run files of the
    /// previous run there (kRunFileNames and their .tmp) are removed first.
    RunFiles(std::string dir, const Experiment& experiment, bool resume = false, bool overwrite = false);

    /// The files a run writes into its folder.
    static const std::vector<std::string>& runFileNames();
    /// Throws what the constructor would about `dir` without changing anything: ConfigError when
    /// a new run (neither `resume` nor `overwrite`) would go into a folder that holds files,
    /// or `resume` and `overwrite` are both set; IoError when `resume` finds no checkpoint.
    static void checkFolder(const std::string& dir, bool resume, bool overwrite);
    /// A new run id: 16 hex digits from std::random_device and the clock.
    static std::string newRunId();
    const std::string& runId() const { return m_runId; }

    /// Restore weights, Adam state, history and the memory table measured by the original
    /// run from dir/checkpoint.h5. Throws IoError when there is none, ConfigError when it
    /// belongs to a different experiment.
    std::vector<EpochMetrics> loadCheckpoint(Model& model, std::vector<MemoryRow>& memory);

    /// Path of the checkpoint inside a run folder.
    static std::string checkpointPath(const std::string& dir);
    /// checkpoint.h5, then metrics.csv and metrics.json (saveMetrics). A failed write (a full
    /// disk) throws IoError saying which file and which checkpoint survives; the previous files
    /// stay whole.
    void saveEpoch(const Model& model, const std::vector<EpochMetrics>& history,
                   const std::vector<MemoryRow>& memory);
    /// metrics.csv and metrics.json of `history`. A run stopped (killed, disk full) after the
    /// rename of a checkpoint but before those of the metrics files leaves them an epoch behind
    /// it: a resume calls this with the loaded history, since after the last epoch no saveEpoch
    /// follows to rewrite them.
    void saveMetrics(const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const;
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
    std::string keptCheckpoint() const;  ///< "the last good checkpoint (epoch N) is kept"
    void writeH5(const std::string& name, const Model& model, bool withOptimizer,
                 const std::vector<EpochMetrics>& history, const std::vector<MemoryRow>& memory) const;
    std::string m_dir;
    nlohmann::json m_config;
    std::string m_runId;
    int m_checkpointEpochs = 0;  ///< epochs in the checkpoint.h5 on disk (loaded or last saved)
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

/// The trained weights of a run: a run folder's results.h5 (else its checkpoint.h5), or `path`
/// itself when it is not a folder. IoError when a folder has neither.
std::string runWeightsFile(const std::string& path);

/// The experiment JSON that identifies a run for --resume (threads and epochs excluded: they
/// do not change the result of the epochs already done).
nlohmann::json resumeIdentity(const nlohmann::json& config);

} // namespace tp
