#pragma once
/// Run > Compare Rules: the dialog that picks which registered rules train the open experiment
/// side by side (MainWindow::startComparison runs them).
#include <QStringList>

class QWidget;

namespace tp {
struct Experiment;
}

namespace tp::ui {

/// A comparison takes this many rules.
inline constexpr int kMinComparedRules = 2, kMaxComparedRules = 5;

/// Asks which rules to compare: one check box per registered rule (those that cannot train the
/// experiment's layers disabled, with the reason), `preset` checked, OK only for 2 to 5. Returns
/// the chosen rule names, or an empty list when the user cancels. Modal; GUI thread.
QStringList chooseRulesToCompare(QWidget* parent, const Experiment& experiment, const QStringList& preset);

} // namespace tp::ui
