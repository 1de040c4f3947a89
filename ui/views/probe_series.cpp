#include "ui/views/probe_series.h"

#include <QCoreApplication>
#include <QStringList>

#include <algorithm>

#include "rules/registry.h"

namespace tp::ui {

QString ruleTitle(const Probe& probe)
{
    const LearningRule* rule = findRule(probe.rule);
    return rule ? QString::fromUtf8(rule->title) : QString::fromStdString(probe.rule);
}

QString emptyProbeText(const Probe& probe)
{
    return QCoreApplication::translate("tp::ui::ProbeSeries",
                                       "%1 records no per-step state for this network: conv networks (and rules "
                                       "registered without a probe) are not probed, so there is nothing to draw here.")
        .arg(probe.rule.empty() ? QCoreApplication::translate("tp::ui::ProbeSeries", "This model") : ruleTitle(probe));
}

QVector<QPointF> stepPoints(const std::vector<float>& values)
{
    QVector<QPointF> pts;
    pts.reserve(qsizetype(values.size()));
    for (std::size_t t = 0; t < values.size(); ++t)
        pts.append(QPointF(double(t), double(values[t])));
    return pts;
}

QVector<SeriesGroup> seriesGroups(const std::vector<Probe::Series>& series)
{
    QVector<SeriesGroup> groups;
    for (int i = 0; i < int(series.size()); ++i) {
        const QString axis = QString::fromStdString(series[std::size_t(i)].axis);
        auto it = std::find_if(groups.begin(), groups.end(), [&](const SeriesGroup& g) { return g.axis == axis; });
        if (it == groups.end())
            groups.append({axis, {i}});
        else
            it->members.append(i);
    }
    return groups;
}

QString groupTitle(const std::vector<Probe::Series>& series, const SeriesGroup& group)
{
    static const char* const kStyles[] = {QT_TRANSLATE_NOOP("tp::ui::ProbeSeries", "solid"),
                                          QT_TRANSLATE_NOOP("tp::ui::ProbeSeries", "dashed"),
                                          QT_TRANSLATE_NOOP("tp::ui::ProbeSeries", "thin")};
    QStringList names;
    for (int k = 0; k < group.members.size(); ++k) {
        const QString name = QString::fromStdString(series[std::size_t(group.members[k])].name);
        names << (group.members.size() > 1 && k < 3
                      ? QStringLiteral("%1 (%2)").arg(name, QCoreApplication::translate("tp::ui::ProbeSeries", kStyles[k]))
                      : name);
    }
    return names.join(QStringLiteral(" · "));
}

QString memberLabel(const QString& neuron, const std::vector<Probe::Series>& series, const SeriesGroup& group, int m)
{
    if (group.members.size() < 2)
        return neuron;
    return neuron + QLatin1Char(' ') +
           QString::fromStdString(series[std::size_t(group.members[m])].name).section(QLatin1Char(' '), 0, 0);
}

LineChart::Style memberStyle(int m)
{
    return m == 0 ? LineChart::Style::Line : m == 1 ? LineChart::Style::Dashed : LineChart::Style::Thin;
}

} // namespace tp::ui
