#include "ui/views/insight_similarity.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ui/charts/line_chart.h"
#include "ui/charts/palette.h"
#include "ui/views/insight_heat_map.h"
#include "ui/views/probe_series.h"

namespace tp::ui {

SimilarityView::SimilarityView(QWidget* parent) : QWidget(parent)
{
    auto* top = new QHBoxLayout;
    m_controls = new QWidget;  // TP's layer and step pickers (hidden under another rule)
    auto* controls = new QHBoxLayout(m_controls);
    controls->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_controls);
    auto addBox = [&](const QString& text, const QString& name) {
        auto* label = new QLabel(text);
        auto* box = new QSpinBox;
        box->setAccessibleName(name);
        label->setBuddy(box);
        controls->addWidget(label);
        controls->addWidget(box);
        return box;
    };
    m_layer = addBox(tr("La&yer"), tr("Similarity layer"));
    m_layer->setRange(1, 1);
    m_step = addBox(tr("Time ste&p"), tr("Similarity time step"));
    m_step->setRange(-1, 0);
    m_step->setSpecialValueText(tr("auto (lowest E_l)"));
    m_step->setValue(-1);
    m_step->setToolTip(tr("Time step of the probed batch; follows the time cursor of the other views."));
    m_note = new QLabel(tr("Waiting for the next probed batch..."));
    m_note->setWordWrap(true);
    top->addWidget(m_note, 1);
    m_z = new InsightHeatMap(tr("Logits z = ε_l · ε̃_l (batch row x class row)"));
    m_z->setColorBarTitle(tr("z"));
    m_z->setToolTip(tr("z[b, k] = Σ_j ε_l[b, j] · ε̃_l[k, j]: input-path trace of batch row b against the "
                       "target-path (prototype) trace of class k at the time step shown."));
    m_y = new InsightHeatMap(tr("Soft target y (batch row x class row)"));
    m_y->setColorBarTitle(tr("y"));
    m_y->setToolTip(tr("y[b, k] = softmax over the batch of −‖ε̃_{l−1}[b] − ε̃_{l−1}[b']‖: the target of row b towards "
                       "ONE row of class k (a column stands for all rows of its class, so a class alone in the batch "
                       "gets the whole weight)."));
    // Under another rule: its per-layer series (DECOLLE's local loss) over the time steps.
    m_layerChart = new LineChart(QString(), tr("time step"), QString());
    m_layerChart->hide();
    auto* maps = new QHBoxLayout;
    maps->addWidget(m_z);
    maps->addWidget(m_y);
    maps->addWidget(m_layerChart);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(2, 2, 2, 2);
    col->addLayout(top);
    col->addLayout(maps, 1);
    connect(m_layer, &QSpinBox::valueChanged, this, &SimilarityView::redraw);
    connect(m_step, &QSpinBox::valueChanged, this, &SimilarityView::redraw);
}

int SimilarityView::layer() const { return m_layer->value() - 1; }
void SimilarityView::setLayer(int layer) { m_layer->setValue(layer + 1); }
int SimilarityView::timeStep() const { return m_shownStep; }
QString SimilarityView::lossText() const { return m_note->text(); }

void SimilarityView::setCursorStep(double t)
{
    m_step->setValue(std::isfinite(t) && t >= 0 ? int(std::lround(t)) : -1);
    m_layerChart->setCursorX(t);
}

void SimilarityView::setProbe(std::shared_ptr<const Probe> probe)
{
    m_probe = std::move(probe);
    redraw();
}

void SimilarityView::showMaps(bool maps, bool chart)
{
    m_z->setVisible(maps);
    m_y->setVisible(maps);
    m_layerChart->setVisible(chart);
    m_controls->setVisible(maps);
}

/// Another rule than TP: its per-layer series, or a sentence saying where its signals are.
void SimilarityView::showRuleSeries()
{
    const Probe& p = *m_probe;
    const QString rule = ruleTitle(p);
    m_layerChart->clear();
    if (p.layers.empty() || p.layers.front().series.empty()) {
        QStringList names;
        if (!p.neurons.empty())
            for (const auto& s : p.neurons.front().series)
                names << QString::fromStdString(s.name);
        m_note->setText(tr("TP's similarity matrices exist only under TP; %1 has no contrastive loss and no per-layer "
                           "signal to show here.").arg(rule) +
                        (names.isEmpty() ? QString()
                                         : tr(" Its own signals per neuron are on the Trace panel: %1.").arg(names.join(tr("; ")))) +
                        tr(" — step %1 (epoch %2)").arg(p.step).arg(p.epoch));
        showMaps(false, false);
        return;
    }
    const auto& first = p.layers.front().series;
    const SeriesGroup group = seriesGroups(first).front();  // the first quantity (DECOLLE: its local loss)
    m_layerChart->setTitles(groupTitle(first, group), group.axis);
    for (std::size_t l = 0; l < p.layers.size(); ++l)
        for (int m = 0; m < group.members.size(); ++m) {
            const int i = m_layerChart->addSeries(tr("layer %1").arg(l + 1), paletteColor(int(l)),
                                                  memberStyle(m));
            m_layerChart->setPoints(i, stepPoints(p.layers[l].series[std::size_t(group.members[m])].values));
        }
    m_layerChart->setXRange(0, std::max(1, p.steps - 1));
    showMaps(false, true);
    m_note->setText(tr("TP's similarity matrices exist only under TP; %1 has no contrastive loss. Its per-layer signal "
                       "instead: %2, every time step of the batch — step %3 (epoch %4)")
                        .arg(rule, groupTitle(first, group)).arg(p.step).arg(p.epoch));
}

void SimilarityView::redraw()
{
    m_shownStep = -1;
    if (m_probe && m_probe->empty()) {
        showMaps(false, false);
        m_note->setText(emptyProbeText(*m_probe));
        return;
    }
    if (m_probe && m_probe->rule != "tp") {
        showRuleSeries();
        return;
    }
    showMaps(true, false);
    if (!m_probe || m_probe->similarity.empty()) {
        m_note->setText(tr("Waiting for the next probed batch..."));
        m_z->setMatrix(0, 0, {}, {}, {});
        m_y->setMatrix(0, 0, {}, {}, {});
        return;
    }
    m_layer->setMaximum(int(m_probe->similarity.size()));
    m_step->setMaximum(m_probe->steps - 1);
    const auto& s = m_probe->similarity[std::size_t(layer())];
    const int t = m_step->value() >= 0 ? m_step->value()
                                       : int(std::min_element(s.loss.begin(), s.loss.end()) - s.loss.begin());
    m_shownStep = t;
    m_order.resize(s.rows);
    std::iota(m_order.begin(), m_order.end(), 0);
    std::stable_sort(m_order.begin(), m_order.end(),
                     [&](int a, int b) { return s.row_label[std::size_t(a)] < s.row_label[std::size_t(b)]; });
    QStringList rows, cols;
    std::vector<double> z, y;
    for (int b : m_order) {
        rows << tr("%1:c%2").arg(b).arg(s.row_label[std::size_t(b)]);
        for (int k = 0; k < s.cols; ++k) {
            const std::size_t i = s.at(t) + std::size_t(b) * std::size_t(s.cols) + std::size_t(k);
            z.push_back(s.z[i]);
            y.push_back(s.y[i]);
        }
    }
    for (int k = 0; k < s.cols; ++k)
        cols << tr("c%1").arg(s.col_label[std::size_t(k)]);
    const bool silent = std::all_of(z.begin(), z.end(), [](double v) { return v == 0; });
    m_z->setMatrix(s.rows, s.cols, std::move(z), rows, cols);
    m_y->setMatrix(s.rows, s.cols, std::move(y), rows, cols);
    m_note->setText(tr("Layer %1 local loss E_%1 = %2 at time step %3 of %4 — %5 batch rows, %6 classes present "
                       "— step %7 (epoch %8)")
                        .arg(layer() + 1).arg(s.loss[std::size_t(t)], 0, 'g', 6).arg(t).arg(m_probe->steps)
                        .arg(s.rows).arg(s.cols).arg(m_probe->step).arg(m_probe->epoch) +
                    (silent ? tr(". z = 0 everywhere: no input-path trace meets a target-path trace (the layer is silent), "
                                 "so P is uniform and E_l = log B.")
                            : QString()));
}

} // namespace tp::ui
