#pragma once
/// Similarity view: for the probed batch, a chosen layer and time step, the TP logits z (input
/// trace of each batch row . target trace of each class row) beside the soft target y (softmax
/// of minus the distances between previous-layer target traces), as two heat maps, with that
/// layer's local loss E_l. The engine folds the target path to one row per class present
/// (K <= C columns), so both maps are B x K; rows are sorted by class. The time step follows
/// the time cursor; before one is set ("auto") it is the step where E_l is lowest.
/// Under another rule the matrices do not exist: the view shows the rule's per-layer series
/// (DECOLLE: each layer's local readout loss at every step) or says in words why there is none.
#include <QWidget>

#include <memory>

#include "rules/probe.h"

class QLabel;
class QSpinBox;

namespace tp::ui {

class InsightHeatMap;
class LineChart;

class SimilarityView : public QWidget {
    Q_OBJECT
public:
    explicit SimilarityView(QWidget* parent = nullptr);
    void setProbe(std::shared_ptr<const Probe> probe);
    /// 0-based layer on show.
    int layer() const;
    void setLayer(int layer);
    /// Time step on show (resolved: "auto" gives the step of the lowest E_l; -1 without data).
    int timeStep() const;
    /// Batch row shown in heat-map row r (rows are sorted by class).
    int batchRow(int r) const { return m_order.value(r, -1); }
    InsightHeatMap* logits() const { return m_z; }
    InsightHeatMap* targets() const { return m_y; }
    /// The chart of another rule's per-layer series (hidden under TP).
    LineChart* layerSeries() const { return m_layerChart; }
    QString lossText() const;

public Q_SLOTS:
    /// Shows time step t (rounded; NaN or < 0: auto).
    void setCursorStep(double t);

private:
    void redraw();
    void showMaps(bool maps, bool chart);
    void showRuleSeries();
    std::shared_ptr<const Probe> m_probe;
    QWidget* m_controls;
    QSpinBox *m_layer, *m_step;
    QLabel* m_note;
    InsightHeatMap *m_z, *m_y;
    LineChart* m_layerChart;
    QVector<int> m_order;
    int m_shownStep = -1;
};

} // namespace tp::ui
