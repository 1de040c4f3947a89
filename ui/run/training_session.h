#pragma once
/// One training run of the workbench on its own thread: opens the dataset, runs Trainer::run with
/// a tp::Telemetry attached and turns the trainer's callbacks into queued Qt signals. The GUI
/// thread never waits on the training thread (the destructor and waitForIdle() excepted).
/// Lives on the GUI thread; every public function is for that thread.
#include <QObject>
#include <QString>
#include <QTimer>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "config/experiment.h"
#include "train/telemetry.h"

namespace tp::ui {

/// Bytes of one part of the network (tp::MemoryRow without the engine's headers).
struct MemoryEntry {
    QString part;  ///< "layer 1", "readout", "target projection S"
    qint64 weights_bytes = 0, optimizer_bytes = 0, rule_state_bytes = 0, trace_bytes = 0, buffer_bytes = 0;
    qint64 total() const { return weights_bytes + optimizer_bytes + rule_state_bytes + buffer_bytes; }
};

/// Learning-rule state of one rule for this run's network, batch and sequence length
/// (engine/train/memory_model.h), with the engine's measurement for the rule that runs.
struct RuleMemoryEntry {
    QString rule;              ///< a registered rule or a memory-model reference (memoryRuleTitle)
    qint64 model_bytes = 0;    ///< analytic model
    qint64 paper_bytes = 0;    ///< the paper's formula
    qint64 measured_bytes = -1;  ///< measured by the engine (-1: this rule is not the one running)
};

class TrainingSession : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Running, Paused, Stopping, Finished, Failed };
    Q_ENUM(State)

    explicit TrainingSession(QObject* parent = nullptr);
    /// Stops the run at the next batch boundary and joins the thread.
    ~TrainingSession() override;

    /// Validates `experiment`, then opens its dataset and trains on a new thread, writing
    /// checkpoint.h5 / results.h5 / metrics to `outDir` (empty: nothing written). False with a
    /// message in `error` when the experiment is invalid or a run is already going; problems
    /// found later (dataset files, divergence) arrive as failed().
    bool start(const tp::Experiment& experiment, const QString& outDir, QString* error);
    void pause();
    void resume();
    /// Trains exactly one more batch, then pauses.
    void step();
    /// Stops at the next batch boundary; the last completed epoch's checkpoint stays intact.
    void stop();
    /// From the next batch on; scales the rest of the cosine schedule. Logged and marked in charts.
    void setLearningRate(double lr);
    State state() const { return m_state; }
    bool isActive() const { return m_state == State::Running || m_state == State::Paused || m_state == State::Stopping; }
    /// Blocks until the training thread has ended (stop() first). For closing and tests.
    void waitForIdle();

    /// What the probed views show: `sample` = batch row, `neurons` of `layer` (0-based), recorded
    /// at most every `everySteps` batches. Kept across runs.
    void setProbeRequest(int layer, int sample, const QVector<int>& neurons, int everySteps = 4, bool similarity = false);
    /// No view needs probes: the trainer records nothing.
    void clearProbeRequest();
    bool probeRequested() const { return m_probe.has_value(); }

    /// The live link to the trainer of the current (or last) run; null before the first start().
    /// Replaced by start(). The session is its only consumer: read the drained data below.
    tp::Telemetry* telemetry() const { return m_telemetry.get(); }

    // --- data of the current (or last) run, drained at ~30 Hz on the GUI thread ---
    const tp::Experiment& experiment() const { return m_experiment; }
    /// Every per-step sample of the run so far (one per batch), in order.
    const std::vector<tp::Telemetry::StepSample>& steps() const { return m_steps; }
    /// The latest probe (null when none arrived yet); empty() when the model cannot record.
    std::shared_ptr<const tp::Probe> probe() const { return m_latestProbe; }
    struct EpochPoint {
        int epoch = 0;
        double lr = 0, trainAccuracy = 0, testAccuracy = 0;
        double samplesPerSecond = 0, trainSeconds = 0;  ///< training throughput of the epoch (evaluation excluded)
        int classes = 0;
        std::vector<std::int64_t> confusion;  ///< test split after the epoch: [true x predicted] counts
    };
    const QVector<EpochPoint>& epochs() const { return m_epochs; }
    /// Measured after the first batch (empty before).
    const QVector<MemoryEntry>& memory() const { return m_memory; }
    /// TP, BPTT, e-prop and aux-matrix rule state at this run's B and T, after the first batch
    /// (empty before, and for conv networks, whose shape the analytic model does not derive).
    const QVector<RuleMemoryEntry>& ruleMemory() const { return m_ruleMemory; }
    /// B and T the rule memory is computed for.
    int memoryBatch() const { return m_memoryBatch; }
    int memorySteps() const { return m_memorySteps; }
    /// Learning rate of the last step drained (the experiment's before the first).
    double currentLearningRate() const;
    QString outDir() const { return m_outDir; }

Q_SIGNALS:
    void stateChanged(tp::ui::TrainingSession::State state);
    /// After a batch (at most ~20 per second); etaSeconds for the whole remaining run.
    void progress(int epoch, int epochs, qint64 batch, qint64 batches, double etaSeconds, double samplesPerSecond);
    /// Accuracies are fractions 0..1.
    void epochFinished(int epoch, double trainAccuracy, double testAccuracy);
    void checkpointSaved(QString path);
    /// The thread ended without error (completed, or stopped: state() tells which).
    void finished();
    void failed(QString message);
    void logMessage(QString text);
    /// start() succeeded: views clear what they show.
    void runStarted();
    /// New per-step samples were drained (steps() grew from `first`).
    void stepsArrived(int first);
    void probeArrived();
    void memoryChanged();

private:
    void setState(State state);
    void drain();
    void threadEnded(bool stopped, const QString& error);
    void post(std::function<void()> fn);

    State m_state = State::Idle;
    tp::Experiment m_experiment;
    QString m_outDir;
    std::unique_ptr<tp::Telemetry> m_telemetry;
    std::jthread m_thread;
    QTimer m_drainTimer;
    std::optional<tp::ProbeRequest> m_probe;
    int m_probeEvery = 4;
    std::vector<tp::Telemetry::StepSample> m_steps;
    std::shared_ptr<const tp::Probe> m_latestProbe;
    QVector<EpochPoint> m_epochs;
    QVector<MemoryEntry> m_memory;
    QVector<RuleMemoryEntry> m_ruleMemory;
    int m_memoryBatch = 0, m_memorySteps = 0;
};

} // namespace tp::ui
