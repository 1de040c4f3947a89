#include "ui/views/insight_confusion.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ui/views/insight_heat_map.h"

namespace tp::ui {

ConfusionView::ConfusionView(QWidget* parent) : QWidget(parent)
{
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(tr("E&poch"));
    m_epoch = new QSpinBox;
    m_epoch->setRange(0, 0);
    m_epoch->setSpecialValueText(tr("none"));
    m_epoch->setAccessibleName(tr("Confusion matrix epoch"));
    label->setBuddy(m_epoch);
    m_note = new QLabel(tr("The test-split confusion matrix appears after the first epoch."));
    top->addWidget(label);
    top->addWidget(m_epoch);
    top->addWidget(m_note, 1);
    m_map = new InsightHeatMap(tr("Test split: true class (rows) x predicted class (columns)"));
    m_map->setCellText(true);
    m_map->setColorBarTitle(tr("share of the row"));
    m_map->setToolTip(tr("Cells hold counts; the colour is the count divided by its row total (per-class recall)."));
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(2, 2, 2, 2);
    col->addLayout(top);
    col->addWidget(m_map, 1);
    connect(m_epoch, &QSpinBox::valueChanged, this, [this] {
        m_followLatest = m_epoch->value() == m_epoch->maximum();
        redraw();
    });
}

int ConfusionView::epoch() const { return m_epoch->value(); }

void ConfusionView::setEpoch(int epoch) { m_epoch->setValue(epoch); }

QString ConfusionView::note() const { return m_note->text(); }

void ConfusionView::setEpochs(const QVector<TrainingSession::EpochPoint>& epochs)
{
    m_epochs = epochs;
    const int last = epochs.isEmpty() ? 0 : epochs.back().epoch;
    {
        const QSignalBlocker block(m_epoch);
        m_epoch->setRange(epochs.isEmpty() ? 0 : epochs.front().epoch, last);
        if (m_followLatest)
            m_epoch->setValue(last);
    }
    redraw();
}

void ConfusionView::redraw()
{
    const TrainingSession::EpochPoint* e = nullptr;
    for (const auto& p : m_epochs)
        if (p.epoch == m_epoch->value())
            e = &p;
    if (!e || e->classes == 0) {
        m_map->setMatrix(0, 0, {}, {}, {});
        m_note->setText(tr("The test-split confusion matrix appears after the first epoch."));
        return;
    }
    const int C = e->classes;
    std::vector<double> counts(e->confusion.begin(), e->confusion.end()), share(counts.size(), 0.0);
    qint64 total = 0, correct = 0;
    for (int r = 0; r < C; ++r) {
        double row = 0;
        for (int c = 0; c < C; ++c)
            row += counts[std::size_t(r * C + c)];
        for (int c = 0; c < C; ++c)
            share[std::size_t(r * C + c)] = row > 0 ? counts[std::size_t(r * C + c)] / row : 0.0;
        total += qint64(row);
        correct += e->confusion[std::size_t(r * C + r)];
    }
    QStringList labels;
    for (int c = 0; c < C; ++c)
        labels << tr("class %1").arg(c);
    m_map->setMatrix(C, C, std::move(counts), labels, labels, std::move(share), 0.0, 1.0);
    m_note->setText(tr("Epoch %1: %2 of %3 test samples on the diagonal = %4% test accuracy")
                        .arg(e->epoch).arg(correct).arg(total).arg(100.0 * double(correct) / double(std::max<qint64>(1, total)), 0, 'f', 2));
}

} // namespace tp::ui
