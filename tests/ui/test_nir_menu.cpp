// File > Export > NIR Graph and File > Import NIR Graph through the main window: a run trained by
// the CLI goes out as NIR and comes back as an experiment the workbench opens (its initial
// weights named); a file that is not NIR changes nothing and says why.
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/document/experiment_document.h"
#include "ui/main_window.h"

using tp::ui::MainWindow;

namespace {

/// The action called `text` (mnemonics ignored) anywhere in `menu` and its submenus.
QAction* findAction(QMenu* menu, const QString& text, QString path = {})
{
    for (QAction* a : menu->actions()) {
        const QString name = path + a->text().remove(QLatin1Char('&'));
        if (name == text)
            return a;
        if (a->menu())
            if (QAction* found = findAction(a->menu(), text, name + QStringLiteral(" > ")))
                return found;
    }
    return nullptr;
}

} // namespace

class TestNirMenu : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        qputenv("TRACEPROP_RUNS_DIR", m_tmp.filePath(QStringLiteral("runs")).toUtf8());
        qputenv("TRACEPROP_CACHE", m_tmp.filePath(QStringLiteral("cache")).toUtf8());
    }

    void exportAndImportThroughTheFileMenu()
    {
        const QString run = m_tmp.filePath(QStringLiteral("run")), nir = m_tmp.filePath(QStringLiteral("net.nir")),
                      exp = m_tmp.filePath(QStringLiteral("imported.json"));
        QProcess train;
        train.start(QStringLiteral(TP_CLI_PATH),
                    {"train", TP_RESOURCES_DIR "/experiments/randman.json", "--set", "run.epochs=1", "--set",
                     "dataset.samples_per_class=30", "--set", "network.layers.0.size=24", "--set", "run.batch=32", "--out", run});
        QVERIFY(train.waitForFinished(120'000));
        QCOMPARE(train.exitCode(), 0);

        MainWindow w;
        QMenu* file = w.menuBar()->findChild<QMenu*>();
        QVERIFY(file);
        QVERIFY(findAction(file, QStringLiteral("Export > NIR Graph...")));
        QVERIFY(findAction(file, QStringLiteral("Import NIR Graph...")));

        QVERIFY2(w.exportNir(run, nir), qPrintable(w.lastMessage()));
        QVERIFY(QFile::exists(nir));
        QVERIFY(w.logView()->toPlainText().contains(QStringLiteral("exported")));
        QVERIFY2(w.importNir(nir, exp), qPrintable(w.lastMessage()));
        QCOMPARE(w.document()->filePath(), QFileInfo(exp).absoluteFilePath());
        QCOMPARE(w.document()->layerCount(), 1);
        const auto e = w.document()->experiment(nullptr);
        QVERIFY(e);
        QCOMPARE(QString::fromStdString(e->network.init_weights),
                 QFileInfo(m_tmp.filePath(QStringLiteral("imported.weights.h5"))).absoluteFilePath());
        QCOMPARE(e->network.layers.front().size, 24);
    }

    void aFileThatIsNotNirChangesNothing()
    {
        MainWindow w;
        QVERIFY(w.openTemplate(QStringLiteral(":/experiments/randman.json")));
        const int layers = w.document()->layerCount();
        const QString bad = m_tmp.filePath(QStringLiteral("bad.nir"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not an HDF5 file");
        f.close();
        QVERIFY(!w.importNir(bad, m_tmp.filePath(QStringLiteral("bad.json"))));
        QVERIFY2(w.lastMessage().contains(bad), qPrintable(w.lastMessage()));
        QVERIFY(w.document()->filePath().isEmpty());
        QCOMPARE(w.document()->layerCount(), layers);
        QVERIFY(!QFile::exists(m_tmp.filePath(QStringLiteral("bad.json"))));

        QVERIFY(!w.exportNir(m_tmp.filePath(QStringLiteral("no-run")), m_tmp.filePath(QStringLiteral("x.nir"))));
        QVERIFY2(w.lastMessage().contains(QStringLiteral("no-run")), qPrintable(w.lastMessage()));
    }
};

QTEST_MAIN(TestNirMenu)
#include "test_nir_menu.moc"
