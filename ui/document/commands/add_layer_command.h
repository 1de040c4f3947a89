#pragma once
/// Undo command: insert one layer into network.layers (one undo step).
#include <QUndoCommand>

#include "ui/document/experiment_document.h"

namespace tp::ui {

class AddLayerCommand : public QUndoCommand {
public:
    AddLayerCommand(ExperimentDocument* doc, int index, ExperimentDocument::Json layer,
                    QUndoCommand* parent = nullptr);
    void undo() override;
    void redo() override;

private:
    ExperimentDocument* m_doc;
    int m_index;
    ExperimentDocument::Json m_layer;
};

} // namespace tp::ui
