// Two runs never mix (issue 12, item 6): train refuses a non-empty --out unless --resume or
// --overwrite is given; every run file carries the run's id (kept by --resume); report refuses
// files of different runs, naming both files and ids, and refuses a garbage metrics.csv,
// naming the file and line.
#include "cli_test_support.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace tp_cli_test;

namespace {

/// A root string attribute of an HDF5 file, read with the C API; empty when missing.
QByteArray stringAttribute(const QString& file, const char* name)
{
    QByteArray value;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return value;
    if (H5Aexists(f, name) > 0) {
        const hid_t a = H5Aopen(f, name, H5P_DEFAULT);
        const hid_t t = H5Aget_type(a);
        if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) <= 0) {
            QByteArray buffer(qsizetype(H5Tget_size(t)), '\0');
            if (H5Aread(a, t, buffer.data()) >= 0)
                value = buffer.left(buffer.indexOf('\0') < 0 ? buffer.size() : buffer.indexOf('\0'));
        }
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Fclose(f);
    return value;
}

QByteArray readAll(const QString& file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& file, const QByteArray& bytes)
{
    QFile f(file);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

/// The run_id column of metrics.csv: one entry per row; empty list when there is no such column.
QList<QByteArray> csvRunIds(const QString& dir)
{
    QList<QByteArray> rows = readAll(dir + QStringLiteral("/metrics.csv")).split('\n');
    while (!rows.isEmpty() && rows.last().isEmpty())
        rows.removeLast();
    QList<QByteArray> ids;
    if (rows.isEmpty())
        return ids;
    const qsizetype col = rows[0].split(',').indexOf("run_id");
    if (col < 0)
        return ids;
    for (qsizetype i = 1; i < rows.size(); ++i)
        ids << rows[i].split(',').value(col);
    return ids;
}

QByteArray jsonRunId(const QString& dir)
{
    QString error;
    return readJsonFile(dir + QStringLiteral("/metrics.json"), &error).value(QLatin1String("run_id")).toString().toUtf8();
}

bool copyRunFiles(const QString& from, const QString& to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const char* name : {"metrics.csv", "metrics.json", "results.h5"})
        if (!QFile::copy(from + QLatin1Char('/') + QLatin1String(name), to + QLatin1Char('/') + QLatin1String(name)))
            return false;
    return true;
}

} // namespace

class TestCliRunIdentity : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_runA, m_runB;  ///< two finished runs: seed 38472, 3 epochs; seed 7, 2 epochs

    QString path(const QString& name) const { return m_tmp.filePath(name); }
    static QStringList train(const QString& dir, int seed, int epochs)
    {
        return QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                           QStringLiteral("--json"), QStringLiteral("--set"), QStringLiteral("run.seed=%1").arg(seed)} +
               smallRun(epochs, 60);
    }

    /// The one run id of every file of a finished run folder (fails the test otherwise).
    static QByteArray runIdOf(const QString& dir)
    {
        const QByteArray id = stringAttribute(dir + QStringLiteral("/results.h5"), "run_id");
        const QList<QByteArray> csv = csvRunIds(dir);
        bool ok = QRegularExpression(QStringLiteral("^[0-9a-f]{16}$")).match(QString::fromLatin1(id)).hasMatch() &&
                  !csv.isEmpty() && jsonRunId(dir) == id &&
                  stringAttribute(dir + QStringLiteral("/checkpoint.h5"), "run_id") == id;
        for (const QByteArray& c : csv)
            ok = ok && c == id;
        return ok ? id : QByteArray();
    }

private slots:
    void initTestCase()
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable(kCli + QStringLiteral(" is not built")));
        QVERIFY(m_tmp.isValid());
        m_runA = path(QStringLiteral("runA"));
        m_runB = path(QStringLiteral("runB"));
        EXPECT_EXIT(runCli(train(m_runA, 38472, 3)), 0);
        EXPECT_EXIT(runCli(train(m_runB, 7, 2)), 0);
    }

    // Each file of a run says which run it belongs to; two runs have two ids.
    void everyFileCarriesTheRunId()
    {
        const QByteArray a = runIdOf(m_runA), b = runIdOf(m_runB);
        QVERIFY2(!a.isEmpty(), "run A: run ids missing or different across its files");
        QVERIFY2(!b.isEmpty(), "run B: run ids missing or different across its files");
        QVERIFY(a != b);
        // metrics.csv stays a plain table: header + one row per epoch, run_id its last column.
        const QList<QByteArray> lines = readAll(m_runA + QStringLiteral("/metrics.csv")).trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        QVERIFY2(lines[0].startsWith("epoch,") && lines[0].endsWith(",run_id"), lines[0].constData());
    }

    // --resume continues the same run: the id stays.
    void resumeKeepsTheRunId()
    {
        const QString dir = path(QStringLiteral("resumed"));
        EXPECT_EXIT(runCli(train(dir, 11, 1)), 0);
        const QByteArray before = runIdOf(dir);
        QVERIFY(!before.isEmpty());
        const CliResult r = runCli(train(dir, 11, 1) + QStringList{QStringLiteral("--resume"), QStringLiteral("--set"),
                                                                    QStringLiteral("run.epochs=2")});
        EXPECT_EXIT(r, 0);
        QCOMPARE(csvRunIds(dir).size(), 2);
        QCOMPARE(runIdOf(dir), before);
    }

    // A new run into a finished run's folder is refused and changes nothing.
    void nonEmptyOutIsRefused()
    {
        const QString dir = path(QStringLiteral("refused"));
        QVERIFY(copyRunFiles(m_runA, dir));
        const QByteArray results = readAll(dir + QStringLiteral("/results.h5"));
        const QByteArray csv = readAll(dir + QStringLiteral("/metrics.csv"));
        const CliResult r = runCli(train(dir, 7, 2));
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("is not empty") && r.err.contains("--resume") && r.err.contains("--overwrite") &&
                     r.err.contains(QFile::encodeName(dir)),
                 r.err.constData());
        QCOMPARE(readAll(dir + QStringLiteral("/results.h5")), results);
        QCOMPARE(readAll(dir + QStringLiteral("/metrics.csv")), csv);
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/checkpoint.h5")));

        // Both flags at once make no sense.
        const CliResult both = runCli(train(dir, 7, 2) + QStringList{QStringLiteral("--resume"),
                                                                      QStringLiteral("--overwrite")});
        EXPECT_EXIT(both, 2);
        QCOMPARE(readAll(dir + QStringLiteral("/results.h5")), results);
    }

    // --overwrite replaces the run: the old files are gone before the new run writes, so a new
    // run that dies leaves nothing of the old one to be mixed with.
    void overwriteReplacesTheRun()
    {
        const QString dir = path(QStringLiteral("overwritten"));
        QVERIFY(copyRunFiles(m_runA, dir));
        const QByteArray old = runIdOf(m_runA);
        // The new run dies (a full disk) after its first checkpoint: no results.h5 of the old run stays.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_BYTES"),
                   QString::number(QFileInfo(m_runA + QStringLiteral("/checkpoint.h5")).size() * 3 / 2));
        const CliResult dies = runCliEnv(train(dir, 7, 2) + QStringList{QStringLiteral("--overwrite")}, env);
        EXPECT_EXIT(dies, 2);
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/results.h5")));
        const CliResult report = runCli({QStringLiteral("report"), dir});
        EXPECT_EXIT(report, 2);
        QVERIFY2(report.err.contains("results.h5"), report.err.constData());

        const CliResult r = runCli(train(dir, 7, 2) + QStringList{QStringLiteral("--overwrite")});
        EXPECT_EXIT(r, 0);
        const QByteArray id = runIdOf(dir);
        QVERIFY(!id.isEmpty());
        QVERIFY(id != old);
        QCOMPARE(csvRunIds(dir).size(), 2);
        EXPECT_EXIT(runCli({QStringLiteral("report"), dir}), 0);
    }

    // The folder: metrics of a new run (seed 7, 2 epochs) beside the results.h5 of an
    // older one (seed 38472, 3 epochs). report refuses it and names both files and ids.
    void reportRefusesFilesOfTwoRuns()
    {
        const QByteArray a = runIdOf(m_runA), b = runIdOf(m_runB);
        QVERIFY(!a.isEmpty() && !b.isEmpty());
        for (const char* mixed : {"metrics.csv", "metrics.json"}) {
            const QString dir = path(QStringLiteral("mixed-") + QLatin1String(mixed));
            QVERIFY(copyRunFiles(m_runA, dir));
            QFile::remove(dir + QLatin1Char('/') + QLatin1String(mixed));
            QVERIFY(QFile::copy(m_runB + QLatin1Char('/') + QLatin1String(mixed), dir + QLatin1Char('/') + QLatin1String(mixed)));
            const CliResult r = runCli({QStringLiteral("report"), dir});
            EXPECT_EXIT(r, 2);
            QVERIFY2(r.err.contains(QFile::encodeName(dir) + "/" + mixed) &&
                         r.err.contains(QFile::encodeName(dir) + "/results.h5") && r.err.contains(a) &&
                         r.err.contains(b) && r.err.contains("different runs"),
                     r.err.constData());
            QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/report")));
        }
    }

    // A garbage metrics.csv is refused (file and line named), not copied into the report.
    void reportRefusesGarbageMetricsCsv()
    {
        const QString dir = path(QStringLiteral("garbage"));
        QVERIFY(copyRunFiles(m_runA, dir));
        QList<QByteArray> lines = readAll(dir + QStringLiteral("/metrics.csv")).split('\n');
        QVERIFY(lines.size() >= 4);
        QList<QByteArray> cells = lines[2].split(',');
        cells[2] = "garbage";
        lines[2] = cells.join(',');
        QVERIFY(writeAll(dir + QStringLiteral("/metrics.csv"), lines.join('\n')));
        CliResult r = runCli({QStringLiteral("report"), dir});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains(QFile::encodeName(dir) + "/metrics.csv (line 3)") && r.err.contains("garbage"),
                 r.err.constData());
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/report")));

        QVERIFY(writeAll(dir + QStringLiteral("/metrics.csv"), QByteArray("\x7f" "ELF\x02\x01\x01 binary junk\n", 20)));
        r = runCli({QStringLiteral("report"), dir});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains(QFile::encodeName(dir) + "/metrics.csv (line"), r.err.constData());
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/report")));
    }
};

QTEST_GUILESS_MAIN(TestCliRunIdentity)
#include "test_cli_run_identity.moc"
