// The one atomic write (io/atomic_file.h) and its HDF5 form (h5::writeAtomically) under a real
// write failure: a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write() fail with
// EFBIG exactly as a full disk fails it with ENOSPC. The previous file must stay whole, no
// PATH.tmp may be left, and the message must say "disk full while writing PATH; ... is kept".
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fstream>
#include <sstream>
#include <vector>

#include <sys/resource.h>

#include "core/errors.h"
#include "io/atomic_file.h"
#include "io/h5.h"

namespace {

/// Limits the size of files this process writes while alive (restored on destruction).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_saved);
        rlimit limit = m_saved;
        limit.rlim_cur = bytes;
        m_ok = setrlimit(RLIMIT_FSIZE, &limit) == 0;
    }
    ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &m_saved); }
    bool ok() const { return m_ok; }

private:
    rlimit m_saved{};
    bool m_ok = false;
};

std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<double> noise(std::size_t n)
{
    std::vector<double> v(n);
    std::uint64_t x = 88172645463325252ull;
    for (auto& d : v) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d = double(x >> 11) * 0x1.0p-53;
    }
    return v;
}

} // namespace

class TestAtomicWrite : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string path(const char* name) const { return m_tmp.filePath(QLatin1String(name)).toStdString(); }
    bool exists(const std::string& p) const { return QFileInfo::exists(QString::fromStdString(p)); }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void hdf5WriteFailureKeepsThePreviousFile()
    {
        const std::string file = path("weights.h5");
        tp::h5::writeAtomically(file, [](tp::h5::File& f) { f.writeAttr("epochs_done", std::int64_t(1)); });
        const auto big = noise(1 << 17);  // 1 MiB of incompressible doubles
        QString message;
        {
            FileSizeLimit limit(256 * 1024);
            QVERIFY(limit.ok());
            try {
                tp::h5::writeAtomically(file, [&](tp::h5::File& f) {
                    f.setCompression(false);
                    f.writeAttr("epochs_done", std::int64_t(2));
                    f.write("weights/W1", {big.size()}, big.data());
                });
            } catch (const tp::IoError& e) {
                message = QString::fromStdString(e.what());
            }
        }
        QVERIFY2(message.startsWith(QStringLiteral("disk full while writing ") + QString::fromStdString(file) +
                                    QStringLiteral("; the previous weights.h5 is kept")),
                 qPrintable(message));
        QVERIFY(!exists(file + ".tmp"));
        const auto f = tp::h5::File::openRead(file);
        QCOMPARE(f.attrInt("epochs_done"), std::int64_t(1));
        QVERIFY(!f.exists("weights"));
    }

    void textWriteFailureKeepsThePreviousFile()
    {
        const std::string file = path("metrics.csv");
        tp::writeFileAtomically(file, "epoch,loss\n1,0.5\n");
        QString message;
        {
            FileSizeLimit limit(4096);
            QVERIFY(limit.ok());
            try {
                tp::writeFileAtomically(file, std::string(64 * 1024, 'x'), "the last good checkpoint (epoch 1) is kept");
            } catch (const tp::IoError& e) {
                message = QString::fromStdString(e.what());
            }
        }
        QCOMPARE(message, QStringLiteral("disk full while writing ") + QString::fromStdString(file) +
                              QStringLiteral("; the last good checkpoint (epoch 1) is kept"));
        QVERIFY(!exists(file + ".tmp"));
        QCOMPARE(readText(file), std::string("epoch,loss\n1,0.5\n"));

        // A folder that does not exist: nothing is written, and the message says so.
        try {
            tp::writeFileAtomically(path("no-such-folder/x.csv"), "x");
            QFAIL("no error");
        } catch (const tp::IoError& e) {
            QVERIFY2(QString::fromLatin1(e.what()).contains(QLatin1String("nothing was written")), e.what());
        }
    }

    // An error while the content is built (before any byte reaches the disk) changes nothing.
    void failedFillKeepsThePreviousFile()
    {
        const std::string file = path("results.h5");
        tp::h5::writeAtomically(file, [](tp::h5::File& f) { f.writeAttr("run_id", std::string("aaaa")); });
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, tp::h5::writeAtomically(file, [](tp::h5::File& f) {
            f.writeAttr("run_id", std::string("bbbb"));
            throw std::runtime_error("interrupted");
        }));
        QVERIFY(!exists(file + ".tmp"));
        QCOMPARE(tp::h5::File::openRead(file).attrString("run_id"), std::string("aaaa"));
    }
};

QTEST_GUILESS_MAIN(TestAtomicWrite)
#include "test_atomic_write.moc"
