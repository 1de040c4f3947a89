#pragma once
/// The dataset panel: choose the built-in synthetic set (Randman) or a folder of a real one
/// (N-MNIST, SHD, SSC, DVS128 Gesture, CIFAR10-DVS, Speech Commands), edit the generator /
/// binning settings (undo commands on the document), load it on a worker thread, and see
/// class balance, samples per split, durations, and one sample's binned frames scrubbed with
/// a time slider (a frame image for spatial inputs, a time x channel raster for 1-D inputs).
/// GUI thread only; the worker thread never touches widgets.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <QImage>
#include <QWidget>

#include "core/dataset.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QThread;
class QFormLayout;

namespace tp::ui {

class ClassBalanceView;
class ExperimentDocument;

class DatasetPanel : public QWidget {
    Q_OBJECT
public:
    /// What the worker computes besides the dataset (class counts, lengths, durations).
    struct SplitSummary {
        std::size_t samples = 0;
        std::vector<std::size_t> class_counts;
        int min_steps = 0, max_steps = 0;
        double mean_steps = 0;
        std::int64_t entries = 0;               ///< non-zero (step, channel) entries
        bool has_duration = false;              ///< event sets: recording durations in seconds
        double min_s = 0, mean_s = 0, max_s = 0;
    };

    explicit DatasetPanel(ExperimentDocument* doc, QWidget* parent = nullptr);
    /// Waits for a load in progress (opening a dataset cannot be interrupted).
    ~DatasetPanel() override;

    bool isLoading() const { return m_loading > 0; }
    /// The loaded dataset (nullptr before the first successful load).
    const Dataset* dataset() const { return m_data.get(); }
    const SplitSummary& summary(Split split) const { return split == Split::Train ? m_train : m_test; }
    QString statusText() const;
    QString countsText() const;
    QString durationText() const;
    ClassBalanceView* classBalance() const { return m_balance; }

    /// Shows sample `index` of `split` at time step `step` (clamped).
    void showSample(Split split, int index, int step = 0);
    int currentStep() const;
    /// The unscaled image on show: the frame at the current step (spatial inputs) or the
    /// sample's time x channel raster (1-D inputs), without the time cursor.
    QImage frameImage() const { return m_image; }

public Q_SLOTS:
    /// Opens the document's dataset on a worker thread; datasetLoaded() follows.
    void loadDataset();

Q_SIGNALS:
    void datasetLoaded(bool ok, const QString& message);

protected:
    void showEvent(QShowEvent* event) override;

private:
    /// Loads the built-in set now when the panel is visible, else on the next show.
    void autoLoadBuiltIn();

private:
    struct Result;
    void finished(const std::shared_ptr<Result>& result, int generation);
    void syncFromDocument();
    void changeKind(const QString& kind);
    void changeFrameMode(const QString& mode);
    void browse();
    void renderFrame();

    ExperimentDocument* m_doc;
    QComboBox* m_kind;
    QLineEdit* m_path;
    QPushButton* m_browse;
    QWidget* m_randman;
    QFormLayout* m_randmanForm;
    std::vector<std::pair<QString, QSpinBox*>> m_randmanFields;  ///< document path -> editor
    QLabel* m_binning;
    QWidget* m_frames;        ///< ToFrame mode + value (event datasets)
    QComboBox* m_frameMode;
    QSpinBox* m_frameValue;
    QPushButton* m_load;
    QLabel* m_status;
    QLabel* m_counts;
    QLabel* m_durations;
    ClassBalanceView* m_balance;
    QComboBox* m_split;
    QSpinBox* m_index;
    QSlider* m_time;
    QLabel* m_stepLabel;
    QLabel* m_sampleInfo;
    QLabel* m_frame;
    QLabel* m_legend;
    QImage m_image;

    std::shared_ptr<const Dataset> m_data;
    std::array<int, 3> m_shape{0, 0, 0};
    SplitSummary m_train, m_test;
    QString m_statusText;
    int m_generation = 0;
    int m_loading = 0;
    std::string m_loadedSpec;  ///< dataset kind, params and binning of the last load
    bool m_autoLoaded = false;
    std::vector<QThread*> m_threads;
};

} // namespace tp::ui
