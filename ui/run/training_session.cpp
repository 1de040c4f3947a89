#include "ui/run/training_session.h"

#include <QCoreApplication>
#include <QDir>

#include <chrono>

#include "datasets/registry.h"
#include "train/memory_model.h"
#include "train/trainer.h"

namespace tp::ui {

namespace {

QVector<MemoryEntry> memoryEntries(const std::vector<tp::MemoryRow>& rows)
{
    QVector<MemoryEntry> out;
    for (const auto& r : rows)
        out.push_back({QString::fromStdString(r.part), qint64(r.weights_bytes), qint64(r.optimizer_bytes),
                       qint64(r.rule_state_bytes), qint64(r.trace_bytes), qint64(r.buffer_bytes)});
    return out;
}

} // namespace

TrainingSession::TrainingSession(QObject* parent) : QObject(parent)
{
    m_drainTimer.setInterval(33);  // ~30 Hz
    connect(&m_drainTimer, &QTimer::timeout, this, &TrainingSession::drain);
}

TrainingSession::~TrainingSession()
{
    if (m_telemetry)
        m_telemetry->requestStop();
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
}

void TrainingSession::post(std::function<void()> fn)
{
    QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection);
}

void TrainingSession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

bool TrainingSession::start(const tp::Experiment& experiment, const QString& outDir, QString* error)
{
    auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (isActive())
        return fail(tr("A run is already in progress: stop it first."));
    if (m_thread.joinable())
        m_thread.join();  // ended already (its last act was to post threadEnded)
    tp::Experiment exp;
    try {
        // Everything that can be checked without reading data: ranges, keys, the dataset spec.
        exp = tp::parseExperiment(tp::toJson(experiment), experiment.name.empty() ? "experiment" : experiment.name,
                                  tp::validateDatasetSpec);
    } catch (const std::exception& e) {
        return fail(QString::fromStdString(e.what()));
    }
    if (!outDir.isEmpty() && !QDir().mkpath(outDir))
        return fail(tr("Cannot create the run folder %1").arg(QDir::toNativeSeparators(outDir)));
    if (exp.run.threads == 0)  // leave a core for the GUI
        exp.run.threads = int(std::max(1u, std::thread::hardware_concurrency()) - (std::thread::hardware_concurrency() > 1));

    m_experiment = exp;
    m_outDir = outDir;
    m_steps.clear();
    m_epochs.clear();
    m_memory.clear();
    m_ruleMemory.clear();
    m_latestProbe.reset();
    m_telemetry = std::make_unique<tp::Telemetry>();
    if (m_probe)
        m_telemetry->setProbeRequest(m_probe, m_probeEvery);
    tp::Telemetry* tel = m_telemetry.get();
    const std::string dir = outDir.toStdString();
    m_thread = std::jthread([this, exp, dir, tel](std::stop_token stop) {
        using Clock = std::chrono::steady_clock;
        QString error;
        bool stopped = false;
        try {
            post([this, exp] { Q_EMIT logMessage(tr("Opening dataset '%1'...").arg(QString::fromStdString(exp.dataset.kind))); });
            const auto t0 = Clock::now();
            const auto data = tp::openDataset(exp.dataset);
            const double ready_s = std::chrono::duration<double>(Clock::now() - t0).count();
            const QString info = tr("%1: %2 train / %3 test samples, %4 classes, %5 inputs (ready in %6 s); training on %7 thread(s)")
                                     .arg(QString::fromStdString(data->name()))
                                     .arg(data->size(tp::Split::Train))
                                     .arg(data->size(tp::Split::Test))
                                     .arg(data->classes())
                                     .arg(data->channels())
                                     .arg(ready_s, 0, 'f', 1)
                                     .arg(exp.run.threads);
            post([this, info] { Q_EMIT logMessage(info); });
            tp::Trainer trainer(exp, *data);
            if (!trainer.notice().empty())
                post([this, note = QString::fromStdString(trainer.notice())] { Q_EMIT logMessage(tr("Note: %1").arg(note)); });
            const int batch = trainer.experiment().run.batch;  // clamped to the training split
            tp::TrainOptions opt;
            opt.out_dir = dir;
            opt.stop = stop;
            opt.telemetry = tel;
            bool memoryTaken = false;
            Clock::time_point lastProgress{};
            opt.on_progress = [&](const tp::Progress& p) {
                if (!memoryTaken) {  // between batches on this thread: the model is not changing
                    memoryTaken = true;
                    const auto rows = trainer.model().memory();
                    QVector<RuleMemoryEntry> rules;
                    try {
                        const auto net = tp::NetShape::fromConfig(trainer.model().config());
                        for (const auto& r : tp::memoryModel(net, std::size_t(batch), std::size_t(p.steps)))
                            rules.push_back({QString::fromStdString(r.rule), qint64(r.model_bytes), qint64(r.paper_bytes),
                                             r.rule == exp.rule.name ? qint64(tp::measuredRuleStateBytes(rows)) : -1});
                    } catch (const tp::ConfigError&) {
                        // conv layers: no analytic shape, the table stays empty
                    }
                    post([this, entries = memoryEntries(rows), rules, B = batch, T = p.steps] {
                        m_memory = entries;
                        m_ruleMemory = rules;
                        m_memoryBatch = B;
                        m_memorySteps = T;
                        Q_EMIT memoryChanged();
                    });
                }
                const auto now = Clock::now();
                if (p.batch != p.batches && now - lastProgress < std::chrono::milliseconds(50))
                    return;
                lastProgress = now;
                post([this, p] {
                    Q_EMIT progress(p.epoch, p.epochs, qint64(p.batch), qint64(p.batches), p.eta_s, p.samples_per_second);
                });
            };
            opt.on_epoch = [&](const tp::EpochMetrics& m) {
                QString line = tr("epoch %1  lr %2  loss").arg(m.epoch).arg(m.lr, 0, 'g', 3);
                for (double v : m.layer_loss)
                    line += QStringLiteral(" %1").arg(v, 0, 'f', 4);
                line += tr("  readout %1  train %2%  test %3%  %4 samples/s")
                            .arg(m.readout_loss, 0, 'f', 4)
                            .arg(100 * m.train_accuracy, 0, 'f', 2)
                            .arg(100 * m.test_accuracy, 0, 'f', 2)
                            .arg(m.samples_per_second, 0, 'f', 0);
                const QString checkpoint = dir.empty() ? QString() : QDir(QString::fromStdString(dir)).filePath("checkpoint.h5");
                post([this, m, line, checkpoint] {
                    m_epochs.push_back({m.epoch, m.lr, m.train_accuracy, m.test_accuracy, m.samples_per_second, m.train_seconds,
                                        m.test_confusion.classes, m.test_confusion.counts});
                    Q_EMIT logMessage(line);
                    Q_EMIT epochFinished(m.epoch, m.train_accuracy, m.test_accuracy);
                    if (!checkpoint.isEmpty())
                        Q_EMIT checkpointSaved(checkpoint);
                });
            };
            stopped = trainer.run(opt).stopped;
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        } catch (...) {
            error = tr("unknown error in the training thread");
        }
        post([this, stopped, error] { threadEnded(stopped, error); });
    });
    m_drainTimer.start();
    setState(State::Running);
    Q_EMIT runStarted();
    Q_EMIT logMessage(tr("Run started%1").arg(outDir.isEmpty() ? QString() : tr(" (writing to %1)").arg(QDir::toNativeSeparators(outDir))));
    return true;
}

void TrainingSession::threadEnded(bool stopped, const QString& error)
{
    if (m_thread.joinable())
        m_thread.join();
    m_drainTimer.stop();
    drain();
    if (!error.isEmpty()) {
        setState(State::Failed);
        Q_EMIT logMessage(tr("Run failed: %1").arg(error));
        Q_EMIT failed(error);
        return;
    }
    if (stopped) {
        setState(State::Idle);
        Q_EMIT logMessage(tr("Run stopped after %n completed epoch(s)", nullptr, int(m_epochs.size())));
    } else {
        setState(State::Finished);
        Q_EMIT logMessage(tr("Run finished"));
    }
    Q_EMIT finished();
}

void TrainingSession::waitForIdle()
{
    if (m_thread.joinable())
        m_thread.join();
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void TrainingSession::pause()
{
    if (m_state != State::Running)
        return;
    m_telemetry->pause();
    setState(State::Paused);
    Q_EMIT logMessage(tr("Paused (at the next batch boundary)"));
}

void TrainingSession::resume()
{
    if (m_state != State::Paused)
        return;
    m_telemetry->resume();
    setState(State::Running);
    Q_EMIT logMessage(tr("Resumed"));
}

void TrainingSession::step()
{
    if (m_state != State::Running && m_state != State::Paused)
        return;
    m_telemetry->stepOnce();
    setState(State::Paused);
}

void TrainingSession::stop()
{
    if (m_state != State::Running && m_state != State::Paused)
        return;
    m_telemetry->requestStop();
    m_thread.request_stop();
    setState(State::Stopping);
    Q_EMIT logMessage(tr("Stopping at the next batch boundary..."));
}

void TrainingSession::setLearningRate(double lr)
{
    if (!isActive() || !(lr > 0))
        return;
    m_telemetry->setLearningRate(lr);
    Q_EMIT logMessage(tr("Learning rate set to %1 (from the next batch; the rest of the schedule is scaled)").arg(lr, 0, 'g', 4));
}

void TrainingSession::setProbeRequest(int layer, int sample, const QVector<int>& neurons, int everySteps, bool similarity)
{
    m_probe = tp::ProbeRequest{sample, layer, std::vector<int>(neurons.begin(), neurons.end()), similarity};
    m_probeEvery = everySteps;
    if (m_telemetry)
        m_telemetry->setProbeRequest(m_probe, m_probeEvery);
}

void TrainingSession::clearProbeRequest()
{
    m_probe.reset();
    if (m_telemetry)
        m_telemetry->setProbeRequest(std::nullopt);
}

double TrainingSession::currentLearningRate() const
{
    return m_steps.empty() ? m_experiment.run.lr : m_steps.back().lr;
}

void TrainingSession::drain()
{
    if (!m_telemetry)
        return;
    const std::size_t first = m_steps.size();
    m_telemetry->drain(m_steps);
    for (std::size_t i = first; i < m_steps.size(); ++i)
        if (m_steps[i].lr_changed)
            Q_EMIT logMessage(tr("Learning rate %1 in effect from step %2").arg(m_steps[i].lr, 0, 'g', 4).arg(m_steps[i].step));
    if (m_steps.size() > first)
        Q_EMIT stepsArrived(int(first));
    if (auto p = m_telemetry->takeProbe()) {
        m_latestProbe = std::move(p);
        Q_EMIT probeArrived();
    }
}

} // namespace tp::ui
