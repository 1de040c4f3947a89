// A full disk during training (issue 12, item 1): the failed write is reported as "disk full
// while writing FILE; the last good checkpoint (epoch N) is kept", exit code 2, no crash, the
// previous checkpoint stays whole, and --resume from it finishes bit-identically to a run that
// never failed. The failure is injected (TP_FAIL_WRITES_AFTER_BYTES, always run) and, where the
// test may mount one, produced by a real small tmpfs.
#include "cli_test_support.h"

#include <QFileInfo>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QtTest>

using namespace tp_cli_test;

class TestCliDiskFull : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_reference;  ///< an uninterrupted 3-epoch run

    QStringList trainArgs(const QString& dir) const
    {
        return QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir,
                           QStringLiteral("--json"), QStringLiteral("--threads"), QStringLiteral("1")} +
               smallRun(3, 100);
    }

    static qint64 size(const QString& file) { return QFileInfo(file).size(); }

    /// Data lines (epochs) of DIR/metrics.csv, after its header.
    static qsizetype csvRows(const QString& dir)
    {
        QFile f(dir + QStringLiteral("/metrics.csv"));
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().count('\n') : -1;
    }

    /// The folder `dir`, stopped by a full disk after epoch 1, resumes to the reference result.
    void checkResumesToReference(const QString& dir)
    {
        QCOMPARE(intAttribute(dir + QStringLiteral("/checkpoint.h5"), "epochs_done"), std::int64_t(1));
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/results.h5")));
        QVERIFY2(tmpFiles(dir).isEmpty(), qPrintable(tmpFiles(dir).join(QLatin1Char(' '))));

        const CliResult resumed = runCli(trainArgs(dir) + QStringList{QStringLiteral("--resume")});
        EXPECT_EXIT(resumed, 0);
        QString error;
        const auto a = metricsEpochs(dir, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto b = metricsEpochs(m_reference, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(a.size(), 3);
        QCOMPARE(a, b);
        QString diff = compareGroups(dir + QStringLiteral("/results.h5"), m_reference + QStringLiteral("/results.h5"),
                                     QStringLiteral("weights"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        diff = compareGroups(dir + QStringLiteral("/checkpoint.h5"), m_reference + QStringLiteral("/checkpoint.h5"),
                             QStringLiteral("optimizer"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

private slots:
    void initTestCase()
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        QVERIFY2(QFileInfo(kCli).isExecutable(), qPrintable(kCli + QStringLiteral(" is not built")));
        QVERIFY(m_tmp.isValid());
        m_reference = m_tmp.filePath(QStringLiteral("reference"));
        const CliResult r = runCli(trainArgs(m_reference));
        EXPECT_EXIT(r, 0);
    }

    // The disk fills up while the checkpoint of epoch 2 is written (injected ENOSPC).
    void checkpointWriteFails()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("injected-checkpoint"));
        const QString ref = m_reference;
        const qint64 checkpoint = size(ref + QStringLiteral("/checkpoint.h5"));
        // Epoch 1 writes its checkpoint and the two metrics files; epoch 2's checkpoint gets
        // only about half of its bytes written.
        const qint64 budget = checkpoint + size(ref + QStringLiteral("/metrics.csv")) +
                              size(ref + QStringLiteral("/metrics.json")) + checkpoint / 2;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_BYTES"), QString::number(budget));
        const CliResult r = runCliEnv(trainArgs(dir), env);
        EXPECT_EXIT(r, 2);
        const QByteArray expected = "disk full while writing " + QFile::encodeName(dir) +
                                    "/checkpoint.h5; the last good checkpoint (epoch 1) is kept";
        QVERIFY2(r.err.contains(expected), r.describe().constData());
        QString error;
        QCOMPARE(jsonLines(r.out, &error).size(), 1);  // epoch 2 trained, but its checkpoint failed
        QCOMPARE(metricsEpochs(dir, &error).size(), 1);
        checkResumesToReference(dir);
    }

    // The disk fills up after epoch 1's checkpoint, while metrics.csv is written.
    void metricsWriteFails()
    {
        // The size of epoch 1's checkpoint (compressed weights: not the final one's), from a run
        // stopped by a full disk at epoch 2.
        const QString probe = m_tmp.filePath(QStringLiteral("injected-probe"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_BYTES"),
                   QString::number(size(m_reference + QStringLiteral("/checkpoint.h5")) * 3 / 2));
        EXPECT_EXIT(runCliEnv(trainArgs(probe), env), 2);
        QCOMPARE(intAttribute(probe + QStringLiteral("/checkpoint.h5"), "epochs_done"), std::int64_t(1));

        const QString dir = m_tmp.filePath(QStringLiteral("injected-metrics"));
        const qint64 budget = size(probe + QStringLiteral("/checkpoint.h5")) + 16;
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_BYTES"), QString::number(budget));
        const CliResult r = runCliEnv(trainArgs(dir), env);
        EXPECT_EXIT(r, 2);
        const QByteArray expected = "disk full while writing " + QFile::encodeName(dir) +
                                    "/metrics.csv; nothing was written; the last good checkpoint (epoch 1) is kept";
        QVERIFY2(r.err.contains(expected), r.describe().constData());
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/metrics.csv")));
        checkResumesToReference(dir);
    }

    // The write of the last epoch's metrics.csv fails after its checkpoint was renamed into place
    // (what a kill between the two leaves, too): the checkpoint holds all 3 epochs, metrics.csv
    // and metrics.json only 2. --resume has no epoch left to train, and must still bring both
    // level with the checkpoint it continues from.
    void lastMetricsWriteFails()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("injected-last-metrics"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TP_FAIL_WRITES_TO"), QStringLiteral("metrics.csv"));
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_FILES"), QStringLiteral("2"));
        const CliResult r = runCliEnv(trainArgs(dir), env);
        EXPECT_EXIT(r, 2);
        const QByteArray expected = "disk full while writing " + QFile::encodeName(dir) +
                                    "/metrics.csv; the previous metrics.csv is kept; the last good checkpoint "
                                    "(epoch 3) is kept";
        QVERIFY2(r.err.contains(expected), r.describe().constData());
        QCOMPARE(intAttribute(dir + QStringLiteral("/checkpoint.h5"), "epochs_done"), std::int64_t(3));
        QString error;
        QCOMPARE(metricsEpochs(dir, &error).size(), 2);
        QCOMPARE(csvRows(dir), qsizetype(2));

        const CliResult resumed = runCli(trainArgs(dir) + QStringList{QStringLiteral("--resume")});
        EXPECT_EXIT(resumed, 0);
        QCOMPARE(jsonLines(resumed.out, &error).size(), 0);  // nothing left to train
        const auto a = metricsEpochs(dir, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(a.size(), 3);
        QCOMPARE(a, metricsEpochs(m_reference, &error));
        QCOMPARE(csvRows(dir), qsizetype(3));
        const QString diff = compareGroups(dir + QStringLiteral("/results.h5"),
                                           m_reference + QStringLiteral("/results.h5"), QStringLiteral("weights"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    // The disk fills up while results.h5 is written, after the last checkpoint.
    void resultsWriteFails()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("injected-results"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TP_FAIL_WRITES_TO"), QStringLiteral("results.h5"));
        env.insert(QStringLiteral("TP_FAIL_WRITES_AFTER_BYTES"),
                   QString::number(size(m_reference + QStringLiteral("/results.h5")) / 2));
        const CliResult r = runCliEnv(trainArgs(dir), env);
        EXPECT_EXIT(r, 2);
        const QByteArray expected = "disk full while writing " + QFile::encodeName(dir) +
                                    "/results.h5; the last good checkpoint (epoch 3) is kept (train --resume with "
                                    "the same --out writes results.h5)";
        QVERIFY2(r.err.contains(expected), r.describe().constData());
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/results.h5")));
        QVERIFY2(tmpFiles(dir).isEmpty(), qPrintable(tmpFiles(dir).join(QLatin1Char(' '))));
        QCOMPARE(intAttribute(dir + QStringLiteral("/checkpoint.h5"), "epochs_done"), std::int64_t(3));
        // As the message says: --resume, with room again, writes results.h5 of the finished run.
        const CliResult resumed = runCli(trainArgs(dir) + QStringList{QStringLiteral("--resume")});
        EXPECT_EXIT(resumed, 0);
        const QString diff = compareGroups(dir + QStringLiteral("/results.h5"), m_reference + QStringLiteral("/results.h5"),
                                           QStringLiteral("weights"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    // A real full disk: a tmpfs with room for one checkpoint and a half (needs mount rights).
    void realTmpfs()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("tmpfs"));
        QVERIFY(QDir().mkpath(dir));
        const qint64 bytes = size(m_reference + QStringLiteral("/checkpoint.h5")) * 3 / 2 + 16 * 1024;
        QProcess mount;
        mount.start(QStringLiteral("mount"), {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                              QStringLiteral("size=%1k").arg((bytes + 4095) / 4096 * 4), QStringLiteral("tmpfs"), dir});
        if (!mount.waitForFinished(30'000) || mount.exitStatus() != QProcess::NormalExit || mount.exitCode() != 0)
            QSKIP("cannot mount a tmpfs here (needs root); the injected failures above cover the same paths");
        auto unmount = qScopeGuard([&dir] { QProcess::execute(QStringLiteral("umount"), {dir}); });
        const QString run = dir + QStringLiteral("/run");
        const CliResult r = runCli(trainArgs(run));
        EXPECT_EXIT(r, 2);
        const QByteArray expected = "disk full while writing " + QFile::encodeName(run) +
                                    "/checkpoint.h5; the last good checkpoint (epoch 1) is kept";
        QVERIFY2(r.err.contains(expected), r.describe().constData());
        // Resume where there is room again.
        const QString copy = m_tmp.filePath(QStringLiteral("tmpfs-copy"));
        QVERIFY(QDir().mkpath(copy));
        for (const QString& name : QDir(run).entryList(QDir::Files | QDir::Hidden))
            QVERIFY(QFile::copy(run + QLatin1Char('/') + name, copy + QLatin1Char('/') + name));
        checkResumesToReference(copy);
    }
};

QTEST_GUILESS_MAIN(TestCliDiskFull)
#include "test_cli_disk_full.moc"
