// A run allocates what its own rule needs and no more (issue 12, item 3). traceprop-cli runs as a
// child under setrlimit(RLIMIT_AS), so the limit is the same on every machine: a TP run whose BPTT
// comparison row is far above the limit finishes with its results (the BPTT row comes from the
// model).
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

#include "cli_test_support.h"

#include "io/h5.h"

using namespace tp_cli_test;

namespace {

constexpr rlim_t kGB = 1'000'000'000;

/// runCli with the child's address space limited to `limit` bytes.
CliResult runCliLimited(const QStringList& args, rlim_t limit)
{
    CliResult r;
    r.args = args;
    QProcess p;
    p.setProgram(kCli);
    p.setArguments(args);
    p.setChildProcessModifier([limit] {
        const rlimit as{limit, limit};
        setrlimit(RLIMIT_AS, &as);
    });
    p.start();
    r.started = p.waitForStarted(30'000);
    if (!r.started)
        return r;
    r.finished = p.waitForFinished(180'000);
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

/// Peak resident set of the largest child waited for so far, in MB (Linux: ru_maxrss in KiB).
double childPeakRssMb()
{
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return double(u.ru_maxrss) / 1024.0;
}

QStringList set(std::initializer_list<QString> kv)
{
    QStringList out;
    for (const QString& s : kv)
        out << QStringLiteral("--set") << s;
    return out;
}

} // namespace

class TestMemoryLimits : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", m_dir.filePath("cache").toUtf8());
    }

    // Item 3: a TP run of 5,000 neurons, 2,000 steps and batch 32 needs tens of MB; BPTT's u and s
    // history at that size is 2*T*B*H*4 = 2.56 GB. Under a 1 GB address-space limit the run
    // finishes with results.h5, and the table's BPTT row is the model's (not measured: nothing of
    // BPTT's size was allocated). On main the end-of-run memory table trained one BPTT batch:
    // std::bad_alloc, exit 1, no results.
    void tpRunNeverAllocatesBpttSizedMemory()
    {
        const QString out = m_dir.filePath(QStringLiteral("tp-5000"));
        const double before = childPeakRssMb();
        const CliResult r = runCliLimited(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), out,
                                                      QStringLiteral("--threads"), QStringLiteral("1")} +
                                              set({"network.layers.0.size=5000", "binning.steps=2000",
                                                   "dataset.samples_per_class=4", "run.batch=32", "run.epochs=1"}),
                                          1 * kGB);
        EXPECT_EXIT(r, 0);
        qInfo("peak RSS of the child %.0f MB (largest child so far %.0f MB before it), limit 1000 MB", childPeakRssMb(),
              before);
        QVERIFY(QFile::exists(out + "/results.h5"));
        const auto f = tp::h5::File::openRead((out + "/results.h5").toStdString());
        QCOMPARE(f.readString("memory_model/rules"), std::string("tp,bptt,eprop,aux"));
        const auto t = f.readInts("memory_model/bytes");
        QCOMPARE(t.dims, (std::vector<std::size_t>{4, 6}));
        QCOMPARE(t.data[1 * 6 + 0], std::int64_t(2000));                  // T
        QCOMPARE(t.data[1 * 6 + 2], std::int64_t(32));                    // B
        QCOMPARE(t.data[1 * 6 + 3], std::int64_t(2) * 2000 * 32 * 5000 * 4);  // BPTT model: 2.56 GB
        QCOMPARE(t.data[1 * 6 + 5], std::int64_t(-1));                    // not measured
        QCOMPARE(t.data[0 * 6 + 5], t.data[0 * 6 + 3]);                   // TP: measured by the run itself
    }

    // Item 3: run.batch larger than the training split is clamped with a message (one batch per
    // epoch either way); on main a batch of 60,000 sized every buffer for 60,000 rows (9.9 GB for
    // the full Randman), here it would not fit under 1 GB.
    void batchLargerThanTheTrainingSplitIsClamped()
    {
        const QString out = m_dir.filePath(QStringLiteral("big-batch"));
        const CliResult r = runCliLimited(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), out,
                                                      QStringLiteral("--threads"), QStringLiteral("1")} +
                                              set({"dataset.samples_per_class=20", "run.batch=60000", "run.epochs=1"}),
                                          1 * kGB);
        EXPECT_EXIT(r, 0);
        QVERIFY2(r.err.contains("run.batch 60000 is larger than the training split (160 samples): clamped to 160"),
                 r.describe().constData());
        const auto f = tp::h5::File::openRead((out + "/results.h5").toStdString());
        const auto t = f.readInts("memory_model/bytes");
        QCOMPARE(t.data[0 * 6 + 2], std::int64_t(160));  // the table is at the batch that ran
    }
};

QTEST_GUILESS_MAIN(TestMemoryLimits)
#include "test_memory_limits.moc"
