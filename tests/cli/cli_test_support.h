// Shared helpers of the traceprop-cli end-to-end tests (test_cli_train.cpp, test_cli_errors.cpp):
// the built executable is run with QProcess and its exit codes, stdout/stderr and run folder are
// checked. HDF5 files (results, checkpoints, golden copies) are read and corrupted with the HDF5
// C API, never through the engine's own reader.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QVector>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include <hdf5.h>

#include "rules/registry.h"

namespace tp_cli_test {

inline const QString kCli = QStringLiteral(TP_CLI_PATH);

/// A hang guard for a child process: `ms` times TP_TEST_HANG_GUARD_SCALE (a whole number, default
/// 1). The guards are sized for an optimised build; .ci/sanitize raises the scale, since the same
/// runs take several times as long under ASan + UBSan. A guard is never an assertion of speed.
inline int hangGuardMs(int ms)
{
    static const int scale = std::max(1, qEnvironmentVariableIntValue("TP_TEST_HANG_GUARD_SCALE"));
    return ms * scale;
}

/// The rules of a dense network's memory table (results.h5 /memory_model/rules, `memory`'s rows):
/// every built-in rule that trains lif layers, in registration order, then the reference "aux".
inline QStringList denseMemoryRules()
{
    QStringList rules;
    for (const tp::LearningRule* r : tp::learningRules())
        if (r->supportsLayer("lif"))
            rules << QString::fromUtf8(r->name);
    return rules << QStringLiteral("aux");
}

inline QString resource(const QString& relative) { return QStringLiteral(TP_RESOURCES_DIR "/") + relative; }
inline QString goldenFile(const QString& name) { return QStringLiteral(TP_TEST_DATA_DIR "/golden/") + name; }
inline QString randmanExp() { return resource(QStringLiteral("experiments/randman.json")); }
inline QString nmnistExp() { return resource(QStringLiteral("experiments/nmnist-mlp.json")); }

/// A small Randman run (about 0.5 s on 2 cores). Layer 1 has 256 neurons so that the
/// 256 x 40 gradient/Adam update of W1 is cut into more than one parallel chunk (8192
/// elements each), and batches of 32 give several row chunks in the forward pass: the
/// thread-count test then really exercises the parallel code.
inline QStringList smallRun(int epochs = 2, int samplesPerClass = 100)
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

/// Runs traceprop-cli with `env` as its environment (e.g. the test's own plus a test hook).
/// `inChild`, when given, runs in the child between fork and exec (e.g. a setrlimit).
inline CliResult runCliEnv(const QStringList& args, const QProcessEnvironment& env, int timeoutMs = 180'000,
                           const std::function<void()>& inChild = {})
{
    CliResult r;
    r.args = args;
    QProcess p;
    p.setProcessEnvironment(env);
    if (inChild)
        p.setChildProcessModifier(inChild);
    p.setProgram(kCli);
    p.setArguments(args);
    p.start();
    r.started = p.waitForStarted(30'000);
    if (!r.started)
        return r;
    r.finished = p.waitForFinished(hangGuardMs(timeoutMs));
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

inline CliResult runCli(const QStringList& args, int timeoutMs = 180'000)
{
    return runCliEnv(args, QProcessEnvironment::systemEnvironment(), timeoutMs);
}

/// The best "test_accuracy" over the JSON lines of `train --json`, -1 when there is none.
inline double bestTestAccuracy(const QByteArray& out)
{
    double best = -1;
    for (const QByteArray& line : out.split('\n'))
        if (!line.trimmed().isEmpty())
            best = std::max(best, QJsonDocument::fromJson(line).object().value("test_accuracy").toDouble(-1));
    return best;
}

#define EXPECT_EXIT(result, code) QVERIFY2((result).exitedWith(code), (result).describe().constData())

/// Every non-empty stdout line parsed as one JSON object; `error` says what was not.
inline QList<QJsonObject> jsonLines(const QByteArray& out, QString* error)
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

inline QJsonObject readJsonFile(const QString& path, QString* error)
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
inline QVector<double> deterministicValues(const QJsonObject& epoch)
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

inline QString describeValues(const QVector<double>& v)
{
    QStringList s;
    for (double x : v)
        s << QString::number(x, 'g', 17);
    return s.join(QLatin1Char(' '));
}

/// The "epochs" array of DIR/metrics.json reduced to the deterministic values.
inline QVector<QVector<double>> metricsEpochs(const QString& dir, QString* error)
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

inline RawDataset readRaw(const QString& file, const QString& name)
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

inline herr_t collectLink(hid_t, const char* name, const H5L_info_t*, void* data)
{
    static_cast<QStringList*>(data)->append(QString::fromUtf8(name));
    return 0;
}

/// Paths of every dataset below `group` (recursively), e.g. "weights/W1".
inline QStringList datasetsUnder(const QString& file, const QString& group)
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

inline std::int64_t intAttribute(const QString& file, const char* name)
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
inline QString perturbDataset(const QString& file, const QString& name, qsizetype index, double delta)
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
inline QString compareGroups(const QString& a, const QString& b, const QString& group)
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

inline QStringList tmpFiles(const QString& dir)
{
    return QDir(dir).entryList({QStringLiteral("*.tmp")}, QDir::Files | QDir::Hidden);
}

} // namespace tp_cli_test
