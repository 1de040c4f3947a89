#include "ui/views/run_compare_view.h"

#include <QDir>

#include <algorithm>
#include <QFile>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTableWidget>

#include "config/experiment.h"
#include "ui/charts/bar_chart.h"
#include "ui/charts/line_chart.h"
#include "ui/charts/palette.h"

namespace tp::ui {

std::optional<RunRecord> loadRunRecord(const QString& dir, QString* error)
{
    const QString path = QDir(dir).filePath(QStringLiteral("metrics.json"));
    const auto fail = [&](const QString& what) -> std::optional<RunRecord> {
        if (error)
            *error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), what);
        return std::nullopt;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read (not a run folder?)"));
    QJsonParseError parseError;
    const QJsonObject root = QJsonDocument::fromJson(file.readAll(), &parseError).object();
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not JSON at offset %1 (%2)").arg(parseError.offset).arg(parseError.errorString()));
    const QJsonArray epochs = root.value(QStringLiteral("epochs")).toArray();
    if (epochs.isEmpty())
        return fail(QStringLiteral("field 'epochs' is missing or empty"));

    RunRecord r;
    r.dir = dir;
    const QJsonObject exp = root.value(QStringLiteral("experiment")).toObject();
    r.rule = exp.value(QStringLiteral("rule")).toObject().value(QStringLiteral("name")).toString(QString::fromStdString(tp::RuleSpec{}.name));
    r.label = QStringLiteral("%1 · %2").arg(exp.value(QStringLiteral("name")).toString(QDir(dir).dirName()), r.rule.toUpper());
    r.best_test_accuracy = root.value(QStringLiteral("best_test_accuracy")).toDouble();
    for (const QJsonValue& value : epochs) {
        const QJsonObject e = value.toObject();
        r.train_accuracy << e.value(QStringLiteral("train_accuracy")).toDouble();
        r.test_accuracy << e.value(QStringLiteral("test_accuracy")).toDouble();
        r.train_seconds << e.value(QStringLiteral("train_seconds")).toDouble();
        r.samples_per_second << e.value(QStringLiteral("samples_per_second")).toDouble();
        const auto perLayer = [](const QJsonArray& values, QVector<QVector<double>>& out) {
            if (out.size() < values.size())
                out.resize(values.size());
            for (int l = 0; l < values.size(); ++l)
                out[l] << values[l].toDouble();
        };
        perLayer(e.value(QStringLiteral("loss")).toArray(), r.layer_loss);
        perLayer(e.value(QStringLiteral("firing_rate")).toArray(), r.firing_rate);
    }
    for (const QJsonValue& part : root.value(QStringLiteral("memory")).toArray())
        r.memory_bytes += part.toObject().value(QStringLiteral("total_bytes")).toInteger();
    return r;
}

namespace {

QVector<QPointF> byEpoch(const QVector<double>& values, double scale = 1)
{
    QVector<QPointF> points;
    for (int i = 0; i < values.size(); ++i)
        points << QPointF(i + 1, scale * values[i]);
    return points;
}

} // namespace

RunCompareView::RunCompareView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runCompareView"));
    m_accuracy = new LineChart(tr("Accuracy"), tr("epoch"), tr("accuracy (%)"));
    m_loss = new LineChart(tr("Local loss per layer"), tr("epoch"), tr("mean E_l per step"));
    m_firing = new LineChart(tr("Firing rate per layer"), tr("epoch"), tr("spikes / neuron / step"));
    m_throughput = new LineChart(tr("Training throughput"), tr("epoch"), tr("samples / s"));
    m_memory = new BarChart(tr("Measured memory"), tr("MiB"));
    m_summary = new QTableWidget(0, 7);
    m_summary->setHorizontalHeaderLabels({tr("run"), tr("best test"), tr("final test"), tr("samples / s"),
                                          tr("s / epoch"), tr("memory (MiB)"), tr("folder")});
    m_summary->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_summary->horizontalHeader()->setStretchLastSection(true);
    m_summary->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summary->setAccessibleName(tr("Run summary"));
    auto* grid = new QGridLayout(this);
    grid->addWidget(m_accuracy, 0, 0);
    grid->addWidget(m_loss, 0, 1);
    grid->addWidget(m_firing, 1, 0);
    grid->addWidget(m_throughput, 1, 1);
    grid->addWidget(m_memory, 2, 0);
    grid->addWidget(m_summary, 2, 1);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 3);
    grid->setRowStretch(2, 2);
}

void RunCompareView::setRuns(const QVector<RunRecord>& runs)
{
    m_runs = runs;
    for (LineChart* chart : {m_accuracy, m_loss, m_firing, m_throughput})
        chart->clear();
    QStringList names;
    QVector<double> mib;
    QVector<QColor> colors;
    m_summary->setRowCount(int(runs.size()));
    // Legends stay short: the rule alone when every run is of the same experiment.
    bool sameExperiment = true;
    for (const RunRecord& r : runs)
        sameExperiment = sameExperiment && r.label.section(QStringLiteral(" · "), 0, 0) ==
                                               runs.front().label.section(QStringLiteral(" · "), 0, 0);
    int colour = 0;
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i];
        const QString name = sameExperiment && runs.size() > 1 ? r.rule.toUpper() : r.label;
        const QColor c = paletteColor(i);
        m_accuracy->setPoints(m_accuracy->addSeries(name + tr(" test"), c, LineChart::Style::LineWithPoints),
                              byEpoch(r.test_accuracy, 100));
        m_accuracy->setPoints(m_accuracy->addSeries(name + tr(" train"), c, LineChart::Style::Dashed),
                              byEpoch(r.train_accuracy, 100));
        m_throughput->setPoints(m_throughput->addSeries(name, c, LineChart::Style::LineWithPoints),
                                byEpoch(r.samples_per_second));
        mib << double(r.memory_bytes) / (1024.0 * 1024.0);
        names << QStringLiteral("%1: %2 MiB").arg(name).arg(mib.back(), 0, 'f', 2);  // small bars carry no label
        colors << c;
        const auto perLayer = [&](LineChart* chart, const QVector<QVector<double>>& values) {
            for (int l = 0; l < values.size(); ++l)
                if (std::any_of(values[l].begin(), values[l].end(), [](double v) { return v != 0; }))  // BPTT: no local loss
                    chart->setPoints(chart->addSeries(QStringLiteral("%1 L%2").arg(name).arg(l + 1), paletteColor(colour + l),
                                                      LineChart::Style::LineWithPoints),
                                     byEpoch(values[l]));
        };
        perLayer(m_loss, r.layer_loss);
        perLayer(m_firing, r.firing_rate);
        colour += std::max<int>(1, int(r.layer_loss.size()));

        double seconds = 0, samples = 0;
        for (int e = 0; e < r.train_seconds.size(); ++e) {
            seconds += r.train_seconds[e];
            samples += r.samples_per_second.value(e) * r.train_seconds[e];
        }
        const QStringList cells = {r.label,
                                   QString::number(100 * r.best_test_accuracy, 'f', 2) + QLatin1Char('%'),
                                   QString::number(100 * r.test_accuracy.value(r.test_accuracy.size() - 1), 'f', 2) + QLatin1Char('%'),
                                   QString::number(seconds > 0 ? samples / seconds : 0.0, 'f', 0),
                                   QString::number(seconds / std::max<qsizetype>(1, r.train_seconds.size()), 'f', 2),
                                   QString::number(double(r.memory_bytes) / (1024.0 * 1024.0), 'f', 2),
                                   QDir::toNativeSeparators(r.dir)};
        for (int c2 = 0; c2 < cells.size(); ++c2)
            m_summary->setItem(i, c2, new QTableWidgetItem(cells[c2]));
    }
    m_memory->setBars(names, mib, colors);
}

} // namespace tp::ui
