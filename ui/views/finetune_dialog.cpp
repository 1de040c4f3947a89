#include "ui/views/finetune_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QTimer>

#include <atomic>

#include "core/errors.h"
#include "train/run_files.h"
#include "registry.h"
#include "speakers.h"
#include "train/finetune.h"

namespace tp::ui {

namespace {

struct Job {
    Experiment experiment;
    std::string weights;
    std::string speaker;
    std::vector<int> classes;
    Split split = Split::Test;
    FinetuneOptions options;
    FinetuneResult result;
    std::string error;
    std::atomic<int> epochsDone{0};
};

/// The experiment of a finished run folder (metrics.json holds it as it ran) and its weights.
void readRun(const QString& runDir, Job& job)
{
    const QString metrics = QDir(runDir).filePath(QStringLiteral("metrics.json"));
    QFile file(metrics);
    if (!file.open(QIODevice::ReadOnly))
        throw IoError(metrics.toStdString() + ": cannot read (not a run folder?)");
    const auto doc = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
    if (doc.is_discarded() || !doc.contains("experiment"))
        throw FormatError(metrics.toStdString(), "experiment", "missing (not a run's metrics.json?)");
    job.experiment = parseExperiment(doc["experiment"], metrics.toStdString(), validateDatasetSpec);
    job.weights = runWeightsFile(runDir.toStdString());
}

} // namespace

FinetuneDialog::FinetuneDialog(const QString& runDir, QWidget* parent) : QDialog(parent), m_runDir(runDir)
{
    setWindowTitle(tr("Fine-tune %1").arg(QDir(runDir).dirName()));
    auto* form = new QFormLayout(this);
    auto* intro = new QLabel(tr("Few-shot fine-tuning of this run's network (fresh Adam, cosine schedule): the pool is a "
                                "held-out speaker's recordings and/or a subset of classes; per class, a share is held back "
                                "as the query set and k samples train."));
    intro->setWordWrap(true);
    form->addRow(intro);
    form->addRow(tr("Run"), new QLabel(QDir::toNativeSeparators(runDir)));
    m_speaker = new QLineEdit;
    m_speaker->setPlaceholderText(tr("speaker id (SHD, digits, Speech Commands)"));
    form->addRow(tr("Speaker"), m_speaker);
    m_classes = new QLineEdit;
    m_classes->setPlaceholderText(tr("e.g. 0,1,2 (empty: all)"));
    form->addRow(tr("Classes"), m_classes);
    m_split = new QComboBox;
    m_split->addItem(tr("test"), QStringLiteral("test"));
    m_split->addItem(tr("train"), QStringLiteral("train"));
    form->addRow(tr("Pool from split"), m_split);
    m_shots = new QComboBox;
    for (const QString& k : {QStringLiteral("1"), QStringLiteral("5"), QStringLiteral("all")})
        m_shots->addItem(k, k == QLatin1String("all") ? 0 : k.toInt());
    form->addRow(tr("Shots per class"), m_shots);
    m_epochs = new QSpinBox;
    m_epochs->setRange(1, 1000);
    m_epochs->setValue(3);
    form->addRow(tr("Epochs"), m_epochs);
    m_lr = new QDoubleSpinBox;
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 1.0);
    m_lr->setSingleStep(1e-4);
    m_lr->setValue(1e-4);
    form->addRow(tr("Learning rate"), m_lr);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(42);
    form->addRow(tr("Seed"), m_seed);
    m_progress = new QProgressBar;
    m_progress->setAccessibleName(tr("Fine-tuning progress"));
    form->addRow(m_progress);
    m_result = new QLabel;
    m_result->setWordWrap(true);
    form->addRow(m_result);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_start = buttons->addButton(tr("Fine-tune"), QDialogButtonBox::AcceptRole);
    connect(m_start, &QPushButton::clicked, this, &FinetuneDialog::start);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

FinetuneDialog::~FinetuneDialog()
{
    m_stop.request_stop();
    if (m_thread)
        m_thread->wait();
}

QString FinetuneDialog::resultText() const { return m_result->text(); }

void FinetuneDialog::start()
{
    if (m_thread)
        return;
    auto job = std::make_shared<Job>();
    job->speaker = m_speaker->text().trimmed().toStdString();
    for (const QString& part : m_classes->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int c = part.trimmed().toInt(&ok);
        if (!ok || c < 0) {
            m_result->setText(tr("Classes: '%1' is not a class number").arg(part.trimmed()));
            return;
        }
        job->classes.push_back(c);
    }
    job->split = m_split->currentData().toString() == QLatin1String("train") ? Split::Train : Split::Test;
    job->options.shots = m_shots->currentData().toInt();
    job->options.epochs = m_epochs->value();
    job->options.lr = m_lr->value();
    job->options.seed = std::uint64_t(m_seed->value());
    job->options.stop = m_stop.get_token();
    job->options.on_epoch = [job](const EpochMetrics&) { ++job->epochsDone; };
    m_progress->setRange(0, job->options.epochs);
    m_progress->setValue(0);
    m_result->setText(tr("Fine-tuning…"));
    m_start->setEnabled(false);

    const QString runDir = m_runDir;
    m_thread = QThread::create([job, runDir] {
        try {
            readRun(runDir, *job);
            job->options.threads = job->experiment.run.threads;
            const auto data = openDataset(job->experiment.dataset);
            const auto pool = fewShotPool(job->experiment.dataset, *data, job->split, job->speaker, job->classes);
            job->result = finetune(job->experiment, *data, job->split, pool, job->weights, job->options);
        } catch (const std::exception& error) {
            job->error = error.what();
        }
    });
    auto* poll = new QTimer(m_thread);
    connect(poll, &QTimer::timeout, this, [this, job] { m_progress->setValue(job->epochsDone); });
    poll->start(100);
    connect(m_thread, &QThread::finished, this, [this, job] {
        m_thread->deleteLater();
        m_thread = nullptr;
        m_start->setEnabled(true);
        const QString error = QString::fromStdString(job->error);
        const FinetuneResult& r = job->result;
        if (error.isEmpty()) {
            m_progress->setValue(m_progress->maximum());
            m_result->setText(tr("Query accuracy: before %1%, after %2% (support %3, query %4 samples%5)")
                                  .arg(100 * r.before_accuracy, 0, 'f', 2)
                                  .arg(100 * r.after_accuracy, 0, 'f', 2)
                                  .arg(r.support_size)
                                  .arg(r.query_size)
                                  .arg(r.dropped_classes.empty() ? QString()
                                                                 : tr("; %n class(es) without enough shots dropped", nullptr,
                                                                      int(r.dropped_classes.size()))));
        } else {
            m_result->setText(tr("Cannot fine-tune: %1").arg(error));
        }
        Q_EMIT finetuned(r.before_accuracy, r.after_accuracy, error);
    });
    m_thread->start();
}

} // namespace tp::ui
