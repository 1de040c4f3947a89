#include "ui/charts/line_chart.h"

#include "ui/export_file.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QSvgGenerator>
#include <QTextStream>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <cmath>
#include <limits>

namespace tp::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Forwards hover positions to the chart's owner.
class HoverView : public QChartView {
public:
    HoverView(QChart* chart, std::function<void(const QPointF&)> onMove, QWidget* parent)
        : QChartView(chart, parent), m_onMove(std::move(onMove))
    {
        setMouseTracking(true);
        setRenderHint(QPainter::Antialiasing);
    }

protected:
    void mouseMoveEvent(QMouseEvent* e) override
    {
        m_onMove(e->position());
        QChartView::mouseMoveEvent(e);
    }
    void leaveEvent(QEvent* e) override
    {
        m_onMove(QPointF(-1, -1));
        QChartView::leaveEvent(e);
    }

private:
    std::function<void(const QPointF&)> m_onMove;
};

QString number(double v) { return QString::number(v, 'g', 4); }

} // namespace

struct LineChart::Impl {
    QChart* chart = nullptr;
    HoverView* view = nullptr;
    QValueAxis* x = nullptr;
    QAbstractAxis* y = nullptr;
    QList<QLineSeries*> series;
    QList<QVector<QPointF>> data;  // what the caller set (log scale hides y <= 0)
    QList<QLineSeries*> markers;
    QList<QGraphicsSimpleTextItem*> markerLabels;
    QVector<double> markerXs;
    QLineSeries* reference = nullptr;
    double referenceY = kNaN;
    double xlo = kNaN, xhi = kNaN, ylo = kNaN, yhi = kNaN;
    QString title, xTitle, yTitle;
    QGraphicsSimpleTextItem* readout = nullptr;
    QGraphicsLineItem* cursor = nullptr;
};

LineChart::LineChart(const QString& title, const QString& xTitle, const QString& yTitle, QWidget* parent)
    : QWidget(parent), d(std::make_unique<Impl>())
{
    d->title = title;
    d->xTitle = xTitle;
    d->yTitle = yTitle;
    d->chart = new QChart;
    d->chart->setTitle(title);
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    d->chart->setMargins(QMargins(4, 4, 4, 4));
    d->x = new QValueAxis;
    d->x->setTitleText(xTitle);
    d->x->setLabelFormat(QStringLiteral("%g"));
    d->chart->addAxis(d->x, Qt::AlignBottom);
    auto* y = new QValueAxis;
    y->setTitleText(yTitle);
    y->setLabelFormat(QStringLiteral("%g"));
    d->y = y;
    d->chart->addAxis(y, Qt::AlignLeft);
    d->view = new HoverView(d->chart, [this](const QPointF& p) { showReadout(p); }, this);
    d->view->setAccessibleName(title);
    d->view->setContextMenuPolicy(Qt::NoContextMenu);  // the chart widget's own menu
    d->readout = new QGraphicsSimpleTextItem(d->chart);
    d->readout->setZValue(20);
    d->cursor = new QGraphicsLineItem(d->chart);
    d->cursor->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    d->cursor->setZValue(19);
    d->readout->hide();
    d->cursor->hide();
    connect(d->chart, &QChart::plotAreaChanged, this, [this] { setMarkers(d->markerXs, {}); });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->view);
    setContextMenuPolicy(Qt::DefaultContextMenu);
    setFocusPolicy(Qt::StrongFocus);  // reachable by Tab; the menu key opens the chart's menu
    d->view->setFocusPolicy(Qt::NoFocus);
    applyTheme();
}

void LineChart::setTitles(const QString& title, const QString& yTitle)
{
    d->title = title;
    d->yTitle = yTitle;
    d->chart->setTitle(title);
    d->view->setAccessibleName(title);
    d->y->setTitleText(yTitle + (m_logY ? tr(" (log)") : QString()));
}

QString LineChart::title() const { return d->title; }

LineChart::~LineChart() = default;

void LineChart::applyTheme()
{
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const QList<QColor> colors = [&] {
        QList<QColor> c;
        for (auto* s : d->series)
            c.append(s->color());
        return c;
    }();
    d->chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    d->chart->setBackgroundRoundness(0);
    for (int i = 0; i < d->series.size(); ++i) {  // setTheme resets series colours
        QPen pen = d->series[i]->pen();
        pen.setColor(colors[i]);
        d->series[i]->setPen(pen);
    }
    const QColor text = palette().color(QPalette::WindowText);
    d->readout->setBrush(text);
    if (d->reference)
        d->reference->setPen(QPen(text, 1.5, Qt::DashLine));
}

void LineChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyTheme();
    QWidget::changeEvent(event);
}

int LineChart::addSeries(const QString& name, const QColor& color, Style style)
{
    auto* s = new QLineSeries;
    s->setName(name);
    QPen pen(color, style == Style::Thin ? 1.0 : style == Style::Dashed ? 1.5 : 2.0,
             style == Style::Dashed ? Qt::DashLine : Qt::SolidLine);
    s->setPen(pen);
    s->setPointsVisible(style == Style::LineWithPoints);
    s->setUseOpenGL(false);
    d->chart->addSeries(s);
    s->attachAxis(d->x);
    s->attachAxis(d->y);
    d->series.append(s);
    d->data.append(QVector<QPointF>());
    return int(d->series.size()) - 1;
}

void LineChart::clear()
{
    for (auto* s : d->series)
        d->chart->removeSeries(s), delete s;
    d->series.clear();
    d->data.clear();
    setMarkers({}, {});
    if (d->reference) {
        d->chart->removeSeries(d->reference);
        delete d->reference;
        d->reference = nullptr;
    }
    d->referenceY = kNaN;
    requestRescale();
}

int LineChart::seriesCount() const { return int(d->series.size()); }

void LineChart::setPoints(int i, const QVector<QPointF>& points)
{
    if (i < 0 || i >= d->series.size() || d->data[i] == points)
        return;
    d->data[i] = points;
    if (m_logY) {
        QVector<QPointF> positive;
        for (const auto& p : points)
            if (p.y() > 0)
                positive.append(p);
        d->series[i]->replace(positive);
    } else {
        d->series[i]->replace(points);
    }
    requestRescale();
}

QVector<QPointF> LineChart::points(int i) const
{
    return i >= 0 && i < d->series.size() ? d->series[i]->points() : QVector<QPointF>{};
}

int LineChart::pointCount() const
{
    int n = 0;
    for (auto* s : d->series)
        n += int(s->count());
    return n;
}

void LineChart::setMarkers(const QVector<double>& xs, const QStringList& labels)
{
    const bool same = xs == d->markerXs;
    if (!same) {
        for (auto* m : d->markers)
            d->chart->removeSeries(m), delete m;
        qDeleteAll(d->markerLabels);
        d->markers.clear();
        d->markerLabels.clear();
        d->markerXs = xs;
        for (int i = 0; i < xs.size(); ++i) {
            auto* m = new QLineSeries;
            m->setName(i < labels.size() ? labels[i] : QString());
            m->setPen(QPen(QColor(0x00, 0x00, 0x00, 150), 1.2, Qt::DashDotLine));
            d->chart->addSeries(m);
            m->attachAxis(d->x);
            m->attachAxis(d->y);
            for (auto* lm : d->chart->legend()->markers(m))
                lm->setVisible(false);
            d->markers.append(m);
            auto* label = new QGraphicsSimpleTextItem(m->name(), d->chart);
            label->setBrush(palette().color(QPalette::WindowText));
            label->setZValue(18);
            d->markerLabels.append(label);
        }
    }
    // Span the current y range; labels at the top of the plot area.
    const double lo = m_logY ? static_cast<QLogValueAxis*>(d->y)->min() : static_cast<QValueAxis*>(d->y)->min();
    const double hi = m_logY ? static_cast<QLogValueAxis*>(d->y)->max() : static_cast<QValueAxis*>(d->y)->max();
    const QRectF area = d->chart->plotArea();
    for (int i = 0; i < d->markers.size(); ++i) {
        d->markers[i]->replace({QPointF(xs[i], lo), QPointF(xs[i], hi)});
        const QPointF top = d->chart->mapToPosition(QPointF(xs[i], hi), d->markers[i]);
        d->markerLabels[i]->setPos(std::min(top.x() + 3, area.right() - d->markerLabels[i]->boundingRect().width()),
                                   area.top() + 2 + 14 * (i % 3));
        d->markerLabels[i]->setVisible(area.contains(QPointF(top.x(), area.center().y())));
    }
}

void LineChart::setReferenceLine(const QString& name, double y)
{
    if (!d->reference) {
        d->reference = new QLineSeries;
        d->chart->addSeries(d->reference);
        d->reference->attachAxis(d->x);
        d->reference->attachAxis(d->y);
    }
    d->reference->setName(name);
    d->referenceY = y;
    applyTheme();
    requestRescale();
}

void LineChart::setXRange(double lo, double hi)
{
    d->xlo = lo;
    d->xhi = hi;
    requestRescale();
}

void LineChart::setYRange(double lo, double hi)
{
    d->ylo = lo;
    d->yhi = hi;
    requestRescale();
}

void LineChart::setLogY(bool log)
{
    if (log == m_logY)
        return;
    m_logY = log;
    d->chart->removeAxis(d->y);
    delete d->y;
    if (log) {
        auto* a = new QLogValueAxis;
        a->setBase(10);
        a->setLabelFormat(QStringLiteral("%g"));
        a->setMinorTickCount(-1);
        d->y = a;
    } else {
        auto* a = new QValueAxis;
        a->setLabelFormat(QStringLiteral("%g"));
        d->y = a;
    }
    d->y->setTitleText(d->yTitle + (log ? tr(" (log)") : QString()));
    d->chart->addAxis(d->y, Qt::AlignLeft);
    QList<QLineSeries*> all = d->series + d->markers;
    if (d->reference)
        all.append(d->reference);
    for (auto* s : all)
        s->attachAxis(d->y);
    const auto data = d->data;
    for (int i = 0; i < data.size(); ++i) {
        d->data[i].clear();  // force the refill
        setPoints(i, data[i]);
    }
    requestRescale();
}

void LineChart::requestRescale()
{
    // Several series change in one update: fit the axes once, after all of them.
    if (m_rescalePending)
        return;
    m_rescalePending = true;
    QMetaObject::invokeMethod(this, [this] { rescale(); }, Qt::QueuedConnection);
}

void LineChart::rescale()
{
    m_rescalePending = false;
    double x0 = d->xlo, x1 = d->xhi, y0 = kNaN, y1 = kNaN;
    bool autoX = !(std::isfinite(x0) && std::isfinite(x1));
    if (autoX)
        x0 = kNaN, x1 = kNaN;
    for (auto* s : d->series)
        for (const QPointF& p : s->points()) {
            if (autoX) {
                x0 = std::isnan(x0) ? p.x() : std::min(x0, p.x());
                x1 = std::isnan(x1) ? p.x() : std::max(x1, p.x());
            }
            y0 = std::isnan(y0) ? p.y() : std::min(y0, p.y());
            y1 = std::isnan(y1) ? p.y() : std::max(y1, p.y());
        }
    if (std::isfinite(d->referenceY) && (!m_logY || d->referenceY > 0)) {
        y0 = std::isnan(y0) ? d->referenceY : std::min(y0, d->referenceY);
        y1 = std::isnan(y1) ? d->referenceY : std::max(y1, d->referenceY);
    }
    if (std::isnan(x0))
        x0 = 0, x1 = 1;
    if (x1 <= x0)
        x1 = x0 + 1;
    if (std::isfinite(d->ylo) && std::isfinite(d->yhi) && !(m_logY && d->ylo <= 0))
        y0 = d->ylo, y1 = d->yhi;
    if (std::isnan(y0))
        y0 = m_logY ? 0.1 : 0, y1 = 1;
    if (m_logY) {
        y0 = std::max(y0, 1e-12);
        y1 = std::max(y1, y0 * 10);
        y0 /= 1.2, y1 *= 1.2;
        static_cast<QLogValueAxis*>(d->y)->setRange(y0, y1);
    } else {
        const double pad = y1 > y0 ? 0.05 * (y1 - y0) : std::max(1e-9, std::abs(y0) * 0.1);
        if (!(std::isfinite(d->ylo) && std::isfinite(d->yhi))) {
            const bool nonNegative = y0 >= 0;  // rates, losses: no axis below zero
            y0 -= pad, y1 += pad;
            if (nonNegative)
                y0 = std::max(0.0, y0);
        }
        auto* y = static_cast<QValueAxis*>(d->y);
        y->setRange(y0, y1);
        y->applyNiceNumbers();  // round ticks (0.5, 1, 2, 5 x 10^k)
    }
    d->x->setRange(x0, x1);
    d->x->applyNiceNumbers();
    if (d->reference)
        d->reference->replace({QPointF(x0, d->referenceY), QPointF(x1, d->referenceY)});
    setMarkers(d->markerXs, {});
}

int LineChart::plotWidth() const
{
    const int w = int(d->chart->plotArea().width());
    return w > 10 ? w : std::max(100, width() - 80);
}

/// The point of `pts` (x increasing) nearest to x.
static const QPointF* nearest(const QList<QPointF>& pts, double x)
{
    if (pts.isEmpty())
        return nullptr;
    auto it = std::lower_bound(pts.begin(), pts.end(), x, [](const QPointF& p, double v) { return p.x() < v; });
    if (it == pts.end() || (it != pts.begin() && std::abs((it - 1)->x() - x) < std::abs(it->x() - x)))
        --it;
    return &*it;
}

double LineChart::snap(double x) const
{
    for (auto* s : d->series) {
        const auto pts = s->points();
        if (const QPointF* p = nearest(pts, x))
            return p->x();
    }
    return x;
}

QString LineChart::readoutAt(double x) const
{
    x = snap(x);  // read out at a data point's x (a whole step), not between points
    QStringList parts{QStringLiteral("%1 %2").arg(d->xTitle, number(x))};
    for (auto* s : d->series) {
        const auto pts = s->points();
        if (const QPointF* p = nearest(pts, x))
            parts.append(QStringLiteral("%1: %2").arg(s->name(), number(p->y())));
    }
    return parts.join(QStringLiteral("   "));
}

void LineChart::showReadout(const QPointF& viewPos)
{
    const QPointF scenePos = d->view->mapToScene(viewPos.toPoint());
    const QPointF chartPos = d->chart->mapFromScene(scenePos);
    const QRectF area = d->chart->plotArea();
    if (viewPos.x() < 0 || !area.contains(chartPos) || d->series.isEmpty()) {
        setCursorX(kNaN);
        Q_EMIT hovered(kNaN);
        return;
    }
    const double x = d->chart->mapToValue(chartPos, d->series.first()).x();
    setCursorX(x);
    Q_EMIT hovered(x);
}

QString LineChart::cursorReadout() const
{
    return d->readout->isVisible() ? d->readout->text() : QString();
}

void LineChart::setCursorX(double x)
{
    const QRectF area = d->chart->plotArea();
    if (std::isnan(x) || d->series.isEmpty()) {
        d->readout->hide();
        d->cursor->hide();
        return;
    }
    x = snap(x);
    const double px = d->chart->mapToPosition(QPointF(x, 0), d->series.first()).x();
    d->readout->setText(readoutAt(x));
    d->readout->setPos(area.left() + 6, area.top() + 4);
    d->cursor->setLine(px, area.top(), px, area.bottom());
    d->readout->show();
    d->cursor->show();
}

bool LineChart::exportTo(const QString& file) const
{
    if (m_rescalePending)
        const_cast<LineChart*>(this)->rescale();
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix == QLatin1String("svg"))
        return exportSvg(file);
    if (suffix == QLatin1String("csv"))
        return exportCsv(file);
    return writeImageFile(file, d->view->grab().toImage());
}

bool LineChart::exportSvg(const QString& file) const
{
    return writeSvgFile(file, d->view->size(), d->title, [this](QPainter& painter) { d->view->render(&painter); });
}

bool LineChart::exportCsv(const QString& file) const
{
    QByteArray bytes;
    QTextStream out(&bytes, QIODevice::WriteOnly);
    auto quoted = [](QString s) { return QLatin1Char('"') + s.replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"'); };
    out << "series," << quoted(d->xTitle) << ',' << quoted(d->yTitle) << '\n';
    for (auto* s : d->series)
        for (const QPointF& p : s->points())
            out << quoted(s->name()) << ',' << QString::number(p.x(), 'g', 10) << ',' << QString::number(p.y(), 'g', 9) << '\n';
    for (int i = 0; i < d->markers.size(); ++i)
        out << quoted(QStringLiteral("marker: ") + d->markers[i]->name()) << ',' << QString::number(d->markerXs[i], 'g', 10) << ",\n";
    if (d->reference)
        out << quoted(d->reference->name()) << ",," << QString::number(d->referenceY, 'g', 9) << '\n';
    out.flush();
    return out.status() == QTextStream::Ok && writeExportFile(file, bytes);
}

void LineChart::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    QAction* log = menu.addAction(tr("Logarithmic y axis"));
    log->setCheckable(true);
    log->setChecked(m_logY);
    connect(log, &QAction::toggled, this, &LineChart::setLogY);
    menu.addSeparator();
    menu.addAction(tr("Export chart..."), this, [this] {
        exportWithDialog(this, d->title, [this](const QString& f) { return exportTo(f); });
    });
    menu.exec(event->globalPos());
}

void exportWithDialog(QWidget* parent, const QString& what, const std::function<bool(const QString&)>& exportFn)
{
    QString filter;
    QString file = QFileDialog::getSaveFileName(parent, QObject::tr("Export %1").arg(what), what + QStringLiteral(".png"),
                                                QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;CSV data (*.csv)"),
                                                &filter);
    if (file.isEmpty())
        return;
    if (QFileInfo(file).suffix().isEmpty())
        file += filter.contains(QLatin1String("svg")) ? QStringLiteral(".svg")
                : filter.contains(QLatin1String("csv")) ? QStringLiteral(".csv")
                                                        : QStringLiteral(".png");
    if (!exportFn(file))
        QMessageBox::warning(parent, QObject::tr("Export failed"), QObject::tr("Could not write %1").arg(file));
}

} // namespace tp::ui
