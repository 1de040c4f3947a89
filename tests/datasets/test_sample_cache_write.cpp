// A sample cache that cannot be written (the disk is full) is not fatal, and never leaves a
// broken file: saveCachedSplit returns false, no .tmp stays, and a previous cache file is
// still loaded whole. The failure is real: a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored)
// makes write() fail as a full disk does.
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include <sys/resource.h>

#include "sample_cache.h"

namespace {

tp::CachedSplit split(int samples, int entries)
{
    tp::CachedSplit s;
    for (int i = 0; i < samples; ++i) {
        tp::Sample x;
        x.label = i % 10;
        x.channels = 1 << 20;
        x.step_offsets = {0, entries};
        for (int e = 0; e < entries; ++e) {
            x.units.push_back((i * 7919 + e * 104729) % (1 << 20));
            x.values.push_back(float((e * 31 + i) % 97) + 0.25f);
        }
        s.samples.push_back(std::move(x));
        s.durations_s.push_back(0.5);
        s.events.push_back(entries);
        s.group.push_back(i);
        s.member.push_back(0);
    }
    return s;
}

} // namespace

class TestSampleCacheWrite : public QObject {
    Q_OBJECT

private slots:
    void fullDiskLeavesNoBrokenCache()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string file = tmp.filePath(QStringLiteral("cache/train.h5")).toStdString();
        QVERIFY(tp::saveCachedSplit(file, "v1", split(3, 10)));
        bool saved = true;
        {
            std::signal(SIGXFSZ, SIG_IGN);
            rlimit old{};
            getrlimit(RLIMIT_FSIZE, &old);
            rlimit limit = old;
            limit.rlim_cur = 128 * 1024;
            QVERIFY(setrlimit(RLIMIT_FSIZE, &limit) == 0);
            saved = tp::saveCachedSplit(file, "v2", split(40, 4000));  // ~1.3 MB of entries
            setrlimit(RLIMIT_FSIZE, &old);
        }
        QVERIFY(!saved);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(file + ".tmp")));
        const auto previous = tp::loadCachedSplit(file, "v1");
        QVERIFY(previous.has_value());
        QCOMPARE(previous->samples.size(), std::size_t(3));
        QCOMPARE(previous->samples[2].values, split(3, 10).samples[2].values);
    }
};

QTEST_GUILESS_MAIN(TestSampleCacheWrite)
#include "test_sample_cache_write.moc"
