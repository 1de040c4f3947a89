#pragma once
/// What the insight views share about a probe (rules/probe.h): the running rule's title, the
/// sentence an empty probe gets instead of an empty chart, the per-step points of a series, and
/// the rule's series grouped into charts by their quantity (Probe::Series::axis).
#include <QPointF>
#include <QString>
#include <QVector>

#include <vector>

#include "rules/probe.h"
#include "ui/charts/line_chart.h"

namespace tp::ui {

/// The registry title of the probe's rule ("e-prop (...)"); its name when unregistered.
QString ruleTitle(const Probe& probe);
/// Why an empty probe shows nothing, in one sentence naming the rule.
QString emptyProbeText(const Probe& probe);
/// (t, values[t]) for every step.
QVector<QPointF> stepPoints(const std::vector<float>& values);

/// Series of one quantity (one chart): their indices in the list, in order.
struct SeriesGroup {
    QString axis;
    QVector<int> members;
};
/// The groups of `series` by axis, in order of first appearance.
QVector<SeriesGroup> seriesGroups(const std::vector<Probe::Series>& series);
/// The names of the group's series joined for a chart title (with each one's line style).
QString groupTitle(const std::vector<Probe::Series>& series, const SeriesGroup& group);
/// Legend entry of the group's m-th series of neuron `neuron` ("L1 n3", or "L1 n3 input-path"
/// when the chart holds several series per neuron: the first word of the series' name).
QString memberLabel(const QString& neuron, const std::vector<Probe::Series>& series, const SeriesGroup& group, int m);
/// Line style of the group's m-th series: solid, dashed, thin (as groupTitle names them).
LineChart::Style memberStyle(int m);

} // namespace tp::ui
