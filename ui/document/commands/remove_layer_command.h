#pragma once
/// Undo command: remove one layer of network.layers (undo puts the same JSON back).
#include <QUndoCommand>

#include "ui/document/experiment_document.h"

namespace tp::ui {

class RemoveLayerCommand : public QUndoCommand {
public:
    RemoveLayerCommand(ExperimentDocument* doc, int index, QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    ExperimentDocument* m_doc;
    int m_index;
    ExperimentDocument::Json m_layer;  ///< what redo() took out
};

} // namespace tp::ui
