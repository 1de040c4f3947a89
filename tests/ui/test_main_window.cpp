// The main window as a user drives it: shipped examples, broken files that change nothing,
// one epoch of the Randman default with live charts and raster, pause / resume / stop, closing
// during training (checkpoint intact), layout reset, themes, and the scripted `traceprop`.
#include <QDockWidget>
#include <QFile>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QImage>
#include <QLineEdit>
#include <QLabel>
#include <QSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTableWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QDateTime>
#include <QtTest>

#include "io/h5.h"
#include "ui/designer/layer_stack_editor.h"
#include "ui/designer/properties_panel.h"
#include "ui/document/experiment_document.h"
#include "ui/main_window.h"
#include "ui/run/run_panel.h"
#include "ui/run/training_session.h"
#include "ui/charts/line_chart.h"
#include "ui/views/charts_panel.h"
#include "ui/views/finetune_dialog.h"
#include "ui/charts/bar_chart.h"
#include "ui/views/run_compare_view.h"

using tp::ui::MainWindow;
using State = tp::ui::TrainingSession::State;

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    QString writeFile(const QString& name, const QByteArray& text)
    {
        QFile f(m_tmp.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(text);
        return f.fileName();
    }

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        qputenv("TRACEPROP_RUNS_DIR", m_tmp.filePath(QStringLiteral("runs")).toUtf8());
    }

    void welcomeListsExamplesAndOpensOne()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.centralWidget()->isVisible());
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        QVERIFY(!w.centralWidget()->isVisible());
        QCOMPARE(w.document()->layerCount(), 1);
        QVERIFY(!w.document()->isModified());
        QVERIFY(w.windowTitle().contains(QLatin1String("randman")));
        for (const char* dock : {"dockLayers", "dockProperties", "dockDataset", "dockRun", "dockCharts", "dockLog"})
            QVERIFY2(w.findChild<QDockWidget*>(QLatin1String(dock)), dock);
    }

    void brokenAndFutureFilesChangeNothing()
    {
        MainWindow w;
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        w.document()->setValue(QStringLiteral("run.epochs"), 7);
        const auto before = w.document()->json();
        const int undoCount = w.document()->undoStack()->count();

        QString error;
        const QString broken = writeFile(QStringLiteral("broken.json"), "{\"schema_version\": 1, \"network\": [");
        QVERIFY(!w.openFile(broken, &error));
        QVERIFY2(error.contains(QLatin1String("broken.json")), qPrintable(error));
        QCOMPARE(w.lastMessage(), error);
        QCOMPARE(w.document()->json(), before);
        QCOMPARE(w.document()->undoStack()->count(), undoCount);
        QVERIFY(w.document()->isModified());

        QFile src(QStringLiteral(":/experiments/randman.json"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        QByteArray future = src.readAll();
        future.replace("\"schema_version\": 1", "\"schema_version\": 9");
        QVERIFY(!w.openFile(writeFile(QStringLiteral("future.json"), future), &error));
        QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
        QCOMPARE(w.document()->json(), before);
        w.document()->undoStack()->setClean();
    }

    void trainsWithLiveViewsPausesResumesStops()
    {
        MainWindow w;
        w.resize(1500, 950);
        w.show();
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        w.document()->setValue(QStringLiteral("run.epochs"), 3);
        auto* charts = w.chartsPanel();
        charts->showView(QStringLiteral("loss"));

        int epochsDone = 0;
        connect(w.session(), &tp::ui::TrainingSession::epochFinished, this, [&](int e, double, double) { epochsDone = e; });
        w.runPanel()->runAction()->trigger();  // Run (F5)
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->state(), State::Running, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(charts->lossPointCount() > 10, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(epochsDone >= 1, 60000);
        charts->showView(QStringLiteral("accuracy"));
        QTRY_VERIFY_WITH_TIMEOUT(charts->accuracyPointCount() >= 1, 10000);
        charts->showView(QStringLiteral("raster"));
        QTRY_VERIFY_WITH_TIMEOUT(charts->rasterSpikeCount() > 0, 30000);

        const QString shot = m_tmp.filePath(QStringLiteral("main_window.png"));
        QVERIFY(w.saveScreenshot(shot));
        const QImage image(shot);
        QVERIFY(image.width() >= 1000 && image.height() >= 600);
        if (const QByteArray dir = qgetenv("TP_SCREENSHOT_DIR"); !dir.isEmpty())
            QFile::copy(shot, QString::fromUtf8(dir) + QStringLiteral("/main_window_training.png"));

        charts->showView(QStringLiteral("loss"));
        w.runPanel()->pauseAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->state(), State::Paused, 10000);
        QTest::qWait(200);  // let the last samples of the batch in flight arrive
        const int steps = charts->stepsShown();
        QTest::qWait(500);
        QCOMPARE(charts->stepsShown(), steps);  // nothing trains while paused
        w.runPanel()->runAction()->trigger();   // resumes
        QTRY_COMPARE_WITH_TIMEOUT(w.session()->state(), State::Running, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(charts->stepsShown() > steps, 20000);

        w.runPanel()->stopAction()->trigger();  // Shift+F5
        QTRY_VERIFY_WITH_TIMEOUT(!w.session()->isActive(), 20000);
        QVERIFY(QFile::exists(w.lastRunDir() + QStringLiteral("/checkpoint.h5")));
        QVERIFY(w.logView()->toPlainText().contains(QLatin1String("epoch 1")));
    }

    // A run never goes into a folder that holds files (e.g. a run started in the same second):
    // it picks <name>-<time>-2 and leaves the other folder as it was.
    void runGoesToAFreshFolder()
    {
        MainWindow w;
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        w.document()->setValue(QStringLiteral("dataset.samples_per_class"), 20);
        w.document()->setValue(QStringLiteral("run.epochs"), 2);
        const auto exp = w.document()->experiment();
        QVERIFY(exp);
        const QString name = QString::fromStdString(exp->name.empty() ? "experiment" : exp->name);
        // Occupy the folder names of the next two minutes with another run's file.
        const QDateTime now = QDateTime::currentDateTime();
        QStringList taken;
        for (int s = 0; s < 120; ++s) {
            const QString dir = QDir(MainWindow::runsRoot())
                                    .filePath(name + now.addSecs(s).toString(QStringLiteral("-yyyyMMdd-HHmmss")));
            QVERIFY(QDir().mkpath(dir));
            QFile other(dir + QStringLiteral("/metrics.csv"));
            QVERIFY(other.open(QIODevice::WriteOnly));
            other.write("another run\n");
            taken << dir;
        }
        QString error;
        QVERIFY2(w.startRun(&error), qPrintable(error));
        QVERIFY2(!taken.contains(w.lastRunDir()), qPrintable(w.lastRunDir()));
        QVERIFY2(taken.contains(w.lastRunDir().chopped(2)) && w.lastRunDir().endsWith(QLatin1String("-2")),
                 qPrintable(w.lastRunDir()));
        QTRY_VERIFY_WITH_TIMEOUT(!w.session()->isActive(), 60000);
        QVERIFY2(QFile::exists(w.lastRunDir() + QStringLiteral("/results.h5")), qPrintable(w.logView()->toPlainText()));
        for (const QString& dir : taken) {
            QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{QStringLiteral("metrics.csv")});
            QFile other(dir + QStringLiteral("/metrics.csv"));
            QVERIFY(other.open(QIODevice::ReadOnly));
            QCOMPARE(other.readAll(), QByteArray("another run\n"));
        }
    }

    void closingDuringTrainingKeepsTheCheckpoint()
    {
        auto* w = new MainWindow;
        w->setAttribute(Qt::WA_DeleteOnClose);
        w->show();
        QVERIFY(w->openTemplate(QStringLiteral(":/experiments/randman.json")));
        QString error;
        QVERIFY2(w->startRun(&error), qPrintable(error));
        const QString checkpoint = w->lastRunDir() + QStringLiteral("/checkpoint.h5");
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(checkpoint), 60000);
        QPointer<MainWindow> guard(w);
        QVERIFY(w->close());  // stops at the next batch boundary and joins
        QTRY_VERIFY(guard.isNull());
        const auto file = tp::h5::File::openRead(checkpoint.toStdString());
        QVERIFY(file.exists("weights"));
    }

    void comparesTpAndBpttAndOpensCliRuns()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        w.document()->setValue(QStringLiteral("run.epochs"), 2);
        w.document()->setValue(QStringLiteral("dataset.samples_per_class"), 100);
        QString error;
        // The default choice: the experiment's rule, then every other rule that trains dense layers.
        const QStringList preset = w.comparisonRules();
        QVERIFY2(preset.size() >= 3 && preset.size() <= 5, qPrintable(preset.join(',')));
        QCOMPARE(preset.mid(0, 3), (QStringList{QStringLiteral("tp"), QStringLiteral("bptt"), QStringLiteral("eprop")}));
        QVERIFY(!w.startComparison({QStringLiteral("tp")}, &error));
        QVERIFY2(error.contains(QLatin1String("2 to 5")), qPrintable(error));
        QVERIFY(!w.startComparison({QStringLiteral("tp"), QStringLiteral("nonesuch")}, &error));
        QVERIFY2(error.contains(QLatin1String("nonesuch")), qPrintable(error));
        const QStringList rules = {QStringLiteral("tp"), QStringLiteral("bptt"), QStringLiteral("eprop")};
        QVERIFY2(w.startComparison(rules, &error), qPrintable(error));
        auto* view = w.runsView();
        QTRY_COMPARE_WITH_TIMEOUT(view->runs().size(), qsizetype(3), 180000);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(view->runs()[i].rule, rules[i]);
        for (const auto& run : view->runs()) {
            QCOMPARE(run.test_accuracy.size(), qsizetype(2));
            QCOMPARE(run.samples_per_second.size(), qsizetype(2));
            QVERIFY(run.samples_per_second[0] > 0);
            QVERIFY(run.memory_bytes > 0);
        }
        // Same data and network: BPTT keeps every step (T = 100), TP two traces per neuron; e-prop
        // one eligibility trace per synapse.
        qInfo("measured memory: TP %lld, BPTT %lld, e-prop %lld bytes", view->runs()[0].memory_bytes,
              view->runs()[1].memory_bytes, view->runs()[2].memory_bytes);
        QVERIFY(view->runs()[1].memory_bytes > 5 * view->runs()[0].memory_bytes);
        QVERIFY(view->runs()[2].memory_bytes > 3 * view->runs()[0].memory_bytes);  // measured 4.5x
        QCOMPARE(view->summaryTable()->rowCount(), 3);
        QCOMPARE(view->accuracyChart()->points(0).size(), qsizetype(2));
        QCOMPARE(view->throughputChart()->points(0).size(), qsizetype(2));
        const QVector<double> mib = view->memoryChart()->values();
        QCOMPARE(mib.size(), qsizetype(3));
        QCOMPARE(mib[1], double(view->runs()[1].memory_bytes) / (1024.0 * 1024.0));
        if (const QByteArray dir = qgetenv("TP_SCREENSHOT_DIR"); !dir.isEmpty()) {
            QTest::qWait(300);  // the charts lay out their new series on the event loop: grab after it
            w.grab().save(QString::fromUtf8(dir) + QStringLiteral("/main_window_compare.png"));
        }

        // Run > Export Comparison Report: the engine's comparison report of the runs on show.
        QString reportDir, reportError = QStringLiteral("none yet");
        connect(&w, &MainWindow::reportFinished, this, [&](const QString& dir, const QString& e) { reportDir = dir, reportError = e; });
        const QString compareReport = m_tmp.filePath(QStringLiteral("gui-compare-report"));
        w.exportComparisonReport(compareReport);
        QTRY_VERIFY_WITH_TIMEOUT(reportError != QLatin1String("none yet"), 60000);
        QVERIFY2(reportError.isEmpty(), qPrintable(reportError));
        QCOMPARE(reportDir, QFileInfo(compareReport).absoluteFilePath());
        QFile csv(compareReport + QStringLiteral("/comparison.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 3 * 2);  // header + 3 runs x 2 epochs
        for (int i = 0; i < 6; ++i)
            QVERIFY2(lines[1 + i].startsWith(rules[i / 2].toUtf8() + ','), lines[1 + i].constData());
        QFile html(compareReport + QStringLiteral("/index.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        QVERIFY(html.readAll().contains("<title>Measured memory by part</title>"));
        const QStringList comparedDirs = {view->runs()[0].dir, view->runs()[1].dir};

        // A run folder written by the CLI opens with the same numbers as its metrics.json.
        const QString cliRun = m_tmp.filePath(QStringLiteral("cli-run"));
        QProcess cli;
        cli.start(QStringLiteral(TP_CLI_PATH), {QStringLiteral("train"), QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json"),
                                                QStringLiteral("--set"), QStringLiteral("run.epochs=1"), QStringLiteral("--set"),
                                                QStringLiteral("dataset.samples_per_class=50"), QStringLiteral("--out"), cliRun});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY(w.openRuns({cliRun}, &error));
        QCOMPARE(view->runs().size(), qsizetype(1));
        QFile metrics(cliRun + QStringLiteral("/metrics.json"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const double best = QJsonDocument::fromJson(metrics.readAll()).object().value(QStringLiteral("best_test_accuracy")).toDouble();
        QCOMPARE(view->runs()[0].best_test_accuracy, best);
        // One run: nothing to compare. A run of other data: refused naming its folder.
        reportError = QStringLiteral("none yet");
        w.exportComparisonReport(m_tmp.filePath(QStringLiteral("one-run-report")));
        QTRY_VERIFY_WITH_TIMEOUT(reportError != QLatin1String("none yet"), 60000);
        QVERIFY2(reportError.contains(QLatin1String("two or more")), qPrintable(reportError));
        QVERIFY(w.openRuns({comparedDirs[0], cliRun}, &error));
        reportError = QStringLiteral("none yet");
        w.exportComparisonReport(m_tmp.filePath(QStringLiteral("mixed-report")));
        QTRY_VERIFY_WITH_TIMEOUT(reportError != QLatin1String("none yet"), 60000);
        QVERIFY2(reportError.contains(QFileInfo(cliRun).absoluteFilePath()) &&
                     reportError.contains(QLatin1String("dataset.samples_per_class")),
                 qPrintable(reportError));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("mixed-report"))));
        QVERIFY(!w.openRuns({m_tmp.filePath(QStringLiteral("no-such-run"))}, &error));
        QVERIFY2(error.contains(QLatin1String("metrics.json")), qPrintable(error));
    }

    void guiAndCliReportsHoldTheSameNumbers()
    {
        const QStringList overrides = {QStringLiteral("run.epochs=2"), QStringLiteral("dataset.samples_per_class=60")};
        MainWindow w;
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        w.document()->setValue(QStringLiteral("run.epochs"), 2);
        w.document()->setValue(QStringLiteral("dataset.samples_per_class"), 60);
        QString error;
        QVERIFY2(w.startRun(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->state() == State::Finished, 60000);
        QString guiReport, reportError = QStringLiteral("none yet");
        connect(&w, &MainWindow::reportFinished, this, [&](const QString& dir, const QString& e) { guiReport = dir, reportError = e; });
        w.exportReport();
        QTRY_VERIFY_WITH_TIMEOUT(reportError != QLatin1String("none yet"), 60000);
        QVERIFY2(reportError.isEmpty(), qPrintable(reportError));

        const QString cliRun = m_tmp.filePath(QStringLiteral("cli-report-run"));
        QProcess cli;
        QStringList args = {QStringLiteral("train"), QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json"), QStringLiteral("--out"), cliRun};
        for (const QString& o : overrides)
            args << QStringLiteral("--set") << o;
        cli.start(QStringLiteral(TP_CLI_PATH), args);
        QVERIFY(cli.waitForFinished(60000) && cli.exitCode() == 0);
        cli.start(QStringLiteral(TP_CLI_PATH), {QStringLiteral("report"), cliRun});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        const auto epochs = [](const QString& reportDir) {
            QFile f(reportDir + QStringLiteral("/metrics.json"));
            f.open(QIODevice::ReadOnly);
            QJsonArray out;
            for (const QJsonValue& v : QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("epochs")).toArray()) {
                QJsonObject e = v.toObject();
                for (const char* timing : {"samples_per_second", "train_seconds", "test_seconds"})
                    e.remove(QLatin1String(timing));  // wall-clock, the only numbers allowed to differ
                out << e;
            }
            return out;
        };
        const QJsonArray gui = epochs(guiReport), cliEpochs = epochs(cliRun + QStringLiteral("/report"));
        QCOMPARE(gui.size(), 2);
        QCOMPARE(gui, cliEpochs);
        const auto confusion = [](const QString& reportDir) {
            return tp::h5::File::openRead((reportDir + QStringLiteral("/results.h5")).toStdString()).readInts("confusion_matrix").data;
        };
        QCOMPARE(confusion(guiReport), confusion(cliRun + QStringLiteral("/report")));
        QFile html(guiReport + QStringLiteral("/index.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        QVERIFY(html.readAll().count("<svg") >= 4);
    }

    void lessonLocksWhatItSaysAndResets()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openTemplate(QStringLiteral(":/lessons/what-a-trace-remembers.json")));
        auto* lessonDock = w.findChild<QDockWidget*>(QStringLiteral("dockLesson"));
        QVERIFY(lessonDock->isVisible());
        QVERIFY(lessonDock->findChild<QLabel*>(QStringLiteral("lessonTitle"))->text().contains(QLatin1String("What a trace remembers")));
        QVERIFY(!w.panelDock(QStringLiteral("log"))->isVisible());           // hidden_panels: log
        QVERIFY(!w.panelDock(QStringLiteral("log"))->toggleViewAction()->isEnabled());
        w.resetLayout();
        QVERIFY(!w.panelDock(QStringLiteral("log"))->isVisible());           // stays hidden
        if (const QByteArray dir = qgetenv("TP_SCREENSHOT_DIR"); !dir.isEmpty()) {
            w.resize(1500, 950);
            QTest::qWait(300);
            w.grab().save(QString::fromUtf8(dir) + QStringLiteral("/main_window_lesson.png"));
        }

        // Locked: run.epochs (widget disabled, typing does nothing, the document refuses).
        auto* epochs = qobject_cast<QSpinBox*>(w.propertiesPanel()->editor(QStringLiteral("run.epochs")));
        QVERIFY(epochs);
        QVERIFY(!epochs->isEnabled());
        QVERIFY(epochs->toolTip().contains(QLatin1String("Locked by the lesson")));
        epochs->setFocus();
        QTest::keyClicks(epochs, QStringLiteral("99"));
        QTest::keyClick(epochs, Qt::Key_Return);
        QCOMPARE(w.document()->value(QStringLiteral("run.epochs")).toInt(), 5);
        QString refused;
        connect(w.document(), &tp::ui::ExperimentDocument::editRefused, this, [&](const QString& path, const QString&) { refused = path; });
        w.document()->setValue(QStringLiteral("run.epochs"), 99);
        QCOMPARE(refused, QStringLiteral("run.epochs"));
        QCOMPARE(w.document()->value(QStringLiteral("run.epochs")).toInt(), 5);
        QCOMPARE(w.document()->undoStack()->count(), 0);
        w.layerEditor()->addLayer(QStringLiteral("lif"));                     // network.layers locked
        QCOMPARE(w.document()->layerCount(), 1);
        QVERIFY(!w.document()->isModified());

        // Not locked: the trace leak beta.
        auto* beta = w.propertiesPanel()->editor(QStringLiteral("neuron.beta"));
        QVERIFY(beta && beta->isEnabled());
        w.document()->setValue(QStringLiteral("neuron.beta"), 0.5);
        QCOMPARE(w.document()->value(QStringLiteral("neuron.beta")).toDouble(), 0.5);
        QVERIFY(w.resetToLessonStart());
        QCOMPARE(w.document()->value(QStringLiteral("neuron.beta")).toDouble(), 0.95);
        QVERIFY(!w.document()->isModified());

        // An ordinary experiment brings every panel back.
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        QVERIFY(!lessonDock->isVisible());
        QVERIFY(w.panelDock(QStringLiteral("log"))->isVisible());
        QVERIFY(w.propertiesPanel()->editor(QStringLiteral("run.epochs"))->isEnabled());
    }

    void finetuneDialogMatchesTheCli()
    {
        // A trained run (CLI), then the same few-shot fine-tuning from the dialog and the CLI.
        const QString run = m_tmp.filePath(QStringLiteral("ft-run"));
        const QStringList sets = {QStringLiteral("--set"), QStringLiteral("run.epochs=2"), QStringLiteral("--set"),
                                  QStringLiteral("dataset.samples_per_class=60")};
        QProcess cli;
        cli.start(QStringLiteral(TP_CLI_PATH), QStringList{QStringLiteral("train"), QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json"),
                                                           QStringLiteral("--out"), run} + sets);
        QVERIFY(cli.waitForFinished(60000) && cli.exitCode() == 0);

        tp::ui::FinetuneDialog dialog(run);
        dialog.classesEdit()->setText(QStringLiteral("0,1,2,3"));
        dialog.shotsBox()->setCurrentIndex(1);  // 5 shots
        dialog.lrBox()->setValue(2e-3);
        double before = -1, after = -1;
        QString error = QStringLiteral("none yet");
        connect(&dialog, &tp::ui::FinetuneDialog::finetuned, this, [&](double b, double a, const QString& e) { before = b, after = a, error = e; });
        dialog.start();
        QTRY_VERIFY_WITH_TIMEOUT(error != QLatin1String("none yet"), 60000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(dialog.resultText().contains(QLatin1String("before")));

        cli.start(QStringLiteral(TP_CLI_PATH), QStringList{QStringLiteral("finetune"), QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json"),
                                                           QStringLiteral("--from"), run + QStringLiteral("/results.h5"),
                                                           QStringLiteral("--classes"), QStringLiteral("0,1,2,3"), QStringLiteral("--support"),
                                                           QStringLiteral("5"), QStringLiteral("--lr"), QStringLiteral("0.002"), QStringLiteral("--json")} + sets);
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        const QJsonObject first = QJsonDocument::fromJson(cli.readAllStandardOutput().split('\n').first()).object();
        QCOMPARE(before, first.value(QStringLiteral("before_accuracy")).toDouble());
        QCOMPARE(after, first.value(QStringLiteral("after_accuracy")).toDouble());

        tp::ui::FinetuneDialog bad(m_tmp.filePath(QStringLiteral("no-run")));
        bad.classesEdit()->setText(QStringLiteral("0"));
        error = QStringLiteral("none yet");
        connect(&bad, &tp::ui::FinetuneDialog::finetuned, this, [&](double, double, const QString& e) { error = e; });
        bad.start();
        QTRY_VERIFY_WITH_TIMEOUT(error != QLatin1String("none yet"), 20000);
        QVERIFY2(error.contains(QLatin1String("metrics.json")), qPrintable(error));
    }

    void resetLayoutAndThemes()
    {
        MainWindow w;
        w.show();
        auto* log = w.findChild<QDockWidget*>(QStringLiteral("dockLog"));
        log->hide();
        QVERIFY(!log->isVisible());
        w.resetLayout();
        QVERIFY(log->isVisible());
        w.setTheme(tp::ui::Theme::Dark);
        QVERIFY(qApp->palette().color(QPalette::Window).lightness() < 100);
        w.setTheme(tp::ui::Theme::Light);
        QVERIFY(qApp->palette().color(QPalette::Window).lightness() > 150);
        QCOMPARE(QSettings().value(QStringLiteral("view/theme")).toInt(), int(tp::ui::Theme::Light));
    }

    void scriptedRunWritesAScreenshot()
    {
        const QString shot = m_tmp.filePath(QStringLiteral("scripted.png"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("TRACEPROP_RUNS_DIR"), m_tmp.filePath(QStringLiteral("scripted-runs")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("config")));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(TP_GUI_PATH), {QStringLiteral("--open"), QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json"),
                                               QStringLiteral("--run"), QStringLiteral("--screenshot"), shot,
                                               QStringLiteral("--quit-after-epochs"), QStringLiteral("1")});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800);

        p.start(QStringLiteral(TP_GUI_PATH), {QStringLiteral("--open"), m_tmp.filePath(QStringLiteral("missing.json")),
                                               QStringLiteral("--run")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("missing.json"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
