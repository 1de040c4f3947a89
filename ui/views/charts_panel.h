#pragma once
/// The live views of a training run, in tabs: local loss per layer and readout loss (per step,
/// learning-rate changes marked), accuracy, spike raster of the sample on show, membrane
/// potential and traces of picked neurons, firing rate per layer, memory per layer.
/// Only what is visible costs anything: hidden tabs neither redraw nor ask the trainer for
/// probes. Data comes from the TrainingSession, which drains the trainer at ~30 Hz.
#include <QElapsedTimer>
#include <QStringList>
#include <QTimer>
#include <QWidget>

#include <cstdint>
#include <optional>

#include "ui/run/training_session.h"

class QLabel;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace tp::ui {

class LineChart;
class RasterView;
class SimilarityView;
class TracePanelView;
class WeightHistogramView;
class ConfusionView;

class ChartsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChartsPanel(TrainingSession* session, QWidget* parent = nullptr);

    /// Names of the views: "loss", "accuracy", "raster", "membrane", "traces", "firing", "memory"
    /// (bytes per part), "rules" (learning-rule state: TP against BPTT, e-prop, aux), and the TP
    /// insight views "similarity" (z and y of a layer), "tracepanel" (traces, surrogate and
    /// gradient of picked neurons), "weights" (weight histograms), "confusion" (per epoch).
    QStringList viewNames() const;
    /// The widget of a view (null for an unknown name).
    QWidget* view(const QString& name) const;
    /// Brings the tab holding `name` to the front.
    void showView(const QString& name);
    /// Writes what the view shows; format by suffix (.png, .svg, .csv). False on failure.
    bool exportView(const QString& name, const QString& file) const;
    QTabWidget* tabs() const { return m_tabs; }

    /// Points shown (all series of the chart; markers and reference lines excluded).
    int lossPointCount() const;
    int accuracyPointCount() const;
    int firingPointCount() const;
    int membranePointCount() const;
    /// Spikes currently drawn in the raster.
    qint64 rasterSpikeCount() const;
    /// Per-step samples drawn so far (the data behind the loss chart, before decimation).
    int stepsShown() const { return m_stepsShown; }

    /// Neuron picker: `layer` 0-based, `neuron` and `compareWith` (-1: none) of that layer,
    /// `sample` = batch row on show.
    void pickNeurons(int layer, int neuron, int compareWith = -1, int sample = 0);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void resetForRun();
    /// Redraws now, or once the minimum interval since the last redraw has passed.
    void scheduleRefresh();
    void refreshVisible();
    void updateLoss();
    void updateFiring();
    void updateAccuracy();
    void updateNeurons();
    void updateMemory();
    void updateProbeRequest();
    void updateInsight();
    bool shown(const QWidget* page) const;
    QStringList layerNames() const;

    TrainingSession* m_session;
    QTabWidget* m_tabs;
    LineChart *m_loss, *m_accuracy, *m_firing, *m_membrane, *m_traces;
    RasterView* m_raster;
    QWidget *m_lossPage, *m_accuracyPage, *m_rasterPage, *m_neuronPage, *m_firingPage, *m_memoryPage;
    SimilarityView* m_similarity;
    TracePanelView* m_tracePanel;
    WeightHistogramView* m_weights;
    ConfusionView* m_confusion;
    QWidget *m_tracePanelPage;
    bool m_insightDirty = false, m_confusionDirty = false;
    QTableWidget *m_memory, *m_rules;
    QLabel* m_rulesNote;
    QLabel* m_neuronNote;
    QSpinBox *m_sampleBox, *m_layerBox, *m_neuronBox, *m_compareBox;
    // What changed since each view last drew it (views draw only while shown).
    bool m_lossDirty = false, m_firingDirty = false, m_accuracyDirty = false, m_rasterDirty = false,
         m_neuronDirty = false, m_memoryDirty = false;
    int m_stepsShown = 0;
    QTimer m_redraw;
    QElapsedTimer m_lastDraw;
    bool m_probeWanted = false;
    std::optional<std::uint64_t> m_neuronSeriesFor;  // Probe::pickKey the membrane/trace series were built for
    std::string m_neuronSeriesRule;                    // and the rule
};

} // namespace tp::ui
