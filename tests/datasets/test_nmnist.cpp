#include <QtTest>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/errors.h"
#include "nmnist.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

void writeBytes(const std::string& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    QVERIFY(out.good());
}

Bytes readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

tp::Event ev(std::int64_t t, int x, int y, int p)
{
    return tp::Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(p)};
}

/// The three worked examples of dataset-formats.md section 2.2.
const std::vector<tp::Event> kWorkedEvents = {ev(654, 7, 15, 1), ev(8388607, 33, 0, 0),
                                              ev(100000, 0, 33, 1)};
const Bytes kWorkedBytes = {0x07, 0x0F, 0x80, 0x02, 0x8E, 0x21, 0x00, 0x7F, 0xFF, 0xFF,
                            0x00, 0x21, 0x81, 0x86, 0xA0};
/// A small valid (time-sorted) file content.
const std::vector<tp::Event> kSorted = {ev(654, 7, 15, 1), ev(100000, 0, 33, 1)};

/// Runs `f`, expects a FormatError whose message names `file` and "byte offset <offset>".
template <typename F>
void expectFormatError(F f, const std::string& file, std::int64_t offset)
{
    try {
        f();
    } catch (const tp::FormatError& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(file) != std::string::npos, what.c_str());
        QVERIFY2(what.find("byte offset " + std::to_string(offset) + ")") != std::string::npos, what.c_str());
        return;
    }
    QFAIL("no FormatError");
}

template <typename F>
void expectConfigError(F f)
{
    bool thrown = false;
    try {
        f();
    } catch (const tp::ConfigError&) {
        thrown = true;
    }
    QVERIFY(thrown);
}

} // namespace

class TestNmnist : public QObject {
    Q_OBJECT

private slots:
    void workedBytesWrite()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Each event alone, then all three in a time-sorted file.
        for (std::size_t i = 0; i < kWorkedEvents.size(); ++i) {
            const std::string path = dir.filePath(QString("w%1.bin").arg(i)).toStdString();
            tp::writeNmnistFile(path, std::span(&kWorkedEvents[i], 1));
            const Bytes expected(kWorkedBytes.begin() + 5 * i, kWorkedBytes.begin() + 5 * i + 5);
            QCOMPARE(readBytes(path), expected);
            QVERIFY(!fs::exists(path + ".tmp"));
        }
        const std::vector<tp::Event> sorted = {kWorkedEvents[0], kWorkedEvents[2], kWorkedEvents[1]};
        const Bytes sortedBytes = {0x07, 0x0F, 0x80, 0x02, 0x8E, 0x00, 0x21, 0x81, 0x86, 0xA0,
                                   0x21, 0x00, 0x7F, 0xFF, 0xFF};
        const std::string path = dir.filePath("all.bin").toStdString();
        tp::writeNmnistFile(path, sorted);
        QCOMPARE(readBytes(path), sortedBytes);
        QCOMPARE(tp::encodeNmnist(sorted), sortedBytes);
    }

    void workedBytesRead()
    {
        QTemporaryDir dir;
        for (std::size_t i = 0; i < kWorkedEvents.size(); ++i) {
            const std::string path = dir.filePath(QString("r%1.bin").arg(i)).toStdString();
            writeBytes(path, Bytes(kWorkedBytes.begin() + 5 * i, kWorkedBytes.begin() + 5 * i + 5));
            const tp::Events events = tp::readNmnistFile(path);
            QCOMPARE(events.size(), std::size_t(1));
            QVERIFY(events[0] == kWorkedEvents[i]);
        }
    }

    void roundTripRandom()
    {
        std::mt19937 gen(12345);
        std::uniform_int_distribution<int> coord(0, 33), pol(0, 1), dt(0, 20000);
        tp::Events events;
        std::int64_t t = 0;
        for (int i = 0; i < 300; ++i) {
            events.push_back(ev(t, coord(gen), coord(gen), pol(gen)));
            t += dt(gen) % 7 == 0 ? 0 : dt(gen);  // some equal times
        }
        events.push_back(ev(tp::kNmnistMaxTime_us, 33, 33, 1));
        QVERIFY(events[events.size() - 2].t_us < tp::kNmnistMaxTime_us);
        QTemporaryDir dir;
        const std::string path = dir.filePath("rt.bin").toStdString();
        tp::writeNmnistFile(path, events);
        QCOMPARE(fs::file_size(path), std::uintmax_t(5 * events.size()));
        QVERIFY(tp::readNmnistFile(path) == events);
        // Overwriting replaces the old content.
        tp::writeNmnistFile(path, std::span(events).first(10));
        QVERIFY(tp::readNmnistFile(path) == tp::Events(events.begin(), events.begin() + 10));
    }

    void overflowMarker()
    {
        // A (t=100), marker, B (raw t=50), marker with odd x and time, C (raw t=10).
        const Bytes bytes = {1, 2, 0x80, 0x00, 0x64,   // A
                             0, 240, 0x00, 0x00, 0x00, // marker
                             3, 4, 0x00, 0x00, 0x32,   // B: 50 + 8192
                             99, 240, 0xFF, 0xFF, 0xFF, // marker (x, p, t ignored)
                             5, 6, 0x80, 0x00, 0x0A};  // C: 10 + 16384
        QTemporaryDir dir;
        const std::string path = dir.filePath("ovf.bin").toStdString();
        writeBytes(path, bytes);
        const tp::Events events = tp::readNmnistFile(path);
        const tp::Events expected = {ev(100, 1, 2, 1), ev(8242, 3, 4, 0), ev(16394, 5, 6, 1)};
        QVERIFY(events == expected);
        // The writer refuses to emit a marker.
        expectConfigError([&] { tp::writeNmnistFile(path, std::vector{ev(0, 0, 240, 0)}); });
    }

    void truncatedFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("trunc.bin").toStdString();
        writeBytes(path, Bytes{0x07, 0x0F, 0x80, 0x02, 0x8E, 0x00, 0x21, 0x81, 0x86, 0xA0, 0x21, 0x00});
        expectFormatError([&] { tp::readNmnistFile(path); }, path, 10);
    }

    void coordinateOutOfRange()
    {
        QTemporaryDir dir;
        const std::string xPath = dir.filePath("x.bin").toStdString();
        writeBytes(xPath, Bytes{0, 0, 0, 0, 1, 33, 33, 0, 0, 2, 34, 0, 0, 0, 3});
        expectFormatError([&] { tp::readNmnistFile(xPath); }, xPath, 10);
        const std::string yPath = dir.filePath("y.bin").toStdString();
        writeBytes(yPath, Bytes{0, 0, 0, 0, 1, 0, 34, 0, 0, 2});
        expectFormatError([&] { tp::readNmnistFile(yPath); }, yPath, 5);
        // Offsets count the dropped marker's bytes too.
        const std::string mPath = dir.filePath("m.bin").toStdString();
        writeBytes(mPath, Bytes{0, 240, 0, 0, 0, 0, 239, 0, 0, 2});
        expectFormatError([&] { tp::readNmnistFile(mPath); }, mPath, 5);
    }

    void timeGoesBackwards()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("back.bin").toStdString();
        // t = 10, 10 (equal is fine), 9.
        writeBytes(path, Bytes{0, 0, 0, 0, 10, 1, 1, 0x80, 0, 10, 2, 2, 0, 0, 9});
        expectFormatError([&] { tp::readNmnistFile(path); }, path, 10);
        // After a marker, the corrected time counts: 20000 then 8192 + 12000 = 20192 is fine,
        // then 8192 + 11000 = 19192 goes back.
        writeBytes(path, Bytes{0, 0, 0, 0x4E, 0x20, 0, 240, 0, 0, 0, 1, 1, 0, 0x2E, 0xE0,
                               1, 1, 0, 0x2A, 0xF8});
        expectFormatError([&] { tp::readNmnistFile(path); }, path, 15);
    }

    void missingAndEmptyFile()
    {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("missing.bin").toStdString();
        bool thrown = false;
        try {
            tp::readNmnistFile(missing);
        } catch (const tp::IoError& e) {
            thrown = std::string(e.what()).find(missing) != std::string::npos;
        }
        QVERIFY(thrown);
        const std::string empty = dir.filePath("empty.bin").toStdString();
        writeBytes(empty, {});
        QVERIFY(tp::readNmnistFile(empty).empty());
        tp::writeNmnistFile(empty, {});
        QCOMPARE(fs::file_size(empty), std::uintmax_t(0));
    }

    void writerRejects()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.bin").toStdString();
        const std::vector<std::vector<tp::Event>> bad = {
            {ev(0, 34, 0, 0)}, {ev(0, -1, 0, 0)}, {ev(0, 0, 34, 0)},         {ev(0, 0, 240, 0)},
            {ev(0, 0, 0, 2)},  {ev(-1, 0, 0, 0)}, {ev(tp::kNmnistMaxTime_us + 1, 0, 0, 0)},
            {ev(5, 0, 0, 0), ev(4, 0, 0, 0)}};
        for (const auto& events : bad) {
            expectConfigError([&] { tp::writeNmnistFile(path, events); });
            QVERIFY(!fs::exists(path));
            QVERIFY(!fs::exists(path + ".tmp"));
        }
        bool thrown = false;
        try {
            tp::writeNmnistFile(dir.filePath("no/such/dir/x.bin").toStdString(), kSorted);
        } catch (const tp::IoError&) {
            thrown = true;
        }
        QVERIFY(thrown);
    }

    void firstSaccadeBoundary()
    {
        const tp::Events events = {ev(0, 1, 1, 0), ev(99999, 2, 2, 1), ev(100000, 3, 3, 0),
                                   ev(200000, 4, 4, 1)};
        const tp::Events kept = tp::firstSaccade(events);
        QCOMPARE(kept.size(), std::size_t(2));
        QVERIFY(kept[0] == events[0]);
        QVERIFY(kept[1] == events[1]);
        QVERIFY(tp::firstSaccade({}).empty());
    }

    void scanOrderAndLabels()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        std::vector<std::pair<tp::Events, int>> train, test;
        const int trainLabels[] = {3, 1, 3, 0, 9, 1};
        for (int i = 0; i < 6; ++i)
            train.push_back({{ev(i, i, i, i % 2)}, trainLabels[i]});
        test.push_back({{ev(7, 7, 7, 1)}, 5});
        tp::writeNmnistTree(root, train, test);

        // Things the scan must ignore or sort in: a non-digit folder, a two-digit folder,
        // a non-.bin file, a folder named like a .bin file, and a name sorting before 00002.
        const fs::path trainDir = fs::path(root) / "Train";
        fs::create_directories(trainDir / "extra");
        fs::create_directories(trainDir / "10");
        fs::create_directories(trainDir / "1" / "sub.bin");
        tp::writeNmnistFile((trainDir / "extra" / "00001.bin").string(), kSorted);
        tp::writeNmnistFile((trainDir / "10" / "00001.bin").string(), kSorted);
        writeBytes((trainDir / "3" / "notes.txt").string(), {1, 2, 3});
        tp::writeNmnistFile((trainDir / "1" / "000010.bin").string(), kSorted);

        const std::vector<tp::NmnistEntry> entries = tp::scanNmnist(root, true);
        const std::vector<std::pair<int, std::string>> expected = {
            {0, "0/00004.bin"}, {1, "1/000010.bin"}, {1, "1/00002.bin"}, {1, "1/00006.bin"},
            {3, "3/00001.bin"}, {3, "3/00003.bin"},  {9, "9/00005.bin"}};
        QCOMPARE(entries.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(entries[i].label, expected[i].first);
            QCOMPARE(entries[i].file, (trainDir / expected[i].second).string());
        }
        QVERIFY(tp::readNmnistFile(entries[0].file) == train[3].first);

        const std::vector<tp::NmnistEntry> testEntries = tp::scanNmnist(root, false);
        QCOMPARE(testEntries.size(), std::size_t(1));
        QCOMPARE(testEntries[0].label, 5);
        QCOMPARE(testEntries[0].file, (fs::path(root) / "Test" / "5" / "00001.bin").string());
        QVERIFY(tp::readNmnistFile(testEntries[0].file) == test[0].first);

        expectConfigError([&] { tp::writeNmnistTree(root, {{{}, 10}}, {}); });
    }

    void scanErrors()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const auto expectIoError = [&](bool train) {
            const std::string folder = root + (train ? "/Train" : "/Test");
            try {
                tp::scanNmnist(root, train);
            } catch (const tp::IoError& e) {
                const std::string what = e.what();
                QVERIFY2(what.find(folder + ": no N-MNIST class folders 0..9 found") != std::string::npos,
                         what.c_str());
                return;
            }
            QFAIL("no IoError");
        };
        expectIoError(true);   // no Train folder
        expectIoError(false);  // no Test folder
        // Class folders without .bin files, and .bin files outside class folders.
        fs::create_directories(fs::path(root) / "Train" / "4");
        fs::create_directories(fs::path(root) / "Train" / "x");
        writeBytes(root + "/Train/4/a.txt", {});
        writeBytes(root + "/Train/x/00001.bin", {});
        writeBytes(root + "/Train/00001.bin", {});
        expectIoError(true);
        // The tree writer makes scannable splits; an empty split is still an error.
        tp::writeNmnistTree(root, {{{ev(1, 1, 1, 1)}, 4}}, {});
        QCOMPARE(tp::scanNmnist(root, true).size(), std::size_t(1));
        expectIoError(false);
    }
};

QTEST_APPLESS_MAIN(TestNmnist)
#include "test_nmnist.moc"
