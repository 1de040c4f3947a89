#include "ui/views/insight_trace_panel.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/charts/line_chart.h"
#include "ui/charts/palette.h"
#include "ui/views/probe_series.h"

namespace tp::ui {

TracePanelView::TracePanelView(QWidget* parent) : QWidget(parent)
{
    m_note = new QLabel(tr("Waiting for the next probed batch..."));
    m_note->setWordWrap(true);
    m_surrogate = new LineChart(tr("Surrogate derivative ψ = κ / (1 + (π (u − v_th))²) at the pre-reset potential u (peak κ at threshold)"), tr("time step"), tr("ψ"));
    m_update = new LineChart(tr("Local gradient ‖∂E_l/∂W_l[j,:]‖₂ over the neuron's incoming weights (before Adam)"),
                             tr("time step"), tr("‖g‖₂"));
    m_update->setToolTip(tr("The L2 norm, over the incoming weights of the neuron (row j of W_l, and of R_l when "
                            "recurrent), of this time step's exact local gradient of Eq. 18 for the whole batch, both "
                            "paths. Adam turns it into the weight change applied at the same step."));
    m_surrogate->setToolTip(tr("ψ = κ / (1 + (π (u − v_th))²), the ArcTan surrogate; it gates the neuron's gradient."));
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(2, 2, 2, 2);
    col->addWidget(m_note);
    m_seriesBox = new QVBoxLayout;
    col->addLayout(m_seriesBox, 3);
    col->addWidget(m_surrogate, 2);
    col->addWidget(m_update, 2);
    for (LineChart* c : {m_surrogate, m_update}) {
        connect(c, &LineChart::hovered, this, &TracePanelView::setCursorStep);
        connect(c, &LineChart::hovered, this, &TracePanelView::hovered);
    }
}

QString TracePanelView::note() const { return m_note->text(); }

void TracePanelView::setCursorStep(double t)
{
    for (LineChart* c : m_seriesCharts)
        c->setCursorX(t);
    for (LineChart* c : {m_surrogate, m_update})
        c->setCursorX(t);
}

void TracePanelView::clearCharts()
{
    qDeleteAll(m_seriesCharts);
    m_seriesCharts.clear();
    m_members.clear();
    m_titles.clear();
    m_surrogate->clear();
    m_update->clear();
    m_seriesFor.reset();
}

/// One chart per quantity of the rule's series; per neuron a colour, per series of a chart a
/// line style (the chart title says which).
void TracePanelView::rebuild(const Probe& probe)
{
    clearCharts();
    const auto& first = probe.neurons.front().series;
    for (const SeriesGroup& g : seriesGroups(first)) {
        auto* chart = new LineChart(groupTitle(first, g), tr("time step"), g.axis);
        for (std::size_t k = 0; k < probe.neurons.size(); ++k) {
            const QString name = tr("L%1 n%2").arg(probe.layer + 1).arg(probe.neurons[k].neuron);
            for (int m = 0; m < g.members.size(); ++m)
                chart->addSeries(memberLabel(name, first, g, m), paletteColor(int(k)), memberStyle(m));
        }
        connect(chart, &LineChart::hovered, this, &TracePanelView::setCursorStep);
        connect(chart, &LineChart::hovered, this, &TracePanelView::hovered);
        m_seriesBox->addWidget(chart, 3);
        m_seriesCharts.append(chart);
        m_members.append(g.members);
        m_titles.append(chart->title());
    }
    for (std::size_t k = 0; k < probe.neurons.size(); ++k) {
        const QString name = tr("L%1 n%2").arg(probe.layer + 1).arg(probe.neurons[k].neuron);
        m_surrogate->addSeries(name, paletteColor(int(k)));
        m_update->addSeries(name, paletteColor(int(k)));
    }
    m_seriesFor = probe.pickKey();
    m_seriesRule = probe.rule;
}

void TracePanelView::setProbe(std::shared_ptr<const Probe> probe)
{
    if (!probe)
        return;
    if (probe->empty() || probe->neurons.empty()) {
        m_note->setText(probe->empty() ? emptyProbeText(*probe)
                                       : tr("No picked neuron exists in layer %1: pick one on the Neurons tab.").arg(probe->layer + 1));
        clearCharts();
        m_surrogate->hide();
        m_update->hide();
        return;
    }
    if (probe->pickKey() != m_seriesFor || probe->rule != m_seriesRule)
        rebuild(*probe);
    const auto& n0 = probe->neurons.front().series;
    for (int c = 0; c < m_seriesCharts.size(); ++c) {
        LineChart* chart = m_seriesCharts[c];
        const QVector<int>& members = m_members[c];
        for (std::size_t k = 0; k < probe->neurons.size(); ++k)
            for (int m = 0; m < members.size(); ++m)
                chart->setPoints(int(k) * int(members.size()) + m,
                                 stepPoints(probe->neurons[k].series[std::size_t(members[m])].values));
        chart->setXRange(0, std::max(1, probe->steps - 1));
        // A flat line reads as "nothing recorded": say it is the value (e.g. e-prop's learning
        // signal while the last layer is silent, so the readout does not move).
        bool flat = true;
        for (const auto& n : probe->neurons)
            for (int m : members) {
                const auto& v = n.series[std::size_t(m)].values;
                flat = flat && std::all_of(v.begin(), v.end(), [&](float x) { return x == v.front(); });
            }
        chart->setTitles(m_titles[c] + (flat ? tr(" — constant over the whole sequence") : QString()),
                         QString::fromStdString(n0[std::size_t(members.front())].axis));
    }
    const bool updates = !probe->neurons.front().update.empty();
    for (std::size_t k = 0; k < probe->neurons.size(); ++k) {
        m_surrogate->setPoints(int(k), stepPoints(probe->neurons[k].surrogate));
        m_update->setPoints(int(k), stepPoints(probe->neurons[k].update));
    }
    m_surrogate->show();
    m_update->setVisible(updates);
    for (LineChart* c : {m_surrogate, m_update})
        c->setXRange(0, std::max(1, probe->steps - 1));
    m_note->setText(tr("%1 — batch row %2, class %3 — layer %4 — step %5 (epoch %6)")
                        .arg(ruleTitle(*probe)).arg(probe->row).arg(probe->label).arg(probe->layer + 1)
                        .arg(probe->step).arg(probe->epoch) +
                    (updates ? QString() : tr(". The per-step update norm is recorded under TP only.")));
}

} // namespace tp::ui
