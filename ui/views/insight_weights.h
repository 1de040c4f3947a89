#pragma once
/// Weight histograms per layer over training: for the chosen layer, the latest histogram of
/// W_l and of its change over the last probed batch (bars, with the value range), and below
/// each a heat strip of the last histograms over training steps (x = step, y = value,
/// colour = log count), re-binned onto the strip's common range. Filled from the probes, so
/// only while the view is on show.
#include <QWidget>

#include <deque>
#include <memory>

#include "rules/probe.h"

class QLabel;
class QSpinBox;

namespace tp::ui {

class HistogramPane : public QWidget {
    Q_OBJECT
public:
    struct Entry {
        std::int64_t step = 0;
        Probe::Histogram h;
    };
    explicit HistogramPane(const QString& title, QWidget* parent = nullptr);
    void setHistory(const std::deque<Entry>* history);
    QSize minimumSizeHint() const override { return {260, 260}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_title;
    const std::deque<Entry>* m_history = nullptr;
};

class WeightHistogramView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kHistory = 80;
    explicit WeightHistogramView(QWidget* parent = nullptr);
    /// Appends the probe's histograms to the history (a probe of a step already seen is ignored).
    void addProbe(const std::shared_ptr<const Probe>& probe);
    void clear();
    int layer() const;
    void setLayer(int layer);
    /// History of the chosen layer (oldest first).
    const std::deque<HistogramPane::Entry>& weights() const;
    const std::deque<HistogramPane::Entry>& changes() const;
    QString note() const;

private:
    void redraw();
    std::vector<std::deque<HistogramPane::Entry>> m_weights, m_changes;
    std::int64_t m_lastStep = -1;
    QSpinBox* m_layer;
    QLabel* m_note;
    HistogramPane *m_w, *m_dw;
};

} // namespace tp::ui
