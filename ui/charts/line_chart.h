#pragma once
/// A live line chart (Qt Charts behind a small interface, so that only ui/charts/ includes Qt
/// Charts): named series set as whole point lists, vertical markers (learning-rate changes),
/// horizontal reference lines (thresholds), a hover read-out of every series at the cursor,
/// a linear/log y axis and export of exactly what is shown to PNG, SVG or CSV (right-click, or
/// the Export button). OpenGL stays off (it crashes on the offscreen platform).
#include <QPointF>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <functional>
#include <memory>

namespace tp::ui {

class LineChart : public QWidget {
    Q_OBJECT
public:
    enum class Style { Line, Thin, Dashed, LineWithPoints };

    explicit LineChart(const QString& title, const QString& xTitle, const QString& yTitle, QWidget* parent = nullptr);
    ~LineChart() override;

    /// Adds a series; returns its index. `color` from tp::ui::paletteColor.
    int addSeries(const QString& name, const QColor& color, Style style = Style::Line);
    /// Removes every series, marker and reference line.
    void clear();
    /// Replaces the chart title and the y-axis title (a view that shows what a rule records).
    void setTitles(const QString& title, const QString& yTitle);
    QString title() const;
    int seriesCount() const;
    /// Replaces the points of series `i` (x increasing). Cheap when nothing changed.
    void setPoints(int i, const QVector<QPointF>& points);
    QVector<QPointF> points(int i) const;
    /// Vertical marker lines at x with a label each (e.g. "lr 5e-4").
    void setMarkers(const QVector<double>& xs, const QStringList& labels);
    /// A horizontal dashed line across the x range (e.g. the threshold).
    void setReferenceLine(const QString& name, double y);
    /// Fixed x range (otherwise the data's).
    void setXRange(double lo, double hi);
    /// y range from [lo, hi] when both are finite, else from the data.
    void setYRange(double lo, double hi);
    void setLogY(bool log);
    bool logY() const { return m_logY; }
    /// Width of the plot area in pixels (what decimation aims at: two points per pixel).
    int plotWidth() const;
    /// Points shown over all series (markers and reference lines excluded).
    int pointCount() const;
    /// The read-out text for x (what hovering at x shows).
    QString readoutAt(double x) const;
    /// Shows the hover cursor and read-out at x without the mouse (NaN hides them): links the
    /// time cursor of charts that share an x axis.
    void setCursorX(double x);
    /// The read-out on show (empty when the cursor is hidden).
    QString cursorReadout() const;
    /// Writes what is shown; the format by suffix: .png, .svg or .csv (series,x,y rows).
    bool exportTo(const QString& file) const;
    /// Renders the chart into an SVG file.
    bool exportSvg(const QString& file) const;
    bool exportCsv(const QString& file) const;

Q_SIGNALS:
    /// The mouse hovers x (NaN: left the plot area).
    void hovered(double x);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct Impl;
    void requestRescale();
    double snap(double x) const;
    void rescale();
    void applyTheme();
    void showReadout(const QPointF& viewPos);
    std::unique_ptr<Impl> d;
    bool m_logY = false;
    bool m_rescalePending = false;
};

/// Opens a save dialog for `what` and exports through `exportFn` (PNG, SVG, CSV filters).
void exportWithDialog(QWidget* parent, const QString& what, const std::function<bool(const QString&)>& exportFn);

} // namespace tp::ui
