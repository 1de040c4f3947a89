#pragma once
/// Finished runs side by side, read from their run folders (metrics.json), so runs made by the
/// CLI open here exactly like the GUI's own: test/train accuracy per epoch, per-layer local loss,
/// firing rates, training throughput, a bar chart of the measured memory and a summary table
/// (best/final accuracy, samples/s, time, measured memory). Runs of one experiment under several
/// learning rules (Run > Compare Rules) are the rule comparison.
#include <QString>
#include <QVector>
#include <QWidget>

#include <optional>

class QTableWidget;

namespace tp::ui {

class BarChart;
class LineChart;

/// What one run folder says about its run.
struct RunRecord {
    QString dir;
    QString label;                         ///< "<name> · TP" (rule from the experiment)
    QString rule;                          ///< rule.name of the run
    QVector<double> train_accuracy, test_accuracy, train_seconds;  ///< per epoch, accuracy 0..1
    QVector<double> samples_per_second;    ///< training throughput per epoch
    QVector<QVector<double>> layer_loss;   ///< [layer][epoch]
    QVector<QVector<double>> firing_rate;  ///< [layer][epoch]
    double best_test_accuracy = 0;
    qint64 memory_bytes = 0;               ///< measured total (metrics.json "memory")
};

/// Reads dir/metrics.json; nullopt with a message naming the file and field when it cannot.
std::optional<RunRecord> loadRunRecord(const QString& dir, QString* error);

class RunCompareView : public QWidget {
    Q_OBJECT
public:
    explicit RunCompareView(QWidget* parent = nullptr);
    void setRuns(const QVector<RunRecord>& runs);
    const QVector<RunRecord>& runs() const { return m_runs; }
    LineChart* accuracyChart() const { return m_accuracy; }
    LineChart* lossChart() const { return m_loss; }
    LineChart* firingChart() const { return m_firing; }
    LineChart* throughputChart() const { return m_throughput; }
    BarChart* memoryChart() const { return m_memory; }
    QTableWidget* summaryTable() const { return m_summary; }

private:
    QVector<RunRecord> m_runs;
    LineChart *m_accuracy, *m_loss, *m_firing, *m_throughput;
    BarChart* m_memory;
    QTableWidget* m_summary;
};

} // namespace tp::ui
