#pragma once
/// A matrix as a heat map (a QImage scaled with QPainter): row and column labels, a colour bar
/// with its range, a hover read-out of the cell under the mouse, optionally each cell's text
/// (counts of a confusion matrix). Colours come from `colorValue` (e.g. row-normalised), the
/// read-out and cell text from `value`.
#include <QImage>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace tp::ui {

class InsightHeatMap : public QWidget {
    Q_OBJECT
public:
    explicit InsightHeatMap(const QString& title, QWidget* parent = nullptr);

    /// rows x cols row-major; `colorValue` empty: colour by `value`. Colour range = [lo, hi]
    /// when lo < hi, else the data's.
    void setMatrix(int rows, int cols, std::vector<double> value, const QStringList& rowLabels,
                   const QStringList& colLabels, std::vector<double> colorValue = {}, double lo = 0, double hi = 0);
    void setTitle(const QString& title);
    void setCellText(bool on) { m_cellText = on; update(); }
    void setColorBarTitle(const QString& title) { m_barTitle = title; update(); }
    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    double value(int r, int c) const { return m_value[std::size_t(r) * std::size_t(m_cols) + std::size_t(c)]; }
    double colorValue(int r, int c) const { return m_color[std::size_t(r) * std::size_t(m_cols) + std::size_t(c)]; }
    double colorLow() const { return m_lo; }
    double colorHigh() const { return m_hi; }
    /// The read-out of cell (r, c), as hovering it shows.
    QString readout(int r, int c) const;
    /// The read-out on show (empty when the mouse is not over a cell).
    QString hoverText() const { return m_hover; }
    /// Cell under a widget position (-1, -1 outside).
    QPoint cellAt(const QPoint& pos) const;
    /// Centre of cell (r, c) in widget coordinates.
    QPoint cellCenter(int r, int c) const;
    QSize minimumSizeHint() const override { return {220, 180}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    QRect plotRect() const;
    static QColor colorAt(double f);
    QString m_title, m_barTitle;
    int m_rows = 0, m_cols = 0;
    std::vector<double> m_value, m_color;
    QStringList m_rowLabels, m_colLabels;
    double m_lo = 0, m_hi = 1;
    QImage m_image;
    bool m_cellText = false;
    int m_left = 44;
    QString m_hover;
    QPoint m_hoverCell{-1, -1};
};

} // namespace tp::ui
