#pragma once
/// Trace panel: for the sample on show and the picked neurons, on one time axis (stacked charts
/// sharing the time cursor): the running rule's own signals of each neuron (one chart per
/// quantity, titled by the series' names: TP's input- and target-path traces, e-prop's
/// eligibility trace and learning signal, DECOLLE's local error, OTTT's presynaptic trace and
/// instantaneous error, BPTT's error through time), the surrogate derivative psi = sigma'(u_t),
/// and, under TP, the L2 norm of that step's local gradient over the neuron's incoming weights
/// (Eq. 18). A probe with nothing recorded gets a sentence saying why, not empty charts.
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "rules/probe.h"

class QLabel;
class QVBoxLayout;

namespace tp::ui {

class LineChart;

class TracePanelView : public QWidget {
    Q_OBJECT
public:
    explicit TracePanelView(QWidget* parent = nullptr);
    void setProbe(std::shared_ptr<const Probe> probe);
    /// The charts of the rule's own series, one per quantity (Probe::Series::axis), in order.
    const QVector<LineChart*>& seriesCharts() const { return m_seriesCharts; }
    /// The first of them (TP: both traces), or null before a probe with series.
    LineChart* traces() const { return m_seriesCharts.value(0); }
    LineChart* surrogate() const { return m_surrogate; }
    /// Under TP only; hidden for rules that record no per-step update.
    LineChart* update() const { return m_update; }
    QString note() const;

Q_SIGNALS:
    /// The mouse hovers time step t in one of the charts (NaN: left).
    void hovered(double t);

public Q_SLOTS:
    /// Shows the time cursor at step t in every chart (NaN hides it).
    void setCursorStep(double t);

private:
    void rebuild(const Probe& probe);
    void clearCharts();
    QVector<LineChart*> m_seriesCharts;
    QVector<QVector<int>> m_members;  // per chart: its series' indices in Probe::Neuron::series
    QStringList m_titles;             // per chart: the series' names
    LineChart *m_surrogate, *m_update;
    QVBoxLayout* m_seriesBox;
    QLabel* m_note;
    std::optional<std::uint64_t> m_seriesFor;  // Probe::pickKey the series were built for
    std::string m_seriesRule;                  // and the rule
};

} // namespace tp::ui
