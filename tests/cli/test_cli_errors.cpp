// End-to-end tests of traceprop-cli rejecting bad input (exit code 2, one message on stderr)
// and of verify-golden (pass on the shipped files, detection of a corrupted copy).
// Helpers are in cli_test_support.h.
#include "cli_test_support.h"
#include "../datasets/cache_flip_fixture.h"
#include "../datasets/shd_flip_fixture.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace tp_cli_test;

class TestCliErrors : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_futureSchema, m_malformed, m_nmnistNoPath, m_textFile, m_truncated, m_emptyRun;

    QString tmpPath(const QString& name) const { return m_tmp.filePath(name); }

private slots:
    void initTestCase()
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the corruption helpers report their own errors
        QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable(kCli + QStringLiteral(" is not built")));
        QVERIFY(m_tmp.isValid());

        m_futureSchema = tmpPath(QStringLiteral("future.json"));
        QFile future(m_futureSchema);
        QVERIFY(future.open(QIODevice::WriteOnly));
        QFile base(randmanExp());
        QVERIFY(base.open(QIODevice::ReadOnly));
        QJsonObject doc = QJsonDocument::fromJson(base.readAll()).object();
        QVERIFY(!doc.isEmpty());
        doc[QStringLiteral("schema_version")] = 99;
        future.write(QJsonDocument(doc).toJson());
        future.close();

        m_malformed = tmpPath(QStringLiteral("malformed.json"));
        QFile malformed(m_malformed);
        QVERIFY(malformed.open(QIODevice::WriteOnly));
        malformed.write("{\"schema_version\": 1, \"name\": \"broken\",\n \"run\": {\"epochs\": 2,,}\n");
        malformed.close();

        m_nmnistNoPath = tmpPath(QStringLiteral("nmnist-no-path.json"));
        QFile nm(nmnistExp());
        QVERIFY(nm.open(QIODevice::ReadOnly));
        QJsonObject nmDoc = QJsonDocument::fromJson(nm.readAll()).object();
        QJsonObject dataset = nmDoc.value(QLatin1String("dataset")).toObject();
        QVERIFY(dataset.contains(QLatin1String("path")));
        dataset.remove(QStringLiteral("path"));
        nmDoc[QStringLiteral("dataset")] = dataset;
        QFile nmOut(m_nmnistNoPath);
        QVERIFY(nmOut.open(QIODevice::WriteOnly));
        nmOut.write(QJsonDocument(nmDoc).toJson());
        nmOut.close();

        m_textFile = tmpPath(QStringLiteral("not-hdf5.h5"));
        QFile text(m_textFile);
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("this is a text file, not HDF5\n");
        text.close();

        m_truncated = tmpPath(QStringLiteral("truncated.h5"));
        QFile golden(goldenFile(QStringLiteral("tp_mlp_ff.h5")));
        QVERIFY(golden.open(QIODevice::ReadOnly));
        const QByteArray bytes = golden.readAll();
        QVERIFY(bytes.size() > 10'000);
        QFile truncated(m_truncated);
        QVERIFY(truncated.open(QIODevice::WriteOnly));
        truncated.write(bytes.left(bytes.size() / 2));
        truncated.close();

        m_emptyRun = tmpPath(QStringLiteral("empty-run"));
        QVERIFY(QDir().mkpath(m_emptyRun));

        // An HDF5 file with one byte that makes HDF5 1.10 crash (SIGSEGV) inside the reading
        // process, as weights, checkpoint and golden file (test_hdf5_isolation.cpp).
        const std::string crash = tmpPath(QStringLiteral("crash.h5")).toStdString();
        QVERIFY(tp::saveCachedSplit(crash, "id", tp_test::flipCacheSplit()));
        const auto good = tp_test::fileBytes(crash);
        QCOMPARE(good.size(), tp_test::kFlipCacheBytes);
        QVERIFY(tp_test::writeFlipped(crash, good, tp_test::kFlipCacheOffsets[0], tp_test::kFlipCacheValue));
        QVERIFY(QDir().mkpath(tmpPath(QStringLiteral("corrupt-run"))));
        QVERIFY(QFile::copy(QString::fromStdString(crash), tmpPath(QStringLiteral("corrupt-run/checkpoint.h5"))));
    }

    // 4. Bad input: exit code 2 and one clear message on stderr.
    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("expected");  // fragments of stderr; "{TMP}" is the temp folder
        const QString exp = randmanExp();
        const QString t = QStringLiteral("train");
        const QString out = QStringLiteral("{TMP}/no-run");
        auto row = [](const char* name, const QStringList& args, const QStringList& expected) {
            QTest::newRow(name) << args << expected;
        };
        row("missing experiment", {t, QStringLiteral("{TMP}/does-not-exist.json"), QStringLiteral("--out"), out},
            {QStringLiteral("does-not-exist.json")});
        row("malformed json", {t, QStringLiteral("{TMP}/malformed.json"), QStringLiteral("--out"), out},
            {QStringLiteral("malformed.json"), QStringLiteral("invalid JSON")});
        row("several mistakes",
            {t, exp, QStringLiteral("--out"), out, QStringLiteral("--set"), QStringLiteral("run.batch=1"),
             QStringLiteral("--set"), QStringLiteral("neuron.alpha=2")},
            {QStringLiteral("run.batch"), QStringLiteral("neuron.alpha"), QStringLiteral("randman.json")});
        row("set without =", {t, exp, QStringLiteral("--out"), out, QStringLiteral("--set"), QStringLiteral("run.epochs")},
            {QStringLiteral("run.epochs"), QStringLiteral("key.path=value")});
        row("set bad index",
            {t, exp, QStringLiteral("--out"), out, QStringLiteral("--set"), QStringLiteral("network.layers.3.size=5")},
            {QStringLiteral("network.layers.3.size"), QStringLiteral("out of range")});
        row("future schema", {t, QStringLiteral("{TMP}/future.json"), QStringLiteral("--out"), out},
            {QStringLiteral("schema_version"), QStringLiteral("newer")});
        row("unknown option", {t, exp, QStringLiteral("--bogus")}, {QStringLiteral("--bogus")});
        row("no subcommand", {}, {QStringLiteral("subcommand")});
        row("verify missing file", {QStringLiteral("verify-golden"), QStringLiteral("{TMP}/missing.h5")},
            {QStringLiteral("missing.h5")});
        row("verify text file", {QStringLiteral("verify-golden"), QStringLiteral("{TMP}/not-hdf5.h5")},
            {QStringLiteral("not-hdf5.h5"), QStringLiteral("HDF5")});
        row("verify truncated", {QStringLiteral("verify-golden"), QStringLiteral("{TMP}/truncated.h5")},
            {QStringLiteral("truncated.h5")});
        row("resume without checkpoint",
            {t, exp, QStringLiteral("--out"), QStringLiteral("{TMP}/empty-run"), QStringLiteral("--resume"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("checkpoint.h5"), QStringLiteral("resume")});
        row("resume without out",
            {t, exp, QStringLiteral("--resume"), QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("--out")});
        row("nmnist empty path", {t, nmnistExp(), QStringLiteral("--out"), out}, {QStringLiteral("dataset.path")});
        row("nmnist no path key", {t, QStringLiteral("{TMP}/nmnist-no-path.json"), QStringLiteral("--out"), out},
            {QStringLiteral("dataset.path")});
        row("nmnist path without Train/Test",
            {t, nmnistExp(), QStringLiteral("--out"), out, QStringLiteral("--set"),
             QStringLiteral("dataset.path={TMP}/nmnist")},
            {QStringLiteral("no N-MNIST class folders")});
        const QString corrupt = QStringLiteral(" is corrupt (the HDF5 library failed while reading ");
        row("eval weights that crash HDF5",
            {QStringLiteral("eval"), exp, QStringLiteral("--weights"), QStringLiteral("{TMP}/crash.h5"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("{TMP}/crash.h5") + corrupt});
        row("resume from a checkpoint that crashes HDF5",
            {t, exp, QStringLiteral("--out"), QStringLiteral("{TMP}/corrupt-run"), QStringLiteral("--resume"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("{TMP}/corrupt-run/checkpoint.h5") + corrupt});
        row("verify a golden file that crashes HDF5", {QStringLiteral("verify-golden"), QStringLiteral("{TMP}/crash.h5")},
            {QStringLiteral("{TMP}/crash.h5") + corrupt});
        row("eval missing weights",
            {QStringLiteral("eval"), exp, QStringLiteral("--weights"), QStringLiteral("{TMP}/missing-results.h5"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("missing-results.h5")});
    }

    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, expected);
        const QString tmp = m_tmp.path();
        for (QString& a : args)
            a.replace(QStringLiteral("{TMP}"), tmp);
        const CliResult r = runCli(args);
        EXPECT_EXIT(r, 2);
        const QString err = QString::fromUtf8(r.err);
        for (QString fragment : expected) {
            fragment.replace(QStringLiteral("{TMP}"), tmp);
            QVERIFY2(err.contains(fragment), qPrintable(QStringLiteral("'%1' not in stderr:\n%2").arg(fragment, err)));
        }
        QVERIFY2(r.out.isEmpty() || !r.out.contains("epoch"), r.out.constData());
        // One message: a single "error:" (CLI11 parse errors have their own wording).
        QVERIFY2(r.err.count("error:") <= 1, r.err.constData());
        // Nothing is trained or written for a rejected configuration.
        QVERIFY2(!QFileInfo::exists(tmp + QStringLiteral("/no-run")), "the output folder was created");
        QVERIFY(!QFileInfo::exists(tmp + QStringLiteral("/empty-run/checkpoint.h5")));
    }

    void badInputSeveralMistakesInOneMessage()
    {
        const CliResult r = runCli({QStringLiteral("train"), randmanExp(), QStringLiteral("--set"),
                                    QStringLiteral("run.batch=1"), QStringLiteral("--set"),
                                    QStringLiteral("neuron.alpha=2"), QStringLiteral("--set"),
                                    QStringLiteral("run.epochs=0")});
        EXPECT_EXIT(r, 2);
        QCOMPARE(r.err.count("error:"), 1);
        QVERIFY2(r.err.contains("3 errors"), r.err.constData());
        for (const char* path : {"run.batch", "neuron.alpha", "run.epochs"})
            QVERIFY2(r.err.contains(path), r.err.constData());
    }

    // 5. verify-golden passes on the shipped files and names every array.
    void verifyGoldenPasses_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("arrays");
        const QStringList common{QStringLiteral("potential1"), QStringLiteral("spikes1"), QStringLiteral("trace1"),
                                 QStringLiteral("target_potential1"), QStringLiteral("similarity1"),
                                 QStringLiteral("soft_target1"), QStringLiteral("loss1"), QStringLiteral("grad_W1"),
                                 QStringLiteral("label_trace"), QStringLiteral("grad_W_out"),
                                 QStringLiteral("readout"), QStringLiteral("final/W1"),
                                 QStringLiteral("final/W_out"), QStringLiteral("inference/spikes1"),
                                 QStringLiteral("inference/readout"), QStringLiteral("predictions")};
        QTest::newRow("ff") << goldenFile(QStringLiteral("tp_mlp_ff.h5"))
                            << common + QStringList{QStringLiteral("potential2"), QStringLiteral("grad_W2"),
                                                    QStringLiteral("final/W2"), QStringLiteral("inference/spikes2")};
        QTest::newRow("rec") << goldenFile(QStringLiteral("tp_mlp_rec.h5"))
                             << common + QStringList{QStringLiteral("grad_R1"), QStringLiteral("final/R1")};
        QTest::newRow("hard") << goldenFile(QStringLiteral("tp_mlp_hard.h5"))
                              << common + QStringList{QStringLiteral("grad_W2"), QStringLiteral("grad_R2"),
                                                      QStringLiteral("final/R2")};
        QTest::newRow("cnn") << goldenFile(QStringLiteral("tp_cnn_small.h5"))
                             << common + QStringList{QStringLiteral("grad_W_hat1"), QStringLiteral("grad_W_hat3"),
                                                     QStringLiteral("target_trace3"), QStringLiteral("final/W3"),
                                                     QStringLiteral("change/W1"), QStringLiteral("change/W_out"),
                                                     QStringLiteral("inference/spikes3")};
    }

    void verifyGoldenPasses()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, arrays);
        const CliResult r = runCli({QStringLiteral("verify-golden"), file});
        EXPECT_EXIT(r, 0);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(QStringLiteral("[float32]")) && out.contains(QStringLiteral("[float64]")), r.out.constData());
        QCOMPARE(r.out.count("PASS"), 2);
        QVERIFY2(!out.contains(QStringLiteral("MISMATCH")) && !out.contains(QStringLiteral("FAIL")), r.out.constData());
        const QStringList lines = out.split(QLatin1Char('\n'));
        for (const QString& array : arrays) {
            int found = 0;
            for (const QString& line : lines)
                if (line.section(QLatin1Char(' '), 0, 0, QString::SectionSkipEmpty) == array) {
                    ++found;
                    QVERIFY2(line.trimmed().endsWith(QLatin1String("ok")), qPrintable(line));
                }
            QVERIFY2(found == 2, qPrintable(array + QStringLiteral(" not reported once per precision")));
        }

        // --json: one object per precision with "passed": true and every array ok.
        const CliResult j = runCli({QStringLiteral("verify-golden"), QStringLiteral("--json"), file});
        EXPECT_EXIT(j, 0);
        QString error;
        const QList<QJsonObject> objects = jsonLines(j.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(objects.size(), 2);
        QStringList precisions;
        for (const QJsonObject& o : objects) {
            QCOMPARE(o.value(QLatin1String("passed")), QJsonValue(true));
            QCOMPARE(o.value(QLatin1String("file")).toString(), file);
            precisions << o.value(QLatin1String("precision")).toString();
            QStringList names;
            for (const auto& a : o.value(QLatin1String("arrays")).toArray()) {
                names << a.toObject().value(QLatin1String("name")).toString();
                QCOMPARE(a.toObject().value(QLatin1String("ok")), QJsonValue(true));
            }
            for (const QString& array : arrays)
                QVERIFY2(names.contains(array), qPrintable(array));
        }
        precisions.sort();
        QCOMPARE(precisions, (QStringList{QStringLiteral("float32"), QStringLiteral("float64")}));
    }

    // 5b. One corrupted expected value makes verify-golden fail on exactly that array.
    void verifyGoldenDetectsCorruption_data()
    {
        QTest::addColumn<QString>("dataset");
        QTest::addColumn<QString>("array");
        QTest::addColumn<int>("index");
        QTest::newRow("potential1") << QStringLiteral("expected/potential1") << QStringLiteral("potential1") << 1234;
        QTest::newRow("final W1") << QStringLiteral("expected/final/W1") << QStringLiteral("final/W1") << 17;
    }

    void verifyGoldenDetectsCorruption()
    {
        QFETCH(QString, dataset);
        QFETCH(QString, array);
        QFETCH(int, index);
        const QString copy = tmpPath(QStringLiteral("corrupt-%1.h5").arg(QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
        QFile::remove(copy);
        QVERIFY(QFile::copy(goldenFile(QStringLiteral("tp_mlp_ff.h5")), copy));
        QVERIFY(QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner));
        const QString error = perturbDataset(copy, dataset, index, 0.1);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        const CliResult r = runCli({QStringLiteral("verify-golden"), copy});
        EXPECT_EXIT(r, 1);
        const QString out = QString::fromUtf8(r.out);
        QCOMPARE(r.out.count("FAIL"), 2);
        int mismatches = 0;
        for (const QString& line : out.split(QLatin1Char('\n'))) {
            if (!line.contains(QLatin1String("MISMATCH")))
                continue;
            ++mismatches;
            QCOMPARE(line.section(QLatin1Char(' '), 0, 0, QString::SectionSkipEmpty), array);
        }
        QVERIFY2(mismatches == 2, r.out.constData());  // that array, in both precisions, and nothing else

        const CliResult j = runCli({QStringLiteral("verify-golden"), QStringLiteral("--json"),
                                    QStringLiteral("--precision"), QStringLiteral("float64"), copy});
        EXPECT_EXIT(j, 1);
        QString jerror;
        const QList<QJsonObject> objects = jsonLines(j.out, &jerror);
        QVERIFY2(jerror.isEmpty(), qPrintable(jerror));
        QCOMPARE(objects.size(), 1);
        QCOMPARE(objects[0].value(QLatin1String("passed")), QJsonValue(false));
        for (const auto& a : objects[0].value(QLatin1String("arrays")).toArray()) {
            const QJsonObject o = a.toObject();
            const bool corrupted = o.value(QLatin1String("name")).toString() == array;
            QCOMPARE(o.value(QLatin1String("ok")).toBool(), !corrupted);
            if (corrupted)
                QVERIFY(o.value(QLatin1String("max_abs")).toDouble() > 0.09);
        }
    }

    // 5c. An HDF5 file that is not a golden file (a run's results.h5) is bad input, not a crash.
    void verifyGoldenRejectsOtherHdf5()
    {
        const QString dir = tmpPath(QStringLiteral("not-golden"));
        const CliResult t = runCli({QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                                    QStringLiteral("--set"), QStringLiteral("run.epochs=1"), QStringLiteral("--set"),
                                    QStringLiteral("dataset.samples_per_class=20")});
        EXPECT_EXIT(t, 0);
        const CliResult r = runCli({QStringLiteral("verify-golden"), dir + QStringLiteral("/results.h5")});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("results.h5"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliErrors)
#include "test_cli_errors.moc"
