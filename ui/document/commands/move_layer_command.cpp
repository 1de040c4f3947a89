#include "ui/document/commands/move_layer_command.h"

namespace tp::ui {

MoveLayerCommand::MoveLayerCommand(ExperimentDocument* doc, int from, int to, QUndoCommand* parent)
    : QUndoCommand(parent), m_doc(doc), m_from(from), m_to(to)
{
    setText(QObject::tr("Move layer %1 to position %2").arg(from + 1).arg(to + 1));
}

void MoveLayerCommand::undo() { m_doc->applyMoveLayer(m_to, m_from); }

void MoveLayerCommand::redo() { m_doc->applyMoveLayer(m_from, m_to); }

} // namespace tp::ui
