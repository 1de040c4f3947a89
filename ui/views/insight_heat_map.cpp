#include "ui/views/insight_heat_map.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace tp::ui {

namespace {
constexpr int kTop = 22, kLeft = 44, kBottom = 40, kBar = 84;
}

InsightHeatMap::InsightHeatMap(const QString& title, QWidget* parent) : QWidget(parent), m_title(title)
{
    setMouseTracking(true);
    setAccessibleName(title);
}

void InsightHeatMap::setTitle(const QString& title)
{
    m_title = title;
    update();
}

void InsightHeatMap::setMatrix(int rows, int cols, std::vector<double> value, const QStringList& rowLabels,
                               const QStringList& colLabels, std::vector<double> colorValue, double lo, double hi)
{
    m_rows = rows;
    m_cols = cols;
    m_value = std::move(value);
    m_color = colorValue.empty() ? m_value : std::move(colorValue);
    m_rowLabels = rowLabels;
    m_left = kLeft;
    for (const auto& l : rowLabels)
        m_left = std::max(m_left, fontMetrics().horizontalAdvance(l) + 8);
    m_colLabels = colLabels;
    if (lo < hi) {
        m_lo = lo;
        m_hi = hi;
    } else {
        m_lo = INFINITY;
        m_hi = -INFINITY;
        for (double v : m_color)
            if (std::isfinite(v)) {
                m_lo = std::min(m_lo, v);
                m_hi = std::max(m_hi, v);
            }
        if (!(m_lo < m_hi)) {
            m_lo = std::isfinite(m_lo) ? m_lo - 0.5 : 0;
            m_hi = m_lo + 1;
        }
    }
    m_image = QImage(std::max(1, cols), std::max(1, rows), QImage::Format_RGB32);
    m_image.fill(palette().color(QPalette::Base));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            m_image.setPixelColor(c, r, colorAt((m_color[std::size_t(r) * std::size_t(cols) + std::size_t(c)] - m_lo) / (m_hi - m_lo)));
    if (m_hoverCell.x() >= rows || m_hoverCell.y() >= cols)
        m_hoverCell = {-1, -1};
    m_hover = m_hoverCell.x() >= 0 ? readout(m_hoverCell.x(), m_hoverCell.y()) : QString();
    update();
}

QColor InsightHeatMap::colorAt(double f)
{
    // Viridis, sampled at 5 points and interpolated (perceptually even, colour-blind safe).
    static const QColor stops[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140), QColor(94, 201, 98),
                                   QColor(253, 231, 37)};
    if (!std::isfinite(f))
        return Qt::gray;
    f = std::clamp(f, 0.0, 1.0) * 4.0;
    const int i = std::min(3, int(f));
    const double t = f - i;
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor(int(a.red() + t * (b.red() - a.red())), int(a.green() + t * (b.green() - a.green())),
                  int(a.blue() + t * (b.blue() - a.blue())));
}

QRect InsightHeatMap::plotRect() const
{
    return QRect(m_left, kTop, std::max(1, width() - m_left - kBar), std::max(1, height() - kTop - kBottom));
}

QPoint InsightHeatMap::cellAt(const QPoint& pos) const
{
    const QRect p = plotRect();
    if (m_rows == 0 || m_cols == 0 || !p.contains(pos))
        return {-1, -1};
    return {std::min(m_rows - 1, (pos.y() - p.top()) * m_rows / p.height()),
            std::min(m_cols - 1, (pos.x() - p.left()) * m_cols / p.width())};
}

QPoint InsightHeatMap::cellCenter(int r, int c) const
{
    const QRect p = plotRect();
    return {p.left() + int((c + 0.5) * p.width() / m_cols), p.top() + int((r + 0.5) * p.height() / m_rows)};
}

QString InsightHeatMap::readout(int r, int c) const
{
    if (r < 0 || c < 0 || r >= m_rows || c >= m_cols)
        return {};
    const QString row = r < m_rowLabels.size() ? m_rowLabels[r] : QString::number(r);
    const QString col = c < m_colLabels.size() ? m_colLabels[c] : QString::number(c);
    return tr("%1 / %2: %3").arg(row, col, QString::number(value(r, c), 'g', 5));
}

void InsightHeatMap::mouseMoveEvent(QMouseEvent* event)
{
    m_hoverCell = cellAt(event->position().toPoint());
    m_hover = readout(m_hoverCell.x(), m_hoverCell.y());
    if (m_hover.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), m_hover, this);
    update();
}

void InsightHeatMap::leaveEvent(QEvent* event)
{
    QWidget::leaveEvent(event);
    m_hoverCell = {-1, -1};
    m_hover.clear();
    update();
}

void InsightHeatMap::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QColor ink = palette().color(QPalette::WindowText);
    p.setPen(ink);
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(kLeft, 0, width() - kLeft, kTop), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p.setFont(font());
    const QRect r = plotRect();
    if (m_rows == 0 || m_cols == 0) {
        p.drawText(r, Qt::AlignCenter, tr("No data yet"));
        return;
    }
    p.drawImage(r, m_image);
    const QFontMetrics fm(font());
    // Labels: every one when they fit, else every n-th.
    const double ch = double(r.height()) / m_rows, cw = double(r.width()) / m_cols;
    const int rowEvery = std::max(1, int(std::ceil(fm.height() / ch))), colEvery = std::max(1, int(std::ceil(fm.horizontalAdvance(QStringLiteral("000")) / cw)));
    for (int i = 0; i < m_rows; i += rowEvery)
        p.drawText(QRectF(0, r.top() + i * ch + ch / 2 - fm.height() / 2.0, m_left - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   i < m_rowLabels.size() ? m_rowLabels[i] : QString::number(i));
    for (int i = 0; i < m_cols; i += colEvery)
        p.drawText(QRectF(r.left() + i * cw + cw / 2 - 40, r.bottom() + 2, 80, fm.height()), Qt::AlignHCenter | Qt::AlignTop,
                   i < m_colLabels.size() ? m_colLabels[i] : QString::number(i));
    if (m_cellText && ch >= fm.height() && cw >= fm.horizontalAdvance(QStringLiteral("000")))
        for (int i = 0; i < m_rows; ++i)
            for (int j = 0; j < m_cols; ++j) {
                const double f = (m_color[std::size_t(i) * std::size_t(m_cols) + std::size_t(j)] - m_lo) / (m_hi - m_lo);
                p.setPen(f > 0.6 ? Qt::black : Qt::white);
                p.drawText(QRectF(r.left() + j * cw, r.top() + i * ch, cw, ch), Qt::AlignCenter, QString::number(value(i, j), 'g', 4));
            }
    if (m_hoverCell.x() >= 0) {
        p.setPen(QPen(Qt::red, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(r.left() + m_hoverCell.y() * cw, r.top() + m_hoverCell.x() * ch, cw, ch));
    }
    // Colour bar with its range.
    const QRect bar(r.right() + 10, r.top(), 14, r.height());
    QLinearGradient g(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i <= 8; ++i)
        g.setColorAt(i / 8.0, colorAt(i / 8.0));
    p.fillRect(bar, g);
    p.setPen(ink);
    p.drawRect(bar);
    p.drawText(QRect(bar.right() + 3, bar.top(), kBar, fm.height()), Qt::AlignLeft, QString::number(m_hi, 'g', 3));
    p.drawText(QRect(bar.right() + 3, bar.bottom() - fm.height(), kBar, fm.height()), Qt::AlignLeft, QString::number(m_lo, 'g', 3));
    if (!m_barTitle.isEmpty()) {
        p.save();
        p.translate(bar.right() + 3 + fm.height(), bar.center().y());
        p.rotate(90);
        p.drawText(QRect(-bar.height() / 2, -fm.height(), bar.height(), fm.height()), Qt::AlignCenter, m_barTitle);
        p.restore();
    }
    if (!m_hover.isEmpty()) {
        p.setPen(ink);
        p.drawText(QRect(r.left(), height() - fm.height() - 2, width() - r.left(), fm.height()), Qt::AlignLeft, tr("Cursor: %1").arg(m_hover));
    }
}

} // namespace tp::ui
