// ExperimentDocument: load/save round trips, refusals that leave the document untouched,
// undo/redo of every edit kind, merging of spin-box edits, autosave and crash recovery,
// validation and shape inference.
#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include "ui/document/experiment_document.h"

using tp::ui::ExperimentDocument;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeText(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

} // namespace

class TestDocumentExperiment : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        QStandardPaths::setTestModeEnabled(true);
        QDir(ExperimentDocument::recoveryDir()).removeRecursively();
    }

    void newDocumentHasNoLayersAndSaysSo()
    {
        ExperimentDocument doc;
        QCOMPARE(doc.layerCount(), 0);
        QVERIFY(!doc.isModified());
        QVERIFY(doc.filePath().isEmpty());
        const QStringList errors = doc.issuesAt(QStringLiteral("network.layers"));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].contains(QLatin1String("1 to 16 layers")), qPrintable(errors[0]));
        QStringList messages;
        QVERIFY(!doc.experiment(&messages));
        QVERIFY(messages.join('\n').contains(QLatin1String("network.layers: must have 1 to 16 layers, got 0")));
    }

    void layersAddRemoveMoveUndoRedo()
    {
        ExperimentDocument doc;
        QSignalSpy modified(&doc, &ExperimentDocument::modifiedChanged);
        doc.addLayer(0, QStringLiteral("lif"));
        doc.addLayer(1, QStringLiteral("recurrent"));
        QCOMPARE(modified.count(), 1);
        QCOMPARE(modified.at(0).at(0).toBool(), true);
        QCOMPARE(doc.layerCount(), 2);
        QCOMPARE(doc.value(QStringLiteral("network.layers[1].recurrent")).toBool(), true);
        doc.setValue(QStringLiteral("network.layers[0].size"), 450);
        const auto built = doc.json();
        QVERIFY(doc.experiment());  // randman 20 -> 450 -> 100(rec) -> 10 validates

        doc.moveLayer(0, 1);
        QCOMPARE(doc.value(QStringLiteral("network.layers[1].size")).toInt(), 450);
        QCOMPARE(doc.value(QStringLiteral("network.layers[0].recurrent")).toBool(), true);
        doc.removeLayer(0);
        QCOMPARE(doc.layerCount(), 1);
        QCOMPARE(doc.undoStack()->count(), 5);

        doc.undoStack()->undo();  // remove
        doc.undoStack()->undo();  // move
        QVERIFY(doc.json() == built);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.layerCount(), 0);
        QVERIFY(!doc.isModified());
        QCOMPARE(modified.count(), 2);
        for (int i = 0; i < 3; ++i)
            doc.undoStack()->redo();
        QVERIFY(doc.json() == built);
    }

    void valuesRestoredExactlyByUndo()
    {
        ExperimentDocument doc;
        QString error;
        QVERIFY2(doc.load(QStringLiteral(":/experiments/randman.json"), &error), qPrintable(error));
        const auto original = doc.json();
        QCOMPARE(doc.value(QStringLiteral("run.lr")).toDouble(), 2e-3);
        doc.setValue(QStringLiteral("run.lr"), 0.0123456789);
        doc.setValue(QStringLiteral("neuron.reset"), QStringLiteral("hard"));
        doc.setValue(QStringLiteral("run.seed"), qulonglong(18446744073709551615ull));
        QCOMPARE(doc.value(QStringLiteral("run.seed")).toULongLong(), 18446744073709551615ull);
        doc.setJson(QStringLiteral("binning.offset_frac"), std::nullopt);
        QVERIFY(!doc.contains(QStringLiteral("binning.offset_frac")));
        QCOMPARE(doc.undoStack()->count(), 4);
        while (doc.undoStack()->canUndo())
            doc.undoStack()->undo();
        QVERIFY(doc.json() == original);
        QCOMPARE(doc.json().dump(), original.dump());  // same key order, same number text
        doc.undoStack()->redo();
        QCOMPARE(doc.value(QStringLiteral("run.lr")).toDouble(), 0.0123456789);
        // Setting the value it already has pushes nothing.
        doc.setValue(QStringLiteral("run.lr"), 0.0123456789);
        QCOMPARE(doc.undoStack()->index(), 1);
    }

    void mergeableEditsAreOneUndoStep()
    {
        ExperimentDocument doc;
        QVERIFY(doc.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        for (int batch : {130, 132, 134, 136})
            doc.setValue(QStringLiteral("run.batch"), batch, true);
        QCOMPARE(doc.undoStack()->count(), 1);
        QCOMPARE(doc.value(QStringLiteral("run.batch")).toInt(), 136);
        doc.endMerge();
        doc.setValue(QStringLiteral("run.batch"), 64, true);
        QCOMPARE(doc.undoStack()->count(), 2);
        doc.setValue(QStringLiteral("run.epochs"), 3, true);  // another field: its own step
        QCOMPARE(doc.undoStack()->count(), 3);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("run.batch")).toInt(), 136);
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("run.batch")).toInt(), 128);
        // A drag that ends where it started leaves no step behind.
        ExperimentDocument other;
        QVERIFY(other.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        other.setValue(QStringLiteral("neuron.alpha"), 0.9, true);
        other.setValue(QStringLiteral("neuron.alpha"), 0.95, true);
        QCOMPARE(other.undoStack()->count(), 0);
        QVERIFY(!other.isModified());
    }

    void saveAndReopenGivesIdenticalJson()
    {
        QTemporaryDir dir;
        ExperimentDocument doc;
        QVERIFY(doc.load(QStringLiteral(":/experiments/dvsgesture-vgg9.json"), nullptr));
        doc.setValue(QStringLiteral("network.layers[7].pool"), QStringLiteral("none"));
        doc.setValue(QStringLiteral("run.lr"), 3.3e-4);
        QVERIFY(doc.isModified());
        QSignalSpy pathSpy(&doc, &ExperimentDocument::filePathChanged);
        const QString path = dir.filePath(QStringLiteral("saved.json"));
        QString error;
        QVERIFY2(doc.save(path, &error), qPrintable(error));
        QVERIFY(!doc.isModified());
        QCOMPARE(doc.filePath(), path);
        QCOMPARE(pathSpy.count(), 1);
        const QByteArray first = readAll(path);
        QVERIFY(first.endsWith("}\n"));

        ExperimentDocument reopened;
        QVERIFY2(reopened.load(path, &error), qPrintable(error));
        QVERIFY(reopened.json() == doc.json());
        QVERIFY(reopened.json().dump() == doc.json().dump());
        const QString again = dir.filePath(QStringLiteral("again.json"));
        QVERIFY(reopened.save(again, &error));
        QCOMPARE(readAll(again), first);
        // The engine reads the saved file as the GUI shows it.
        QVERIFY(reopened.experiment());
        QCOMPARE(reopened.experiment()->network.layers[7].pool, std::string("none"));
        QCOMPARE(reopened.experiment()->run.lr, 3.3e-4);
    }

    void brokenFilesChangeNothing_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("invalid JSON") << QByteArray("{\n  \"schema_version\": 1,\n  \"name\": oops\n}\n")
                                      << QStringList{"broken.json", "not valid JSON", "line 3, column"};
        QTest::newRow("future version") << QByteArray("{\"schema_version\": 2, \"network\": {\"layers\": []}, \"x\": 1}")
                                        << QStringList{"broken.json", "schema_version", "newer TraceProp"};
        QTest::newRow("no version") << QByteArray("{\"network\": {\"layers\": []}, \"dataset\": {\"kind\": \"randman\"}}")
                                    << QStringList{"broken.json", "schema_version: missing"};
        QTest::newRow("section of wrong type") << QByteArray(
            "{\"schema_version\": 1, \"network\": [1], \"dataset\": {\"kind\": \"randman\"}}")
                                               << QStringList{"broken.json", "network: expected an object"};
        QTest::newRow("not an object") << QByteArray("[1, 2]") << QStringList{"broken.json", "JSON object"};
    }

    void brokenFilesChangeNothing()
    {
        QFETCH(QByteArray, text);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("broken.json"));
        writeText(path, text);

        ExperimentDocument doc;
        QVERIFY(doc.load(QStringLiteral(":/experiments/shd-rec.json"), nullptr));
        doc.setValue(QStringLiteral("run.epochs"), 7);
        const auto before = doc.json();
        const QString file = doc.filePath();
        QSignalSpy changed(&doc, &ExperimentDocument::changed);
        QString error;
        QVERIFY(!doc.load(path, &error));
        for (const QString& part : expected)
            QVERIFY2(error.contains(part), qPrintable(error));
        QVERIFY(doc.json() == before);
        QCOMPARE(doc.filePath(), file);
        QCOMPARE(doc.undoStack()->count(), 1);
        QVERIFY(doc.isModified());
        QCOMPARE(changed.count(), 0);
    }

    void valueErrorsOpenAndAreReportedWithPaths()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad-values.json"));
        QByteArray text = readAll(QStringLiteral(":/experiments/randman.json"));
        text.replace("\"batch\": 128", "\"batch\": 1");
        text.replace("\"alpha\": 0.95", "\"alpha\": 1.5");
        writeText(path, text);
        ExperimentDocument doc;
        QString error;
        QVERIFY2(doc.load(path, &error), qPrintable(error));
        QCOMPARE(doc.issuesAt(QStringLiteral("run.batch")).size(), 1);
        QVERIFY(doc.issuesAt(QStringLiteral("run.batch"))[0].contains(QLatin1String("between 2 and 65536")));
        QCOMPARE(doc.issuesAt(QStringLiteral("neuron.alpha")).size(), 1);
        QStringList errors;
        QVERIFY(!doc.experiment(&errors));
        QCOMPARE(errors.size(), 2);
        doc.setValue(QStringLiteral("run.batch"), 16);
        doc.setValue(QStringLiteral("neuron.alpha"), 0.9);
        QVERIFY(doc.issues().isEmpty());
        QVERIFY(doc.experiment());
        QCOMPARE(doc.experiment()->run.batch, 16);
    }

    void autosaveAndRecovery()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("work.json"));
        QVERIFY(QFile::copy(QStringLiteral(":/experiments/shd-ff.json"), path));
        QString recovery;
        {
            ExperimentDocument doc;
            QVERIFY(doc.load(path, nullptr));
            QVERIFY(!doc.autosaveNow());  // nothing to save while unmodified
            QVERIFY(!QFile::exists(doc.autosavePath()));
            doc.setValue(QStringLiteral("network.layers[0].size"), 321);
            doc.setValue(QStringLiteral("dataset.path"), QStringLiteral("/data/shd"));
            doc.setAutosaveInterval(10);
            recovery = doc.autosavePath();
            QTRY_VERIFY(QFile::exists(recovery));  // written by the timer
            QVERIFY(ExperimentDocument::recoverableFiles().contains(recovery));
            QCOMPARE(ExperimentDocument::recoveryOriginalPath(recovery), QFileInfo(path).absoluteFilePath());
            // Simulate a crash: copy the recovery file before the destructor cleans up.
            QVERIFY(QFile::copy(recovery, recovery + QStringLiteral(".crash")));
        }
        QVERIFY(!QFile::exists(recovery));  // a normal close removes it
        QVERIFY(QFile::rename(recovery + QStringLiteral(".crash"), recovery));

        ExperimentDocument restored;
        QString error;
        QVERIFY2(restored.recover(recovery, &error), qPrintable(error));
        QCOMPARE(restored.filePath(), QFileInfo(path).absoluteFilePath());
        QVERIFY(restored.isModified());
        QCOMPARE(restored.value(QStringLiteral("network.layers[0].size")).toInt(), 321);
        QCOMPARE(restored.value(QStringLiteral("dataset.path")).toString(), QStringLiteral("/data/shd"));
        QCOMPARE(readAll(path), readAll(QStringLiteral(":/experiments/shd-ff.json")));  // disk untouched
        QVERIFY(restored.save(restored.filePath(), &error));
        QVERIFY(!QFile::exists(recovery));
        QVERIFY(!ExperimentDocument::recoverableFiles().contains(recovery));
        ExperimentDocument check;
        QVERIFY(check.load(path, nullptr));
        QCOMPARE(check.value(QStringLiteral("network.layers[0].size")).toInt(), 321);
    }

    void shapesAreInferredAndStructureChecked()
    {
        ExperimentDocument doc;
        QVERIFY(doc.load(QStringLiteral(":/experiments/dvsgesture-vgg9.json"), nullptr));
        tp::ui::ShapeReport report = tp::ui::inferShapes(doc.json(), doc.measuredDatasetShape(), nullptr);
        QCOMPARE(QString::fromStdString(report.summary()),
                 QStringLiteral("2x32x32 -> 64x32x32 -> 128x16x16 -> 256x16x16 -> 256x8x8 -> 512x8x8 -> 512x4x4 -> "
                                "512x4x4 -> 512x2x2 -> 11"));
        QVERIFY(doc.issues().isEmpty());

        doc.setValue(QStringLiteral("binning.spatial_factor"), 0.0625);  // 128 -> 8: three max2 pools -> 1x1
        doc.setValue(QStringLiteral("network.layers[6].pool"), QStringLiteral("max2"));
        QCOMPARE(doc.issuesAt(QStringLiteral("network.layers[6]")).size(), 1);
        QVERIFY(doc.issuesAt(QStringLiteral("network.layers[6]"))[0].contains(QLatin1String("max2 pooling of a 1x1")));
        doc.undoStack()->undo();
        doc.undoStack()->undo();

        // The engine's run-time structure checks: no lif layer in a conv network.
        doc.setValue(QStringLiteral("network.layers[2].type"), QStringLiteral("lif"));
        QVERIFY(!doc.issuesAt(QStringLiteral("network.layers[2]")).isEmpty());
        doc.undoStack()->undo();

        // The measured shape of a loaded dataset wins over the nominal one.
        doc.setMeasuredDatasetShape({{2, 16, 16}, 7});
        report = tp::ui::inferShapes(doc.json(), doc.measuredDatasetShape(), nullptr);
        QVERIFY(QString::fromStdString(report.summary()).startsWith(QLatin1String("2x16x16 -> 64x16x16 -> 128x8x8")));
        QCOMPARE(report.readoutText(), std::string("7"));
        doc.setValue(QStringLiteral("binning.spatial_factor"), 0.5);
        QVERIFY(!doc.measuredDatasetShape());
    }
};

QTEST_MAIN(TestDocumentExperiment)
#include "test_document_experiment.moc"
