#include "ui/charts/bar_chart.h"

#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace tp::ui {

struct BarChart::Impl {
    QChart* chart = new QChart;
    QString yTitle;
};

BarChart::BarChart(const QString& title, const QString& yTitle, QWidget* parent) : QWidget(parent), m_impl(new Impl)
{
    m_impl->yTitle = yTitle;
    m_impl->chart->setTitle(title);
    m_impl->chart->legend()->setAlignment(Qt::AlignBottom);
    m_impl->chart->setBackgroundRoundness(0);
    auto* view = new QChartView(m_impl->chart);
    view->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    setAccessibleName(title);
}

BarChart::~BarChart() { delete m_impl; }

void BarChart::setBars(const QStringList& names, const QVector<double>& values, const QVector<QColor>& colors)
{
    m_values = values;
    QChart* chart = m_impl->chart;
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis);
    auto* series = new QBarSeries;
    for (int i = 0; i < names.size() && i < values.size(); ++i) {
        auto* set = new QBarSet(names[i]);
        *set << values[i];
        set->setColor(colors.value(i, Qt::gray));
        series->append(set);
    }
    series->setLabelsVisible(true);
    series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    series->setLabelsFormat(QStringLiteral("@value"));
    series->setLabelsPrecision(4);
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(QStringLiteral(" "));
    auto* y = new QValueAxis;
    y->setTitleText(m_impl->yTitle);
    const double top = values.isEmpty() ? 1.0 : *std::max_element(values.begin(), values.end());
    y->setRange(0, top > 0 ? top * 1.15 : 1.0);  // room for the labels above the bars
    y->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
}

} // namespace tp::ui
