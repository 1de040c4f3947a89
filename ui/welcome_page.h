#pragma once
/// The page shown while no experiment is open: the shipped example experiments (with their
/// description and network at a glance), recent files and autosaved documents to recover.
#include <QStringList>
#include <QWidget>

class QListWidget;
class QListWidgetItem;

namespace tp::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    /// Refill the recent-files and recovery lists (paths that no longer exist are left out).
    void setRecentFiles(const QStringList& paths);
    void setRecoverableFiles(const QStringList& paths);
    /// The examples shown, as resource paths (":/experiments/<name>.json").
    QStringList examplePaths() const;

Q_SIGNALS:
    void templateRequested(const QString& resourcePath);
    void openRequested(const QString& path);
    void recoverRequested(const QString& autosavePath);

private:
    QListWidget* m_examples = nullptr;
    QListWidget* m_recent = nullptr;
    QListWidget* m_recover = nullptr;
};

/// One line about an experiment file for lists: "dataset · 40 → 200 → 10 · TP"; empty when the
/// file cannot be read.
QString experimentSummary(const QString& path, QString* description = nullptr);

} // namespace tp::ui
