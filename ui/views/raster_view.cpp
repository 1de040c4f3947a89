#include "ui/views/raster_view.h"

#include <QContextMenuEvent>
#include <QMouseEvent>
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QPainter>
#include <QSvgGenerator>
#include <QTextStream>

#include <algorithm>
#include <cmath>

#include "ui/charts/line_chart.h"
#include "ui/export_file.h"
#include "ui/charts/palette.h"
#include "ui/views/probe_series.h"

namespace tp::ui {

namespace {
constexpr int kHeader = 24, kTitle = 16, kLeft = 46, kBottom = 30, kGap = 12, kRight = 8;
}

RasterView::RasterView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);  // reachable by Tab; the menu key opens the export menu
    setMinimumSize(320, 240);
    setAccessibleName(tr("Spike raster"));
    m_emptyText = tr("No spikes yet: the raster shows one sample of the batch being trained while this view is open.");
}

void RasterView::setEmptyText(const QString& text)
{
    m_emptyText = text;
    m_cache = QImage();
    update();
}

void RasterView::setProbe(std::shared_ptr<const tp::Probe> probe, const QStringList& layerNames)
{
    m_probe = std::move(probe);
    m_layerNames = layerNames;
    m_spikes = 0;
    if (m_probe && !m_probe->empty()) {
        for (auto v : m_probe->input)
            m_spikes += v;
        for (const auto& l : m_probe->layers)
            for (const auto* path : {&l.in_spikes, &l.tgt_spikes})
                for (auto v : *path)
                    m_spikes += v;
    }
    layoutPanels(size());
    m_cache = QImage();
    update();
}

bool RasterView::targetPath() const
{
    return m_probe && !m_probe->layers.empty() && !m_probe->layers.front().tgt_spikes.empty();
}

void RasterView::layoutPanels(QSize size)
{
    m_panels.clear();
    if (!m_probe || m_probe->empty())
        return;
    const auto& p = *m_probe;
    const int rows = 1 + int(p.layers.size());
    const double rowWeight = 1.0, inputWeight = 0.6;
    const double total = inputWeight + rowWeight * (rows - 1);
    const double avail = std::max(40.0, double(size.height() - kHeader - kBottom - rows * (kTitle + kGap)));
    // TP's target path gets a second column; every other rule has one path, the full width.
    const bool twoPaths = targetPath();
    const double colW = twoPaths ? (size.width() - kLeft - kRight - kGap - kLeft) / 2.0 : size.width() - kLeft - kRight;
    auto count = [](const std::vector<std::uint8_t>& v) {
        qint64 n = 0;
        for (auto x : v)
            n += x;
        return n;
    };
    double y = kHeader;
    for (int r = 0; r < rows; ++r) {
        const double h = avail * (r == 0 ? inputWeight : rowWeight) / total;
        y += kTitle;
        if (r == 0) {
            m_panels.append({QRectF(kLeft, y, colW, h), tr("Input frames (%1 channels, %2 events)").arg(p.inputs).arg(count(p.input)), &p.input, p.inputs,
                             palette().color(QPalette::WindowText), tr("input"), tr("input")});
        } else {
            const auto& L = p.layers[std::size_t(r - 1)];
            const QString name = r - 1 < m_layerNames.size() ? m_layerNames[r - 1] : tr("Layer %1").arg(r);
            if (!twoPaths) {
                m_panels.append({QRectF(kLeft, y, colW, h), tr("%1 (%2 neurons, %3 spikes)").arg(name).arg(L.size).arg(count(L.in_spikes)),
                                 &L.in_spikes, L.size, paletteColor(0), name, tr("spikes")});
                y += h + kGap;
                continue;
            }
            m_panels.append({QRectF(kLeft, y, colW, h), tr("%1 · input path (%2 neurons, %3 spikes)").arg(name).arg(L.size).arg(count(L.in_spikes)),
                             &L.in_spikes, L.size, paletteColor(0), name, tr("input path")});
            m_panels.append({QRectF(2 * kLeft + colW + kGap, y, colW, h),
                             tr("%1 · target path, class %2 (%3 spikes)").arg(name).arg(p.label).arg(count(L.tgt_spikes)), &L.tgt_spikes, L.size,
                             paletteColor(1), name, tr("target path")});
        }
        y += h + kGap;
    }
}

void RasterView::render(QPainter& painter, QSize size) const
{
    const QColor text = palette().color(QPalette::WindowText);
    painter.fillRect(QRect(QPoint(0, 0), size), palette().color(QPalette::Base));
    painter.setPen(text);
    if (!m_probe || m_probe->empty()) {
        painter.drawText(QRect(QPoint(0, 0), size).adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap,
                         m_probe ? emptyProbeText(*m_probe) : m_emptyText);
        return;
    }
    const auto& p = *m_probe;
    QFont bold = painter.font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(QRectF(kLeft, 2, size.width() - kLeft, kHeader - 4), Qt::AlignLeft | Qt::AlignVCenter,
                     tr("Sample on show: batch row %1, class %2 — step %3 (epoch %4)")
                         .arg(p.row).arg(p.label).arg(p.step).arg(p.epoch));
    painter.setFont(font());
    const int T = p.steps;
    for (const Panel& panel : m_panels) {
        const QRectF r = panel.rect;
        painter.setPen(text);
        painter.drawText(QRectF(r.left(), r.top() - kTitle, r.width(), kTitle), Qt::AlignLeft | Qt::AlignVCenter, panel.title);
        painter.fillRect(r, palette().color(QPalette::AlternateBase));
        // Every spike gets at least one pixel: nothing is lost when T x n exceeds the panel.
        const double cw = r.width() / T, ch = r.height() / std::max(1, panel.n);
        painter.setPen(Qt::NoPen);
        painter.setBrush(panel.color);
        const auto& s = *panel.spikes;
        for (int t = 0; t < T; ++t)
            for (int j = 0; j < panel.n; ++j)
                if (s[std::size_t(t) * std::size_t(panel.n) + std::size_t(j)])
                    painter.drawRect(QRectF(r.left() + t * cw, r.top() + j * ch, std::max(1.0, cw), std::max(1.0, ch)));
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(text, 1));
        painter.drawRect(r);
        // Axis ticks: neuron 0 and n-1 on the left, time 0 .. T on the bottom.
        painter.drawText(QRectF(r.left() - kLeft, r.top() - 2, kLeft - 4, 14), Qt::AlignRight | Qt::AlignTop, QStringLiteral("0"));
        painter.drawText(QRectF(r.left() - kLeft, r.bottom() - 12, kLeft - 4, 14), Qt::AlignRight | Qt::AlignBottom,
                         QString::number(panel.n - 1));
        painter.drawText(QRectF(r.left(), r.bottom() + 1, 40, 14), Qt::AlignLeft | Qt::AlignTop, QStringLiteral("0"));
        painter.drawText(QRectF(r.right() - 40, r.bottom() + 1, 40, 14), Qt::AlignRight | Qt::AlignTop, QString::number(T));
    }
    if (targetPath() && !m_panels.isEmpty()) {  // the label's one-hot beside the input row (the target path's input)
        const QRectF in = m_panels.first().rect;
        const QRectF lr(2 * kLeft + in.width() + kGap, in.top(), in.width(), in.height());
        painter.setPen(text);
        painter.drawText(lr, Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Target path input: the label (class %1) through the projection S").arg(p.label));
    }
    if (!m_panels.isEmpty()) {
        const QRectF last = m_panels.last().rect;
        painter.setPen(text);
        painter.drawText(QRectF(0, last.bottom() + 14, size.width(), 16), Qt::AlignHCenter, tr("time step"));
    }
}

void RasterView::paintEvent(QPaintEvent*)
{
    const qreal dpr = devicePixelRatioF();
    if (m_cache.size() != size() * dpr) {
        m_cache = QImage(size() * dpr, QImage::Format_ARGB32_Premultiplied);
        m_cache.setDevicePixelRatio(dpr);
        QPainter cache(&m_cache);
        render(cache, size());
    }
    QPainter painter(this);
    painter.drawImage(0, 0, m_cache);
    if (m_hoverX >= 0 && !m_hover.isEmpty()) {
        painter.setPen(QPen(palette().color(QPalette::WindowText), 1, Qt::DotLine));
        for (const Panel& panel : m_panels) {  // the same time step in every panel
            const double x = panel.rect.left() + m_hoverX * panel.rect.width();
            painter.drawLine(QPointF(x, panel.rect.top()), QPointF(x, panel.rect.bottom()));
        }
        const QRect box = fontMetrics().boundingRect(m_hover).adjusted(-4, -2, 4, 2);
        const QRect at(QPoint(width() - box.width() - kRight, 2), box.size());
        painter.fillRect(at, palette().color(QPalette::ToolTipBase));
        painter.setPen(palette().color(QPalette::ToolTipText));
        painter.drawText(at, Qt::AlignCenter, m_hover);
    }
}

void RasterView::resizeEvent(QResizeEvent* event)
{
    layoutPanels(size());
    m_cache = QImage();
    QWidget::resizeEvent(event);
}

QString RasterView::readout(QPointF pos) const
{
    if (!m_probe || m_probe->empty())
        return {};
    for (const Panel& panel : m_panels) {
        if (!panel.rect.contains(pos))
            continue;
        const int T = m_probe->steps;
        const int t = std::clamp(int((pos.x() - panel.rect.left()) / panel.rect.width() * T), 0, T - 1);
        const int j = std::clamp(int((pos.y() - panel.rect.top()) / panel.rect.height() * panel.n), 0, panel.n - 1);
        const bool spike = (*panel.spikes)[std::size_t(t) * std::size_t(panel.n) + std::size_t(j)];
        return tr("%1, %2: neuron %3, t = %4%5").arg(panel.layer, panel.path).arg(j).arg(t).arg(spike ? tr(" — spike") : QString());
    }
    return {};
}

void RasterView::mouseMoveEvent(QMouseEvent* event)
{
    m_hover = readout(event->position());
    m_hoverX = -1;
    for (const Panel& panel : m_panels)
        if (!m_hover.isEmpty() && panel.rect.contains(event->position()))
            m_hoverX = (event->position().x() - panel.rect.left()) / panel.rect.width();
    Q_EMIT hovered(m_hoverX >= 0 && m_probe ? std::floor(m_hoverX * m_probe->steps) : NAN);
    update();
}

void RasterView::setCursorStep(double t)
{
    m_hover.clear();
    m_hoverX = -1;
    if (m_probe && !m_probe->empty() && std::isfinite(t)) {
        const int T = m_probe->steps, step = std::clamp(int(std::lround(t)), 0, T - 1), n = m_probe->inputs;
        const auto on = std::count(m_probe->input.begin() + std::ptrdiff_t(step) * n, m_probe->input.begin() + std::ptrdiff_t(step + 1) * n, 1);
        m_hoverX = (step + 0.5) / T;
        m_hover = tr("t = %1: input frame %2 of %3 units on").arg(step).arg(on).arg(n);
    }
    update();
}

void RasterView::leaveEvent(QEvent*)
{
    m_hover.clear();
    m_hoverX = -1;
    Q_EMIT hovered(NAN);
    update();
}

bool RasterView::exportTo(const QString& file) const
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix == QLatin1String("csv")) {
        QByteArray bytes;
        QTextStream out(&bytes, QIODevice::WriteOnly);
        out << "layer,path,step,neuron\n";
        if (m_probe && !m_probe->empty())
            for (const Panel& panel : m_panels)
                for (int t = 0; t < m_probe->steps; ++t)
                    for (int j = 0; j < panel.n; ++j)
                        if ((*panel.spikes)[std::size_t(t) * std::size_t(panel.n) + std::size_t(j)])
                            out << '"' << panel.layer << "\",\"" << panel.path << "\"," << t << ',' << j << '\n';
        out.flush();
        return out.status() == QTextStream::Ok && writeExportFile(file, bytes);
    }
    if (suffix == QLatin1String("svg"))
        return writeSvgFile(file, size(), tr("Spike raster"), [this](QPainter& painter) { render(painter, size()); });
    QImage image(size(), QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    render(painter, size());
    painter.end();
    return writeImageFile(file, image);
}

void RasterView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {  // light/dark theme switch
        layoutPanels(size());
        m_cache = QImage();
        update();
    }
    QWidget::changeEvent(event);
}

void RasterView::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    menu.addAction(tr("Export raster..."), this, [this] {
        exportWithDialog(this, tr("spike raster"), [this](const QString& f) { return exportTo(f); });
    });
    menu.exec(event->globalPos());
}

} // namespace tp::ui
