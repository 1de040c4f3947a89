#pragma once
/// A bar chart of one value per named item (Qt Charts behind a small interface, like LineChart):
/// each item a bar of its own colour with its value printed above it, e.g. the measured memory of
/// the runs of a rule comparison.
#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

namespace tp::ui {

class BarChart : public QWidget {
    Q_OBJECT
public:
    BarChart(const QString& title, const QString& yTitle, QWidget* parent = nullptr);
    ~BarChart() override;
    /// One bar per name (values >= 0), coloured by `colors` in the same order.
    void setBars(const QStringList& names, const QVector<double>& values, const QVector<QColor>& colors);
    QVector<double> values() const { return m_values; }

private:
    struct Impl;
    Impl* m_impl;
    QVector<double> m_values;
};

} // namespace tp::ui
