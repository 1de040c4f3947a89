#pragma once
/// Similarity view: for the probed batch and a chosen layer, at the last time step, the TP
/// logits z (input trace of each batch row . target trace of each class row) beside the soft
/// target y (softmax of minus the distances between previous-layer target traces), as two
/// heat maps, with that layer's local loss E_l. The engine folds the target path to one row
/// per class present (K <= C columns), so both maps are B x K.
#include <QWidget>

#include <memory>

#include "train/probe.h"

class QLabel;
class QSpinBox;

namespace tp::ui {

class InsightHeatMap;

class SimilarityView : public QWidget {
    Q_OBJECT
public:
    explicit SimilarityView(QWidget* parent = nullptr);
    void setProbe(std::shared_ptr<const Probe> probe);
    /// 0-based layer on show.
    int layer() const;
    void setLayer(int layer);
    InsightHeatMap* logits() const { return m_z; }
    InsightHeatMap* targets() const { return m_y; }
    QString lossText() const;

private:
    void redraw();
    std::shared_ptr<const Probe> m_probe;
    QSpinBox* m_layer;
    QLabel* m_note;
    InsightHeatMap *m_z, *m_y;
};

} // namespace tp::ui
