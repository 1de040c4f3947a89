#pragma once
/// Run > Fine-tune a Trained Run: few-shot fine-tuning (tp-algorithm.md 6.5) of a finished run
/// folder on a held-out speaker or a class subset, with the engine's tp::finetune (the code
/// behind `traceprop-cli finetune`), on a worker thread. Shows the query accuracy before and
/// after. GUI thread only; the destructor stops and joins the worker.
#include <QDialog>

#include <memory>
#include <stop_token>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

namespace tp::ui {

class FinetuneDialog : public QDialog {
    Q_OBJECT
public:
    explicit FinetuneDialog(const QString& runDir, QWidget* parent = nullptr);
    ~FinetuneDialog() override;

    QLineEdit* speakerEdit() const { return m_speaker; }
    QLineEdit* classesEdit() const { return m_classes; }
    QComboBox* splitBox() const { return m_split; }
    QComboBox* shotsBox() const { return m_shots; }
    QSpinBox* epochsBox() const { return m_epochs; }
    QDoubleSpinBox* lrBox() const { return m_lr; }
    QSpinBox* seedBox() const { return m_seed; }
    bool isRunning() const { return m_thread != nullptr; }
    QString resultText() const;

public Q_SLOTS:
    /// Starts fine-tuning with the settings shown; a bad setting or run folder shows its message.
    void start();

Q_SIGNALS:
    /// Query accuracies (0..1) before and after; error empty on success.
    void finetuned(double before, double after, const QString& error);

private:
    QString m_runDir;
    QLineEdit *m_speaker, *m_classes;
    QComboBox *m_split, *m_shots;
    QSpinBox *m_epochs, *m_seed;
    QDoubleSpinBox* m_lr;
    QProgressBar* m_progress;
    QLabel* m_result;
    QPushButton* m_start;
    QThread* m_thread = nullptr;
    std::stop_source m_stop;
};

} // namespace tp::ui
