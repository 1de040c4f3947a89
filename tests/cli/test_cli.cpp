// End-to-end tests of traceprop-cli: the built executable is run with QProcess and its exit
// codes, stdout/stderr and run folder are checked. HDF5 files (results, checkpoints, golden
// copies) are read and corrupted with the HDF5 C API, never through the engine's own reader.
#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <vector>

#include <hdf5.h>

namespace {

const QString kCli = QStringLiteral(TP_CLI_PATH);

QString resource(const QString& relative) { return QStringLiteral(TP_RESOURCES_DIR "/") + relative; }
QString goldenFile(const QString& name) { return QStringLiteral(TP_TEST_DATA_DIR "/golden/") + name; }
QString randmanExp() { return resource(QStringLiteral("experiments/randman.json")); }
QString nmnistExp() { return resource(QStringLiteral("experiments/nmnist-mlp.json")); }

/// A small Randman run (about 0.5 s on 2 cores). Layer 1 has 256 neurons so that the
/// 256 x 40 gradient/Adam update of W1 is cut into more than one parallel chunk (8192
/// elements each), and batches of 32 give several row chunks in the forward pass: the
/// thread-count test then really exercises the parallel code.
QStringList smallRun(int epochs = 2, int samplesPerClass = 100)
{
    return {QStringLiteral("--set"), QStringLiteral("run.epochs=%1").arg(epochs),
            QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=%1").arg(samplesPerClass),
            QStringLiteral("--set"), QStringLiteral("network.layers.0.size=256"),
            QStringLiteral("--set"), QStringLiteral("run.batch=32")};
}

struct CliResult {
    bool started = false;
    bool finished = false;
    QProcess::ExitStatus status = QProcess::CrashExit;
    int exitCode = -1;
    QByteArray out, err;
    QStringList args;

    bool exitedWith(int code) const { return started && finished && status == QProcess::NormalExit && exitCode == code; }
    QByteArray describe() const
    {
        return "traceprop-cli " + args.join(QLatin1Char(' ')).toLocal8Bit() + "\n  started " +
               QByteArray::number(started) + ", finished " + QByteArray::number(finished) + ", normal exit " +
               QByteArray::number(status == QProcess::NormalExit) + ", exit code " + QByteArray::number(exitCode) +
               "\n  stdout: " + out.left(3000) + "\n  stderr: " + err.left(3000);
    }
};

CliResult runCli(const QStringList& args, int timeoutMs = 180'000)
{
    CliResult r;
    r.args = args;
    QProcess p;
    p.setProgram(kCli);
    p.setArguments(args);
    p.start();
    r.started = p.waitForStarted(30'000);
    if (!r.started)
        return r;
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(30'000);
    }
    r.status = p.exitStatus();
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

#define EXPECT_EXIT(result, code) QVERIFY2((result).exitedWith(code), (result).describe().constData())

/// Every non-empty stdout line parsed as one JSON object; `error` says what was not.
QList<QJsonObject> jsonLines(const QByteArray& out, QString* error)
{
    QList<QJsonObject> objects;
    for (const QByteArray& line : out.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            if (error && error->isEmpty())
                *error = QStringLiteral("not a JSON object: '%1' (%2)").arg(QString::fromUtf8(line), pe.errorString());
            continue;
        }
        objects.append(doc.object());
    }
    return objects;
}

QJsonObject readJsonFile(const QString& path, QString* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open ") + path;
        return {};
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = path + QStringLiteral(": not a JSON object: ") + pe.errorString();
        return {};
    }
    return doc.object();
}

/// The values of one epoch that must not depend on timing: everything but the
/// samples_per_second / *_seconds fields, as exact doubles.
QVector<double> deterministicValues(const QJsonObject& epoch)
{
    QVector<double> v;
    v << epoch.value(QLatin1String("epoch")).toDouble(-1) << epoch.value(QLatin1String("lr")).toDouble(-1)
      << epoch.value(QLatin1String("train_accuracy")).toDouble(-1)
      << epoch.value(QLatin1String("test_accuracy")).toDouble(-1)
      << epoch.value(QLatin1String("readout_loss")).toDouble(-1);
    for (const char* key : {"loss", "firing_rate"}) {
        const QJsonArray a = epoch.value(QLatin1String(key)).toArray();
        v << double(a.size());
        for (const auto& x : a)
            v << x.toDouble(-1);
    }
    return v;
}

QString describeValues(const QVector<double>& v)
{
    QStringList s;
    for (double x : v)
        s << QString::number(x, 'g', 17);
    return s.join(QLatin1Char(' '));
}

/// The "epochs" array of DIR/metrics.json reduced to the deterministic values.
QVector<QVector<double>> metricsEpochs(const QString& dir, QString* error)
{
    const QJsonObject doc = readJsonFile(dir + QStringLiteral("/metrics.json"), error);
    QVector<QVector<double>> rows;
    for (const auto& e : doc.value(QLatin1String("epochs")).toArray())
        rows.append(deterministicValues(e.toObject()));
    return rows;
}

// ---- HDF5 (C API) -----------------------------------------------------------------------

/// One dataset read whole in its native type, as raw bytes.
struct RawDataset {
    QString error;  ///< empty on success
    H5T_class_t typeClass = H5T_NO_CLASS;
    std::size_t typeSize = 0;
    std::vector<hsize_t> dims;
    QByteArray bytes;
};

RawDataset readRaw(const QString& file, const QString& name)
{
    RawDataset r;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        r.error = QStringLiteral("cannot open ") + file;
        return r;
    }
    const hid_t d = H5Dopen2(f, name.toUtf8().constData(), H5P_DEFAULT);
    if (d < 0) {
        r.error = file + QStringLiteral(": no dataset ") + name;
        H5Fclose(f);
        return r;
    }
    const hid_t ft = H5Dget_type(d);
    const hid_t nt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    const hid_t sp = H5Dget_space(d);
    r.typeClass = H5Tget_class(nt);
    r.typeSize = H5Tget_size(nt);
    const int nd = H5Sget_simple_extent_ndims(sp);
    r.dims.resize(std::size_t(std::max(nd, 0)));
    if (nd > 0)
        H5Sget_simple_extent_dims(sp, r.dims.data(), nullptr);
    const hssize_t n = H5Sget_simple_extent_npoints(sp);
    r.bytes.resize(qsizetype(n) * qsizetype(r.typeSize));
    if (n > 0 && H5Dread(d, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.bytes.data()) < 0)
        r.error = file + QStringLiteral(": cannot read ") + name;
    H5Sclose(sp);
    H5Tclose(nt);
    H5Tclose(ft);
    H5Dclose(d);
    H5Fclose(f);
    return r;
}

herr_t collectLink(hid_t, const char* name, const H5L_info_t*, void* data)
{
    static_cast<QStringList*>(data)->append(QString::fromUtf8(name));
    return 0;
}

/// Paths of every dataset below `group` (recursively), e.g. "weights/W1".
QStringList datasetsUnder(const QString& file, const QString& group)
{
    QStringList names, datasets;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return datasets;
    const hid_t g = H5Gopen2(f, group.toUtf8().constData(), H5P_DEFAULT);
    if (g >= 0) {
        H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, collectLink, &names);
        for (const QString& n : names) {
            const hid_t o = H5Oopen(g, n.toUtf8().constData(), H5P_DEFAULT);
            if (o >= 0) {
                if (H5Iget_type(o) == H5I_DATASET)
                    datasets << group + QLatin1Char('/') + n;
                H5Oclose(o);
            }
        }
        H5Gclose(g);
    }
    H5Fclose(f);
    datasets.sort();
    return datasets;
}

std::int64_t intAttribute(const QString& file, const char* name)
{
    std::int64_t value = -1;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return value;
    const hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_INT64, &value) < 0)
            value = -1;
        H5Aclose(a);
    }
    H5Fclose(f);
    return value;
}

/// Adds `delta` to element `index` of a float64 dataset in place. Returns an error text.
QString perturbDataset(const QString& file, const QString& name, qsizetype index, double delta)
{
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return QStringLiteral("cannot open %1 for writing").arg(file);
    QString error;
    const hid_t d = H5Dopen2(f, name.toUtf8().constData(), H5P_DEFAULT);
    if (d < 0) {
        H5Fclose(f);
        return QStringLiteral("no dataset ") + name;
    }
    const hid_t sp = H5Dget_space(d);
    const hssize_t n = H5Sget_simple_extent_npoints(sp);
    std::vector<double> values(std::size_t(std::max<hssize_t>(n, 0)));
    if (index >= n)
        error = QStringLiteral("%1 has only %2 values").arg(name).arg(n);
    else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        error = QStringLiteral("cannot read ") + name;
    else {
        values[std::size_t(index)] += delta;
        if (H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
            error = QStringLiteral("cannot write ") + name;
    }
    H5Sclose(sp);
    H5Dclose(d);
    if (H5Fclose(f) < 0 && error.isEmpty())
        error = QStringLiteral("cannot close ") + file;
    return error;
}

/// Compares the raw bytes of every dataset below `group` in two files; an empty result
/// means they are identical (same names, types, shapes and bits).
QString compareGroups(const QString& a, const QString& b, const QString& group)
{
    const QStringList na = datasetsUnder(a, group), nb = datasetsUnder(b, group);
    if (na.isEmpty())
        return QStringLiteral("no datasets under /%1 in %2").arg(group, a);
    if (na != nb)
        return QStringLiteral("dataset lists differ: [%1] vs [%2]").arg(na.join(QLatin1Char(',')), nb.join(QLatin1Char(',')));
    for (const QString& name : na) {
        const RawDataset x = readRaw(a, name), y = readRaw(b, name);
        if (!x.error.isEmpty() || !y.error.isEmpty())
            return x.error + QLatin1Char(' ') + y.error;
        if (x.typeClass != y.typeClass || x.typeSize != y.typeSize || x.dims != y.dims)
            return QStringLiteral("%1: type or shape differs").arg(name);
        if (x.bytes != y.bytes)
            return QStringLiteral("%1: values differ").arg(name);
    }
    return {};
}

QStringList tmpFiles(const QString& dir)
{
    return QDir(dir).entryList({QStringLiteral("*.tmp")}, QDir::Files | QDir::Hidden);
}

} // namespace

class TestCli : public QObject {
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

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
