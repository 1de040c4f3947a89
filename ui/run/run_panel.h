#pragma once
/// Run controls of the workbench: Run (F5; resumes when paused), Pause, Step one batch (F10),
/// Stop (Shift+F5), the learning rate (changeable while running), progress and ETA. The main
/// window puts the actions into its menu and toolbar as well (they are the same QActions).
#include <QWidget>

#include "ui/run/training_session.h"

class QAction;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;

namespace tp::ui {

class RunPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunPanel(TrainingSession* session, QWidget* parent = nullptr);

    QAction* runAction() const { return m_run; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stepAction() const { return m_step; }
    QAction* stopAction() const { return m_stop; }
    QDoubleSpinBox* learningRateBox() const { return m_lr; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* etaLabel() const { return m_eta; }

Q_SIGNALS:
    /// Run was pressed while no run is going: the owner starts the session with its experiment.
    void runRequested();

private:
    void updateActions();
    void showProgress(int epoch, int epochs, qint64 batch, qint64 batches, double etaSeconds, double samplesPerSecond);

    TrainingSession* m_session;
    QAction *m_run, *m_pause, *m_step, *m_stop;
    QDoubleSpinBox* m_lr;
    QProgressBar* m_progress;
    QLabel *m_eta, *m_stateLabel;
};

/// "1h02m", "3m05s", "12s".
QString formatDuration(double seconds);

} // namespace tp::ui
