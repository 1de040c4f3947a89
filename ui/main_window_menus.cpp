// MainWindow's menus and tool bar (buildMenus), apart from main_window.cpp: what each entry
// does is a MainWindow member or a dialog of its own.
#include <QActionGroup>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>
#include <QStyle>
#include <QToolBar>
#include <QUndoStack>

#include "ui/document/experiment_document.h"
#include "ui/main_window.h"
#include "ui/run/nir_transfer.h"
#include "ui/run/run_panel.h"
#include "ui/run/training_session.h"
#include "ui/views/finetune_dialog.h"
#include "ui/views/run_compare_view.h"

namespace tp::ui {

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newAct = file->addAction(style()->standardIcon(QStyle::SP_FileIcon), tr("&New from Example..."), this, [this] {
        if (maybeSave())
            showWorkspace(false);
    });
    newAct->setShortcut(QKeySequence::New);
    QAction* openAct = file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open..."), this, &MainWindow::open);
    openAct->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open R&un..."), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Run Folder"), runsRoot());
        if (!dir.isEmpty())
            openRuns({dir});
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Export &Report..."), this, [this] {
        const QString run = m_lastRunDir.isEmpty() && !m_runs->runs().isEmpty() ? m_runs->runs().front().dir : m_lastRunDir;
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Run Folder to Report On"), run.isEmpty() ? runsRoot() : run);
        if (!dir.isEmpty())
            exportReport(dir);
    });
    QMenu* exportMenu = file->addMenu(tr("E&xport"));
    exportMenu->addAction(tr("&NIR Graph..."), this, [this] {
        if (const auto c = askNirExport(this, m_lastRunDir.isEmpty() ? runsRoot() : m_lastRunDir))
            exportNir(c->run, c->file, c->dt_s);
    })->setToolTip(tr("The trained network of a run as a NIR graph (HDF5) for snnTorch, Norse, Sinabs, Lava, ... "
                      "(traceprop-cli export-nir)"));
    file->addAction(tr("&Import NIR Graph..."), this, [this] {
        if (!maybeSave())
            return;
        if (const auto c = askNirImport(this, QDir::homePath()))
            importNir(c->nir, c->experiment);
    })->setToolTip(tr("An experiment and its initial weights from a NIR graph, to evaluate or train with any rule "
                      "(traceprop-cli import-nir)"));
    file->addSeparator();
    QAction* saveAct = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save"), this, [this] {
        if (m_doc->filePath().isEmpty())
            saveAs();
        else
            saveTo(m_doc->filePath());
    });
    saveAct->setShortcut(QKeySequence::Save);
    QAction* saveAsAct = file->addAction(tr("Save &As..."), this, &MainWindow::saveAs);
    saveAsAct->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    QAction* quitAct = file->addAction(tr("&Quit"), this, &QWidget::close);
    quitAct->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
    QAction* redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    redo->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    for (QAction* a : {m_run->runAction(), m_run->pauseAction(), m_run->stepAction(), m_run->stopAction()})
        run->addAction(a);
    run->addSeparator();
    QAction* compare = run->addAction(tr("&Compare Rules..."), this, [this] { chooseComparison(); });
    compare->setToolTip(tr("Train this experiment under 2 to 5 learning rules, one after another (same seed and data), "
                           "and show them side by side: accuracy, local losses, throughput and measured memory"));
    connect(m_session, &TrainingSession::stateChanged, compare, [this, compare] { compare->setEnabled(!m_session->isActive()); });
    m_exportComparison = run->addAction(tr("Export Comparison &Report..."), this, [this] { exportComparisonReport(); });
    m_exportComparison->setToolTip(tr("One report (HTML, PDF, CSV, HDF5) of the runs shown in the Runs view: the same as "
                                      "traceprop-cli report RUN1 RUN2 ..."));
    m_exportComparison->setEnabled(false);  // until the Runs view shows two runs or more
    run->addAction(tr("&Fine-tune a Trained Run..."), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Run Folder to Fine-tune"), m_lastRunDir.isEmpty() ? runsRoot() : m_lastRunDir);
        if (dir.isEmpty())
            return;
        auto* dialog = new FinetuneDialog(dir, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &FinetuneDialog::finetuned, this, [this, dir](double before, double after, const QString& error) {
            appendLog(error.isEmpty() ? tr("fine-tuned %1: query accuracy %2% -> %3%").arg(dir).arg(100 * before, 0, 'f', 2).arg(100 * after, 0, 'f', 2)
                                      : tr("fine-tuning %1 failed: %2").arg(dir, error));
        });
        dialog->show();
    });

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    QMenu* themeMenu = m_viewMenu->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (auto [t, label] : {std::pair{Theme::System, tr("Follow &System")}, std::pair{Theme::Light, tr("&Light")},
                            std::pair{Theme::Dark, tr("&Dark")}}) {
        QAction* a = themeMenu->addAction(label, this, [this, t = t] { setTheme(t); });
        a->setCheckable(true);
        a->setChecked(t == m_theme);
        a->setData(int(t));
        group->addAction(a);
    }
    m_viewMenu->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About TraceProp Workbench"), this, [this] {
        showMessage(tr("About TraceProp Workbench"),
                    tr("TraceProp Workbench %1\nTraces Propagation (Pes, Yin, Stuijk, Corradi 2025): forward-only, "
                       "layer-local training of spiking networks.")
                        .arg(QStringLiteral(TP_VERSION)));
    });

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("toolbarMain"));
    for (QAction* a : {openAct, saveAct})
        bar->addAction(a);
    bar->addSeparator();
    bar->addAction(undo);
    bar->addAction(redo);
    bar->addSeparator();
    for (QAction* a : {m_run->runAction(), m_run->pauseAction(), m_run->stepAction(), m_run->stopAction()})
        bar->addAction(a);
    // Icon-only tool buttons: their accessible name is the action's text (QToolButton does it).
}

} // namespace tp::ui
