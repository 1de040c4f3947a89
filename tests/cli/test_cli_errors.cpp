// End-to-end tests of traceprop-cli rejecting bad input (exit code 2, one message on stderr)
// and of verify-golden (pass on the shipped files, detection of a corrupted copy).
// Helpers are in cli_test_support.h.
#include "cli_test_support.h"
#include "../datasets/cache_flip_fixture.h"
#include "../datasets/shd_flip_fixture.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace tp_cli_test;

namespace {

/// Overwrites an int64 attribute of the root group (`attribute`) or a scalar int64 dataset in
/// place with the HDF5 C API. Returns an error text, empty on success.
QString writeInt64(const QString& file, const char* name, std::int64_t value, bool attribute)
{
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return QStringLiteral("cannot open %1 for writing").arg(file);
    QString error;
    if (attribute) {
        const hid_t a = H5Aopen(f, name, H5P_DEFAULT);
        if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &value) < 0)
            error = QStringLiteral("cannot write attribute ") + QLatin1String(name);
        if (a >= 0)
            H5Aclose(a);
    } else {
        const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0)
            error = QStringLiteral("cannot write dataset ") + QLatin1String(name);
        if (d >= 0)
            H5Dclose(d);
    }
    if (H5Fclose(f) < 0 && error.isEmpty())
        error = QStringLiteral("cannot close ") + file;
    return error;
}

} // namespace

class TestCliErrors : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_checkpointSource;  // a finished 1-epoch run, trained on first use
    QString m_futureSchema, m_malformed, m_nmnistNoPath, m_textFile, m_truncated, m_emptyRun;

    QString tmpPath(const QString& name) const { return m_tmp.filePath(name); }

    static QStringList checkpointRun(int epochs) { return smallRun(epochs, 20); }

    /// The folder of a 1-epoch run (checkpoint.h5, metrics.csv, metrics.json), or empty (reported).
    QString checkpointSource()
    {
        if (m_checkpointSource.isEmpty()) {
            const QString dir = tmpPath(QStringLiteral("checkpoint-source"));
            const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir} +
                                       checkpointRun(1));
            if (!r.exitedWith(0)) {
                qWarning("%s", r.describe().constData());
                return {};
            }
            m_checkpointSource = dir;
        }
        return m_checkpointSource;
    }

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
        QVERIFY(QDir().mkpath(tmpPath(QStringLiteral("dir-checkpoint/checkpoint.h5"))));
        QVERIFY(QDir().mkpath(tmpPath(QStringLiteral("dir-results/results.h5"))));
        for (const char* name : {"dir-results/metrics.csv", "dir-results/metrics.json"}) {
            QFile file(tmpPath(QLatin1String(name)));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }

        QFile array(tmpPath(QStringLiteral("array.json")));
        QVERIFY(array.open(QIODevice::WriteOnly));
        array.write("[{\"schema_version\": 1}]\n");
        array.close();

        // A number beyond the range of a double, written in the file (not through --set).
        QVERIFY(base.seek(0));
        QByteArray overflow = base.readAll();
        const QRegularExpression lr(QStringLiteral("\"lr\":\\s*[0-9.eE+-]+"));
        QVERIFY(QString::fromUtf8(overflow).contains(lr));
        overflow = QString::fromUtf8(overflow).replace(lr, QStringLiteral("\"lr\": 1e999")).toUtf8();
        QFile overflowFile(tmpPath(QStringLiteral("lr-overflow.json")));
        QVERIFY(overflowFile.open(QIODevice::WriteOnly));
        overflowFile.write(overflow);
        overflowFile.close();
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
        row("top-level array with --threads",
            {t, QStringLiteral("{TMP}/array.json"), QStringLiteral("--threads"), QStringLiteral("1"),
             QStringLiteral("--out"), out},
            {QStringLiteral("array.json"), QStringLiteral("the top level must be a JSON object"),
             QStringLiteral("found an array")});
        row("number beyond a double in the file", {t, QStringLiteral("{TMP}/lr-overflow.json"), QStringLiteral("--out"), out},
            {QStringLiteral("lr-overflow.json"), QStringLiteral("run.lr"), QStringLiteral("1e999"),
             QStringLiteral("out of range of a double")});
        row("set number beyond a double",
            {t, exp, QStringLiteral("--out"), out, QStringLiteral("--set"), QStringLiteral("run.lr=1e999")},
            {QStringLiteral("run.lr"), QStringLiteral("1e999"), QStringLiteral("out of range of a double")});
        row("experiment is /dev/zero", {t, QStringLiteral("/dev/zero"), QStringLiteral("--out"), out},
            {QStringLiteral("/dev/zero"), QStringLiteral("16 MiB")});
        row("weights is a directory",
            {QStringLiteral("eval"), exp, QStringLiteral("--weights"), QStringLiteral("{TMP}/empty-run"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("empty-run"), QStringLiteral("is a directory, expected a file")});
        row("resume checkpoint is a directory",
            {t, exp, QStringLiteral("--out"), QStringLiteral("{TMP}/dir-checkpoint"), QStringLiteral("--resume"),
             QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=20")},
            {QStringLiteral("checkpoint.h5"), QStringLiteral("is a directory, expected a file")});
        row("report results.h5 is a directory", {QStringLiteral("report"), QStringLiteral("{TMP}/dir-results")},
            {QStringLiteral("results.h5"), QStringLiteral("is a directory, expected a file")});
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

    // 7. A damaged checkpoint is bad input naming the file and what is wrong (exit 2), never
    // "diverged" (a run that goes NaN stops before it writes) nor a size from a negative count.
    void damagedCheckpoint_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("format_version 99")
            << QStringLiteral("format_version")
            << QStringList{QStringLiteral("checkpoint.h5"), QStringLiteral("format_version 99"),
                           QStringLiteral("this build reads version 1")};
        QTest::newRow("NaN weight") << QStringLiteral("nan")
                                    << QStringList{QStringLiteral("checkpoint.h5"), QStringLiteral("corrupt"),
                                                   QStringLiteral("/weights/W1 holds NaN")};
        QTest::newRow("negative Adam v") << QStringLiteral("v")
                                         << QStringList{QStringLiteral("checkpoint.h5"), QStringLiteral("corrupt"),
                                                        QStringLiteral("/optimizer/W1/v holds a negative value")};
        QTest::newRow("step -1") << QStringLiteral("step")
                                 << QStringList{QStringLiteral("checkpoint.h5"), QStringLiteral("/optimizer/W1/step"),
                                                QStringLiteral("step -1 out of range")};
        QTest::newRow("epochs_done -5") << QStringLiteral("epochs_done")
                                        << QStringList{QStringLiteral("checkpoint.h5"),
                                                       QStringLiteral("epochs_done -5 out of range")};
    }

    void damagedCheckpoint()
    {
        QFETCH(QString, damage);
        QFETCH(QStringList, expected);
        const QString source = checkpointSource();
        QVERIFY(!source.isEmpty());
        const QString dir = tmpPath(QStringLiteral("damaged-") + damage);
        QVERIFY(QDir().mkpath(dir));
        for (const char* name : {"checkpoint.h5", "metrics.csv", "metrics.json"})
            QVERIFY(QFile::copy(source + QLatin1Char('/') + QLatin1String(name), dir + QLatin1Char('/') + QLatin1String(name)));
        const QString checkpoint = dir + QStringLiteral("/checkpoint.h5");
        QFile::setPermissions(checkpoint, QFile::ReadOwner | QFile::WriteOwner);
        QString error;
        if (damage == QLatin1String("format_version"))
            error = writeInt64(checkpoint, "format_version", 99, true);
        else if (damage == QLatin1String("epochs_done"))
            error = writeInt64(checkpoint, "epochs_done", -5, true);
        else if (damage == QLatin1String("step"))
            error = writeInt64(checkpoint, "optimizer/W1/step", -1, false);
        else if (damage == QLatin1String("v"))
            error = perturbDataset(checkpoint, QStringLiteral("optimizer/W1/v"), 5, -1.0);
        else
            error = perturbDataset(checkpoint, QStringLiteral("weights/W1"), 3, std::nan(""));
        QVERIFY2(error.isEmpty(), qPrintable(error));

        QList<CliResult> runs{runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                                                 QStringLiteral("--resume")} +
                                     checkpointRun(2))};
        if (damage == QLatin1String("nan") || damage == QLatin1String("format_version"))  // eval reads weights only
            runs << runCli(QStringList{QStringLiteral("eval"), randmanExp(), QStringLiteral("--weights"), checkpoint} +
                           checkpointRun(2));
        for (const CliResult& r : runs) {
            EXPECT_EXIT(r, 2);
            for (const QString& fragment : expected)
                QVERIFY2(r.err.contains(fragment.toUtf8()), r.describe().constData());
            QVERIFY2(!r.err.contains("diverged"), r.describe().constData());
        }
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/results.h5")));
    }

    // 7. --resume after a kill while the first checkpoint was written: metrics.csv already has
    // epoch 1, and the message must say so rather than "no epoch finished".
    void resumeAfterKillInFirstCheckpoint()
    {
        const QString source = checkpointSource();
        QVERIFY(!source.isEmpty());
        const QString dir = tmpPath(QStringLiteral("killed-in-first-checkpoint"));
        QVERIFY(QDir().mkpath(dir));
        for (const char* name : {"metrics.csv", "metrics.json"})
            QVERIFY(QFile::copy(source + QLatin1Char('/') + QLatin1String(name), dir + QLatin1Char('/') + QLatin1String(name)));
        QFile partial(dir + QStringLiteral("/checkpoint.h5.tmp"));
        QVERIFY(partial.open(QIODevice::WriteOnly));
        QFile whole(source + QStringLiteral("/checkpoint.h5"));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        partial.write(whole.read(whole.size() / 3));
        partial.close();

        const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                                               QStringLiteral("--resume")} +
                                   checkpointRun(2));
        EXPECT_EXIT(r, 2);
        for (const char* fragment : {"metrics.csv records 1 epoch", "checkpoint.h5.tmp", "empty folder"})
            QVERIFY2(r.err.contains(fragment), r.describe().constData());
        QVERIFY2(!r.err.contains("no epoch"), r.describe().constData());
        QCOMPARE(r.err.count("error:"), 1);
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
