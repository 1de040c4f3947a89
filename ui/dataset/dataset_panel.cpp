#include "ui/dataset/dataset_panel.h"

#include <algorithm>
#include <limits>

#include <QBoxLayout>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QThread>
#include <QUndoStack>

#include "event_dataset.h"
#include "randman.h"
#include "registry.h"
#include "ui/dataset/dataset_views.h"
#include "ui/document/experiment_document.h"

namespace tp::ui {

struct DatasetPanel::Result {
    std::shared_ptr<const Dataset> data;
    QString error;
    SplitSummary train, test;
};

namespace {

using Json = ExperimentDocument::Json;

/// The shipped experiment whose dataset and binning a newly chosen kind starts from.
QString exampleFor(const QString& kind)
{
    if (kind == QLatin1String("randman")) return QStringLiteral(":/experiments/randman.json");
    if (kind == QLatin1String("nmnist")) return QStringLiteral(":/experiments/nmnist-mlp.json");
    if (kind == QLatin1String("shd") || kind == QLatin1String("ssc")) return QStringLiteral(":/experiments/shd-ff.json");
    if (kind == QLatin1String("dvsgesture")) return QStringLiteral(":/experiments/dvsgesture-vgg9.json");
    if (kind == QLatin1String("cifar10dvs")) return QStringLiteral(":/experiments/cifar10dvs-vgg9.json");
    if (kind == QLatin1String("gsc")) return QStringLiteral(":/experiments/gsc-rec.json");
    return {};
}

DatasetSpec specOf(const Json& doc)
{
    DatasetSpec spec;
    if (doc.contains("dataset") && doc["dataset"].is_object()) {
        spec.params = nlohmann::json(doc["dataset"]);
        if (spec.params.contains("kind") && spec.params["kind"].is_string())
            spec.kind = spec.params["kind"].get<std::string>();
        spec.params.erase("kind");
    }
    if (doc.contains("binning") && doc["binning"].is_object())
        spec.binning = nlohmann::json(doc["binning"]);
    return spec;
}

DatasetPanel::SplitSummary summarise(const Dataset& data, Split split)
{
    DatasetPanel::SplitSummary s;
    s.samples = data.size(split);
    s.class_counts.assign(std::size_t(std::max(data.classes(), 0)), 0);
    s.min_steps = s.samples ? std::numeric_limits<int>::max() : 0;
    double steps = 0;
    for (std::size_t i = 0; i < s.samples; ++i) {
        const Sample& sample = data.sample(split, i);
        if (sample.label >= 0 && std::size_t(sample.label) < s.class_counts.size())
            ++s.class_counts[std::size_t(sample.label)];
        s.min_steps = std::min(s.min_steps, sample.steps());
        s.max_steps = std::max(s.max_steps, sample.steps());
        steps += sample.steps();
        s.entries += std::int64_t(sample.nonZeros());
    }
    s.mean_steps = s.samples ? steps / double(s.samples) : 0;
    if (const auto* events = dynamic_cast<const EventDataset*>(&data)) {
        const SplitStats& st = events->stats(split);
        s.has_duration = true;
        s.min_s = st.min_duration_s;
        s.mean_s = st.mean_duration_s;
        s.max_s = st.max_duration_s;
    }
    return s;
}

} // namespace

DatasetPanel::DatasetPanel(ExperimentDocument* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setObjectName(QStringLiteral("datasetPanel"));
    // --- source ---
    auto* source = new QGroupBox(tr("Source"), this);
    auto* sourceForm = new QFormLayout(source);
    m_kind = new QComboBox(source);
    for (const std::string& kind : datasetKinds()) {
        const QString name = QString::fromStdString(datasetDisplayName(kind));
        m_kind->addItem(kind == "randman" ? tr("%1 (built-in synthetic)").arg(name) : name, QString::fromStdString(kind));
    }
    m_kind->setToolTip(tr("Built-in synthetic Randman (no download) or a real dataset read from a folder"));
    sourceForm->addRow(tr("Dataset"), m_kind);
    m_path = new QLineEdit(source);
    m_path->setPlaceholderText(tr("folder of the dataset"));
    m_path->setAccessibleName(tr("Dataset folder"));
    m_browse = new QPushButton(tr("Browse\u2026"), source);
    m_browse->setAccessibleName(tr("Browse for the dataset folder"));
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);
    sourceForm->addRow(tr("Folder"), pathRow);

    m_randman = new QWidget(source);
    m_randmanForm = new QFormLayout(m_randman);
    m_randmanForm->setContentsMargins(0, 0, 0, 0);
    const RandmanParams defaults;
    const struct {
        const char* path;
        const char* label;
        int lo, hi, fallback;
        const char* suffix;
        const char* tip;
    } fields[] = {
        {"dataset.classes", QT_TR_NOOP("Classes"), 2, 1000, defaults.classes, "", QT_TR_NOOP("Number of classes, 2 to 1000")},
        {"dataset.units", QT_TR_NOOP("Units"), 1, 100000, defaults.units, QT_TR_NOOP(" channels"), QT_TR_NOOP("Input channels (embedding dimension), 1 to 100,000")},
        {"dataset.spikes", QT_TR_NOOP("Spikes per unit"), 1, 100, defaults.spikes, "", QT_TR_NOOP("Spikes of every unit in a sample, 1 to 100")},
        {"dataset.samples_per_class", QT_TR_NOOP("Samples per class"), 2, 1000000, defaults.samples_per_class, "", QT_TR_NOOP("Samples generated per class (train + test), 2 to 1,000,000")},
        {"binning.steps", QT_TR_NOOP("Time steps"), 1, 100000, defaults.steps, QT_TR_NOOP(" steps"), QT_TR_NOOP("Time steps of every sample, 1 to 100,000")},
        {"dataset.seed", QT_TR_NOOP("Generator seed"), 0, std::numeric_limits<int>::max(), int(defaults.seed), "", QT_TR_NOOP("Seed of the generated task (not of training)")},
    };
    for (const auto& f : fields) {
        auto* spin = new QSpinBox(m_randman);
        spin->setRange(f.lo, f.hi);
        spin->setSuffix(tr(f.suffix));
        spin->setToolTip(tr(f.tip));
        spin->setAccessibleName(tr(f.label));
        spin->setKeyboardTracking(false);
        spin->setProperty("fallback", f.fallback);
        const QString path = QString::fromLatin1(f.path);
        connect(spin, &QSpinBox::valueChanged, this, [this, path](int v) { m_doc->setValue(path, v, true); });
        connect(spin, &QSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
        m_randmanForm->addRow(tr(f.label), spin);
        m_randmanFields.emplace_back(path, spin);
    }
    sourceForm->addRow(m_randman);
    m_frames = new QWidget(source);
    m_frameMode = new QComboBox(m_frames);
    m_frameMode->setAccessibleName(tr("Frame mode"));
    m_frameMode->setToolTip(tr("How events are binned into time steps (tonic's ToFrame)"));
    for (const auto& [key, name] : {std::pair{"time_window_us", QT_TR_NOOP("time window")},
                                    std::pair{"event_count", QT_TR_NOOP("events per frame")},
                                    std::pair{"n_time_bins", QT_TR_NOOP("frames, equal time")},
                                    std::pair{"n_event_bins", QT_TR_NOOP("frames, equal events")}})
        m_frameMode->addItem(tr(name), QString::fromLatin1(key));
    m_frameValue = new QSpinBox(m_frames);
    m_frameValue->setRange(1, std::numeric_limits<int>::max());
    m_frameValue->setKeyboardTracking(false);
    m_frameValue->setGroupSeparatorShown(true);
    m_frameValue->setAccessibleName(tr("Frame size"));
    auto* framesRow = new QHBoxLayout(m_frames);
    framesRow->setContentsMargins(0, 0, 0, 0);
    framesRow->addWidget(m_frameMode);
    framesRow->addWidget(m_frameValue, 1);
    sourceForm->addRow(tr("Frames"), m_frames);
    m_binning = new QLabel(source);
    m_binning->setWordWrap(true);
    sourceForm->addRow(tr("Binning"), m_binning);
    connect(m_frameMode, &QComboBox::activated, this,
            [this](int i) { changeFrameMode(m_frameMode->itemData(i).toString()); });
    connect(m_frameValue, &QSpinBox::valueChanged, this, [this](int v) {
        m_doc->setValue(QStringLiteral("binning.") + m_frameMode->currentData().toString(), v, true);
    });
    connect(m_frameValue, &QSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    m_load = new QPushButton(tr("Load"), source);
    m_load->setToolTip(tr("Open the dataset with the current settings (in the background) and show its statistics"));
    m_status = new QLabel(source);
    m_status->setWordWrap(true);
    auto* loadRow = new QHBoxLayout;
    loadRow->addWidget(m_load);
    loadRow->addWidget(m_status, 1);
    sourceForm->addRow(loadRow);

    // --- statistics ---
    auto* stats = new QGroupBox(tr("Statistics"), this);
    auto* statsLayout = new QVBoxLayout(stats);
    m_counts = new QLabel(stats);
    m_counts->setWordWrap(true);
    m_durations = new QLabel(stats);
    m_durations->setWordWrap(true);
    m_balance = new ClassBalanceView(stats);
    statsLayout->addWidget(m_counts);
    statsLayout->addWidget(m_durations);
    statsLayout->addWidget(new QLabel(tr("Samples per class:"), stats));
    statsLayout->addWidget(m_balance, 1);

    // --- sample browser ---
    auto* browser = new QGroupBox(tr("Sample browser"), this);
    auto* browserLayout = new QVBoxLayout(browser);
    m_split = new QComboBox(browser);
    m_split->addItem(tr("train"));
    m_split->addItem(tr("test"));
    m_split->setAccessibleName(tr("Split"));
    m_index = new QSpinBox(browser);
    m_index->setAccessibleName(tr("Sample index"));
    m_index->setPrefix(tr("sample "));
    m_sampleInfo = new QLabel(browser);
    auto* pick = new QHBoxLayout;
    pick->addWidget(m_split);
    pick->addWidget(m_index);
    pick->addWidget(m_sampleInfo, 1);
    m_time = new QSlider(Qt::Horizontal, browser);
    m_time->setAccessibleName(tr("Time step"));
    m_time->setToolTip(tr("Scrub through the sample's time steps (the frames the current binning produces)"));
    m_stepLabel = new QLabel(browser);
    m_stepLabel->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(tr("step 00000 / 00000")));
    auto* scrub = new QHBoxLayout;
    scrub->addWidget(m_time, 1);
    scrub->addWidget(m_stepLabel);
    m_frame = new QLabel(browser);
    m_frame->setMinimumSize(240, 140);
    m_frame->setAlignment(Qt::AlignCenter);
    m_frame->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    m_frame->setAccessibleName(tr("Frame image"));
    m_legend = new QLabel(browser);
    m_legend->setWordWrap(true);
    browserLayout->addLayout(pick);
    browserLayout->addLayout(scrub);
    browserLayout->addWidget(m_frame, 1);
    browserLayout->addWidget(m_legend);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(source);
    layout->addWidget(stats, 1);
    layout->addWidget(browser, 2);

    connect(m_kind, &QComboBox::activated, this, [this](int i) { changeKind(m_kind->itemData(i).toString()); });
    connect(m_path, &QLineEdit::editingFinished, this,
            [this] { m_doc->setValue(QStringLiteral("dataset.path"), m_path->text()); });
    connect(m_browse, &QPushButton::clicked, this, &DatasetPanel::browse);
    connect(m_load, &QPushButton::clicked, this, &DatasetPanel::loadDataset);
    connect(m_split, &QComboBox::currentIndexChanged, this, [this] { showSample(m_split->currentIndex() ? Split::Test : Split::Train, 0); });
    connect(m_index, &QSpinBox::valueChanged, this, [this] { renderFrame(); });
    connect(m_time, &QSlider::valueChanged, this, [this] { renderFrame(); });
    connect(doc, &ExperimentDocument::changed, this, &DatasetPanel::syncFromDocument);
    // A refused edit (a lesson lock) puts the document's value back into the widget.
    connect(doc, &ExperimentDocument::editRefused, this, &DatasetPanel::syncFromDocument);
    connect(doc, &ExperimentDocument::documentReset, this, &DatasetPanel::autoLoadBuiltIn);
    syncFromDocument();
    renderFrame();
}

DatasetPanel::~DatasetPanel()
{
    for (QThread* thread : m_threads) {
        thread->wait();
        delete thread;
    }
}

void DatasetPanel::autoLoadBuiltIn()
{
    // The built-in set costs no download: show its statistics without asking.
    if (isVisible() && specOf(m_doc->json()).kind == "randman") {
        m_autoLoaded = true;
        loadDataset();
    } else {
        m_autoLoaded = false;  // load when next shown
    }
}

void DatasetPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!m_autoLoaded)
        autoLoadBuiltIn();
}

void DatasetPanel::changeKind(const QString& kind)
{
    if (m_doc->value(QStringLiteral("dataset.kind")).toString() == kind)
        return;
    Json dataset = {{"kind", kind.toStdString()}};
    // Without a shipped example: the binning `dataset info` uses for the kind.
    const DatasetFormat* format = findDatasetFormat(kind.toStdString());
    Json binning = format ? Json::parse(format->paper_binning) : Json::object();
    QFile file(exampleFor(kind));
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = file.readAll();
        const Json example = Json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
        if (example.is_object() && example.contains("dataset") && example["dataset"].is_object()) {
            dataset = example["dataset"];
            dataset["kind"] = kind.toStdString();
            binning = example.value("binning", Json::object());
        }
    }
    if (kind != QLatin1String("randman") && !dataset.contains("path"))
        dataset["path"] = "";
    m_doc->undoStack()->beginMacro(tr("Change dataset to %1").arg(QString::fromStdString(datasetDisplayName(kind.toStdString()))));
    m_doc->setJson(QStringLiteral("dataset"), dataset);
    m_doc->setJson(QStringLiteral("binning"), binning);
    m_doc->undoStack()->endMacro();
}

void DatasetPanel::changeFrameMode(const QString& mode)
{
    const QString path = QStringLiteral("binning.") + mode;
    if (m_doc->contains(path))
        return;
    m_doc->undoStack()->beginMacro(tr("Bin frames by %1").arg(m_frameMode->currentText()));
    for (int i = 0; i < m_frameMode->count(); ++i)
        m_doc->setJson(QStringLiteral("binning.") + m_frameMode->itemData(i).toString(), std::nullopt);
    m_doc->setValue(path, m_frameValue->value());
    m_doc->undoStack()->endMacro();
}

void DatasetPanel::browse()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), m_path->text());
    if (!folder.isEmpty())
        m_doc->setValue(QStringLiteral("dataset.path"), folder);
}

void DatasetPanel::syncFromDocument()
{
    const DatasetSpec spec = specOf(m_doc->json());
    const QString kind = QString::fromStdString(spec.kind);
    const bool builtIn = kind == QLatin1String("randman");
    {
        const QSignalBlocker block(m_kind);
        int index = m_kind->findData(kind);
        if (index < 0) {
            m_kind->addItem(kind, kind);
            index = m_kind->count() - 1;
        }
        m_kind->setCurrentIndex(index);
    }
    // A lesson's locks hold here as in the properties panel: locked fields are disabled and say why.
    const QString lockedTip = tr("Locked by the lesson.");
    auto lockable = [&](QWidget* w, const QString& path, bool enabled = true) {
        const bool locked = m_doc->isLocked(path);
        w->setEnabled(enabled && !locked);
        w->setToolTip(locked ? lockedTip : w->property("tip").toString());
    };
    for (QWidget* w : {static_cast<QWidget*>(m_kind), static_cast<QWidget*>(m_path), static_cast<QWidget*>(m_browse),
                       static_cast<QWidget*>(m_frameMode), static_cast<QWidget*>(m_frameValue)})
        if (!w->property("tip").isValid())
            w->setProperty("tip", w->toolTip());
    lockable(m_kind, QStringLiteral("dataset.kind"));
    lockable(m_path, QStringLiteral("dataset.path"), !builtIn);
    lockable(m_browse, QStringLiteral("dataset.path"), !builtIn);
    lockable(m_frameMode, QStringLiteral("binning"));
    lockable(m_frameValue, QStringLiteral("binning"));
    if (!m_path->hasFocus())
        m_path->setText(m_doc->value(QStringLiteral("dataset.path")).toString());
    m_randman->setVisible(builtIn);
    for (auto& [path, spin] : m_randmanFields) {
        const QSignalBlocker block(spin);
        const QVariant v = m_doc->value(path);
        spin->setValue(v.isValid() ? int(v.toLongLong()) : spin->property("fallback").toInt());
        const QStringList errors = m_doc->issuesAt(path);
        spin->setProperty("hasError", !errors.isEmpty());
        if (!spin->property("tip").isValid())
            spin->setProperty("tip", spin->toolTip());
        lockable(spin, path);
        if (!errors.isEmpty())
            spin->setToolTip(errors.join(QLatin1Char('\n')));
    }
    int mode = -1;
    for (int i = 0; i < m_frameMode->count() && mode < 0; ++i)
        if (spec.binning.contains(m_frameMode->itemData(i).toString().toStdString()))
            mode = i;
    if (auto* form = qobject_cast<QFormLayout*>(m_frames->parentWidget()->layout()))
        form->setRowVisible(m_frames, !builtIn && kind != QLatin1String("gsc"));
    if (mode >= 0) {
        const QSignalBlocker a(m_frameMode), b(m_frameValue);
        m_frameMode->setCurrentIndex(mode);
        const auto& v = spec.binning[m_frameMode->itemData(mode).toString().toStdString()];
        m_frameValue->setValue(v.is_number_integer() ? int(std::clamp<std::int64_t>(v.get<std::int64_t>(), 1, std::numeric_limits<int>::max())) : 1);
        m_frameValue->setSuffix(mode == 0 ? tr(" \u00b5s") : mode == 1 ? tr(" events") : tr(" frames"));
    }
    QStringList binning;
    for (auto it = spec.binning.begin(); it != spec.binning.end(); ++it)
        binning << QStringLiteral("%1 = %2").arg(QString::fromStdString(it.key()), QString::fromStdString(it.value().dump()));
    m_binning->setText(binning.isEmpty() ? tr("the format's own (no binning settings)") : binning.join(QStringLiteral(", ")));
    QStringList problems;
    for (const DocumentIssue& issue : m_doc->issues())
        if (issue.path.startsWith(QLatin1String("dataset")) || issue.path.startsWith(QLatin1String("binning")))
            problems << issue.path + QStringLiteral(": ") + issue.message;
    const bool stale = m_data && nlohmann::json({spec.kind, spec.params, spec.binning}).dump() != m_loadedSpec;
    m_statusText = !problems.isEmpty() ? problems.join(QLatin1Char('\n'))
                   : isLoading()       ? tr("Loading\u2026")
                   : stale             ? tr("Settings changed since the last load: press Load to refresh.")
                   : m_data            ? tr("Loaded %1.").arg(QString::fromStdString(m_data->name()))
                                       : tr("Not loaded: press Load.");
    m_status->setStyleSheet(problems.isEmpty() ? QString() : QStringLiteral("color: #c01c28;"));
    m_status->setText(m_statusText);
}

void DatasetPanel::loadDataset()
{
    const DatasetSpec spec = specOf(m_doc->json());
    m_loadedSpec = nlohmann::json({spec.kind, spec.params, spec.binning}).dump();
    auto result = std::make_shared<Result>();
    const int generation = ++m_generation;
    ++m_loading;
    m_statusText = tr("Loading %1\u2026").arg(QString::fromStdString(datasetDisplayName(spec.kind)));
    m_status->setText(m_statusText);
    m_load->setEnabled(false);
    QThread* thread = QThread::create([result, spec] {
        try {
            std::shared_ptr<const Dataset> data(openDataset(spec));
            result->train = summarise(*data, Split::Train);
            result->test = summarise(*data, Split::Test);
            result->data = std::move(data);
        } catch (const std::exception& error) {
            result->error = QString::fromStdString(error.what());
        } catch (...) {
            result->error = tr("unknown error while opening the dataset");
        }
    });
    m_threads.push_back(thread);
    connect(thread, &QThread::finished, this, [this, thread, result, generation] {
        m_threads.erase(std::remove(m_threads.begin(), m_threads.end(), thread), m_threads.end());
        thread->deleteLater();
        --m_loading;
        m_load->setEnabled(m_loading == 0);
        finished(result, generation);
    });
    thread->start();
}

void DatasetPanel::finished(const std::shared_ptr<Result>& result, int generation)
{
    if (generation != m_generation)
        return;  // a newer load is on its way
    if (!result->error.isEmpty()) {
        m_statusText = tr("Cannot load: %1").arg(result->error);
        m_status->setText(m_statusText);
        Q_EMIT datasetLoaded(false, m_statusText);
        return;
    }
    m_data = result->data;
    m_train = result->train;
    m_test = result->test;
    m_shape = m_data->inputShape();
    // A load that finishes after the document changed (another file opened, a dataset setting
    // edited) describes the old settings: show it, but do not let it size the new network.
    const DatasetSpec now = specOf(m_doc->json());
    if (nlohmann::json({now.kind, now.params, now.binning}).dump() == m_loadedSpec)
        m_doc->setMeasuredDatasetShape({m_shape, m_data->classes()});
    QStringList names;
    for (const std::string& name : m_data->classNames())
        names << QString::fromStdString(name);
    m_balance->setCounts(m_train.class_counts, m_test.class_counts, names);
    m_counts->setText(countsText());
    m_durations->setText(durationText());
    m_statusText = tr("Loaded %1.").arg(QString::fromStdString(m_data->name()));
    // What the reader wants known (where labels, the split and the sensor came from).
    if (const auto* events = dynamic_cast<const EventDataset*>(m_data.get()))
        for (const std::string& note : events->notes())
            m_statusText += QLatin1Char('\n') + QString::fromStdString(note);
    m_status->setStyleSheet(QString());
    m_status->setText(m_statusText);
    showSample(Split::Train, 0, 0);
    Q_EMIT datasetLoaded(true, m_statusText);
}

QString DatasetPanel::statusText() const { return m_statusText; }

QString DatasetPanel::countsText() const
{
    if (!m_data)
        return {};
    const QLocale locale;
    const bool spatial = m_shape[1] * m_shape[2] > 1;
    const QString input = spatial ? tr("%1 x %2 x %3 (P x H x W)").arg(m_shape[0]).arg(m_shape[1]).arg(m_shape[2])
                                  : tr("%1 channels").arg(m_data->channels());
    return tr("<b>%1</b> train \u00b7 <b>%2</b> test samples \u00b7 %3 classes \u00b7 input %4")
        .arg(locale.toString(qulonglong(m_train.samples)), locale.toString(qulonglong(m_test.samples)))
        .arg(m_data->classes())
        .arg(input);
}

QString DatasetPanel::durationText() const
{
    if (!m_data)
        return {};
    QStringList lines;
    for (const Split split : {Split::Train, Split::Test}) {
        const SplitSummary& s = summary(split);
        QString line = tr("%1: %2 / %3 / %4 steps (min / mean / max)")
                           .arg(split == Split::Train ? tr("Train") : tr("Test"))
                           .arg(s.min_steps)
                           .arg(s.mean_steps, 0, 'f', 1)
                           .arg(s.max_steps);
        if (s.has_duration)
            line += tr(", %1 / %2 / %3 s").arg(s.min_s, 0, 'f', 3).arg(s.mean_s, 0, 'f', 3).arg(s.max_s, 0, 'f', 3);
        lines << line;
    }
    return tr("Duration \u2014 ") + lines.join(QStringLiteral("; "));
}

void DatasetPanel::showSample(Split split, int index, int step)
{
    {
        const QSignalBlocker a(m_split), b(m_index), c(m_time);
        m_split->setCurrentIndex(split == Split::Test ? 1 : 0);
        const int n = m_data ? int(m_data->size(split)) : 0;
        m_index->setRange(0, std::max(n - 1, 0));
        m_index->setValue(index);
        m_time->setValue(step);
    }
    renderFrame();
}

int DatasetPanel::currentStep() const { return m_time->value(); }

void DatasetPanel::renderFrame()
{
    const Split split = m_split->currentIndex() ? Split::Test : Split::Train;
    if (!m_data || m_data->size(split) == 0) {
        m_image = QImage();
        m_frame->setText(tr("No sample to show"));
        m_sampleInfo->clear();
        m_stepLabel->clear();
        m_time->setEnabled(false);
        return;
    }
    const Sample& sample = m_data->sample(split, std::size_t(std::clamp(m_index->value(), 0, int(m_data->size(split)) - 1)));
    {
        const QSignalBlocker block(m_time);
        m_time->setEnabled(true);
        m_time->setRange(0, std::max(sample.steps() - 1, 0));
    }
    const int step = m_time->value();
    const bool spatial = m_shape[1] * m_shape[2] > 1;
    m_image = spatial ? tp::ui::frameImage(sample, m_shape, step) : rasterImage(sample, m_data->channels());
    const auto names = m_data->classNames();
    const QString label = sample.label < int(names.size()) ? QString::fromStdString(names[std::size_t(sample.label)])
                                                           : QString::number(sample.label);
    const int atStep = step < sample.steps() ? sample.step_offsets[step + 1] - sample.step_offsets[step] : 0;
    m_sampleInfo->setText(tr("class %1 \u00b7 %2 steps \u00b7 %3 entries (%4 at this step)")
                              .arg(label)
                              .arg(sample.steps())
                              .arg(sample.nonZeros())
                              .arg(atStep));
    m_stepLabel->setText(tr("step %1 / %2").arg(step).arg(sample.steps()));
    const QString colours = tr("<span style=\"color:#E69F00\">\u25a0</span> ON / positive &nbsp; "
                               "<span style=\"color:#56B4E9\">\u25a0</span> OFF / negative");
    m_legend->setText(spatial ? tr("Frame at the step on show (%1 x %2 pixels). %3").arg(m_shape[2]).arg(m_shape[1]).arg(colours)
                              : tr("Whole sample: time \u2192 across (%1 steps), channel \u2193 down (%2). "
                                   "The line marks the step on show. %3")
                                    .arg(sample.steps())
                                    .arg(m_data->channels())
                                    .arg(colours));

    const QSize area = m_frame->size().expandedTo(QSize(240, 140));
    QPixmap pixmap = QPixmap::fromImage(m_image.scaled(area, spatial ? Qt::KeepAspectRatio : Qt::IgnoreAspectRatio,
                                                       Qt::FastTransformation));
    if (!spatial && sample.steps() > 0) {  // time cursor over the raster
        QPainter painter(&pixmap);
        const double x = pixmap.width() * (step + 0.5) / sample.steps();
        painter.setPen(QPen(QColor(255, 255, 255, 200), 1));
        painter.drawLine(QPointF(x, 0), QPointF(x, pixmap.height()));
    }
    m_frame->setPixmap(pixmap);
}

} // namespace tp::ui
