#pragma once
/// Confusion matrix of the test split after each epoch: counts per (true class, predicted
/// class) in the cells, colour = the count's share of its row (recall per class), an epoch
/// picker (follows the latest epoch unless another is picked) and the accuracy it implies.
#include <QWidget>

#include "ui/run/training_session.h"

class QLabel;
class QSpinBox;

namespace tp::ui {

class InsightHeatMap;

class ConfusionView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionView(QWidget* parent = nullptr);
    void setEpochs(const QVector<TrainingSession::EpochPoint>& epochs);
    /// 1-based epoch on show (0: none).
    int epoch() const;
    void setEpoch(int epoch);
    InsightHeatMap* matrix() const { return m_map; }
    QString note() const;

private:
    void redraw();
    QVector<TrainingSession::EpochPoint> m_epochs;
    QSpinBox* m_epoch;
    QLabel* m_note;
    InsightHeatMap* m_map;
    bool m_followLatest = true;
};

} // namespace tp::ui
