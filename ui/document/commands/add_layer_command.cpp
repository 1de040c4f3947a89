#include "ui/document/commands/add_layer_command.h"

namespace tp::ui {

AddLayerCommand::AddLayerCommand(ExperimentDocument* doc, int index, ExperimentDocument::Json layer,
                                 QUndoCommand* parent)
    : QUndoCommand(parent), m_doc(doc), m_index(index), m_layer(std::move(layer))
{
    setText(QObject::tr("Add layer %1").arg(index + 1));
}

void AddLayerCommand::undo() { m_doc->applyRemoveLayer(m_index); }

void AddLayerCommand::redo() { m_doc->applyInsertLayer(m_index, m_layer); }

} // namespace tp::ui
