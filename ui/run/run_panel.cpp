#include "ui/run/run_panel.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QSignalBlocker>
#include <QStyle>

#include <algorithm>
#include <QToolButton>

#include <cmath>

namespace tp::ui {

QString formatDuration(double seconds)
{
    const long t = std::lround(std::max(0.0, seconds));
    if (t >= 3600)
        return QStringLiteral("%1h%2m").arg(t / 3600).arg((t / 60) % 60, 2, 10, QLatin1Char('0'));
    if (t >= 60)
        return QStringLiteral("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1s").arg(t);
}

RunPanel::RunPanel(TrainingSession* session, QWidget* parent) : QWidget(parent), m_session(session)
{
    auto makeAction = [this](QStyle::StandardPixmap icon, const QString& text, const QString& accessible,
                             const QKeySequence& key) {
        auto* a = new QAction(style()->standardIcon(icon), text, this);
        a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? accessible : QStringLiteral("%1 (%2)").arg(accessible, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(accessible);
        a->setProperty("accessibleName", accessible);
        return a;
    };
    m_run = makeAction(QStyle::SP_MediaPlay, tr("Run"), tr("Run training"), QKeySequence(Qt::Key_F5));
    m_pause = makeAction(QStyle::SP_MediaPause, tr("Pause"), tr("Pause training"), QKeySequence());
    m_step = makeAction(QStyle::SP_MediaSkipForward, tr("Step"), tr("Train one batch"), QKeySequence(Qt::Key_F10));
    m_stop = makeAction(QStyle::SP_MediaStop, tr("Stop"), tr("Stop training"), QKeySequence(Qt::SHIFT | Qt::Key_F5));
    addActions({m_run, m_pause, m_step, m_stop});

    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(4, 2, 4, 2);
    for (QAction* a : {m_run, m_pause, m_step, m_stop}) {
        auto* b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        b->setAccessibleName(a->property("accessibleName").toString());
        row->addWidget(b);
    }
    auto* lrLabel = new QLabel(tr("&Learning rate"), this);
    m_lr = new QDoubleSpinBox(this);
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 1.0);
    m_lr->setSingleStep(1e-4);
    m_lr->setKeyboardTracking(false);  // one change per edit, not per keystroke
    m_lr->setAccessibleName(tr("Learning rate"));
    m_lr->setToolTip(tr("Learning rate from the next batch on (Adam step size); the rest of the cosine schedule is "
                        "scaled to match. Logged and marked in the loss chart."));
    lrLabel->setBuddy(m_lr);
    row->addSpacing(8);
    row->addWidget(lrLabel);
    row->addWidget(m_lr);
    m_progress = new QProgressBar(this);
    m_progress->setAccessibleName(tr("Training progress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    m_progress->setMinimumWidth(160);
    row->addWidget(m_progress, 1);
    m_eta = new QLabel(this);
    m_eta->setAccessibleName(tr("Time left"));
    m_eta->setMinimumWidth(m_eta->fontMetrics().horizontalAdvance(QStringLiteral("ETA 00m00s  ·  000000 samples/s")));
    row->addWidget(m_eta);
    m_stateLabel = new QLabel(this);
    m_stateLabel->setAccessibleName(tr("Run state"));
    row->addWidget(m_stateLabel);

    connect(m_run, &QAction::triggered, this, [this] {
        if (m_session->state() == TrainingSession::State::Paused)
            m_session->resume();
        else if (!m_session->isActive())
            Q_EMIT runRequested();
    });
    connect(m_pause, &QAction::triggered, m_session, &TrainingSession::pause);
    connect(m_step, &QAction::triggered, m_session, &TrainingSession::step);
    connect(m_stop, &QAction::triggered, m_session, &TrainingSession::stop);
    connect(m_lr, &QDoubleSpinBox::valueChanged, this, [this](double lr) {
        if (m_session->isActive() && std::abs(lr - m_session->currentLearningRate()) > 1e-12)
            m_session->setLearningRate(lr);
    });
    connect(m_session, &TrainingSession::stateChanged, this, &RunPanel::updateActions);
    connect(m_session, &TrainingSession::progress, this, &RunPanel::showProgress);
    connect(m_session, &TrainingSession::runStarted, this, [this] {
        const QSignalBlocker block(m_lr);
        m_lr->setValue(m_session->experiment().run.lr);
        m_progress->setValue(0);
        m_progress->setFormat(tr("opening dataset..."));
        m_eta->clear();
    });
    connect(m_session, &TrainingSession::epochFinished, this, [this] {
        const QSignalBlocker block(m_lr);  // show the schedule's rate, without sending it back
        m_lr->setValue(m_session->currentLearningRate());
    });
    updateActions();
}

void RunPanel::updateActions()
{
    using S = TrainingSession::State;
    const S s = m_session->state();
    const bool active = s == S::Running || s == S::Paused;
    m_run->setEnabled(s != S::Running && s != S::Stopping);
    m_run->setToolTip(s == S::Paused ? tr("Resume training (F5)") : tr("Run training (F5)"));
    m_pause->setEnabled(s == S::Running);
    m_step->setEnabled(active);
    m_stop->setEnabled(active);
    m_lr->setEnabled(active);
    static const char* names[] = {QT_TR_NOOP("Idle"), QT_TR_NOOP("Running"), QT_TR_NOOP("Paused"),
                                  QT_TR_NOOP("Stopping"), QT_TR_NOOP("Finished"), QT_TR_NOOP("Failed")};
    m_stateLabel->setText(tr(names[int(s)]));
    if (s == S::Finished) {
        m_progress->setValue(m_progress->maximum());
        m_eta->setText(tr("done"));
    } else if (s == S::Failed || s == S::Idle) {
        m_eta->clear();
    }
}

void RunPanel::showProgress(int epoch, int epochs, qint64 batch, qint64 batches, double etaSeconds, double samplesPerSecond)
{
    const double done = (double(epoch - 1) + double(batch) / double(std::max<qint64>(1, batches))) / std::max(1, epochs);
    m_progress->setValue(int(std::lround(done * m_progress->maximum())));
    m_progress->setFormat(tr("epoch %1/%2 · batch %3/%4").arg(epoch).arg(epochs).arg(batch).arg(batches));
    m_eta->setText(tr("ETA %1  ·  %2 samples/s").arg(formatDuration(etaSeconds)).arg(samplesPerSecond, 0, 'f', 0));
}

} // namespace tp::ui
