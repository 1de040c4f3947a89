#include "ui/document/commands/remove_layer_command.h"

namespace tp::ui {

RemoveLayerCommand::RemoveLayerCommand(ExperimentDocument* doc, int index, QUndoCommand* parent)
    : QUndoCommand(parent), m_doc(doc), m_index(index)
{
    setText(QObject::tr("Remove layer %1").arg(index + 1));
}

void RemoveLayerCommand::undo() { m_doc->applyInsertLayer(m_index, m_layer); }

void RemoveLayerCommand::redo() { m_layer = m_doc->applyRemoveLayer(m_index); }

} // namespace tp::ui
