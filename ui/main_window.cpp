#include "ui/main_window.h"

#include <algorithm>

#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTimer>
#include <QThread>
#include <QTextBrowser>
#include <QPushButton>
#include <QVBoxLayout>
#include <QUrl>

#include "registry.h"
#include "rules/registry.h"
#include "report/report.h"
#include "ui/dataset/dataset_panel.h"
#include "ui/designer/layer_stack_editor.h"
#include "ui/designer/properties_panel.h"
#include "ui/document/experiment_document.h"
#include "ui/run/compare_rules_dialog.h"
#include "ui/run/nir_transfer.h"
#include "ui/run/run_panel.h"
#include "ui/run/training_session.h"
#include "ui/views/charts_panel.h"
#include "ui/views/run_compare_view.h"
#include "ui/theme.h"
#include "ui/welcome_page.h"

namespace tp::ui {

namespace {

constexpr int kMaxRecentFiles = 8;

QString formatEta(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e7)
        return QStringLiteral("–");
    const qint64 s = qint64(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setDockNestingEnabled(true);
    m_doc = new ExperimentDocument(this);
    m_session = new TrainingSession(this);

    m_welcome = new WelcomePage;
    setCentralWidget(m_welcome);
    connect(m_welcome, &WelcomePage::templateRequested, this, [this](const QString& p) { openTemplate(p); });
    connect(m_welcome, &WelcomePage::openRequested, this, [this](const QString& p) { openFile(p); });
    connect(m_welcome, &WelcomePage::recoverRequested, this, [this](const QString& p) {
        QString message;
        if (!maybeSave())
            return;
        if (m_doc->recover(p, &message))
            showWorkspace(true);
        else
            showMessage(tr("Cannot recover"), message);
    });

    buildDocks();
    buildMenus();
    connectSession();

    connect(m_doc, &ExperimentDocument::modifiedChanged, this, [this](bool) { updateTitle(); });
    connect(m_doc, &ExperimentDocument::filePathChanged, this, [this](const QString&) { updateTitle(); });
    connect(m_doc, &ExperimentDocument::changed, this, [this] { updateTitle(); });
    connect(m_doc, &ExperimentDocument::documentReset, this, &MainWindow::applyLesson);
    connect(m_doc, &ExperimentDocument::editRefused, this,
            [this](const QString&, const QString& why) { statusBar()->showMessage(why, 4000); });

    m_statusRun = new QLabel(tr("Ready"));
    m_statusRun->setAccessibleName(tr("Run status"));
    statusBar()->addPermanentWidget(m_statusRun);

    resize(1400, 900);
    m_defaultState = saveState();
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray());
    m_theme = Theme(settings.value(QStringLiteral("view/theme"), int(Theme::System)).toInt());
    applyTheme();
    rebuildRecentMenu();
    m_welcome->setRecoverableFiles(ExperimentDocument::recoverableFiles());
    showWorkspace(false);
    updateTitle();
    applyLesson();
}

MainWindow::~MainWindow()
{
    for (QThread* thread : findChildren<QThread*>(Qt::FindDirectChildrenOnly))
        thread->wait();  // a report being written
}

QDockWidget* MainWindow::addDock(const QString& title, const QString& objectName, QWidget* widget,
                                 Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);  // saveState() needs it
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildDocks()
{
    m_layers = new LayerStackEditor(m_doc);
    m_properties = new PropertiesPanel(m_doc, m_layers);
    m_dataset = new DatasetPanel(m_doc);
    m_run = new RunPanel(m_session);
    m_charts = new ChartsPanel(m_session);
    m_log = new QPlainTextEdit;
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setAccessibleName(tr("Log"));

    m_lesson = new QWidget;
    {
        auto* box = new QVBoxLayout(m_lesson);
        auto* title = new QLabel;
        title->setObjectName(QStringLiteral("lessonTitle"));
        title->setWordWrap(true);
        auto* text = new QTextBrowser;
        text->setObjectName(QStringLiteral("lessonText"));
        text->setAccessibleName(tr("Lesson text"));
        auto* reset = new QPushButton(tr("Reset to lesson start"));
        reset->setToolTip(tr("Discard your changes and reopen the lesson as it was given"));
        connect(reset, &QPushButton::clicked, this, [this] { resetToLessonStart(); });
        box->addWidget(title);
        box->addWidget(text, 1);
        box->addWidget(reset);
    }
    auto* lesson = addDock(tr("Lesson"), QStringLiteral("dockLesson"), m_lesson, Qt::LeftDockWidgetArea);
    auto* layers = addDock(tr("Layers"), QStringLiteral("dockLayers"), m_layers, Qt::LeftDockWidgetArea);
    auto* props = addDock(tr("Properties"), QStringLiteral("dockProperties"), m_properties, Qt::LeftDockWidgetArea);
    auto* run = addDock(tr("Run"), QStringLiteral("dockRun"), m_run, Qt::RightDockWidgetArea);
    auto* charts = addDock(tr("Charts"), QStringLiteral("dockCharts"), m_charts, Qt::RightDockWidgetArea);
    auto* data = addDock(tr("Dataset"), QStringLiteral("dockDataset"), m_dataset, Qt::RightDockWidgetArea);
    m_runs = new RunCompareView;
    auto* runs = addDock(tr("Runs"), QStringLiteral("dockRuns"), m_runs, Qt::RightDockWidgetArea);
    auto* log = addDock(tr("Log"), QStringLiteral("dockLog"), m_log, Qt::BottomDockWidgetArea);
    splitDockWidget(lesson, layers, Qt::Vertical);
    splitDockWidget(layers, props, Qt::Vertical);
    splitDockWidget(run, charts, Qt::Vertical);
    tabifyDockWidget(charts, data);  // data before training, charts while it runs
    tabifyDockWidget(charts, runs);
    data->raise();
    connect(m_session, &TrainingSession::runStarted, charts, &QDockWidget::raise);
    resizeDocks({layers, run}, {420, 1000}, Qt::Horizontal);
    resizeDocks({run, charts}, {60, 800}, Qt::Vertical);
    resizeDocks({log}, {110}, Qt::Vertical);
}

void MainWindow::connectSession()
{
    connect(m_run, &RunPanel::runRequested, this, [this] { startRun(); });
    connect(m_session, &TrainingSession::logMessage, this, &MainWindow::appendLog);
    connect(m_session, &TrainingSession::progress, this,
            [this](int epoch, int epochs, qint64 batch, qint64 batches, double eta, double sps) {
                m_statusRun->setText(tr("Epoch %1/%2 · batch %3/%4 · %5 samples/s · ETA %6")
                                         .arg(epoch).arg(epochs).arg(batch).arg(batches)
                                         .arg(qRound64(sps)).arg(formatEta(eta)));
            });
    connect(m_session, &TrainingSession::epochFinished, this, [this](int epoch, double train, double test) {
        appendLog(tr("epoch %1: train %2%, test %3%").arg(epoch).arg(100 * train, 0, 'f', 2).arg(100 * test, 0, 'f', 2));
        if (m_quitAfterEpochs > 0 && epoch >= m_quitAfterEpochs) {
            // Let the charts take in this epoch's points before the picture is taken.
            QTimer::singleShot(400, this, [this] {
                if (!m_screenshotPath.isEmpty() && !saveScreenshot(m_screenshotPath))
                    appendLog(tr("cannot write the screenshot %1").arg(m_screenshotPath));
                close();
            });
            m_quitAfterEpochs = 0;
        }
    });
    connect(m_session, &TrainingSession::checkpointSaved, this,
            [this](const QString& path) { statusBar()->showMessage(tr("Checkpoint saved: %1").arg(path), 4000); });
    connect(m_session, &TrainingSession::finished, this, [this] {
        m_statusRun->setText(tr("Finished · results in %1").arg(QDir::toNativeSeparators(m_lastRunDir)));
        appendLog(tr("run finished; results in %1").arg(m_lastRunDir));
        if (m_comparisonRules.isEmpty() && m_comparisonDirs.isEmpty())
            return;
        m_comparisonDirs << m_lastRunDir;
        if (!m_comparisonRules.isEmpty()) {
            // The session emits finished() from its own bookkeeping: start the next run after it.
            QTimer::singleShot(0, this, [this] {
                if (!startRunWithRule(m_comparisonRules.takeFirst(), nullptr)) {
                    m_comparisonRules.clear();
                    m_comparisonDirs.clear();
                }
            });
        } else {
            openRuns(m_comparisonDirs);
            m_comparisonDirs.clear();
        }
    });
    connect(m_session, &TrainingSession::failed, this, [this](const QString& message) {
        m_comparisonRules.clear();
        m_comparisonDirs.clear();
        m_statusRun->setText(tr("Failed"));
        showMessage(tr("Training failed"), message);
    });
}

void MainWindow::showMessage(const QString& title, const QString& text)
{
    m_lastMessage = text;
    appendLog(title + QStringLiteral(": ") + text);
    if (m_scripted)
        return;
    // Window-modal but non-blocking: scripts and tests keep running while it is shown.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::appendLog(const QString& text)
{
    m_log->appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
}

bool MainWindow::openFile(const QString& path, QString* error)
{
    QString message;
    if (!m_doc->load(path, &message)) {
        showMessage(tr("Cannot open %1").arg(QFileInfo(path).fileName()), message);
        if (error)
            *error = message;
        return false;
    }
    addRecentFile(QFileInfo(path).absoluteFilePath());
    m_docSource = path;
    showWorkspace(true);
    appendLog(tr("opened %1").arg(path));
    return true;
}

bool MainWindow::openTemplate(const QString& templatePath, QString* error)
{
    if (!maybeSave())
        return false;
    QString message;
    if (!m_doc->newFromTemplate(templatePath, &message)) {
        showMessage(tr("Cannot open the example"), message);
        if (error)
            *error = message;
        return false;
    }
    m_docSource = templatePath;
    showWorkspace(true);
    appendLog(tr("new experiment from %1").arg(QFileInfo(templatePath).fileName()));
    return true;
}

bool MainWindow::saveTo(const QString& path, QString* error)
{
    QString message;
    if (!m_doc->save(path, &message)) {
        showMessage(tr("Cannot save"), message);
        if (error)
            *error = message;
        return false;
    }
    addRecentFile(QFileInfo(path).absoluteFilePath());
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 3000);
    return true;
}

void MainWindow::open()
{
    if (!maybeSave())
        return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Experiment"), QString(),
                                                      tr("Experiment files (*.json);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

bool MainWindow::saveAs()
{
    const QString suggestion = m_doc->filePath().isEmpty() ? QDir::home().filePath(m_doc->displayName() + QStringLiteral(".json"))
                                                           : m_doc->filePath();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Experiment As"), suggestion,
                                                      tr("Experiment files (*.json)"));
    return !path.isEmpty() && saveTo(path);
}

bool MainWindow::maybeSave()
{
    if (!m_doc->isModified() || m_scripted)
        return true;
    const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
                                              tr("Save the changes to %1 first?").arg(m_doc->displayName()),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save)
        return m_doc->filePath().isEmpty() ? saveAs() : saveTo(m_doc->filePath());
    return true;
}

QString MainWindow::runsRoot()
{
    const QString env = qEnvironmentVariable("TRACEPROP_RUNS_DIR");
    if (!env.isEmpty())
        return env;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("runs"));
}

QStringList MainWindow::comparisonRules() const
{
    const auto e = m_doc->experiment(nullptr);
    if (!e)
        return {};
    QStringList rules{QString::fromStdString(e->rule.name)};
    for (const tp::LearningRule* r : tp::learningRules()) {
        if (tp::trainsLayers(*r, e->network) && !rules.contains(QString::fromUtf8(r->name)) && rules.size() < kMaxComparedRules)
            rules << QString::fromUtf8(r->name);
    }
    return rules;
}

void MainWindow::chooseComparison()
{
    const auto e = m_doc->experiment(nullptr);
    if (!e) {
        showMessage(tr("Cannot compare"), tr("The experiment has errors: fix them first (see the marked fields)."));
        return;
    }
    const QStringList rules = chooseRulesToCompare(this, *e, comparisonRules());
    if (rules.isEmpty())
        return;
    QString error;
    if (!startComparison(rules, &error))
        showMessage(tr("Cannot compare"), error);
}

bool MainWindow::startComparison(const QStringList& chosen, QString* error)
{
    const QStringList rules = chosen.isEmpty() ? comparisonRules() : chosen;
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (rules.size() < kMinComparedRules || rules.size() > kMaxComparedRules)
        return fail(tr("A comparison takes %1 to %2 rules, not %3.").arg(kMinComparedRules).arg(kMaxComparedRules).arg(rules.size()));
    for (const QString& name : rules)
        if (!tp::findRule(name.toStdString()))
            return fail(tr("Unknown rule '%1' (known: %2).").arg(name, QString::fromStdString(tp::ruleNames())));
    m_comparisonDirs.clear();
    m_comparisonRules = rules.mid(1);
    if (startRunWithRule(rules.value(0), error))
        return true;
    m_comparisonRules.clear();
    return false;
}

bool MainWindow::openRuns(const QStringList& dirs, QString* error)
{
    QVector<RunRecord> records;
    for (const QString& dir : dirs) {
        QString message;
        auto record = loadRunRecord(dir, &message);
        if (!record) {
            showMessage(tr("Cannot open the run"), message);
            if (error)
                *error = message;
            return false;
        }
        records << *record;
    }
    m_runs->setRuns(records);
    m_exportComparison->setEnabled(records.size() >= 2);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("dockRuns"))) {
        dock->show();
        dock->raise();
    }
    appendLog(tr("showing %n run(s): %1", nullptr, int(dirs.size())).arg(dirs.join(QStringLiteral(", "))));
    return true;
}

bool MainWindow::startRunWithRule(const QString& rule, QString* error)
{
    QStringList problems;
    auto experiment = m_doc->experiment(&problems);
    QString message;
    if (!experiment) {
        message = tr("The experiment is not valid:\n") + problems.join(QLatin1Char('\n'));
    } else {
        if (!rule.isEmpty())
            experiment->rule.name = rule.toStdString();
        const QString name = QString::fromStdString((experiment->name.empty() ? "experiment" : experiment->name) +
                                                    (rule.isEmpty() ? "" : "-" + rule.toStdString()));
        const QString base = QDir(runsRoot()).filePath(name + QDateTime::currentDateTime().toString(QStringLiteral("-yyyyMMdd-HHmmss")));
        // Never into a folder that holds files (a run started in the same second): runs must not mix.
        QString dir = base;
        for (int n = 2; QDir(dir).exists() && !QDir(dir).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot); ++n)
            dir = base + QStringLiteral("-%1").arg(n);
        if (!QDir().mkpath(dir))
            message = tr("Cannot create the run folder %1").arg(dir);
        else if (m_session->start(*experiment, dir, &message)) {
            m_lastRunDir = dir;
            appendLog(tr("run started: %1 → %2").arg(name, dir));
            return true;
        }
    }
    showMessage(tr("Cannot start training"), message);
    if (error)
        *error = message;
    return false;
}

void MainWindow::exportReport(const QString& runDir, const QString& outDir)
{
    const QString run = runDir.isEmpty() ? m_lastRunDir : runDir;
    writeReportInBackground(tr("the report of %1").arg(run), false, [run, outDir] {
        ReportOptions options;
        options.open_dataset = [](const Experiment& e) { return openDataset(e.dataset); };
        return writeReport(run.toStdString(), outDir.toStdString(), options);
    });
}

bool MainWindow::exportNir(const QString& run, const QString& nirFile, double dt_s, QString* error)
{
    return attempt(tr("Cannot export NIR"), error, [&] { appendLog(exportNirGraph(run, nirFile, dt_s)); });
}

bool MainWindow::importNir(const QString& nirFile, const QString& experimentFile, QString* error)
{
    return attempt(tr("Cannot import %1").arg(QFileInfo(nirFile).fileName()), error, [&] {
        for (const QString& line : importNirGraph(nirFile, experimentFile))
            appendLog(line);
    }) && openFile(experimentFile, error);
}

bool MainWindow::attempt(const QString& title, QString* error, const std::function<void()>& work)
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    QString message;
    try {
        work();
    } catch (const std::exception& e) {
        message = QString::fromStdString(e.what());
    }
    QApplication::restoreOverrideCursor();
    if (message.isEmpty())
        return true;
    showMessage(title, message);
    if (error)
        *error = message;
    return false;
}

void MainWindow::exportComparisonReport(const QString& outDir)
{
    std::vector<std::string> dirs;
    for (const RunRecord& r : m_runs->runs())
        dirs.push_back(r.dir.toStdString());
    if (dirs.size() < 2) {
        showMessage(tr("Cannot export a comparison"), tr("The Runs view shows %n run(s): a comparison report takes two or "
                                                         "more (Run > Compare Rules...).", nullptr, int(dirs.size())));
        Q_EMIT reportFinished({}, m_lastMessage);
        return;
    }
    QString out = outDir;
    if (out.isEmpty() && !m_scripted) {
        out = QFileDialog::getSaveFileName(this, tr("Save Comparison Report As (a folder)"),
                                           QString::fromStdString(tp::defaultComparisonDir(dirs)));
        if (out.isEmpty())
            return;
    }
    writeReportInBackground(tr("the comparison report of %n run(s)", nullptr, int(dirs.size())), !m_scripted,
                            [dirs, out] { return writeComparisonReport(dirs, out.toStdString()); });
}

void MainWindow::writeReportInBackground(const QString& what, bool offerToOpen, std::function<std::string()> write)
{
    auto result = std::make_shared<std::pair<QString, QString>>();  // (folder written, error)
    QThread* thread = QThread::create([write = std::move(write), result] {
        try {
            result->first = QString::fromStdString(write());
        } catch (const std::exception& error) {
            result->second = QString::fromStdString(error.what());
        }
    });
    thread->setParent(this);  // waited for in the destructor
    connect(thread, &QThread::finished, this, [this, thread, result, offerToOpen] {
        thread->deleteLater();
        if (result->second.isEmpty()) {
            const QString index = result->first + QStringLiteral("/index.html");
            appendLog(tr("report written to %1").arg(result->first));
            statusBar()->showMessage(tr("Report written: %1").arg(QDir::toNativeSeparators(index)), 8000);
            if (offerToOpen) {  // non-blocking, like showMessage
                auto* box = new QMessageBox(QMessageBox::Question, tr("Report Written"),
                                            tr("The report is in %1.\nOpen it?").arg(QDir::toNativeSeparators(result->first)),
                                            QMessageBox::Open | QMessageBox::Close, this);
                box->setAttribute(Qt::WA_DeleteOnClose);
                connect(box->button(QMessageBox::Open), &QAbstractButton::clicked, this,
                        [index] { QDesktopServices::openUrl(QUrl::fromLocalFile(index)); });
                box->open();
            }
        } else {
            showMessage(tr("Cannot write the report"), result->second);
        }
        Q_EMIT reportFinished(result->first, result->second);
    });
    appendLog(tr("writing %1...").arg(what));
    thread->start();
}

void MainWindow::quitAfterEpochs(int epochs, const QString& screenshotPath)
{
    m_scripted = true;
    m_quitAfterEpochs = epochs;
    m_screenshotPath = screenshotPath;
}

bool MainWindow::saveScreenshot(const QString& path)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && grab().save(&file, "PNG") && file.commit();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    // Stop at the next batch boundary and join: the last completed checkpoint stays intact.
    m_session->stop();
    m_session->waitForIdle();
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    event->accept();
}

void MainWindow::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::ApplicationPaletteChange && m_theme == Theme::System && !m_applyingTheme)
        applyTheme();
    QMainWindow::changeEvent(event);
}

void MainWindow::setTheme(Theme theme)
{
    m_theme = theme;
    QSettings().setValue(QStringLiteral("view/theme"), int(theme));
    applyTheme();
}

void MainWindow::applyTheme()
{
    m_applyingTheme = true;
    if (m_theme == Theme::System) {
        qApp->setPalette(qApp->style()->standardPalette());
    } else {
        qApp->setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        qApp->setPalette(m_theme == Theme::Dark ? darkPalette() : qApp->style()->standardPalette());
    }
    m_applyingTheme = false;
}

void MainWindow::resetLayout()
{
    restoreState(m_defaultState);
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        dock->show();
    applyLesson();  // what the lesson hides stays hidden
}

QDockWidget* MainWindow::panelDock(const QString& lessonName) const
{
    static const QHash<QString, QString> docks = {
        {QStringLiteral("layers"), QStringLiteral("dockLayers")},   {QStringLiteral("properties"), QStringLiteral("dockProperties")},
        {QStringLiteral("dataset"), QStringLiteral("dockDataset")}, {QStringLiteral("run"), QStringLiteral("dockRun")},
        {QStringLiteral("charts"), QStringLiteral("dockCharts")},   {QStringLiteral("log"), QStringLiteral("dockLog")}};
    return findChild<QDockWidget*>(docks.value(lessonName));
}

void MainWindow::applyLesson()
{
    const auto& doc = m_doc->json();
    const auto it = doc.find("lesson");
    const bool lesson = it != doc.end() && it->is_object();
    QStringList hidden;
    if (lesson && it->contains("hidden_panels") && (*it)["hidden_panels"].is_array())
        for (const auto& name : (*it)["hidden_panels"])
            if (name.is_string())
                hidden << QString::fromStdString(name.get<std::string>());
    for (const QString& name : {QStringLiteral("layers"), QStringLiteral("properties"), QStringLiteral("dataset"),
                                QStringLiteral("run"), QStringLiteral("charts"), QStringLiteral("log")}) {
        QDockWidget* dock = panelDock(name);
        const bool hide = hidden.contains(name);
        dock->toggleViewAction()->setEnabled(!hide);  // a lesson's hidden panel stays hidden
        if (hide)
            dock->hide();
        else if (dock->property("hiddenByLesson").toBool())
            dock->show();
        dock->setProperty("hiddenByLesson", hide);
    }
    auto* dock = findChild<QDockWidget*>(QStringLiteral("dockLesson"));
    dock->setVisible(lesson);
    dock->toggleViewAction()->setEnabled(lesson);
    if (!lesson)
        return;
    const auto text = [&](const char* key) {
        return it->contains(key) && (*it)[key].is_string() ? QString::fromStdString((*it)[key].get<std::string>()) : QString();
    };
    m_lesson->findChild<QLabel*>(QStringLiteral("lessonTitle"))->setText(QStringLiteral("<h3>%1</h3>").arg(text("title").toHtmlEscaped()));
    QString html;
    for (const QString& paragraph : text("text").split(QStringLiteral("\n\n"), Qt::SkipEmptyParts))
        html += QStringLiteral("<p>%1</p>").arg(paragraph.toHtmlEscaped());
    m_lesson->findChild<QTextBrowser*>(QStringLiteral("lessonText"))->setHtml(html);
}

bool MainWindow::resetToLessonStart()
{
    if (m_docSource.isEmpty())
        return false;
    QString message;
    const bool ok = m_docSource.startsWith(QLatin1String(":/")) ? m_doc->newFromTemplate(m_docSource, &message)
                                                                 : m_doc->load(m_docSource, &message);
    if (!ok)
        showMessage(tr("Cannot reset the lesson"), message);
    else
        appendLog(tr("lesson reset to its start"));
    return ok;
}

void MainWindow::addRecentFile(const QString& path)
{
    QSettings settings;
    QStringList files = settings.value(QStringLiteral("recentFiles")).toStringList();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    const QStringList files = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    m_recentMenu->clear();
    int index = 0;
    for (const QString& path : files) {
        if (!QFileInfo::exists(path))
            continue;
        QAction* a = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(++index).arg(QFileInfo(path).fileName()), this,
                                             [this, path] {
                                                 if (maybeSave())
                                                     openFile(path);
                                             });
        a->setToolTip(path);
    }
    m_recentMenu->setEnabled(index > 0);
    m_welcome->setRecentFiles(files);
}

void MainWindow::updateTitle()
{
    // An untitled document from an example still says which experiment it is.
    const QString name = m_doc->value(QStringLiteral("name")).toString();
    const QString file = m_doc->displayName();
    const QString shown = name.isEmpty() || QFileInfo(file).baseName() == name ? file : QStringLiteral("%1 (%2)").arg(name, file);
    setWindowTitle(shown + QStringLiteral("[*] — TraceProp Workbench"));
    setWindowModified(m_doc->isModified());
}

void MainWindow::showWorkspace(bool documentOpen)
{
    m_welcome->setVisible(!documentOpen);
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        dock->widget()->setEnabled(documentOpen || dock->objectName() == QLatin1String("dockLog"));
}

} // namespace tp::ui
