// End-to-end tests of traceprop-cli training: train output and run folder, determinism across
// thread counts, resume after a kill, bench and --help. Helpers are in cli_test_support.h.
#include "cli_test_support.h"
#include "../kernel_level.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace tp_cli_test;

class TestCliTrain : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    QString tmpPath(const QString& name) const { return m_tmp.filePath(name); }

private slots:
    void initTestCase()
    {
        TP_USE_KERNEL_LEVEL_OR_SKIP();  // CTest runs the determinism tests once per kernel level too
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the corruption helpers report their own errors
        QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable(kCli + QStringLiteral(" is not built")));
        QVERIFY(m_tmp.isValid());
    }

    // 1. A small training run: one JSON object per epoch on stdout, and a complete run folder.
    void trainWritesJsonAndRunFolder()
    {
        const QString dir = tmpPath(QStringLiteral("train1"));
        const int epochs = 3;
        const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                                               QStringLiteral("--json")} + smallRun(epochs));
        EXPECT_EXIT(r, 0);

        QString error;
        const QList<QJsonObject> lines = jsonLines(r.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines.size(), epochs);
        for (int i = 0; i < lines.size(); ++i) {
            const QJsonObject& e = lines[i];
            for (const char* key : {"epoch", "train_accuracy", "test_accuracy", "loss", "samples_per_second"})
                QVERIFY2(e.contains(QLatin1String(key)), key);
            QCOMPARE(e.value(QLatin1String("epoch")).toInt(), i + 1);
            for (const char* key : {"train_accuracy", "test_accuracy"}) {
                const QJsonValue v = e.value(QLatin1String(key));
                QVERIFY2(v.isDouble(), key);
                QVERIFY2(v.toDouble() >= 0.0 && v.toDouble() <= 1.0, key);
            }
            const QJsonArray loss = e.value(QLatin1String("loss")).toArray();
            QCOMPARE(loss.size(), 1);  // one hidden layer
            for (const auto& v : loss)
                QVERIFY(v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() > 0);
            QVERIFY(e.value(QLatin1String("samples_per_second")).toDouble() > 0);
        }

        // metrics.csv: header + one row per epoch, every row as wide as the header.
        QFile csv(dir + QStringLiteral("/metrics.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QList<QByteArray> rows = csv.readAll().split('\n');
        while (!rows.isEmpty() && rows.last().trimmed().isEmpty())
            rows.removeLast();
        QCOMPARE(rows.size(), epochs + 1);
        const QList<QByteArray> header = rows[0].split(',');
        QVERIFY(header.contains("epoch"));
        QVERIFY(header.contains("test_accuracy"));
        QVERIFY(header.contains("loss_layer1"));
        for (int i = 1; i <= epochs; ++i) {
            const QList<QByteArray> cells = rows[i].split(',');
            QCOMPARE(cells.size(), header.size());
            QCOMPARE(cells[header.indexOf("epoch")].toInt(), i);
        }

        // metrics.json: parsable, one entry per epoch, equal to what stdout said.
        const QJsonObject metrics = readJsonFile(dir + QStringLiteral("/metrics.json"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonArray saved = metrics.value(QLatin1String("epochs")).toArray();
        QCOMPARE(saved.size(), epochs);
        for (int i = 0; i < epochs; ++i)
            QCOMPARE(deterministicValues(saved[i].toObject()), deterministicValues(lines[i]));

        QVERIFY(QFileInfo(dir + QStringLiteral("/results.h5")).isFile());
        QVERIFY(QFileInfo(dir + QStringLiteral("/checkpoint.h5")).isFile());
        QVERIFY2(tmpFiles(dir).isEmpty(), qPrintable(tmpFiles(dir).join(QLatin1Char(' '))));
        QCOMPARE(intAttribute(dir + QStringLiteral("/checkpoint.h5"), "epochs_done"), std::int64_t(epochs));
        QCOMPARE(intAttribute(dir + QStringLiteral("/results.h5"), "epochs_done"), std::int64_t(epochs));

        // The weights have the network's shapes: W1 (256, 40), W_out (10, 256).
        const RawDataset w1 = readRaw(dir + QStringLiteral("/results.h5"), QStringLiteral("weights/W1"));
        QVERIFY2(w1.error.isEmpty(), qPrintable(w1.error));
        QCOMPARE(w1.dims, (std::vector<hsize_t>{256, 40}));
        const RawDataset wout = readRaw(dir + QStringLiteral("/results.h5"), QStringLiteral("weights/W_out"));
        QVERIFY2(wout.error.isEmpty(), qPrintable(wout.error));
        QCOMPARE(wout.dims, (std::vector<hsize_t>{10, 256}));

        // Without --json: a human-readable line per epoch and a summary naming the folder.
        const CliResult text = runCli(QStringList{QStringLiteral("train"), randmanExp()} + smallRun(2));
        EXPECT_EXIT(text, 0);
        QCOMPARE(text.out.count("\nepoch "), 2);
        QVERIFY2(text.out.contains("best test accuracy"), text.out.constData());
    }

    // 2. The same run gives the same results, bit for bit, whatever the number of threads.
    void trainIsDeterministic()
    {
        struct Run {
            QString dir;
            QList<QJsonObject> lines;
        };
        QList<Run> runs;
        const QList<QPair<QString, QString>> variants{{QStringLiteral("t1a"), QStringLiteral("1")},
                                                      {QStringLiteral("t1b"), QStringLiteral("1")},
                                                      {QStringLiteral("t2"), QStringLiteral("2")},
                                                      {QStringLiteral("t3"), QStringLiteral("3")}};
        for (const auto& [name, threads] : variants) {
            Run run;
            run.dir = tmpPath(QStringLiteral("det-") + name);
            const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"),
                                                   run.dir, QStringLiteral("--json"), QStringLiteral("--threads"),
                                                   threads} + smallRun(2));
            EXPECT_EXIT(r, 0);
            QString error;
            run.lines = jsonLines(r.out, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(run.lines.size(), 2);
            // --threads reached the run: metrics.json records it in the experiment.
            const QJsonObject metrics = readJsonFile(run.dir + QStringLiteral("/metrics.json"), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(metrics.value(QLatin1String("experiment")).toObject().value(QLatin1String("run")).toObject()
                         .value(QLatin1String("threads")).toInt(-1),
                     threads.toInt());
            runs.append(run);
        }
        QString error;
        const auto reference = metricsEpochs(runs[0].dir, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(reference.size(), 2);
        const QString ref = runs[0].dir + QStringLiteral("/results.h5");
        for (int i = 1; i < runs.size(); ++i) {
            const auto other = metricsEpochs(runs[i].dir, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            for (int e = 0; e < 2; ++e) {
                QVERIFY2(other.value(e) == reference[e],
                         qPrintable(QStringLiteral("%1 epoch %2: %3 vs %4")
                                        .arg(runs[i].dir).arg(e + 1)
                                        .arg(describeValues(other.value(e)), describeValues(reference[e]))));
                QCOMPARE(deterministicValues(runs[i].lines[e]), deterministicValues(runs[0].lines[e]));
            }
            const QString res = runs[i].dir + QStringLiteral("/results.h5");
            QString diff = compareGroups(ref, res, QStringLiteral("weights"));
            QVERIFY2(diff.isEmpty(), qPrintable(runs[i].dir + QStringLiteral(": ") + diff));
            for (const char* name : {"metrics/loss", "metrics/train_accuracy", "metrics/test_accuracy",
                                     "metrics/readout_loss", "metrics/firing_rate"})
                QVERIFY2(readRaw(ref, QLatin1String(name)).bytes == readRaw(res, QLatin1String(name)).bytes, name);
            // The optimizer state in the checkpoints too.
            diff = compareGroups(runs[0].dir + QStringLiteral("/checkpoint.h5"),
                                 runs[i].dir + QStringLiteral("/checkpoint.h5"), QStringLiteral("optimizer"));
            QVERIFY2(diff.isEmpty(), qPrintable(runs[i].dir + QStringLiteral(": ") + diff));
        }
        const QStringList names = datasetsUnder(ref, QStringLiteral("weights"));
        QVERIFY2(names.contains(QStringLiteral("weights/W1")) && names.contains(QStringLiteral("weights/W_out")),
                 qPrintable(names.join(QLatin1Char(','))));

        // eval with both weight files: the same accuracy, on the 200 test samples.
        QList<QJsonObject> evals;
        for (const Run& run : {runs[0], runs[2]}) {
            const CliResult r = runCli(QStringList{QStringLiteral("eval"), randmanExp(), QStringLiteral("--weights"),
                                                   run.dir + QStringLiteral("/results.h5"), QStringLiteral("--json")} +
                                       smallRun(2));
            EXPECT_EXIT(r, 0);
            QString e;
            const auto objects = jsonLines(r.out, &e);
            QVERIFY2(e.isEmpty(), qPrintable(e));
            QCOMPARE(objects.size(), 1);
            evals.append(objects[0]);
        }
        QCOMPARE(evals[0].value(QLatin1String("split")).toString(), QStringLiteral("test"));
        QCOMPARE(evals[0].value(QLatin1String("samples")).toInt(), 200);
        const double acc = evals[0].value(QLatin1String("accuracy")).toDouble(-1);
        QVERIFY(acc >= 0 && acc <= 1);
        QCOMPARE(evals[1].value(QLatin1String("accuracy")).toDouble(-2), acc);
        // eval of the final weights reproduces the last epoch's test accuracy.
        QCOMPARE(acc, runs[0].lines.last().value(QLatin1String("test_accuracy")).toDouble(-3));

        // The comparisons above are not vacuous: another seed gives other weights.
        const QString otherSeed = tmpPath(QStringLiteral("det-seed"));
        const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), otherSeed,
                                               QStringLiteral("--json"), QStringLiteral("--set"),
                                               QStringLiteral("run.seed=7")} + smallRun(2));
        EXPECT_EXIT(r, 0);
        const RawDataset a = readRaw(ref, QStringLiteral("weights/W1"));
        const RawDataset b = readRaw(otherSeed + QStringLiteral("/results.h5"), QStringLiteral("weights/W1"));
        QVERIFY(a.error.isEmpty() && b.error.isEmpty());
        QCOMPARE(a.bytes.size(), b.bytes.size());
        QVERIFY(a.bytes != b.bytes);
    }

    // 3. A run killed after its first checkpoint resumes to the same result as an uninterrupted run.
    void resumeAfterKill()
    {
        int epochs = 6;
        QString dir;
        int epochsDone = -1;
        QStringList args;
        for (int attempt = 0; attempt < 4 && epochsDone < 0; ++attempt) {
            if (attempt > 0)
                epochs *= 2;  // the previous run finished before the kill: make it longer
            dir = tmpPath(QStringLiteral("resume-%1").arg(attempt));
            args = QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                               QStringLiteral("--json")} + smallRun(epochs, 300);
            QProcess p;
            p.setProgram(kCli);
            p.setArguments(args);
            p.start();
            QVERIFY(p.waitForStarted(30'000));
            QElapsedTimer timer;
            timer.start();
            bool killed = false;
            while (p.state() != QProcess::NotRunning) {
                if (QFileInfo::exists(dir + QStringLiteral("/checkpoint.h5"))) {
                    p.kill();
                    killed = true;
                    QVERIFY(p.waitForFinished(30'000));
                    break;
                }
                QVERIFY2(timer.elapsed() < 180'000, "no checkpoint.h5 after 3 minutes");
                p.waitForFinished(5);
            }
            if (!killed || p.exitStatus() != QProcess::CrashExit
                || QFileInfo::exists(dir + QStringLiteral("/results.h5")))
                continue;
            epochsDone = int(intAttribute(dir + QStringLiteral("/checkpoint.h5"), "epochs_done"));
            if (epochsDone >= epochs)
                epochsDone = -1;
        }
        QVERIFY2(epochsDone >= 1, "could not interrupt a run between its first checkpoint and its end");
        qInfo("killed a %d-epoch run after epoch %d", epochs, epochsDone);
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/results.h5")));

        const CliResult resumed = runCli(args + QStringList{QStringLiteral("--resume")});
        EXPECT_EXIT(resumed, 0);
        QString error;
        const QList<QJsonObject> lines = jsonLines(resumed.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines.size(), epochs - epochsDone);
        for (int i = 0; i < lines.size(); ++i)
            QCOMPARE(lines[i].value(QLatin1String("epoch")).toInt(), epochsDone + 1 + i);
        QVERIFY(QFileInfo::exists(dir + QStringLiteral("/results.h5")));
        QVERIFY2(tmpFiles(dir).isEmpty(), qPrintable(tmpFiles(dir).join(QLatin1Char(' '))));

        // The uninterrupted run of the same command.
        const QString full = tmpPath(QStringLiteral("resume-reference"));
        QStringList fullArgs = args;
        fullArgs[fullArgs.indexOf(dir)] = full;
        const CliResult reference = runCli(fullArgs);
        EXPECT_EXIT(reference, 0);
        const QList<QJsonObject> refLines = jsonLines(reference.out, &error);
        QCOMPARE(refLines.size(), epochs);
        for (int i = 0; i < lines.size(); ++i)
            QCOMPARE(deterministicValues(lines[i]), deterministicValues(refLines[epochsDone + i]));

        const auto a = metricsEpochs(dir, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto b = metricsEpochs(full, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(a.size(), epochs);
        QCOMPARE(b.size(), epochs);
        for (int e = 0; e < epochs; ++e)
            QVERIFY2(a[e] == b[e], qPrintable(QStringLiteral("epoch %1: resumed %2 vs uninterrupted %3")
                                                  .arg(e + 1).arg(describeValues(a[e]), describeValues(b[e]))));

        // The memory table is measured on the first full batch of the run; a resumed run keeps
        // the one its checkpoint recorded, so both tables are identical.
        const QJsonArray memA = readJsonFile(dir + QStringLiteral("/metrics.json"), &error)
                                    .value(QLatin1String("memory")).toArray();
        const QJsonArray memB = readJsonFile(full + QStringLiteral("/metrics.json"), &error)
                                    .value(QLatin1String("memory")).toArray();
        QVERIFY(!memA.isEmpty());
        QCOMPARE(memA.size(), memB.size());
        for (qsizetype i = 0; i < memA.size(); ++i)
            for (const char* key : {"part", "weights_bytes", "optimizer_bytes", "rule_state_bytes", "buffer_bytes",
                                    "model_bytes"})
                QCOMPARE(memA[i].toObject().value(QLatin1String(key)), memB[i].toObject().value(QLatin1String(key)));

        QString diff = compareGroups(dir + QStringLiteral("/results.h5"), full + QStringLiteral("/results.h5"),
                                     QStringLiteral("weights"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        diff = compareGroups(dir + QStringLiteral("/checkpoint.h5"), full + QStringLiteral("/checkpoint.h5"),
                             QStringLiteral("optimizer"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        for (const char* name : {"metrics/loss", "metrics/train_accuracy", "metrics/test_accuracy", "metrics/lr"})
            QVERIFY2(readRaw(dir + QStringLiteral("/results.h5"), QLatin1String(name)).bytes ==
                         readRaw(full + QStringLiteral("/results.h5"), QLatin1String(name)).bytes,
                     name);
        QCOMPARE(intAttribute(dir + QStringLiteral("/results.h5"), "epochs_done"), std::int64_t(epochs));

        // A checkpoint of another experiment is refused.
        const CliResult other = runCli(args + QStringList{QStringLiteral("--resume"), QStringLiteral("--set"),
                                                          QStringLiteral("run.seed=5")});
        EXPECT_EXIT(other, 2);
        QVERIFY2(other.err.contains("different experiment"), other.err.constData());
    }

    // 6. bench and --help.
    void bench()
    {
        // bench measures a fixed number of batches (--batches; it replaced --seconds).
        const CliResult r = runCli({QStringLiteral("bench"), QStringLiteral("--workload"), QStringLiteral("randman"),
                                    QStringLiteral("--batches"), QStringLiteral("3"), QStringLiteral("--threads"),
                                    QStringLiteral("2"), QStringLiteral("--json")});
        EXPECT_EXIT(r, 0);
        QString error;
        const QList<QJsonObject> objects = jsonLines(r.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(objects.size(), 1);
        const QJsonObject& o = objects[0];
        QCOMPARE(o.value(QLatin1String("workload")).toString(), QStringLiteral("randman"));
        QCOMPARE(o.value(QLatin1String("threads")).toInt(), 2);
        QVERIFY(o.value(QLatin1String("samples_per_second")).toDouble() > 0);
        QCOMPARE(o.value(QLatin1String("batches")).toInt(), 3);
        QVERIFY(o.value(QLatin1String("seconds")).toDouble() > 0);
        QVERIFY(o.value(QLatin1String("cpu_seconds")).toDouble() > 0);
        QVERIFY(o.value(QLatin1String("samples_per_cpu_second")).toDouble() > 0);

        const CliResult bad = runCli({QStringLiteral("bench"), QStringLiteral("--workload"), QStringLiteral("mnist")});
        EXPECT_EXIT(bad, 2);
    }

    void help_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("options");
        QTest::newRow("train") << QStringLiteral("train")
                               << QStringList{QStringLiteral("--out"), QStringLiteral("--set"),
                                              QStringLiteral("--resume"), QStringLiteral("--json"),
                                              QStringLiteral("--threads")};
        QTest::newRow("eval") << QStringLiteral("eval")
                              << QStringList{QStringLiteral("--weights"), QStringLiteral("--split")};
        QTest::newRow("bench") << QStringLiteral("bench")
                               << QStringList{QStringLiteral("--workload"), QStringLiteral("--batches")};
        QTest::newRow("verify-golden") << QStringLiteral("verify-golden")
                                       << QStringList{QStringLiteral("--precision"), QStringLiteral("--json")};
        QTest::newRow("top level") << QString() << QStringList{QStringLiteral("train"), QStringLiteral("verify-golden")};
    }

    void help()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, options);
        QStringList args;
        if (!command.isEmpty())
            args << command;
        args << QStringLiteral("--help");
        const CliResult r = runCli(args);
        EXPECT_EXIT(r, 0);
        const QString text = QString::fromUtf8(r.out + r.err);
        for (const QString& option : options)
            QVERIFY2(text.contains(option), qPrintable(option + QStringLiteral(" not in:\n") + text));
    }
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "test_cli_train.moc"
