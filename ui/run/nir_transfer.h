#pragma once
/// File > Export > NIR Graph and File > Import NIR Graph: their questions, and their work with the
/// engine's export-nir / import-nir code (MainWindow::exportNir / importNir report and open).
/// GUI thread.
#include <optional>

#include <QString>
#include <QStringList>

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

/// Writes the network of `run` (a run folder or run file) to `nirFile` (dt_s <= 0: export-nir's
/// default step); returns the line for the log. Throws what the engine throws (InputError).
QString exportNirGraph(const QString& run, const QString& nirFile, double dt_s);

/// Writes `experimentFile` and its initial weights from `nirFile`; returns the lines for the log
/// (what was imported, the import's notes). Throws what the engine throws (InputError).
QStringList importNirGraph(const QString& nirFile, const QString& experimentFile);

} // namespace tp::ui
