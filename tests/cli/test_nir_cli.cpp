// `traceprop-cli export-nir` / `import-nir` end to end: every shipped experiment, trained for one
// epoch on small data in its dataset's format, exports to NIR; importing that file gives an
// experiment and initial weights that `eval` scores exactly as the run scored itself, and that
// trains further under another rule. Bad input exits 2 naming the file.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_support.h"
#include "shipped_experiments.h"

using namespace tp_cli_test;

class TestNirCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", path("cache").toUtf8());
        makeShippedExperimentSets(m_dir.path());
    }

    void everyShippedExperimentGoesOutAndBackIn()
    {
        const auto runs = shippedExperimentRuns(m_dir.path());
        QCOMPARE(runs.size(), QDir(QStringLiteral(TP_RESOURCES_DIR "/experiments")).entryList({"*.json"}).size());
        for (const auto& [name, args] : runs) {
            const QString run = path("run-" + name), nir = path(name + ".nir"), exp = path(name + "-imported.json");
            CliResult r = runCli(QStringList{"train"} + args +
                                 QStringList{"--set", "run.epochs=1", "--set", "run.seed=5", "--threads", "2", "--out", run});
            QVERIFY2(r.exitCode == 0, qPrintable(name + ": " + r.describe()));
            QString error;
            const QJsonObject metrics = readJsonFile(run + "/metrics.json", &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            const double trained = metrics["epochs"].toArray().last().toObject()["test_accuracy"].toDouble(-1);

            r = runCli({"export-nir", run, nir});
            QVERIFY2(r.exitCode == 0, qPrintable(name + ": " + r.describe()));
            QVERIFY2(r.out.contains("wrote " + nir.toUtf8()), r.out.constData());
            r = runCli({"import-nir", nir, "--out", exp});
            QVERIFY2(r.exitCode == 0, qPrintable(name + ": " + r.describe()));
            const QJsonObject imported = readJsonFile(exp, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(imported["network"].toObject()["init_weights"].toString(),
                     QFileInfo(path(name + "-imported.weights.h5")).absoluteFilePath());
            QCOMPARE(imported["dataset"].toObject()["kind"], metrics["experiment"].toObject()["dataset"].toObject()["kind"]);

            r = runCli({"eval", exp, "--json", "--threads", "2"});
            QVERIFY2(r.exitCode == 0, qPrintable(name + ": " + r.describe()));
            const QJsonObject eval = QJsonDocument::fromJson(r.out).object();
            const double evaluated = eval["accuracy"].toDouble(-2);
            qInfo("%s: test accuracy %.4f after training, %.4f after export and import", qPrintable(name), trained, evaluated);
            QCOMPARE(evaluated, trained);
            // Every prediction, not only their share: the run's final test confusion matrix.
            const RawDataset cm = readRaw(run + "/results.h5", "confusion_matrix");
            QVERIFY2(cm.error.isEmpty(), qPrintable(cm.error));
            const auto* counts = reinterpret_cast<const std::int64_t*>(cm.bytes.constData());
            const QJsonArray got = eval["confusion_matrix"].toArray();
            QCOMPARE(qsizetype(got.size()), cm.bytes.size() / qsizetype(sizeof(std::int64_t)));
            for (qsizetype i = 0; i < got.size(); ++i)
                QCOMPARE(got[i].toInteger(), counts[i]);
        }
    }

    void importedNetworkTrainsUnderAnotherRule()
    {
        const auto runs = shippedExperimentRuns(m_dir.path());
        const QStringList randman = runs.front().second;
        const QString run = path("rt-run"), nir = path("rt.nir"), exp = path("rt.json");
        QVERIFY(runCli(QStringList{"train"} + randman + QStringList{"--set", "run.epochs=1", "--out", run}).exitCode == 0);
        QVERIFY(runCli({"export-nir", run, nir, "--dt", "0.0005"}).exitCode == 0);
        const CliResult imp = runCli({"import-nir", nir, "--out", exp, "--set", "rule.name=bptt"});
        EXPECT_EXIT(imp, 0);
        QVERIFY2(imp.out.contains("dt 0.0005 s (the graph's metadata)"), imp.out.constData());
        // Fine-tuning starts from the imported weights: before any training they score the run's accuracy.
        QString error;
        const QJsonObject trained = readJsonFile(run + "/metrics.json", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const CliResult before = runCli({"eval", exp, "--json"});
        EXPECT_EXIT(before, 0);
        QCOMPARE(QJsonDocument::fromJson(before.out).object()["accuracy"].toDouble(-2),
                 trained["epochs"].toArray().last().toObject()["test_accuracy"].toDouble(-1));
        const CliResult train = runCli({"train", exp, "--set", "run.epochs=1", "--json", "--out", path("rt-bptt")});
        EXPECT_EXIT(train, 0);
        const QJsonObject metrics = readJsonFile(path("rt-bptt") + "/metrics.json", &error);
        QCOMPARE(metrics["experiment"].toObject()["rule"].toObject()["name"].toString(), QStringLiteral("bptt"));
    }

    void helpNamesTheOptions()
    {
        for (const auto& [command, options] :
             {std::pair{QStringLiteral("export-nir"), QStringList{"RUN", "OUT", "--dt"}},
              std::pair{QStringLiteral("import-nir"), QStringList{"IN", "--out", "--dt", "--set"}}}) {
            const CliResult r = runCli({command, "--help"});
            EXPECT_EXIT(r, 0);
            for (const QString& o : options)
                QVERIFY2(r.out.contains(o.toUtf8()), qPrintable(command + ": " + o + " not in\n" + r.out));
        }
        const CliResult top = runCli({"--help"});
        QVERIFY(top.out.contains("export-nir") && top.out.contains("import-nir"));
    }

    void badInputExitsTwoNamingTheFile()
    {
        const QString notNir = path("not-a-nir.h5");
        {
            QFile f(notNir);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("this is not HDF5");
        }
        CliResult r = runCli({"import-nir", notNir, "--out", path("x.json")});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains(notNir.toUtf8()), r.err.constData());
        QVERIFY(!QFile::exists(path("x.json")) && !QFile::exists(path("x.weights.h5")));

        r = runCli({"export-nir", path("no-such-run"), path("y.nir")});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("no-such-run"), r.err.constData());

        r = runCli({"eval", shippedExperiment("randman.json")});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("eval needs --weights"), r.err.constData());

        // An experiment whose initial weights do not fit its network: the field is named.
        QVERIFY(runCli(QStringList{"train"} + shippedExperimentRuns(m_dir.path()).front().second +
                       QStringList{"--set", "run.epochs=1", "--out", path("wi-run")})
                    .exitCode == 0);
        r = runCli({"train", shippedExperiment("randman.json"), "--set", "network.layers.0.size=7", "--set",
                    "network.init_weights=" + path("wi-run/results.h5"), "--set", "run.epochs=1"});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("network.init_weights") && r.err.contains("weights/W1") &&
                     r.err.contains("shape does not match"),
                 r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestNirCli)
#include "test_nir_cli.moc"
