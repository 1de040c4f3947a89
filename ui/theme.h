#pragma once
/// The workbench's dark theme (View > Theme > Dark).
#include <QPalette>

namespace tp::ui {

/// The dark palette: dark grey window and base, light text, greyed disabled text.
QPalette darkPalette();

} // namespace tp::ui
