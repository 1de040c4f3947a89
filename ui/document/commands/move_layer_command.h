#pragma once
/// Undo command: move one layer of network.layers (a drag-and-drop reorder is one step).
#include <QUndoCommand>

#include "ui/document/experiment_document.h"

namespace tp::ui {

class MoveLayerCommand : public QUndoCommand {
public:
    /// Moves layer `from` so that it ends at index `to`.
    MoveLayerCommand(ExperimentDocument* doc, int from, int to, QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    ExperimentDocument* m_doc;
    int m_from, m_to;
};

} // namespace tp::ui
