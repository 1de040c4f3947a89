#include "ui/views/charts_panel.h"

#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QPainter>
#include <QSpinBox>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextStream>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "train/memory_model.h"
#include "ui/charts/decimate.h"
#include "ui/charts/line_chart.h"
#include "ui/charts/palette.h"
#include "ui/export_file.h"
#include "ui/views/insight_confusion.h"
#include "ui/views/insight_similarity.h"
#include "ui/views/probe_series.h"
#include "ui/views/insight_trace_panel.h"
#include "ui/views/insight_weights.h"
#include "ui/views/raster_view.h"

namespace tp::ui {

namespace {

constexpr int kProbeEverySteps = 4;
/// Live charts redraw at most this often (the data is drained at ~30 Hz; Qt Charts repaints
/// cost a few ms each, and 10 frames a second reads as live).
constexpr qint64 kMinRedrawMs = 100;

QWidget* page(QWidget* content, QWidget* top = nullptr)
{
    auto* w = new QWidget;
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(2, 2, 2, 2);
    if (top)
        l->addWidget(top);
    l->addWidget(content, 1);
    return w;
}

bool exportTable(const QTableWidget* table, const QString& file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix == QLatin1String("csv")) {
        QByteArray bytes;
        QTextStream out(&bytes, QIODevice::WriteOnly);
        QStringList head;
        for (int c = 0; c < table->columnCount(); ++c)
            head << QLatin1Char('"') + table->horizontalHeaderItem(c)->text() + QLatin1Char('"');
        out << head.join(QLatin1Char(',')) << '\n';
        for (int r = 0; r < table->rowCount(); ++r) {
            QStringList row;
            for (int c = 0; c < table->columnCount(); ++c) {
                const auto* item = table->item(r, c);
                const QVariant bytes = item ? item->data(Qt::UserRole) : QVariant();
                row << (bytes.isValid() ? bytes.toString() : QLatin1Char('"') + (item ? item->text() : QString()) + QLatin1Char('"'));
            }
            out << row.join(QLatin1Char(',')) << '\n';
        }
        out.flush();
        return out.status() == QTextStream::Ok && writeExportFile(file, bytes);
    }
    auto* w = const_cast<QTableWidget*>(table);
    if (suffix == QLatin1String("svg"))
        return writeSvgFile(file, w->size(), QString(), [w](QPainter& painter) { w->render(&painter); });
    return writeImageFile(file, w->grab().toImage());
}

} // namespace

ChartsPanel::ChartsPanel(TrainingSession* session, QWidget* parent) : QWidget(parent), m_session(session)
{
    m_tabs = new QTabWidget(this);
    m_tabs->setAccessibleName(tr("Live views"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    m_loss = new LineChart(tr("Local loss per layer and readout loss"), tr("step"), tr("loss per time step"));
    m_lossPage = page(m_loss);
    m_tabs->addTab(m_lossPage, tr("&Loss"));

    m_accuracy = new LineChart(tr("Accuracy"), tr("epoch"), tr("accuracy (%)"));
    m_accuracyPage = page(m_accuracy);
    m_tabs->addTab(m_accuracyPage, tr("&Accuracy"));

    m_raster = new RasterView;
    m_rasterPage = page(m_raster);
    m_tabs->addTab(m_rasterPage, tr("&Spikes"));

    auto* picker = new QWidget;
    auto* row = new QHBoxLayout(picker);
    row->setContentsMargins(0, 0, 0, 0);
    auto addBox = [&](const QString& label, const QString& tip, int lo, int hi, int value) {
        auto* l = new QLabel(label);
        auto* box = new QSpinBox;
        box->setRange(lo, hi);
        box->setValue(value);
        box->setToolTip(tip);
        box->setAccessibleName(QString(label).remove(QLatin1Char('&')));
        l->setBuddy(box);
        row->addWidget(l);
        row->addWidget(box);
        connect(box, &QSpinBox::valueChanged, this, [this] { updateProbeRequest(); });
        return box;
    };
    m_sampleBox = addBox(tr("Sa&mple"), tr("Batch row on show (clamped to the batch)"), 0, 65535, 0);
    m_layerBox = addBox(tr("La&yer"), tr("Layer of the picked neurons"), 1, 1, 1);
    m_neuronBox = addBox(tr("&Neuron"), tr("Neuron of that layer"), 0, 0, 0);
    m_compareBox = addBox(tr("&Compare with"), tr("A second neuron of that layer (none: -1)"), -1, 0, -1);
    m_compareBox->setSpecialValueText(tr("none"));
    m_neuronNote = new QLabel;
    row->addWidget(m_neuronNote, 1);
    m_membrane = new LineChart(tr("Membrane potential (pre-reset) and threshold"), tr("time step"), tr("potential"));
    m_traces = new LineChart(tr("Eligibility traces: input path (solid) and target path (dashed)"), tr("time step"), tr("trace"));
    auto* charts = new QWidget;
    auto* col = new QVBoxLayout(charts);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(m_membrane);
    col->addWidget(m_traces);
    m_neuronPage = page(charts, picker);
    m_tabs->addTab(m_neuronPage, tr("&Neurons"));

    m_firing = new LineChart(tr("Firing rate per layer (input path)"), tr("step"), tr("spikes per neuron per step"));
    m_firingPage = page(m_firing);
    m_tabs->addTab(m_firingPage, tr("&Firing rate"));

    m_memory = new QTableWidget(0, 7);
    m_memory->setHorizontalHeaderLabels({tr("Part"), tr("Weights (KiB)"), tr("Optimiser (KiB)"), tr("Rule state (KiB)"),
                                         tr("of which traces (KiB)"), tr("Buffers (KiB)"), tr("Total (KiB)")});
    m_memory->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_memory->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_memory->verticalHeader()->hide();
    m_memory->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_memory->setAccessibleName(tr("Memory per layer"));
    m_rules = new QTableWidget(0, 4);
    m_rules->setHorizontalHeaderLabels({tr("Learning rule"), tr("Rule state, model (KiB)"), tr("Paper's formula (KiB)"),
                                        tr("Measured (KiB)")});
    m_rules->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_rules->verticalHeader()->hide();
    m_rules->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_rules->setAccessibleName(tr("Learning-rule memory"));
    m_rules->setToolTip(tr("The state each learning rule keeps for this network, batch and sequence length "
                           "(TP: traces of both paths + S; BPTT: u and s of every step; e-prop: one trace per synapse; "
                           "aux: one trace per neuron + a C x H matrix per layer). Measured: what this run allocated."));
    m_rulesNote = new QLabel;
    m_rulesNote->setWordWrap(true);
    auto* memoryBox = new QWidget;
    auto* memoryCol = new QVBoxLayout(memoryBox);
    memoryCol->setContentsMargins(0, 0, 0, 0);
    memoryCol->addWidget(m_memory, 3);
    memoryCol->addSpacing(8);
    memoryCol->addWidget(m_rulesNote);
    memoryCol->addWidget(m_rules, 2);
    m_memoryPage = page(memoryBox, new QLabel(tr("Bytes the engine allocated per part, measured after the first batch.")));
    m_tabs->addTab(m_memoryPage, tr("&Memory"));

    m_similarity = new SimilarityView;
    m_tabs->addTab(m_similarity, tr("S&imilarity"));
    m_tracePanel = new TracePanelView;
    m_tracePanelPage = page(m_tracePanel);  // the neuron picker lives on the Neurons tab
    m_tabs->addTab(m_tracePanelPage, tr("&Trace panel"));
    m_weights = new WeightHistogramView;
    m_tabs->addTab(m_weights, tr("&Weights"));
    m_confusion = new ConfusionView;
    m_tabs->addTab(m_confusion, tr("C&onfusion"));
    // One time cursor over the sample on show: raster (with its input frame), membrane and trace
    // charts, the trace panel and the similarity view's time step.
    auto cursorTo = [this](QObject* from) {
        return [this, from](double t) {
            if (from != m_membrane)
                m_membrane->setCursorX(t);
            if (from != m_traces)
                m_traces->setCursorX(t);
            if (from != m_raster)
                m_raster->setCursorStep(t);
            if (from != m_tracePanel)
                m_tracePanel->setCursorStep(t);
            if (std::isfinite(t))  // the similarity view keeps the last step pointed at
                m_similarity->setCursorStep(t);
        };
    };
    connect(m_membrane, &LineChart::hovered, this, cursorTo(m_membrane));
    connect(m_traces, &LineChart::hovered, this, cursorTo(m_traces));
    connect(m_raster, &RasterView::hovered, this, cursorTo(m_raster));
    connect(m_tracePanel, &TracePanelView::hovered, this, cursorTo(m_tracePanel));

    m_redraw.setSingleShot(true);
    connect(&m_redraw, &QTimer::timeout, this, &ChartsPanel::refreshVisible);
    m_lastDraw.start();
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        m_insightDirty = true;  // the newly shown insight view draws the latest probe
        updateProbeRequest();
        refreshVisible();
    });
    connect(session, &TrainingSession::runStarted, this, &ChartsPanel::resetForRun);
    connect(session, &TrainingSession::stepsArrived, this, [this] {
        m_lossDirty = m_firingDirty = m_accuracyDirty = true;
        scheduleRefresh();
    });
    connect(session, &TrainingSession::epochFinished, this, [this] {
        m_accuracyDirty = m_confusionDirty = true;
        scheduleRefresh();
    });
    connect(session, &TrainingSession::probeArrived, this, [this] {
        m_rasterDirty = m_neuronDirty = m_insightDirty = true;
        // The histogram strip keeps every probe while its tab is on show (not only the latest drawn).
        if (shown(m_weights))
            m_weights->addProbe(m_session->probe());
        scheduleRefresh();
    });
    connect(session, &TrainingSession::memoryChanged, this, [this] {
        m_memoryDirty = true;
        scheduleRefresh();
    });
    resetForRun();
}

QStringList ChartsPanel::viewNames() const
{
    return {QStringLiteral("loss"), QStringLiteral("accuracy"), QStringLiteral("raster"), QStringLiteral("membrane"),
            QStringLiteral("traces"), QStringLiteral("firing"), QStringLiteral("memory"), QStringLiteral("rules"),
            QStringLiteral("similarity"), QStringLiteral("tracepanel"), QStringLiteral("weights"), QStringLiteral("confusion")};
}

QWidget* ChartsPanel::view(const QString& name) const
{
    const QList<QWidget*> views{m_loss,   m_accuracy,   m_raster,     m_membrane,  m_traces,   m_firing,
                                m_memory, m_rules,      m_similarity, m_tracePanel, m_weights, m_confusion};
    const auto i = viewNames().indexOf(name);
    return i < 0 ? nullptr : views[i];
}

void ChartsPanel::showView(const QString& name)
{
    const QList<QWidget*> pages{m_lossPage,   m_accuracyPage, m_rasterPage, m_neuronPage,
                                m_neuronPage, m_firingPage,   m_memoryPage, m_memoryPage,
                                m_similarity, m_tracePanelPage, m_weights, m_confusion};
    const auto i = viewNames().indexOf(name);
    if (i >= 0)
        m_tabs->setCurrentWidget(pages[i]);
}

bool ChartsPanel::exportView(const QString& name, const QString& file) const
{
    QWidget* w = view(name);
    if (auto* chart = qobject_cast<LineChart*>(w))
        return chart->exportTo(file);
    if (w == m_raster)
        return m_raster->exportTo(file);
    if (w == m_memory || w == m_rules)
        return exportTable(static_cast<QTableWidget*>(w), file);
    if (w && QFileInfo(file).suffix().toLower() == QLatin1String("png"))  // insight views: PNG
        return writeImageFile(file, w->grab().toImage());
    return false;
}

int ChartsPanel::lossPointCount() const { return m_loss->pointCount(); }
int ChartsPanel::accuracyPointCount() const { return m_accuracy->pointCount(); }
int ChartsPanel::firingPointCount() const { return m_firing->pointCount(); }
int ChartsPanel::membranePointCount() const { return m_membrane->pointCount() + m_traces->pointCount(); }
qint64 ChartsPanel::rasterSpikeCount() const { return m_raster->spikeCount(); }

QStringList ChartsPanel::layerNames() const
{
    QStringList names;
    const auto& layers = m_session->experiment().network.layers;
    for (std::size_t l = 0; l < layers.size(); ++l)
        names << tr("Layer %1").arg(l + 1);
    return names;
}

bool ChartsPanel::shown(const QWidget* page) const { return isVisible() && page->isVisible(); }

void ChartsPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    updateProbeRequest();
    refreshVisible();
}

void ChartsPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    updateProbeRequest();
}

void ChartsPanel::resetForRun()
{
    const auto& exp = m_session->experiment();
    const QStringList names = layerNames();
    const QColor ink = palette().color(QPalette::WindowText);
    m_loss->clear();
    m_firing->clear();
    for (int l = 0; l < names.size(); ++l) {
        m_loss->addSeries(tr("%1 E_%2").arg(names[l]).arg(l + 1), paletteColor(l));
        m_firing->addSeries(names[l], paletteColor(l));
    }
    m_loss->addSeries(tr("readout"), ink, LineChart::Style::Dashed);
    m_accuracy->clear();
    m_accuracy->addSeries(tr("train, per batch (online)"), paletteColor(5), LineChart::Style::Thin);
    m_accuracy->addSeries(tr("train (epoch)"), paletteColor(0), LineChart::Style::LineWithPoints);
    m_accuracy->addSeries(tr("test (epoch)"), paletteColor(1), LineChart::Style::LineWithPoints);
    m_accuracy->setYRange(0, 100);
    m_accuracy->setXRange(0, 1);
    m_membrane->clear();
    m_traces->clear();
    m_neuronSeriesFor.reset();
    {
        const QSignalBlocker b1(m_layerBox), b2(m_neuronBox), b3(m_compareBox), b4(m_sampleBox);
        m_layerBox->setRange(1, std::max(1, int(names.size())));
        const int size = names.isEmpty() ? 1 : exp.network.layers[std::size_t(m_layerBox->value() - 1)].size;
        m_neuronBox->setRange(0, size - 1);
        m_compareBox->setRange(-1, size - 1);
        m_sampleBox->setRange(0, std::max(0, exp.run.batch - 1));
    }
    m_raster->setProbe(nullptr, names);
    m_memory->setRowCount(0);
    m_rules->setRowCount(0);
    m_rulesNote->clear();
    m_weights->clear();
    m_similarity->setProbe(nullptr);
    m_confusion->setEpochs({});
    m_stepsShown = 0;
    m_lossDirty = m_firingDirty = m_accuracyDirty = m_rasterDirty = m_neuronDirty = m_memoryDirty = true;
    m_insightDirty = m_confusionDirty = true;
    updateProbeRequest();
    refreshVisible();
}

void ChartsPanel::pickNeurons(int layer, int neuron, int compareWith, int sample)
{
    m_layerBox->setValue(layer + 1);
    m_neuronBox->setValue(neuron);
    m_compareBox->setValue(compareWith);
    m_sampleBox->setValue(sample);
    updateProbeRequest();
}

void ChartsPanel::updateProbeRequest()
{
    const auto& layers = m_session->experiment().network.layers;
    if (!layers.empty()) {  // the neuron range follows the layer
        const int size = layers[std::size_t(std::clamp(m_layerBox->value() - 1, 0, int(layers.size()) - 1))].size;
        const QSignalBlocker b1(m_neuronBox), b2(m_compareBox);
        m_neuronBox->setMaximum(size - 1);
        m_compareBox->setMaximum(size - 1);
    }
    const bool wanted = shown(m_rasterPage) || shown(m_neuronPage) || shown(m_similarity) || shown(m_tracePanelPage) ||
                        shown(m_weights);
    QVector<int> neurons{m_neuronBox->value()};
    if (m_compareBox->value() >= 0 && m_compareBox->value() != m_neuronBox->value())
        neurons.append(m_compareBox->value());
    if (wanted)
        m_session->setProbeRequest(m_layerBox->value() - 1, m_sampleBox->value(), neurons, kProbeEverySteps, shown(m_similarity));
    else if (m_probeWanted)
        m_session->clearProbeRequest();
    m_probeWanted = wanted;
}

void ChartsPanel::scheduleRefresh()
{
    const qint64 since = m_lastDraw.elapsed();
    if (since >= kMinRedrawMs)
        refreshVisible();
    else if (!m_redraw.isActive())
        m_redraw.start(int(kMinRedrawMs - since));
}

void ChartsPanel::refreshVisible()
{
    if (!isVisible())
        return;
    m_lastDraw.restart();
    if (m_lossDirty && shown(m_lossPage))
        updateLoss();
    if (m_firingDirty && shown(m_firingPage))
        updateFiring();
    if (m_accuracyDirty && shown(m_accuracyPage))
        updateAccuracy();
    if (m_rasterDirty && shown(m_rasterPage)) {
        m_rasterDirty = false;
        m_raster->setProbe(m_session->probe(), layerNames());
    }
    if (m_neuronDirty && shown(m_neuronPage))
        updateNeurons();
    if (m_memoryDirty && shown(m_memoryPage))
        updateMemory();
    if (m_insightDirty)
        updateInsight();
    if (m_confusionDirty && shown(m_confusion)) {
        m_confusionDirty = false;
        m_confusion->setEpochs(m_session->epochs());
    }
}

void ChartsPanel::updateInsight()
{
    const auto probe = m_session->probe();
    bool drawn = false;
    if (shown(m_similarity)) {
        m_similarity->setProbe(probe);
        drawn = true;
    }
    if (shown(m_tracePanelPage)) {
        m_tracePanel->setProbe(probe);
        drawn = true;
    }
    if (shown(m_weights)) {
        m_weights->addProbe(probe);
        drawn = true;
    }
    if (drawn)
        m_insightDirty = false;
}

void ChartsPanel::updateLoss()
{
    m_lossDirty = false;
    const auto& steps = m_session->steps();
    const std::size_t n = steps.size();
    auto step = [&](std::size_t i) { return double(steps[i].step); };
    const int px = m_loss->plotWidth();
    const int layers = m_loss->seriesCount() - 1;
    for (int l = 0; l < layers; ++l)
        m_loss->setPoints(l, decimateMinMax(n, step, [&](std::size_t i) {
            return l < steps[i].layers ? steps[i].layer_loss[std::size_t(l)] : NAN;
        }, px));
    m_loss->setPoints(layers, decimateMinMax(n, step, [&](std::size_t i) { return steps[i].readout_loss; }, px));
    QVector<double> xs;
    QStringList labels;
    for (const auto& s : steps)
        if (s.lr_changed) {
            xs.append(double(s.step));
            labels.append(tr("lr %1").arg(s.lr, 0, 'g', 3));
        }
    m_loss->setMarkers(xs, labels);
    m_stepsShown = int(n);
}

void ChartsPanel::updateFiring()
{
    m_firingDirty = false;
    const auto& steps = m_session->steps();
    const int px = m_firing->plotWidth();
    for (int l = 0; l < m_firing->seriesCount(); ++l)
        m_firing->setPoints(l, decimateMinMax(steps.size(), [&](std::size_t i) { return double(steps[i].step); },
                                              [&](std::size_t i) {
                                                  return l < steps[i].layers ? steps[i].firing_rate[std::size_t(l)] : NAN;
                                              }, px));
}

void ChartsPanel::updateAccuracy()
{
    m_accuracyDirty = false;
    if (m_accuracy->seriesCount() != 3)
        return;
    const auto& steps = m_session->steps();
    m_accuracy->setPoints(0, decimateMinMax(steps.size(), [&](std::size_t i) {
        return double(steps[i].epoch - 1) + double(steps[i].batch) / std::max(1, steps[i].batches);
    }, [&](std::size_t i) { return 100.0 * steps[i].accuracy; }, m_accuracy->plotWidth()));
    QVector<QPointF> train, test;
    for (const auto& e : m_session->epochs()) {
        train.append(QPointF(e.epoch, 100 * e.trainAccuracy));
        test.append(QPointF(e.epoch, 100 * e.testAccuracy));
    }
    m_accuracy->setPoints(1, train);
    m_accuracy->setPoints(2, test);
    // From 0 to the epoch in progress (not the whole run: early epochs would be a sliver).
    const double done = steps.empty() ? 1.0 : double(steps.back().epoch - 1) + double(steps.back().batch) / std::max(1, steps.back().batches);
    m_accuracy->setXRange(0, std::max(1.0, std::ceil(done)));
}

void ChartsPanel::updateNeurons()
{
    m_neuronDirty = false;
    const auto probe = m_session->probe();
    if (!probe) {
        m_neuronNote->setText(tr("Waiting for the next probed batch..."));
        return;
    }
    if (probe->empty()) {
        m_neuronNote->setText(emptyProbeText(*probe));
        m_membrane->clear();
        m_traces->clear();
        m_membrane->hide();
        m_traces->hide();
        m_neuronSeriesFor.reset();
        return;
    }
    m_membrane->show();
    // Beside the potential: the rule's first quantity of its own (TP: both paths' traces; the
    // Trace panel shows them all).
    const auto& first = probe->neurons.empty() ? std::vector<Probe::Series>{} : probe->neurons.front().series;
    const QVector<SeriesGroup> groups = seriesGroups(first);
    const QVector<int> members = groups.isEmpty() ? QVector<int>{} : groups.front().members;
    m_traces->setVisible(!members.isEmpty());
    // Rebuild the series when the picked neurons or the rule change.
    const std::uint64_t key = probe->pickKey();
    if (key != m_neuronSeriesFor || probe->rule != m_neuronSeriesRule) {
        m_membrane->clear();
        m_traces->clear();
        if (!members.isEmpty())
            m_traces->setTitles(groupTitle(first, groups.front()), groups.front().axis);
        for (std::size_t k = 0; k < probe->neurons.size(); ++k) {
            const QString name = tr("L%1 n%2").arg(probe->layer + 1).arg(probe->neurons[k].neuron);
            m_membrane->addSeries(name, paletteColor(int(k)));
            for (int m = 0; m < members.size(); ++m)
                m_traces->addSeries(memberLabel(name, first, groups.front(), m), paletteColor(int(k)), memberStyle(m));
        }
        m_membrane->setReferenceLine(tr("threshold"), probe->threshold);
        m_neuronSeriesFor = key;
        m_neuronSeriesRule = probe->rule;
    }
    for (std::size_t k = 0; k < probe->neurons.size(); ++k) {
        m_membrane->setPoints(int(k), stepPoints(probe->neurons[k].potential));
        for (int m = 0; m < members.size(); ++m)
            m_traces->setPoints(int(k) * int(members.size()) + m,
                                stepPoints(probe->neurons[k].series[std::size_t(members[m])].values));
    }
    m_membrane->setXRange(0, std::max(1, probe->steps - 1));
    m_traces->setXRange(0, std::max(1, probe->steps - 1));
    m_neuronNote->setText(tr("%1 — batch row %2, class %3 — step %4 (epoch %5)")
                              .arg(ruleTitle(*probe)).arg(probe->row).arg(probe->label).arg(probe->step).arg(probe->epoch));
}

void ChartsPanel::updateMemory()
{
    m_memoryDirty = false;
    const auto& rows = m_session->memory();
    m_memory->setRowCount(int(rows.size()) + (rows.isEmpty() ? 0 : 1));
    MemoryEntry total;
    total.part = tr("total");
    auto setRow = [this](int r, const MemoryEntry& e) {
        const qint64 values[] = {e.weights_bytes, e.optimizer_bytes, e.rule_state_bytes, e.trace_bytes, e.buffer_bytes, e.total()};
        m_memory->setItem(r, 0, new QTableWidgetItem(e.part));
        for (int c = 0; c < 6; ++c) {
            auto* item = new QTableWidgetItem(QString::number(double(values[c]) / 1024.0, 'f', 1));
            item->setData(Qt::UserRole, values[c]);  // exact bytes for the CSV export
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_memory->setItem(r, c + 1, item);
        }
    };
    for (int r = 0; r < rows.size(); ++r) {
        setRow(r, rows[r]);
        total.weights_bytes += rows[r].weights_bytes;
        total.optimizer_bytes += rows[r].optimizer_bytes;
        total.rule_state_bytes += rows[r].rule_state_bytes;
        total.trace_bytes += rows[r].trace_bytes;
        total.buffer_bytes += rows[r].buffer_bytes;
    }
    if (!rows.isEmpty())
        setRow(int(rows.size()), total);

    const auto& rules = m_session->ruleMemory();
    m_rules->setRowCount(int(rules.size()));
    for (int r = 0; r < rules.size(); ++r) {
        m_rules->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(tp::memoryRuleTitle(rules[r].rule.toStdString()))));
        const qint64 values[] = {rules[r].model_bytes, rules[r].paper_bytes, rules[r].measured_bytes};
        for (int c = 0; c < 3; ++c) {
            auto* item = new QTableWidgetItem(values[c] < 0 ? QStringLiteral("—") : QString::number(double(values[c]) / 1024.0, 'f', 1));
            if (values[c] >= 0)
                item->setData(Qt::UserRole, values[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_rules->setItem(r, c + 1, item);
        }
    }
    m_rulesNote->setText(rules.isEmpty() && !rows.isEmpty()
                             ? tr("No learning-rule comparison for this network (the analytic model covers dense LIF layers).")
                             : rules.isEmpty() ? QString()
                                               : tr("Learning-rule state for this network at batch B = %1 and T = %2 time steps:")
                                                     .arg(m_session->memoryBatch())
                                                     .arg(m_session->memorySteps()));
}

} // namespace tp::ui
