#pragma once
/// Trace panel: for the sample on show and the picked neurons, on one time axis (three
/// stacked charts sharing the time cursor): the input-path trace and the target-path
/// ("prototype") trace of the sample's class, the surrogate derivative psi = sigma'(u_t), and
/// the L2 norm of that step's local gradient over the neuron's incoming weights (Eq. 18).
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>

#include "rules/probe.h"

class QLabel;

namespace tp::ui {

class LineChart;

class TracePanelView : public QWidget {
    Q_OBJECT
public:
    explicit TracePanelView(QWidget* parent = nullptr);
    void setProbe(std::shared_ptr<const Probe> probe);
    LineChart* traces() const { return m_traces; }
    LineChart* surrogate() const { return m_surrogate; }
    LineChart* update() const { return m_update; }
    QString note() const;

Q_SIGNALS:
    /// The mouse hovers time step t in one of the charts (NaN: left).
    void hovered(double t);

public Q_SLOTS:
    /// Shows the time cursor at step t in all three charts (NaN hides it).
    void setCursorStep(double t);

private:
    LineChart *m_traces, *m_surrogate, *m_update;
    QLabel* m_note;
    std::optional<std::uint64_t> m_seriesFor;  // Probe::pickKey the series were built for
};

} // namespace tp::ui
