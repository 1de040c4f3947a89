#pragma once
/// The questions of File > Export > NIR and File > Import NIR (the work itself is MainWindow's
/// exportNir / importNir, the engine's export-nir / import-nir code). GUI thread.
#include <optional>

#include <QString>

class QWidget;

namespace tp::ui {

struct NirExportChoice {
    QString run;      ///< run folder
    QString file;     ///< NIR file to write
    double dt_s = 0;  ///< seconds per step
};

/// Asks for the run folder (starting at `startDir`), the step dt (offered: the run's binning
/// window, else 1 ms, as export-nir) and the NIR file; nullopt when cancelled.
std::optional<NirExportChoice> askNirExport(QWidget* parent, const QString& startDir);

struct NirImportChoice {
    QString nir;         ///< NIR file to read
    QString experiment;  ///< experiment file to write (its weights go beside it)
};

/// Asks for the NIR file and the experiment file to write (offered: beside it, NAME.json);
/// nullopt when cancelled.
std::optional<NirImportChoice> askNirImport(QWidget* parent, const QString& startDir);

} // namespace tp::ui
