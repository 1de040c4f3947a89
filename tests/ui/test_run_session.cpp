// TrainingSession and RunPanel through the real widgets: Run / Pause / Step / Stop actions,
// the learning-rate box while running, a clean stop with an intact checkpoint, closing during
// training, and bad experiments (refused by start(), or failed() from the thread).
#include <QtTest>

#include <QAction>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QProgressBar>
#include <QTemporaryDir>

#include "io/h5.h"
#include "run_test_support.h"
#include "train/trainer.h"
#include "ui/run/run_panel.h"
#include "ui/run/training_session.h"

using namespace tp;
using namespace tp::ui;
using State = TrainingSession::State;

class TestRunSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void actionsFollowState()
    {
        TrainingSession session;
        RunPanel panel(&session);
        QCOMPARE(panel.runAction()->text(), QStringLiteral("Run"));
        QCOMPARE(panel.runAction()->shortcut(), QKeySequence(Qt::Key_F5));
        QCOMPARE(panel.stopAction()->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_F5));
        for (QAction* a : {panel.runAction(), panel.pauseAction(), panel.stepAction(), panel.stopAction()}) {
            QVERIFY(!a->icon().isNull());
            QVERIFY(!a->property("accessibleName").toString().isEmpty());
        }
        QVERIFY(panel.runAction()->isEnabled());
        QVERIFY(!panel.pauseAction()->isEnabled());
        QVERIFY(!panel.stepAction()->isEnabled());
        QVERIFY(!panel.stopAction()->isEnabled());
        QVERIFY(!panel.learningRateBox()->isEnabled());

        // Run while idle asks the owner to start; the owner starts the session.
        QSignalSpy requested(&panel, &RunPanel::runRequested);
        const Experiment exp = test::smallRandman(200);
        connect(&panel, &RunPanel::runRequested, &session, [&] { QVERIFY(session.start(exp, {}, nullptr)); });
        panel.runAction()->trigger();
        QCOMPARE(requested.count(), 1);
        QCOMPARE(session.state(), State::Running);
        QVERIFY(!panel.runAction()->isEnabled());
        QVERIFY(panel.pauseAction()->isEnabled() && panel.stepAction()->isEnabled() && panel.stopAction()->isEnabled());
        QVERIFY(panel.learningRateBox()->isEnabled());
        QCOMPARE(panel.learningRateBox()->value(), exp.run.lr);
        panel.pauseAction()->trigger();
        QCOMPARE(session.state(), State::Paused);
        QVERIFY(panel.runAction()->isEnabled());  // resumes
        QVERIFY(!panel.pauseAction()->isEnabled());
        panel.stopAction()->trigger();
        QCOMPARE(session.state(), State::Stopping);
        QVERIFY(!panel.runAction()->isEnabled() && !panel.stopAction()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Idle, 30000);
        QCOMPARE(requested.count(), 1);
        QVERIFY(panel.runAction()->isEnabled());
    }

    void pauseStepResumeThroughActions()
    {
        TrainingSession session;
        RunPanel panel(&session);
        const Experiment exp = test::smallRandman(200);
        connect(&panel, &RunPanel::runRequested, &session, [&] { session.start(exp, {}, nullptr); });
        QSignalSpy progress(&session, &TrainingSession::progress);
        panel.runAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, 30000);  // batches are being trained
        QVERIFY(panel.progressBar()->value() > 0 || panel.progressBar()->format().contains(QStringLiteral("batch")));
        QVERIFY(panel.etaLabel()->text().contains(QStringLiteral("ETA")));
        panel.resize(1000, 40);
        const QString shots = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
        QDir().mkpath(shots);
        QVERIFY(panel.grab().save(shots + QStringLiteral("/run_panel.png")));

        panel.pauseAction()->trigger();
        Telemetry* tel = session.telemetry();
        QTRY_VERIFY_WITH_TIMEOUT(tel->parked(), 30000);
        const std::int64_t pausedAt = tel->stepsDone();
        QTRY_COMPARE_WITH_TIMEOUT(std::int64_t(session.steps().size()), pausedAt, 5000);  // all drained
        QTest::qWait(100);  // the GUI keeps running while the trainer is parked: nothing new
        QCOMPARE(tel->stepsDone(), pausedAt);
        QCOMPARE(std::int64_t(session.steps().size()), pausedAt);

        panel.stepAction()->trigger();  // exactly one more batch
        QTRY_VERIFY_WITH_TIMEOUT(tel->stepsDone() == pausedAt + 1 && tel->parked(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(std::int64_t(session.steps().size()), pausedAt + 1, 5000);
        QCOMPARE(session.steps().back().step, pausedAt + 1);
        QCOMPARE(session.state(), State::Paused);

        panel.runAction()->trigger();  // F5 while paused resumes
        QCOMPARE(session.state(), State::Running);
        QTRY_VERIFY_WITH_TIMEOUT(tel->stepsDone() > pausedAt + 3, 30000);
        session.stop();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Idle, 30000);
    }

    void learningRateWhileRunning()
    {
        TrainingSession session;
        RunPanel panel(&session);
        QSignalSpy log(&session, &TrainingSession::logMessage);
        QVERIFY(session.start(test::smallRandman(200), {}, nullptr));
        QTRY_VERIFY_WITH_TIMEOUT(session.steps().size() >= 2, 30000);
        panel.learningRateBox()->setValue(5e-4);  // while running
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(session.steps().begin(), session.steps().end(),
                                             [](const Telemetry::StepSample& s) { return s.lr_changed; }),
                                 30000);
        const auto& steps = session.steps();
        const auto changed = std::size_t(std::find_if(steps.begin(), steps.end(), [](const Telemetry::StepSample& s) {
                                             return s.lr_changed;
                                         }) - steps.begin());
        const auto run = session.experiment().run;
        const Telemetry::StepSample at = steps[changed];
        QCOMPARE(at.lr, 5e-4);
        for (std::size_t i = 0; i < changed; ++i)
            QCOMPARE(steps[i].lr, cosineLr(run, steps[i].epoch - 1));
        QTRY_VERIFY_WITH_TIMEOUT(session.steps().size() > changed + 1, 30000);
        const Telemetry::StepSample next = session.steps()[changed + 1];
        QVERIFY(!next.lr_changed);
        // The same rate for the rest of the epoch, then the schedule scaled by the same factor.
        QCOMPARE(next.lr, next.epoch == at.epoch ? 5e-4
                                                 : cosineLr(run, next.epoch - 1) * (5e-4 / cosineLr(run, at.epoch - 1)));
        QStringList lines;
        for (const auto& args : log)
            lines << args.at(0).toString();
        QVERIFY2(lines.join('\n').contains(QStringLiteral("Learning rate set to 0.0005")), qPrintable(lines.join('\n')));
        QVERIFY(lines.join('\n').contains(QStringLiteral("Learning rate 0.0005 in effect from step %1").arg(at.step)));
        session.stop();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Idle, 30000);
    }

    void stopKeepsCheckpoint()
    {
        QTemporaryDir dir;
        TrainingSession session;
        QSignalSpy epochs(&session, &TrainingSession::epochFinished);
        QSignalSpy checkpoints(&session, &TrainingSession::checkpointSaved);
        QSignalSpy finished(&session, &TrainingSession::finished);
        QSignalSpy failed(&session, &TrainingSession::failed);
        QVERIFY(session.start(test::smallRandman(200), dir.path(), nullptr));
        QTRY_VERIFY_WITH_TIMEOUT(epochs.count() >= 1, 60000);
        QCOMPARE(checkpoints.first().at(0).toString(), QDir(dir.path()).filePath(QStringLiteral("checkpoint.h5")));
        const double acc = epochs.first().at(2).toDouble();
        QVERIFY(acc > 0 && acc <= 1);
        session.stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QCOMPARE(session.state(), State::Idle);
        QVERIFY(!session.isActive());
        QCOMPARE(failed.count(), 0);
        const int done = int(session.epochs().size());
        QVERIFY(done >= 1 && done < 200);
        const auto f = h5::File::openRead(QDir(dir.path()).filePath(QStringLiteral("checkpoint.h5")).toStdString());
        QCOMPARE(f.attrInt("epochs_done"), std::int64_t(done));
        QCOMPARE(f.readDoubles("weights/W1").dims, (std::vector<std::size_t>{200, 40}));
        QVERIFY(!QFileInfo::exists(QDir(dir.path()).filePath(QStringLiteral("results.h5"))));  // stopped: no results
        QCOMPARE(session.memory().size(), 3);  // layer 1, target projection S, readout
        QVERIFY(session.memory().first().weights_bytes == 200 * 40 * 4);
    }

    void finishesAndCanRunAgain()
    {
        QTemporaryDir dir;
        TrainingSession session;
        QSignalSpy finished(&session, &TrainingSession::finished);
        QVERIFY(session.start(test::smallRandman(1), dir.path(), nullptr));
        QString error;
        QVERIFY(!session.start(test::smallRandman(1), dir.path(), &error));  // one run at a time
        QVERIFY(error.contains(QStringLiteral("already")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(session.state(), State::Finished);
        QCOMPARE(session.steps().size(), std::size_t(15));
        QCOMPARE(session.epochs().size(), 1);
        QVERIFY(QFileInfo(QDir(dir.path()).filePath(QStringLiteral("results.h5"))).size() > 0);
        QVERIFY(session.start(test::smallRandman(1), {}, nullptr));  // again, from Finished
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
        QCOMPARE(session.steps().size(), std::size_t(15));  // a fresh run's data
    }

    void closingDuringTraining()
    {
        QTemporaryDir dir;
        auto session = std::make_unique<TrainingSession>();
        QSignalSpy epochs(session.get(), &TrainingSession::epochFinished);
        QVERIFY(session->start(test::smallRandman(200), dir.path(), nullptr));
        QTRY_VERIFY_WITH_TIMEOUT(epochs.count() >= 1, 60000);
        session.reset();  // stops at the next batch boundary and joins
        const auto f = h5::File::openRead(QDir(dir.path()).filePath(QStringLiteral("checkpoint.h5")).toStdString());
        QVERIFY(f.attrInt("epochs_done") >= 1);
    }

    void badExperiments()
    {
        TrainingSession session;
        QString error;
        Experiment bad = test::smallRandman(1);
        bad.run.batch = 1;
        QVERIFY(!session.start(bad, {}, &error));
        QVERIFY2(error.contains(QStringLiteral("run.batch")), qPrintable(error));
        QCOMPARE(session.state(), State::Idle);

        // Valid on paper, but the data is missing: the thread reports it.
        Experiment missing = test::smallRandman(1);
        missing.dataset.kind = "shd";
        missing.dataset.params = {{"path", "/nonexistent/shd"}};
        missing.dataset.binning = {{"time_window_us", 10000}};
        QSignalSpy failed(&session, &TrainingSession::failed);
        error.clear();
        QVERIFY2(session.start(missing, {}, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QCOMPARE(session.state(), State::Failed);
        const QString message = failed.first().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("/nonexistent/shd")), qPrintable(message));
        QVERIFY(!session.isActive());
    }

    // A run that goes non-finite fails in the GUI with the trainer's message: the array, the step
    // and the layer (issue 12 item 5). On main this run (no run folder) finished "successfully"
    // with Inf in Adam's v of W1.
    void divergenceFailsNamingTheArrayAndStep()
    {
        TrainingSession session;
        QSignalSpy failed(&session, &TrainingSession::failed);
        QString error;
        const Experiment diverging =
            test::randmanExperiment({"dataset.samples_per_class=20", "run.batch=32", "run.epochs=2",
                                     "network.layers.0.size=64", "neuron.surrogate.scale=1e30"});
        QVERIFY2(session.start(diverging, {}, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
        QCOMPARE(session.state(), State::Failed);
        const QString message = failed.first().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("diverged at training step 1 (epoch 1, batch 1 of 5): "
                                                 "optimizer/W1/v (layer 1) holds ")),
                 qPrintable(message));
    }
};

QTEST_MAIN(TestRunSession)
#include "test_run_session.moc"
