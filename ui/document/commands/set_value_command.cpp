#include "ui/document/commands/set_value_command.h"

namespace tp::ui {

SetValueCommand::SetValueCommand(ExperimentDocument* doc, QString path, std::optional<Json> before,
                                 std::optional<Json> after, bool mergeable, QUndoCommand* parent)
    : QUndoCommand(parent), m_doc(doc), m_path(std::move(path)), m_before(std::move(before)),
      m_after(std::move(after)), m_mergeable(mergeable), m_serial(doc->mergeSerial())
{
    updateText();
}

void SetValueCommand::updateText()
{
    if (!m_after)
        setText(QObject::tr("Remove %1").arg(m_path));
    else if (m_after->is_primitive())
        setText(QObject::tr("Set %1 to %2").arg(m_path, QString::fromStdString(m_after->dump())));
    else
        setText(QObject::tr("Change %1").arg(m_path));
}

void SetValueCommand::undo() { m_doc->applyJson(m_path, m_before); }

void SetValueCommand::redo() { m_doc->applyJson(m_path, m_after); }

bool SetValueCommand::mergeWith(const QUndoCommand* other)
{
    const auto* next = static_cast<const SetValueCommand*>(other);  // same id() => same type
    if (!m_mergeable || !next->m_mergeable || next->m_path != m_path || next->m_serial != m_serial)
        return false;
    m_after = next->m_after;
    setObsolete(m_after == m_before);
    updateText();
    return true;
}

} // namespace tp::ui
