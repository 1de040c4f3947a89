#include "ui/run/nir_transfer.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>

#include <nlohmann/json.hpp>

#include "nir/nir_network.h"
#include "registry.h"

namespace tp::ui {

namespace {

/// export-nir's default dt for a run folder: from the experiment its metrics.json holds.
double defaultDt(const QString& runDir)
{
    QFile file(QDir(runDir).filePath(QStringLiteral("metrics.json")));
    if (file.open(QIODevice::ReadOnly)) {
        const auto doc = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
        try {
            if (!doc.is_discarded() && doc.contains("experiment"))
                return defaultNirDt(parseExperiment(doc["experiment"], file.fileName().toStdString()));
        } catch (const std::exception&) {  // not a run we can read: export says why
        }
    }
    return 1e-3;
}

} // namespace

std::optional<NirExportChoice> askNirExport(QWidget* parent, const QString& startDir)
{
    NirExportChoice c;
    c.run = QFileDialog::getExistingDirectory(parent, QObject::tr("Run Folder to Export as NIR"), startDir);
    if (c.run.isEmpty())
        return std::nullopt;
    bool ok = false;
    c.dt_s = QInputDialog::getDouble(parent, QObject::tr("Export NIR"),
                                     QObject::tr("Seconds per time step (dt): NIR's neurons are continuous in time, "
                                                 "tau = dt / (1 - alpha)"),
                                     defaultDt(c.run), 1e-9, 1e6, 9, &ok);
    if (!ok)
        return std::nullopt;
    c.file = QFileDialog::getSaveFileName(parent, QObject::tr("Save NIR Graph As"),
                                          QDir(c.run).filePath(QDir(c.run).dirName() + QStringLiteral(".nir")),
                                          QObject::tr("NIR graphs (*.nir *.h5 *.hdf5);;All files (*)"));
    if (c.file.isEmpty())
        return std::nullopt;
    return c;
}

std::optional<NirImportChoice> askNirImport(QWidget* parent, const QString& startDir)
{
    NirImportChoice c;
    c.nir = QFileDialog::getOpenFileName(parent, QObject::tr("Import NIR Graph"), startDir,
                                         QObject::tr("NIR graphs (*.nir *.h5 *.hdf5);;All files (*)"));
    if (c.nir.isEmpty())
        return std::nullopt;
    const QFileInfo in(c.nir);
    c.experiment = QFileDialog::getSaveFileName(parent, QObject::tr("Save the Imported Experiment As"),
                                                in.dir().filePath(in.completeBaseName() + QStringLiteral(".json")),
                                                QObject::tr("Experiments (*.json)"));
    if (c.experiment.isEmpty())
        return std::nullopt;
    return c;
}

QString exportNirGraph(const QString& run, const QString& nirFile, double dt_s)
{
    const NirExport e = exportNir(run.toStdString(), nirFile.toStdString(), dt_s,
                                  [](const Experiment& exp) { return plannedDatasetShape(exp.dataset).input; });
    return QObject::tr("exported %1 as NIR to %2 (%3 nodes, dt %4 s)")
        .arg(QString::fromStdString(e.run_file), nirFile)
        .arg(e.graph.nodes.size())
        .arg(e.dt_s);
}

QStringList importNirGraph(const QString& nirFile, const QString& experimentFile)
{
    const ImportedNetwork net =
        importNir(nirFile.toStdString(), experimentFile.toStdString(), std::nullopt, {}, validateDatasetSpec);
    QStringList lines{QObject::tr("imported %1 into %2 (dt %3 s, %4)")
                          .arg(nirFile, experimentFile)
                          .arg(net.dt_s)
                          .arg(QString::fromStdString(net.dt_source))};
    for (const auto& note : net.notes)
        lines << QObject::tr("note: %1").arg(QString::fromStdString(note));
    return lines;
}

} // namespace tp::ui
