#pragma once
/// Spike raster of the sample on show (one batch row of one training step): the input frames,
/// then per layer the input path and the target (label) path side by side; x = time step,
/// y = neuron. Drawn with QPainter into a cached QImage (never Qt Charts). Hovering reads out
/// layer, path, neuron and time step; right-click exports PNG, SVG or CSV (layer,path,step,neuron).
#include <QImage>
#include <QStringList>
#include <QWidget>

#include <memory>

#include "rules/probe.h"

namespace tp::ui {

class RasterView : public QWidget {
    Q_OBJECT
public:
    explicit RasterView(QWidget* parent = nullptr);

    /// Shows `probe` (null: nothing yet). `layerNames` label the layer rows.
    void setProbe(std::shared_ptr<const tp::Probe> probe, const QStringList& layerNames);
    /// Text shown when there is no probe (e.g. why the model has none).
    void setEmptyText(const QString& text);
    /// Spikes currently drawn (input frames and both paths of every layer).
    qint64 spikeCount() const { return m_spikes; }
    /// By suffix: .png, .svg or .csv.
    bool exportTo(const QString& file) const;

    QSize sizeHint() const override { return {640, 480}; }
    /// The read-out on show (hover or cursor; empty when none).
    QString cursorReadout() const { return m_hover; }

Q_SIGNALS:
    /// The mouse hovers time step t (NaN: left the panels).
    void hovered(double t);

public Q_SLOTS:
    /// Shows the time cursor at step t in every panel with the input frame's read-out (NaN hides it).
    void setCursorStep(double t);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct Panel {
        QRectF rect;
        QString title;
        const std::vector<std::uint8_t>* spikes = nullptr;  // [T x n]
        int n = 0;
        QColor color;
        QString layer, path;
    };
    void layoutPanels(QSize size);
    /// The probe has TP's target path (a second column of rasters).
    bool targetPath() const;
    void render(QPainter& painter, QSize size) const;
    QString readout(QPointF pos) const;

    std::shared_ptr<const tp::Probe> m_probe;
    QStringList m_layerNames;
    QString m_emptyText;
    QVector<Panel> m_panels;
    QImage m_cache;
    qint64 m_spikes = 0;
    QString m_hover;
    double m_hoverX = -1;  // hovered time as a fraction of the panel width
};

} // namespace tp::ui
