#pragma once
/// Undo command: set (or remove) one JSON value of the document. Mergeable edits of the same
/// path inside one merge window (ExperimentDocument::endMerge) collapse into one undo step;
/// a merged edit that returns to the original value removes itself from the stack.
#include <optional>

#include <QUndoCommand>

#include "ui/document/experiment_document.h"

namespace tp::ui {

class SetValueCommand : public QUndoCommand {
public:
    using Json = ExperimentDocument::Json;
    static constexpr int kId = 0x5e7;

    SetValueCommand(ExperimentDocument* doc, QString path, std::optional<Json> before, std::optional<Json> after,
                    bool mergeable, QUndoCommand* parent = nullptr);

    void undo() override;
    void redo() override;
    int id() const override { return m_mergeable ? kId : -1; }
    bool mergeWith(const QUndoCommand* other) override;

    const QString& path() const { return m_path; }

private:
    void updateText();

    ExperimentDocument* m_doc;
    QString m_path;
    std::optional<Json> m_before, m_after;
    bool m_mergeable;
    int m_serial;
};

} // namespace tp::ui
