// Untrusted HDF5 files are read in a helper process (engine/io/h5_isolated.h): files with one
// flipped byte that make HDF5 1.10 itself crash or loop forever inside the reading process (the
// offsets below were found by trying every single-byte flip of the fixture file) give a
// FormatError "FILE is corrupt (the HDF5 library failed while reading OBJECT: ...)" within the
// time limit, a corrupt cache is rebuilt, and the process lives on.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "cache_flip_fixture.h"
#include "shd_flip_fixture.h"

#include "core/errors.h"
#include "io/h5.h"
#include "io/h5_isolated.h"
#include "sample_cache.h"
#include "shd.h"

namespace {

/// The fixture file's size: the flip offsets below are only meaningful for these bytes.
constexpr std::size_t kBaseShdBytes = 9508;

/// A flip that makes HDF5 crash (SIGSEGV) reading the variable-length /spikes/times.
constexpr std::size_t kSegfaultOffset = 3150;
/// A flip that makes HDF5 loop forever (without allocating).
constexpr std::size_t kHangOffset = 3424;
/// A flip that makes HDF5 allocate without end (about 1 GB/s, ending only in the out-of-memory
/// killer): stopped by the helper's memory cap long before any time limit.
constexpr std::size_t kRunawayOffset = 2607;

template <typename Fn>
std::string formatErrorOf(Fn&& fn)
{
    try {
        fn();
    } catch (const tp::FormatError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("<not a FormatError> ") + e.what();
    }
    return "<no exception>";
}

/// Sets an environment variable for the lifetime of the object.
struct ScopedEnv {
    const char* name;
    ScopedEnv(const char* n, const char* value) : name(n) { ::setenv(n, value, 1); }
    ~ScopedEnv() { ::unsetenv(name); }
};

} // namespace

class TestHdf5Isolation : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<unsigned char> m_base;

    std::string flipped(const char* name, std::size_t offset)
    {
        const std::string path = m_dir.filePath(name).toStdString();
        if (!tp_test::writeFlipped(path, m_base, offset, static_cast<unsigned char>(m_base[offset] ^ 0xff)))
            return {};
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const std::string base = m_dir.filePath("base.h5").toStdString();
        QVERIFY(tp_test::writeFlipBaseShd(base));
        m_base = tp_test::fileBytes(base);
        QCOMPARE(m_base.size(), kBaseShdBytes);
        QCOMPARE(tp::readShd(base).samples.size(), std::size_t(6));
    }

    void crashInsideHdf5IsAFormatError()
    {
        const std::string path = flipped("segv.h5", kSegfaultOffset);
        QVERIFY(!path.empty());
        for (const auto& message : {formatErrorOf([&] { tp::readShd(path); }),
                                    formatErrorOf([&] { tp::readShd(path); })}) {  // and again: the process lives
            QVERIFY2(message.rfind(path + " is corrupt (the HDF5 library failed while reading /spikes/times: crashed "
                                          "with signal 11",
                                   0) == 0,
                     message.c_str());
        }
        // The good file still reads after the crash of a helper.
        QCOMPARE(tp::readShd(m_dir.filePath("base.h5").toStdString()).labels.size(), std::size_t(6));
        // Errors the reader itself finds come back from the helper unchanged.
        const std::string missing = m_dir.filePath("none.h5").toStdString();
        try {
            tp::readShd(missing);
            QFAIL("no exception");
        } catch (const tp::IoError& e) {
            QCOMPARE(std::string(e.what()), "cannot read " + missing + ": no such file");
        }
        const std::string text = m_dir.filePath("text.h5").toStdString();
        QVERIFY(tp_test::writeFlipped(text, std::vector<unsigned char>(64, 'x'), 0, 'y'));
        QCOMPARE(formatErrorOf([&] { tp::shdSampleCount(text); }),
                 text + " (byte offset 0): not an HDF5 file (signature missing)");
    }

    void hangInsideHdf5StopsAtTheTimeLimit()
    {
        const std::string path = flipped("hang.h5", kHangOffset);
        QVERIFY(!path.empty());
        ScopedEnv limit("TRACEPROP_HDF5_TIMEOUT_S", "2");
        const auto start = std::chrono::steady_clock::now();
        const std::string message = formatErrorOf([&] { tp::readShd(path); });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QVERIFY2(message.rfind(path + " is corrupt (the HDF5 library failed while ", 0) == 0, message.c_str());
        QVERIFY2(message.find("no answer within 2 s)") != std::string::npos, message.c_str());
        QVERIFY2(seconds >= 1.9 && seconds < 10, qPrintable(QString::number(seconds)));
    }

    void runawayAllocationIsStoppedByTheMemoryCap()
    {
        const std::string path = flipped("runaway.h5", kRunawayOffset);
        QVERIFY(!path.empty());
        ScopedEnv limit("TRACEPROP_HDF5_TIMEOUT_S", "60");
        const auto start = std::chrono::steady_clock::now();
        const std::string message = formatErrorOf([&] { tp::readShd(path); });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QVERIFY2(message.rfind(path + " ", 0) == 0 && message.find("/spikes/times") != std::string::npos,
                 message.c_str());
        QVERIFY2(seconds < 20, qPrintable(QString::number(seconds)));
    }

    void corruptCacheIsRebuilt()
    {
        const std::string cache = m_dir.filePath("cache.h5").toStdString();
        for (const std::size_t offset : tp_test::kFlipCacheOffsets) {
            QVERIFY(tp::saveCachedSplit(cache, "id", tp_test::flipCacheSplit()));
            QVERIFY(tp::loadCachedSplit(cache, "id").has_value());
            const auto bytes = tp_test::fileBytes(cache);
            QCOMPARE(bytes.size(), tp_test::kFlipCacheBytes);
            QVERIFY(tp_test::writeFlipped(cache, bytes, offset, tp_test::kFlipCacheValue));
            // The cache is not used (the process lives); written again, it is.
            QVERIFY(!tp::loadCachedSplit(cache, "id").has_value());
            // h5::File (all other readers: checkpoints, results, golden files) names the corruption.
            const std::string message = formatErrorOf([&] { tp::h5::File::openRead(cache); });
            QVERIFY2(message.rfind(cache + " is corrupt (the HDF5 library failed while ", 0) == 0, message.c_str());
            QVERIFY(tp::saveCachedSplit(cache, "id", tp_test::flipCacheSplit()));
            const auto again = tp::loadCachedSplit(cache, "id");
            QVERIFY(again.has_value());
            QCOMPARE(again->samples.size(), std::size_t(3));
            QCOMPARE(again->samples[2].values, (std::vector<float>{1.f, 0.5f, 2.f}));
        }
    }

    void malformedAnswerIsAFormatError()
    {
        // The caller never trusts the helper's answer: counts larger than the bytes that follow.
        const std::string path = m_dir.filePath("base.h5").toStdString();
        tp::h5::ByteSink out;
        out.u64(std::uint64_t(1) << 60);
        tp::h5::ByteSource in(out.bytes(), path);
        const std::string message = formatErrorOf([&] { in.vec<double>(); });
        QVERIFY2(message.rfind(path + " is corrupt (", 0) == 0, message.c_str());
    }

    void readsWhileOtherThreadsAllocate()
    {
        // The regression of a forked reader: a fork copies the locks other threads hold, and an
        // allocator that is not fork-safe (ASan's in GCC 12) deadlocked the copy in its first
        // malloc whenever a TBB worker was allocating at the fork. A started program has none.
        const std::string path = m_dir.filePath("base.h5").toStdString();
        ScopedEnv limit("TRACEPROP_HDF5_TIMEOUT_S", "60");
        std::atomic<bool> stop{false};
        std::vector<std::thread> churn;
        for (int t = 0; t < 2; ++t)
            churn.emplace_back([&stop, t] {
                std::vector<std::vector<char>> held(64);
                for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i)
                    held[(i * 7 + std::size_t(t)) % held.size()].assign(16 + (i * 131) % 9000, char(i));
            });
        std::size_t read = 0;
        for (int i = 0; i < 40; ++i)
            read += tp::readShd(path).samples.size() > 0;
        stop = true;
        for (auto& th : churn)
            th.join();
        QCOMPARE(read, std::size_t(40));
    }

    void missingHelperIsAnIoError()
    {
        const std::string path = m_dir.filePath("base.h5").toStdString();
        ScopedEnv helper("TRACEPROP_HDF5_HELPER", "/nonexistent/traceprop-h5read");
        try {
            tp::readShd(path);
            QFAIL("read without its helper");
        } catch (const tp::IoError& e) {
            const std::string message = e.what();
            QVERIFY2(message.find("cannot start the isolated HDF5 reader /nonexistent/traceprop-h5read") !=
                         std::string::npos,
                     message.c_str());
            QVERIFY2(message.find("TRACEPROP_HDF5_HELPER") != std::string::npos, message.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestHdf5Isolation)
#include "test_hdf5_isolation.moc"
