#pragma once
/// The workbench's main window: composes the panels (designer, properties, dataset, run, charts,
/// log) as dock widgets around a welcome page, owns the menus, recent files, themes, the saved
/// layout and the scripted mode of `traceprop` (--open, --run, --screenshot, --quit-after-epochs).
/// GUI thread only. Training runs in TrainingSession's thread; nothing here waits on it except
/// the stop-and-join when the window closes.
#include <QMainWindow>

#include <functional>
#include <string>

#include <QPointer>
#include <QString>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QStackedWidget;

namespace tp::ui {

class ChartsPanel;
class DatasetPanel;
class ExperimentDocument;
class LayerStackEditor;
class PropertiesPanel;
class RunCompareView;
class RunPanel;
class TrainingSession;
class WelcomePage;

enum class Theme { System, Light, Dark };

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Open an experiment file. A broken or future-version file shows a message (non-blocking)
    /// and leaves the open document exactly as it was; returns false then, with *error set.
    bool openFile(const QString& path, QString* error = nullptr);
    /// A new, untitled document with the content of `templatePath` (a shipped example).
    bool openTemplate(const QString& templatePath, QString* error = nullptr);
    /// Save to the current path (or `path`); false with a message on failure.
    bool saveTo(const QString& path, QString* error = nullptr);

    /// Start training the document's experiment (Run / F5 when idle). Runs are written under
    /// runsRoot()/<name>-<time>, or <name>-<time>-<n> when that folder already holds files;
    /// false with the validation messages when it cannot start.
    bool startRun(QString* error = nullptr) { return startRunWithRule({}, error); }
    /// Directory of the last started run ("" before any).
    QString lastRunDir() const { return m_lastRunDir; }
    /// Where runs go: $TRACEPROP_RUNS_DIR, else <AppLocalData>/runs.
    static QString runsRoot();

    /// Train the document's experiment under each of `rules` in turn (2 to 5 registered rules that
    /// train its layers; same seed, same data) and show the runs side by side in the Runs view when
    /// the last one ends. Empty: comparisonRules(). False with a message for a list it cannot run.
    bool startComparison(const QStringList& rules = {}, QString* error = nullptr);
    /// The default choice of Run > Compare Rules: the experiment's rule, then the other registered
    /// rules that train its layers, at most five.
    QStringList comparisonRules() const;
    /// Show finished run folders (CLI or GUI runs) in the Runs view; false with a message
    /// naming the file when one cannot be read.
    bool openRuns(const QStringList& dirs, QString* error = nullptr);

    /// Write the report of `runDir` (empty: the last run) into `outDir` (empty: runDir/report)
    /// on a worker thread, with the same code as `traceprop-cli report`; reportFinished() tells.
    void exportReport(const QString& runDir = {}, const QString& outDir = {});
    /// Run > Export Comparison Report: one report of the runs the Runs view shows (two or more)
    /// into `outDir`, with the same code as `traceprop-cli report RUN1 RUN2 ...`, on a worker
    /// thread; reportFinished() tells. Empty `outDir`: asked with a file dialog (scripted: the
    /// default, "report" beside the first run). When not scripted it offers to open the result.
    void exportComparisonReport(const QString& outDir = {});

    /// File > Export > NIR: the network of `run` (a run folder, or its results.h5 / checkpoint.h5)
    /// as a NIR graph in `nirFile`, with export-nir's code (dt_s <= 0: its default step). False
    /// with a message when it cannot be written. Blocks the GUI thread for the read and write.
    bool exportNir(const QString& run, const QString& nirFile, double dt_s = 0, QString* error = nullptr);
    /// File > Import NIR: writes `experimentFile` and its initial weights beside it from
    /// `nirFile` (import-nir's code), then opens it. False with a message (naming every problem
    /// of a graph it cannot take) on failure; the open document stays as it was.
    bool importNir(const QString& nirFile, const QString& experimentFile, QString* error = nullptr);

    /// Scripted use: once `epochs` epochs have finished, save a screenshot to `screenshotPath`
    /// (when not empty), stop the run and close the window (no save prompt).
    void quitAfterEpochs(int epochs, const QString& screenshotPath);
    /// Grab the whole window into a PNG (atomic write); false when it cannot be written.
    bool saveScreenshot(const QString& path);

    void setTheme(Theme theme);
    Theme theme() const { return m_theme; }
    void resetLayout();
    /// Lesson mode: replace the document by the lesson file as it was opened (no prompt).
    bool resetToLessonStart();
    /// The dock of a lesson panel name ("layers", "properties", "dataset", "run", "charts", "log").
    QDockWidget* panelDock(const QString& lessonName) const;

    ExperimentDocument* document() const { return m_doc; }
    TrainingSession* session() const { return m_session; }
    LayerStackEditor* layerEditor() const { return m_layers; }
    PropertiesPanel* propertiesPanel() const { return m_properties; }
    DatasetPanel* datasetPanel() const { return m_dataset; }
    RunPanel* runPanel() const { return m_run; }
    ChartsPanel* chartsPanel() const { return m_charts; }
    RunCompareView* runsView() const { return m_runs; }
    QPlainTextEdit* logView() const { return m_log; }
    QString lastMessage() const { return m_lastMessage; }

Q_SIGNALS:
    /// A report was written to `dir` (error empty) or could not be (dir empty, error says why).
    void reportFinished(const QString& dir, const QString& error);

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    bool startRunWithRule(const QString& rule, QString* error);
    /// Runs `work` under a wait cursor; false with a message titled `title` (and *error) when it throws.
    bool attempt(const QString& title, QString* error, const std::function<void()>& work);
    /// Runs `write` (returns the folder written) on a worker thread, then logs, tells
    /// reportFinished() and, with `offerToOpen`, offers to open its index.html.
    void writeReportInBackground(const QString& what, bool offerToOpen, std::function<std::string()> write);
    void chooseComparison();  ///< Run > Compare Rules: the dialog, then startComparison
    void buildDocks();
    void buildMenus();
    void connectSession();
    QDockWidget* addDock(const QString& title, const QString& objectName, QWidget* widget,
                         Qt::DockWidgetArea area);
    void showMessage(const QString& title, const QString& text);
    void appendLog(const QString& text);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void updateTitle();
    void showWorkspace(bool documentOpen);
    bool maybeSave();
    void open();
    bool saveAs();
    void applyTheme();
    void applyLesson();

    ExperimentDocument* m_doc = nullptr;
    TrainingSession* m_session = nullptr;
    LayerStackEditor* m_layers = nullptr;
    PropertiesPanel* m_properties = nullptr;
    DatasetPanel* m_dataset = nullptr;
    RunPanel* m_run = nullptr;
    ChartsPanel* m_charts = nullptr;
    RunCompareView* m_runs = nullptr;
    QStringList m_comparisonRules;    ///< rules still to run in a comparison
    QStringList m_comparisonDirs;     ///< run folders of the comparison so far
    QAction* m_exportComparison = nullptr;  ///< enabled while the Runs view shows 2+ runs
    QPlainTextEdit* m_log = nullptr;
    QWidget* m_lesson = nullptr;
    QString m_docSource;              ///< file or example the document was opened from (lesson reset)
    WelcomePage* m_welcome = nullptr;
    QLabel* m_statusRun = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QByteArray m_defaultState;
    QString m_lastRunDir;
    QString m_lastMessage;
    Theme m_theme = Theme::System;
    bool m_scripted = false;          ///< --quit-after-epochs: no prompts, close when done
    int m_quitAfterEpochs = 0;
    QString m_screenshotPath;
    bool m_applyingTheme = false;
};

} // namespace tp::ui
