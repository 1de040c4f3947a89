#include "ui/views/insight_weights.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/charts/palette.h"

namespace tp::ui {

namespace {
const std::deque<HistogramPane::Entry> kEmpty;

QColor heat(double f)
{
    // White (no weights) to dark blue (many).
    f = std::clamp(f, 0.0, 1.0);
    return QColor(int(255 - f * (255 - 8)), int(255 - f * (255 - 48)), int(255 - f * (255 - 107)));
}
} // namespace

HistogramPane::HistogramPane(const QString& title, QWidget* parent) : QWidget(parent), m_title(title)
{
    setAccessibleName(title);
}

void HistogramPane::setHistory(const std::deque<Entry>* history)
{
    m_history = history;
    update();
}

void HistogramPane::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QColor ink = palette().color(QPalette::WindowText);
    const QFontMetrics fm(font());
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(ink);
    p.drawText(QRect(4, 0, width() - 8, fm.height() + 4), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p.setFont(font());
    if (!m_history || m_history->empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("No data yet"));
        return;
    }
    const int left = fm.horizontalAdvance(QStringLiteral("-0.0000e-00")) + 6, top = fm.height() + 8;
    const int plotW = std::max(10, width() - left - 10), half = (height() - top - 3 * fm.height() - 16) / 2;
    // Latest histogram: bars over [lo, hi].
    const auto& last = m_history->back();
    const QRect bars(left, top, plotW, std::max(10, half));
    const auto& c = last.h.counts;
    const double peak = double(*std::max_element(c.begin(), c.end()));
    p.setPen(Qt::NoPen);
    p.setBrush(paletteColor(0));
    for (std::size_t i = 0; i < c.size(); ++i) {
        const double x0 = bars.left() + double(i) * bars.width() / double(c.size());
        const double h = peak > 0 ? double(c[i]) / peak * bars.height() : 0.0;
        p.drawRect(QRectF(x0, bars.bottom() - h, double(bars.width()) / double(c.size()) - 1, h));
    }
    p.setPen(ink);
    p.setBrush(Qt::NoBrush);
    p.drawLine(bars.bottomLeft(), bars.bottomRight());
    p.drawText(QRect(bars.left(), bars.bottom() + 2, bars.width(), fm.height()), Qt::AlignLeft, QString::number(last.h.lo, 'g', 3));
    p.drawText(QRect(bars.left(), bars.bottom() + 2, bars.width(), fm.height()), Qt::AlignRight, QString::number(last.h.hi, 'g', 3));
    p.drawText(QRect(bars.left(), bars.bottom() + 2, bars.width(), fm.height()), Qt::AlignHCenter,
               tr("step %1: value (max bar %2 weights)").arg(last.step).arg(qint64(peak)));
    // Heat strip: one column per histogram, re-binned onto the common range of the history.
    const QRect strip(left, bars.bottom() + fm.height() + 10, plotW, std::max(10, half));
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& e : *m_history) {
        lo = std::min(lo, e.h.lo);
        hi = std::max(hi, e.h.hi);
    }
    const int bins = Probe::kHistogramBins, n = int(m_history->size());
    QImage img(n, bins, QImage::Format_RGB32);
    for (int x = 0; x < n; ++x) {
        const auto& h = (*m_history)[std::size_t(x)].h;
        std::vector<double> col(std::size_t(bins), 0.0);
        double total = 0;
        for (std::size_t i = 0; i < h.counts.size(); ++i) {
            const double centre = h.lo + (double(i) + 0.5) * (h.hi - h.lo) / double(h.counts.size());
            col[std::size_t(std::clamp(int((centre - lo) / (hi - lo) * bins), 0, bins - 1))] += double(h.counts[i]);
            total += double(h.counts[i]);
        }
        for (int b = 0; b < bins; ++b)  // y up = larger values
            img.setPixelColor(x, bins - 1 - b, heat(total > 0 ? std::log1p(col[std::size_t(b)]) / std::log1p(total) : 0.0));
    }
    p.drawImage(strip, img);
    p.drawRect(strip.adjusted(0, 0, -1, -1));
    p.drawText(QRect(0, strip.top(), left - 4, fm.height()), Qt::AlignRight, QString::number(hi, 'g', 3));
    p.drawText(QRect(0, strip.bottom() - fm.height(), left - 4, fm.height()), Qt::AlignRight, QString::number(lo, 'g', 3));
    p.drawText(QRect(strip.left(), strip.bottom() + 2, strip.width(), fm.height()), Qt::AlignLeft,
               QString::number(m_history->front().step));
    p.drawText(QRect(strip.left(), strip.bottom() + 2, strip.width(), fm.height()), Qt::AlignRight,
               QString::number(m_history->back().step));
    p.drawText(QRect(strip.left(), strip.bottom() + 2, strip.width(), fm.height()), Qt::AlignHCenter,
               tr("training step (last %1 probes; colour = log count)").arg(n));
}

WeightHistogramView::WeightHistogramView(QWidget* parent) : QWidget(parent)
{
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(tr("La&yer"));
    m_layer = new QSpinBox;
    m_layer->setRange(1, 1);
    m_layer->setAccessibleName(tr("Histogram layer"));
    label->setBuddy(m_layer);
    m_note = new QLabel(tr("Waiting for the next probed batch..."));
    top->addWidget(label);
    top->addWidget(m_layer);
    top->addWidget(m_note, 1);
    m_w = new HistogramPane(tr("Weights W_l"));
    m_dw = new HistogramPane(tr("Weight change over the batch (T Adam steps)"));
    auto* panes = new QHBoxLayout;
    panes->addWidget(m_w);
    panes->addWidget(m_dw);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(2, 2, 2, 2);
    col->addLayout(top);
    col->addLayout(panes, 1);
    connect(m_layer, &QSpinBox::valueChanged, this, &WeightHistogramView::redraw);
}

int WeightHistogramView::layer() const { return m_layer->value() - 1; }
void WeightHistogramView::setLayer(int layer) { m_layer->setValue(layer + 1); }
QString WeightHistogramView::note() const { return m_note->text(); }

const std::deque<HistogramPane::Entry>& WeightHistogramView::weights() const
{
    return std::size_t(layer()) < m_weights.size() ? m_weights[std::size_t(layer())] : kEmpty;
}

const std::deque<HistogramPane::Entry>& WeightHistogramView::changes() const
{
    return std::size_t(layer()) < m_changes.size() ? m_changes[std::size_t(layer())] : kEmpty;
}

void WeightHistogramView::clear()
{
    m_weights.clear();
    m_changes.clear();
    m_lastStep = -1;
    redraw();
}

void WeightHistogramView::addProbe(const std::shared_ptr<const Probe>& probe)
{
    if (!probe || probe->weights.empty() || probe->step == m_lastStep)
        return;
    m_lastStep = probe->step;
    m_weights.resize(probe->weights.size());
    m_changes.resize(probe->weights.size());
    for (std::size_t l = 0; l < probe->weights.size(); ++l) {
        m_weights[l].push_back({probe->step, probe->weights[l]});
        m_changes[l].push_back({probe->step, probe->weight_change[l]});
        if (m_weights[l].size() > std::size_t(kHistory)) {
            m_weights[l].pop_front();
            m_changes[l].pop_front();
        }
    }
    m_layer->setMaximum(int(m_weights.size()));
    redraw();
}

void WeightHistogramView::redraw()
{
    m_w->setHistory(&weights());
    m_dw->setHistory(&changes());
    if (weights().empty()) {
        m_note->setText(tr("Waiting for the next probed batch..."));
        return;
    }
    const auto& w = weights().back().h;
    const auto& d = changes().back().h;
    m_note->setText(tr("Layer %1, step %2 — W in [%3, %4], change over the batch in [%5, %6]")
                        .arg(layer() + 1).arg(weights().back().step).arg(w.min, 0, 'g', 3).arg(w.max, 0, 'g', 3)
                        .arg(d.min, 0, 'g', 3).arg(d.max, 0, 'g', 3));
}

} // namespace tp::ui
