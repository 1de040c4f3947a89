#include "ui/views/insight_trace_panel.h"

#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

#include "ui/charts/line_chart.h"
#include "ui/charts/palette.h"

namespace tp::ui {

TracePanelView::TracePanelView(QWidget* parent) : QWidget(parent)
{
    m_note = new QLabel(tr("Waiting for the next probed batch..."));
    m_traces = new LineChart(tr("Traces: input path ε (solid) and target path ε̃ of the sample's class (dashed)"),
                             tr("time step"), tr("trace"));
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
    col->addWidget(m_traces, 3);
    col->addWidget(m_surrogate, 2);
    col->addWidget(m_update, 2);
    for (LineChart* c : {m_traces, m_surrogate, m_update}) {
        connect(c, &LineChart::hovered, this, &TracePanelView::setCursorStep);
        connect(c, &LineChart::hovered, this, &TracePanelView::hovered);
    }
}

QString TracePanelView::note() const { return m_note->text(); }

void TracePanelView::setCursorStep(double t)
{
    for (LineChart* c : {m_traces, m_surrogate, m_update})
        c->setCursorX(t);
}

void TracePanelView::setProbe(std::shared_ptr<const Probe> probe)
{
    if (!probe)
        return;
    if (probe->empty()) {
        m_note->setText(tr("This model does not record neuron state (conv and BPTT runs have no probe)."));
        for (LineChart* c : {m_traces, m_surrogate, m_update})
            c->clear();
        m_seriesFor.reset();
        return;
    }
    const std::uint64_t key = probe->pickKey();
    if (key != m_seriesFor) {
        for (LineChart* c : {m_traces, m_surrogate, m_update})
            c->clear();
        for (std::size_t k = 0; k < probe->neurons.size(); ++k) {
            const QString name = tr("L%1 n%2").arg(probe->layer + 1).arg(probe->neurons[k].neuron);
            m_traces->addSeries(tr("%1 input ε").arg(name), paletteColor(int(k)));
            m_traces->addSeries(tr("%1 target ε̃").arg(name), paletteColor(int(k)), LineChart::Style::Dashed);
            m_surrogate->addSeries(name, paletteColor(int(k)));
            m_update->addSeries(name, paletteColor(int(k)));
        }
        m_seriesFor = key;
    }
    auto series = [](const std::vector<float>& v) {
        QVector<QPointF> pts;
        pts.reserve(qsizetype(v.size()));
        for (std::size_t t = 0; t < v.size(); ++t)
            pts.append(QPointF(double(t), double(v[t])));
        return pts;
    };
    for (std::size_t k = 0; k < probe->neurons.size(); ++k) {
        const auto& n = probe->neurons[k];
        m_traces->setPoints(int(2 * k), series(n.in_trace));
        m_traces->setPoints(int(2 * k + 1), series(n.tgt_trace));
        m_surrogate->setPoints(int(k), series(n.surrogate));
        m_update->setPoints(int(k), series(n.update));
    }
    for (LineChart* c : {m_traces, m_surrogate, m_update})
        c->setXRange(0, std::max(1, probe->steps - 1));
    m_note->setText(tr("batch row %1, class %2 — layer %3 — step %4 (epoch %5)")
                        .arg(probe->row).arg(probe->label).arg(probe->layer + 1).arg(probe->step).arg(probe->epoch));
}

} // namespace tp::ui
