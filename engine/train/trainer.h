#pragma once
/// Runs an experiment: epochs of TP training on the train split, evaluation on the test split,
/// the cosine learning-rate schedule, metrics, results.h5 and per-epoch checkpoints (atomic),
/// resumable bit-identically. Engine-only (no Qt); progress and cancellation are injected.
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"
#include "rules/model.h"

namespace tp {

class Telemetry;

/// A learning rate set during a run (Telemetry::setLearningRate), from batch `batch` on.
struct LrChange {
    std::size_t batch = 0;               ///< 1-based batch of the epoch that first used it
    double lr = 0;
};

/// Predictions of a model on one split: counts[true_label * classes + predicted_class].
struct ConfusionMatrix {
    int classes = 0;
    std::vector<std::int64_t> counts;    ///< classes x classes, row = true label, column = prediction
    std::int64_t total() const;
    std::int64_t correct() const;        ///< the diagonal
    double accuracy() const;             ///< correct / total, 0 when empty
};

struct EpochMetrics {
    int epoch = 0;                       ///< 1-based
    double lr = 0;                       ///< learning rate of this epoch (the last one used when changed)
    std::vector<LrChange> lr_changes;    ///< rates set by hand during this epoch
    std::vector<double> layer_loss;      ///< mean local loss E_l per time step
    double readout_loss = 0;             ///< mean readout cross-entropy per time step
    double train_accuracy = 0;           ///< fraction 0..1, online (weights change within the epoch)
    double test_accuracy = 0;            ///< fraction 0..1, after the epoch
    ConfusionMatrix test_confusion;      ///< of the test split after the epoch (test_accuracy = its accuracy())
    std::vector<double> firing_rate;     ///< input-path spikes per neuron per step, per layer
    double samples_per_second = 0;       ///< training throughput (evaluation excluded)
    double train_seconds = 0, test_seconds = 0;
};

/// Training progress inside an epoch (called after every batch, on the training thread).
struct Progress {
    int epoch = 0, epochs = 0;
    std::size_t batch = 0, batches = 0;
    int steps = 0;                       ///< time steps T of the batch just trained
    double elapsed_s = 0;                ///< since the run (or resume) started
    double eta_s = 0;                    ///< estimate for the remaining run
    double samples_per_second = 0;
};

struct TrainOptions {
    std::string out_dir;                 ///< empty: write nothing
    bool resume = false;                 ///< continue from out_dir/checkpoint.h5
    /// A new run into a folder that holds files: false refuses it (ConfigError), true removes the
    /// previous run's files first (RunFiles).
    bool overwrite = false;
    std::function<void(const Progress&)> on_progress;
    std::function<void(const EpochMetrics&)> on_epoch;
    std::stop_token stop;                ///< checked between batches
    /// Live scalars, probes and pause/step/stop/learning-rate control (null: none, and the run
    /// is exactly what it is without). Not owned; must outlive run(). A learning rate set through
    /// it takes effect at the next batch and scales the rest of the cosine schedule.
    Telemetry* telemetry = nullptr;
};

struct TrainResult {
    std::vector<EpochMetrics> history;
    int first_epoch = 1;                 ///< > 1 when resumed
    bool stopped = false;                ///< stopped through the stop token
    std::vector<MemoryRow> memory;
    double best_test_accuracy() const;
};

/// Learning rate of 0-based `epoch`: cosine annealing over `epochs` from lr to lr_min_ratio*lr.
double cosineLr(const RunSpec& run, int epoch);

/// TpConfig for an experiment on a dataset; checks network.inputs against the dataset.
TpConfig modelConfig(const Experiment& experiment, const Dataset& dataset);

class Trainer {
public:
    Trainer(Experiment experiment, const Dataset& dataset);
    TrainResult run(const TrainOptions& options);
    Model& model() { return *m_model; }
    /// What the trainer changed in the experiment, for the user (empty: nothing): run.batch
    /// clamped to the training split.
    const std::string& notice() const { return m_notice; }
    /// The experiment as run (run.batch clamped).
    const Experiment& experiment() const { return m_exp; }

    /// Accuracy (0..1) of the current model on a split, in batches of run.batch.
    double evaluate(Split split, int threads);
    /// The same pass as evaluate(), counted per (true, predicted) class.
    ConfusionMatrix confusion(Split split, int threads);

private:
    std::string m_notice;  // before m_exp: the constructor fills it while initialising m_exp
    Experiment m_exp;
    const Dataset& m_data;
    std::unique_ptr<Model> m_model;
};

/// Load trained weights (results.h5 or checkpoint.h5) into a model built for `experiment`.
void loadWeights(Model& model, const std::string& file);
/// Load only the network's own matrices (Model::loadNetwork) of a run file or an import-nir
/// weights file: network.init_weights, which the Trainer applies after the seeded init.
void loadNetworkWeights(Model& model, const std::string& file);

} // namespace tp
