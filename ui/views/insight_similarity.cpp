#include "ui/views/insight_similarity.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ui/views/insight_heat_map.h"

namespace tp::ui {

SimilarityView::SimilarityView(QWidget* parent) : QWidget(parent)
{
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(tr("La&yer"));
    m_layer = new QSpinBox;
    m_layer->setRange(1, 1);
    m_layer->setAccessibleName(tr("Similarity layer"));
    label->setBuddy(m_layer);
    m_note = new QLabel(tr("Waiting for the next probed batch..."));
    m_note->setWordWrap(true);
    top->addWidget(label);
    top->addWidget(m_layer);
    top->addWidget(m_note, 1);
    m_z = new InsightHeatMap(tr("Logits z = ε_l · ε̃_l (batch row x class row)"));
    m_z->setColorBarTitle(tr("z"));
    m_z->setToolTip(tr("z[b, k] = Σ_j ε_l[b, j] · ε̃_l[k, j]: input-path trace of batch row b against the "
                       "target-path (prototype) trace of class k, at the last time step of the probed batch."));
    m_y = new InsightHeatMap(tr("Soft target y (batch row x class row)"));
    m_y->setColorBarTitle(tr("y"));
    m_y->setToolTip(tr("y[b, k] = softmax over the batch of −‖ε̃_{l−1}[b] − ε̃_{l−1}[b']‖: the target of row b towards "
                       "ONE row of class k (each class column stands for all its rows)."));
    auto* maps = new QHBoxLayout;
    maps->addWidget(m_z);
    maps->addWidget(m_y);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(2, 2, 2, 2);
    col->addLayout(top);
    col->addLayout(maps, 1);
    connect(m_layer, &QSpinBox::valueChanged, this, &SimilarityView::redraw);
}

int SimilarityView::layer() const { return m_layer->value() - 1; }

void SimilarityView::setLayer(int layer) { m_layer->setValue(layer + 1); }

QString SimilarityView::lossText() const { return m_note->text(); }

void SimilarityView::setProbe(std::shared_ptr<const Probe> probe)
{
    m_probe = std::move(probe);
    redraw();
}

void SimilarityView::redraw()
{
    if (!m_probe || m_probe->similarity.empty()) {
        m_note->setText(m_probe ? tr("This model records no similarity (conv and BPTT runs).")
                                : tr("Waiting for the next probed batch..."));
        m_z->setMatrix(0, 0, {}, {}, {});
        m_y->setMatrix(0, 0, {}, {}, {});
        return;
    }
    m_layer->setMaximum(int(m_probe->similarity.size()));
    const auto& s = m_probe->similarity[std::size_t(layer())];
    QStringList rows, cols;
    for (int b = 0; b < s.rows; ++b)
        rows << tr("%1:c%2").arg(b).arg(s.row_label[std::size_t(b)]);
    for (int k = 0; k < s.cols; ++k)
        cols << tr("c%1").arg(s.col_label[std::size_t(k)]);
    m_z->setMatrix(s.rows, s.cols, std::vector<double>(s.z.begin(), s.z.end()), rows, cols);
    m_y->setMatrix(s.rows, s.cols, std::vector<double>(s.y.begin(), s.y.end()), rows, cols);
    m_note->setText(tr("Layer %1 local loss E_%1 = %2 at the last time step (t = %3) — batch of %4 rows, %5 classes "
                       "present — step %6 (epoch %7)")
                        .arg(layer() + 1).arg(s.loss, 0, 'g', 6).arg(m_probe->steps - 1).arg(s.rows).arg(s.cols)
                        .arg(m_probe->step).arg(m_probe->epoch));
}

} // namespace tp::ui
