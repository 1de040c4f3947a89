// `traceprop-cli sweep`: serial runs, resume, bad sweep files, and under Open MPI's mpirun: the
// same 4-run sweep on 2 ranks equals the serial one bit for bit, and a rank killed with SIGKILL
// loses only its run, which another rank retries (mpirun --enable-recovery) or a re-run of
// the command resumes (plain mpirun aborts the job). The MPI tests skip when mpirun is missing.
#include <QtTest>

#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <csignal>

#include "cli_test_support.h"
#include "../learning.h"

using namespace tp_cli_test;

namespace {

/// 4 small Randman runs (2 seeds x 2 learning rates), each long enough (a second or two) that
/// a test can kill the rank training it. TP_TEST_SEED=k > 0 draws another Randman set (the run
/// names keep their seeds).
QString writeSweep(const QString& dir)
{
    const QString file = dir + "/sweep.json";
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(QStringLiteral(R"({"experiment": "%1",
  "set": ["run.epochs=3", "dataset.samples_per_class=150", "network.layers.0.size=96", "run.batch=32"%2],
  "grid": {"run.seed": [1, 2], "run.lr": [0.002, 0.004]}})")
                .arg(randmanExp(), tp_test::seedShift() ? QStringLiteral(", \"dataset.seed=%1\"").arg(1000 + tp_test::seedShift())
                                                        : QString())
                .toUtf8());
    return file;
}

QProcessEnvironment mpiEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("OMPI_ALLOW_RUN_AS_ROOT", "1");
    env.insert("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    env.insert("OMPI_MCA_btl_vader_single_copy_mechanism", "none");  // containers without ptrace
    return env;
}

QStringList mpiArgs(int ranks, const QStringList& extra, const QStringList& cliArgs)
{
    return QStringList{"-n", QString::number(ranks), "--oversubscribe"} + extra + QStringList{kCli} + cliArgs;
}

struct Mpi {
    bool finished = false;
    int exitCode = -1;
    QByteArray out, err;
};

Mpi runMpi(const QStringList& args, int timeoutMs = 240'000)
{
    QProcess p;
    p.setProcessEnvironment(mpiEnvironment());
    p.start(QStandardPaths::findExecutable("mpirun"), args);
    Mpi r;
    r.finished = p.waitForStarted(30'000) && p.waitForFinished(hangGuardMs(timeoutMs));
    if (!r.finished)
        p.kill();
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList runFolders(const QString& out)
{
    return QDir(out).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

/// Every run of `b` equals the same run of `a`: final weights bit for bit, metrics exactly.
QString compareRuns(const QString& a, const QString& b)
{
    const QStringList runs = runFolders(a);
    if (runs.size() != 4 || runFolders(b) != runs)
        return "run folders differ: " + runs.join(',') + " vs " + runFolders(b).join(',');
    for (const QString& run : runs) {
        const QString diff = compareGroups(a + "/" + run + "/results.h5", b + "/" + run + "/results.h5", "weights");
        if (!diff.isEmpty())
            return run + ": " + diff;
        QString e1, e2;
        if (metricsEpochs(a + "/" + run, &e1) != metricsEpochs(b + "/" + run, &e2) || !e1.isEmpty() || !e2.isEmpty())
            return run + ": metrics differ " + e1 + e2;
    }
    if (readAll(a + "/summary.json") != readAll(b + "/summary.json"))
        return "summary.json differs";
    if (readAll(a + "/summary.csv") != readAll(b + "/summary.csv"))
        return "summary.csv differs";
    return {};
}

/// Waits until a rank other than 0 trains a run (its owner.json names it and the run has no
/// run.json yet), and with `afterOneComplete` until some run is complete, then kills that
/// process with SIGKILL. Returns the run's folder name.
QString killAWorker(const QString& out, QProcess& mpirun, bool afterOneComplete = false)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 120'000 && mpirun.state() != QProcess::NotRunning) {
        const QStringList runs = runFolders(out);
        const bool oneComplete = std::any_of(runs.begin(), runs.end(), [&](const QString& run) {
            return QFile::exists(out + "/" + run + "/run.json");
        });
        for (const QString& run : afterOneComplete && !oneComplete ? QStringList() : runs) {
            const QString dir = out + "/" + run;
            QString error;
            const QJsonObject owner = readJsonFile(dir + "/owner.json", &error);
            if (!error.isEmpty() || owner["rank"].toInt() == 0 || QFile::exists(dir + "/run.json"))
                continue;
            ::kill(pid_t(owner["pid"].toInteger()), SIGKILL);
            return run;
        }
        QThread::msleep(20);
    }
    return {};
}

} // namespace

class TestSweepCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_sweep, m_serial;
    CliResult m_serialRun;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_sweep = writeSweep(m_dir.path());
        QVERIFY(!m_sweep.isEmpty());
        m_serial = m_dir.filePath("serial");
        m_serialRun = runCli({"sweep", m_sweep, "--out", m_serial});  // the reference of every other test
    }

    void serialSweepWritesRunsAndTheSummary()
    {
        const CliResult& r = m_serialRun;
        QVERIFY2(r.exitedWith(0), r.describe().constData());
        const QStringList runs = runFolders(m_serial);
        QCOMPARE(runs, (QStringList{"000_lr-0.002_seed-1", "001_lr-0.002_seed-2", "002_lr-0.004_seed-1",
                                    "003_lr-0.004_seed-2"}));
        for (const QString& run : runs)
            for (const char* file : {"run.json", "results.h5", "metrics.json", "checkpoint.h5"})
                QVERIFY2(QFile::exists(m_serial + "/" + run + "/" + file), qPrintable(run + "/" + file));
        QString error;
        const QJsonObject summary = readJsonFile(m_serial + "/summary.json", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(summary["runs_done"].toInt(), 4);
        const QJsonArray groups = summary["groups"].toArray();
        QCOMPARE(groups.size(), 2);  // by learning rate; the seeds are the repetitions
        QCOMPARE(groups[0].toObject()["values"].toObject()["run.lr"].toDouble(), 0.002);
        QCOMPARE(groups[0].toObject()["top_k"].toInt(), 2);
        // The group's mean best is the mean of its runs' bests (from each run's metrics.json).
        double sum = 0;
        for (const QString& run : runs.mid(0, 2)) {
            const QJsonObject m = readJsonFile(m_serial + "/" + run + "/metrics.json", &error);
            sum += 100 * m["best_test_accuracy"].toDouble();
        }
        QVERIFY(std::abs(groups[0].toObject()["best_mean_pct"].toDouble() - sum / 2) < 1e-9);
        TP_VERIFY_LEARNED("sweep group mean best % (chance 10)", groups[0].toObject()["best_mean_pct"].toDouble(), 20);
        QVERIFY(readAll(m_serial + "/summary.csv").startsWith("group,runs,top_k,top_mean_pct"));
        QVERIFY(readAll(m_serial + "/summary.md").contains("| run | best (%) |"));
        // The report-format page: self-contained, one chart, the group statistic and every run.
        const QByteArray html = readAll(m_serial + "/summary.html");
        QCOMPARE(html.count("<svg"), 1);
        QVERIFY(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
        QVERIFY(html.contains(QByteArray::number(groups[0].toObject()["best_mean_pct"].toDouble(), 'f', 2)));
        for (const QString& run : runs)
            QVERIFY2(html.contains(run.toUtf8()), qPrintable(run));
        QVERIFY(r.out.contains("top-k best"));
    }

    void serialSweepResumesOnlyWhatIsMissing()
    {
        const QString out = m_dir.filePath("resume");
        QVERIFY(runCli({"sweep", m_sweep, "--out", out}).exitedWith(0));
        // Run 2 "died" during its last epoch: no run.json, no results.h5, an older checkpoint.
        QVERIFY(QFile::remove(out + "/002_lr-0.004_seed-1/run.json"));
        QVERIFY(QFile::remove(out + "/002_lr-0.004_seed-1/results.h5"));
        const CliResult again = runCli({"sweep", m_sweep, "--out", out});
        QVERIFY2(again.exitedWith(0), again.describe().constData());
        QCOMPARE(again.out.count("complete from an earlier invocation"), 3);
        QVERIFY(again.out.contains("run 002_lr-0.004_seed-1: best"));
        const QString diff = compareRuns(m_serial, out);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void runStoppedBetweenItsLastCheckpointAndItsMetricsIsResumed()
    {
        // The state a kill of the process between the rename of run 0's last checkpoint and that
        // of its metrics.json leaves, made on purpose: the third write of metrics.json fails.
        const QString out = m_dir.filePath("last-metrics");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("TP_FAIL_WRITES_TO", "metrics.json");
        env.insert("TP_FAIL_WRITES_AFTER_FILES", "2");
        const CliResult stopped = runCliEnv({"sweep", m_sweep, "--out", out}, env);
        QVERIFY2(stopped.exitedWith(2) && stopped.err.contains("metrics.json"), stopped.describe().constData());
        const QString run = out + "/000_lr-0.002_seed-1";
        QCOMPARE(intAttribute(run + "/checkpoint.h5", "epochs_done"), std::int64_t(3));
        QString error;
        QCOMPARE(metricsEpochs(run, &error).size(), 2);
        QVERIFY(!QFile::exists(run + "/run.json"));
        const CliResult again = runCli({"sweep", m_sweep, "--out", out});
        QVERIFY2(again.exitedWith(0), again.describe().constData());
        const QString diff = compareRuns(m_serial, out);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void badSweepFilesAreInputErrors()
    {
        const QString bad = m_dir.filePath("bad.json");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral(R"({"experiment": "%1", "grid": {"run.batch": [1]}})").arg(randmanExp()).toUtf8());
        f.close();
        const CliResult r = runCli({"sweep", bad, "--out", m_dir.filePath("bad-out")});
        QVERIFY2(r.exitedWith(2), r.describe().constData());
        QVERIFY2(r.err.contains("run.batch") && r.err.contains("bad.json"), r.err.constData());
        QVERIFY(!QDir(m_dir.filePath("bad-out")).exists());  // nothing trained
        const CliResult missing = runCli({"sweep", m_dir.filePath("none.json"), "--out", m_dir.filePath("x")});
        QVERIFY2(missing.exitedWith(2) && missing.err.contains("none.json"), missing.describe().constData());
    }

    void mpiSweepOnTwoRanksEqualsTheSerialSweep()
    {
        if (QStandardPaths::findExecutable("mpirun").isEmpty())
            QSKIP("mpirun (Open MPI) is not installed");
        const QString out = m_dir.filePath("mpi2");
        const Mpi r = runMpi(mpiArgs(2, {}, {"sweep", m_sweep, "--out", out}));
        QVERIFY2(r.finished && r.exitCode == 0, r.out + r.err);
        QVERIFY2(r.out.contains("on 2 MPI ranks"), r.out.constData());
        QVERIFY2(r.out.contains("[rank 1]"), r.out.constData());  // both ranks trained runs
        QVERIFY2(r.out.contains("[rank 0]"), r.out.constData());
        const QString diff = compareRuns(m_serial, out);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void killedRankLosesOnlyItsRunWhichIsRetried()
    {
        if (QStandardPaths::findExecutable("mpirun").isEmpty())
            QSKIP("mpirun (Open MPI) is not installed");
        const QString out = m_dir.filePath("mpi-kill");
        QProcess p;
        p.setProcessEnvironment(mpiEnvironment());
        p.start(QStandardPaths::findExecutable("mpirun"),
                mpiArgs(3, {"--enable-recovery"}, {"sweep", m_sweep, "--out", out, "--lost-after", "5"}));
        QVERIFY(p.waitForStarted(30'000));
        const QString killed = killAWorker(out, p);
        QVERIFY2(!killed.isEmpty(), "no worker rank was seen training a run");
        QVERIFY(p.waitForFinished(hangGuardMs(240'000)));
        const QByteArray stdoutText = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, stdoutText + p.readAllStandardError());
        QVERIFY2(stdoutText.contains("lost with rank"), stdoutText.constData());
        QVERIFY2(stdoutText.contains("retrying"), stdoutText.constData());
        QString error;
        const QJsonObject owner = readJsonFile(out + "/" + killed + "/owner.json", &error);
        QVERIFY2(owner["attempt"].toInt() >= 2, qPrintable(killed + ": " + QJsonDocument(owner).toJson()));
        const QString diff = compareRuns(m_serial, out);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void abortedMpiJobIsResumedByRunningItAgain()
    {
        if (QStandardPaths::findExecutable("mpirun").isEmpty())
            QSKIP("mpirun (Open MPI) is not installed");
        const QString out = m_dir.filePath("mpi-abort");
        QProcess p;
        p.setProcessEnvironment(mpiEnvironment());
        p.start(QStandardPaths::findExecutable("mpirun"), mpiArgs(2, {}, {"sweep", m_sweep, "--out", out}));
        QVERIFY(p.waitForStarted(30'000));
        QVERIFY2(!killAWorker(out, p, true).isEmpty(), "no worker rank was seen training a run");
        QVERIFY(p.waitForFinished(hangGuardMs(120'000)));
        QVERIFY(p.exitCode() != 0);  // plain mpirun aborts the job when a rank dies
        const Mpi again = runMpi(mpiArgs(2, {}, {"sweep", m_sweep, "--out", out}));
        QVERIFY2(again.finished && again.exitCode == 0, again.out + again.err);
        QVERIFY2(again.out.contains("complete from an earlier invocation"), again.out.constData());
        const QString diff = compareRuns(m_serial, out);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    void dataParallelTrainingIsDeterministicAndEqualsOneProcessOnOneRank()
    {
        if (QStandardPaths::findExecutable("mpirun").isEmpty())
            QSKIP("mpirun (Open MPI) is not installed");
        // 1,600 training samples = 16 whole batches of 100: one rank sees exactly what `train` sees.
        QStringList run{"--set", "run.epochs=6", "--set", "run.batch=100", "--set",
                              "dataset.samples_per_class=200", "--set", "network.layers.0.size=64"};
        run += tp_test::seedArgs();
        const QString plain = m_dir.filePath("dp-plain");
        QVERIFY(runCli(QStringList{"train", randmanExp(), "--out", plain} + run).exitedWith(0));
        const QString one = m_dir.filePath("dp-1");
        const Mpi r1 = runMpi(mpiArgs(1, {"--bind-to", "none"},
                                      QStringList{"train", randmanExp(), "--out", one, "--data-parallel"} + run));
        QVERIFY2(r1.finished && r1.exitCode == 0, r1.out + r1.err);
        QString diff = compareGroups(plain + "/results.h5", one + "/results.h5", "weights");
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        // Two ranks: each trains 50 rows of every batch; the averaged model is the same on every
        // invocation, differs from the one-process model, and learns.
        QString a = m_dir.filePath("dp-2a"), b = m_dir.filePath("dp-2b");
        for (const QString& out : {a, b}) {
            const Mpi r = runMpi(mpiArgs(2, {}, QStringList{"train", randmanExp(), "--out", out, "--data-parallel",
                                                            "--json"} + run));
            QVERIFY2(r.finished && r.exitCode == 0, r.out + r.err);
            QVERIFY2(r.out.contains("\"ranks\":2"), r.out.constData());
        }
        diff = compareGroups(a + "/results.h5", b + "/results.h5", "weights");
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QVERIFY(!compareGroups(plain + "/results.h5", a + "/results.h5", "weights").isEmpty());
        QString error;
        const QJsonObject m = readJsonFile(a + "/metrics.json", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        TP_VERIFY_LEARNED("data-parallel 2 ranks best (chance 0.1)", m["best_test_accuracy"].toDouble(), 0.25);
        // Outside mpirun, or with a batch the ranks cannot split, it is an input error.
        const CliResult alone = runCli(QStringList{"train", randmanExp(), "--data-parallel"} + run);
        QVERIFY2(alone.exitedWith(2) && alone.err.contains("mpirun"), alone.describe().constData());
        const Mpi odd = runMpi(mpiArgs(2, {}, QStringList{"train", randmanExp(), "--data-parallel"} + run +
                                                  QStringList{"--set", "run.batch=3"}));
        QVERIFY2(odd.finished && odd.exitCode == 2 && odd.err.contains("run.batch"), odd.out + odd.err);
    }
};

QTEST_GUILESS_MAIN(TestSweepCli)
#include "test_sweep_cli.moc"
