#pragma once
/// The open experiment: its JSON (schema v1, engine/config/experiment.h) as the user wrote it,
/// key order kept, with a QUndoStack through which every edit goes, autosave with crash
/// recovery, and the engine's validation (every problem with its field path). GUI thread only.
#include <optional>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "ui/document/network_shapes.h"

class QTimer;
class QUndoStack;

namespace tp::ui {

/// One validation problem: the engine's field path ("network.layers[1].size", "run.batch";
/// empty for the whole file) and its message.
struct DocumentIssue {
    QString path;
    QString message;
};

class ExperimentDocument : public QObject {
    Q_OBJECT
public:
    using Json = nlohmann::ordered_json;

    explicit ExperimentDocument(QObject* parent = nullptr);
    /// Removes this document's recovery file (a normal close is not a crash).
    ~ExperimentDocument() override;

    /// Opens a file. Unreadable files, invalid JSON, a missing, bad or newer schema_version and
    /// sections of the wrong JSON type are refused: *error names the file and the field (or
    /// line and column) and the current document is left exactly as it was. Value errors
    /// (run.batch 1, ...) are kept: the designer shows them inline so they can be fixed.
    bool load(const QString& path, QString* error);
    /// Writes atomically (QSaveFile) as 2-space-indented JSON in the document's key order,
    /// marks the undo stack clean, removes the recovery file. Saving twice gives identical bytes.
    bool save(const QString& path, QString* error);
    /// An untitled copy of a template (a shipped :/experiments/<name>.json or any file):
    /// no file path, clean undo stack. Same refusals as load().
    bool newFromTemplate(const QString& path, QString* error = nullptr);
    /// An untitled document with the engine's defaults (tp::Experiment{}), the built-in
    /// randman dataset and no layers yet.
    void newDocument();

    QString filePath() const { return m_filePath; }
    /// File name for titles ("untitled.json" when never saved).
    QString displayName() const;
    bool isModified() const;
    QUndoStack* undoStack() const { return m_undo; }

    /// The parsed, validated experiment, or nullopt with every problem as "path: message".
    std::optional<tp::Experiment> experiment(QStringList* errors = nullptr) const;
    /// Every current problem (engine parser + dataset validator + network structure). Cached.
    const QList<DocumentIssue>& issues() const;
    /// Messages of the issues whose path is `path` or lies under it ("network.layers[0]").
    QStringList issuesAt(const QString& path) const;

    // --- values (paths in the engine's form: "run.lr", "network.layers[2].size") ---
    const Json& json() const { return m_doc; }
    /// A scalar as a QVariant (bool, qlonglong, qulonglong, double, QString); invalid if absent.
    QVariant value(const QString& path) const;
    bool contains(const QString& path) const;
    /// Pushes a SetValueCommand (nothing when unchanged). Mergeable edits of the same path
    /// merge into one undo step until endMerge() (spin box arrows, slider drags).
    void setValue(const QString& path, const QVariant& value, bool mergeable = false);
    /// Same for any JSON value; nullopt removes the key.
    void setJson(const QString& path, const std::optional<Json>& value, bool mergeable = false);
    /// Closes the current merge window (editingFinished, sliderReleased).
    void endMerge() { ++m_mergeSerial; }
    int mergeSerial() const { return m_mergeSerial; }

    // --- layers (network.layers) ---
    int layerCount() const;
    /// Lesson mode: true when the document's "lesson.locked" covers `path` (document form,
    /// "network.layers[1].size"); edits of locked paths are refused with editRefused().
    bool isLocked(const QString& path) const;
    /// Layer JSON for a palette kind: "lif", "recurrent" (lif, recurrent: true), "conv".
    static Json layerTemplate(const QString& kind);
    void addLayer(int index, const QString& kind);
    void removeLayer(int index);
    /// Moves layer `from` so that it ends at index `to`.
    void moveLayer(int from, int to);

    // --- dataset shape (runtime only; not saved) ---
    /// The measured shape of the loaded dataset (dataset panel), cleared when dataset or
    /// binning change; without it the nominal shape of the kind is used (network_shapes.h).
    void setMeasuredDatasetShape(const DatasetShape& shape);
    std::optional<DatasetShape> measuredDatasetShape() const { return m_measured; }

    // --- autosave / crash recovery ---
    /// Recovery file of this document: <AppDataLocation>/recovery/<hash of the path>.json.
    QString autosavePath() const;
    /// Autosave period; 0 turns it off. Default 60 s.
    void setAutosaveInterval(int ms);
    /// Writes the recovery file now when the document is modified. Returns true if written.
    bool autosaveNow();
    static QString recoveryDir();
    /// Recovery files left by a session that did not close normally.
    static QStringList recoverableFiles();
    /// The file a recovery file belongs to (empty for an untitled document).
    static QString recoveryOriginalPath(const QString& recoveryFile);
    /// Replaces the document by a recovery file's content: file path = the original, marked
    /// modified, the recovery file is taken over (removed on save or close).
    bool recover(const QString& recoveryFile, QString* error);

    // --- appliers: called by the undo commands only (widgets push commands) ---
    void applyJson(const QString& path, const std::optional<Json>& value);
    void applyInsertLayer(int index, const Json& layer);
    Json applyRemoveLayer(int index);
    void applyMoveLayer(int from, int to);

    /// "a.b[2].c" -> JSON pointer "/a/b/2/c".
    static Json::json_pointer pointer(const QString& path);

Q_SIGNALS:
    /// Any change of content (edits, undo, redo, load).
    void changed();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString& path);
    /// A value at `path` changed (or a parent object was replaced).
    void valueChanged(const QString& path);
    /// The whole document was replaced (load, new, recover).
    void documentReset();
    void layerAboutToBeInserted(int index);
    void layerInserted(int index);
    void layerAboutToBeRemoved(int index);
    void layerRemoved(int index);
    void layerAboutToBeMoved(int from, int to);
    void layerMoved(int from, int to);
    void datasetShapeChanged();
    /// An edit of a path the lesson locks was refused (nothing changed).
    void editRefused(const QString& path, const QString& reason);

private:
    void replace(Json doc, const QString& filePath, bool modified);
    void setFilePath(const QString& path);
    void contentChanged();
    void updateModified();
    bool refuseLocked(const QString& path);  ///< emits editRefused for a locked path
    void removeAutosaveFile();

    Json m_doc;
    QString m_filePath;
    QString m_untitledId;    ///< names the recovery file of a never-saved document
    QString m_recoveryFile;  ///< the recovery file taken over by recover(), if any
    QUndoStack* m_undo;
    QTimer* m_autosave;
    bool m_forcedModified = false;  ///< recovered content differs from the file on disk
    bool m_lastModified = false;
    int m_mergeSerial = 0;
    std::optional<DatasetShape> m_measured;
    mutable std::optional<QList<DocumentIssue>> m_issues;
};

} // namespace tp::ui
