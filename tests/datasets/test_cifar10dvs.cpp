#include <QtTest>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "cifar10dvs.h"
#include "core/errors.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
using Conv = tp::DvsAddressConvention;
namespace fs = std::filesystem;

const Conv kAllConventions[] = {Conv::AntiDiagonalMirror, Conv::Raw, Conv::MirrorX, Conv::SwappedAxes};

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

Bytes text(std::string_view s)
{
    return Bytes(s.begin(), s.end());
}

Bytes cat(Bytes a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

tp::Event ev(std::int64_t t, int x, int y, int p)
{
    return tp::Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(p)};
}

/// The worked example of dataset-formats.md section 5.2: bits[1..7] = 5, bits[8..14] = 10,
/// bit0 = 0 (ON), t = 1000 -> address 0x00000A0A.
const Bytes kWorkedBytes = {0x00, 0x00, 0x0A, 0x0A, 0x00, 0x00, 0x03, 0xE8};

/// What the worked bytes decode to in each convention (a = 5, b = 10, p = 1 - bit0 = 1).
tp::Event workedEvent(Conv c)
{
    switch (c) {
    case Conv::AntiDiagonalMirror: return ev(1000, 127 - 10, 127 - 5, 1);  // (117, 122)
    case Conv::Raw: return ev(1000, 5, 10, 1);
    case Conv::MirrorX: return ev(1000, 127 - 5, 10, 1);                   // (122, 10)
    case Conv::SwappedAxes: return ev(1000, 10, 5, 1);
    }
    return {};
}

/// Not from the doc: constructed here from the bit layout of section 5.2.
/// (1) a = 127, b = 0, bit0 = 1 (OFF), t = 0xFFFFFFFF -> address 0x000000FF;
/// (2) a = 0, b = 127, bit0 = 0 (ON), t = 0x12345678 -> address 0x00007F00.
const Bytes kOwnBytes = {0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                         0x00, 0x00, 0x7F, 0x00, 0x12, 0x34, 0x56, 0x78};

std::vector<tp::Event> ownEvents(Conv c)
{
    const std::int64_t t0 = 4294967295, t1 = 0x12345678;
    switch (c) {
    case Conv::AntiDiagonalMirror: return {ev(t0, 127, 0, 0), ev(t1, 0, 127, 1)};
    case Conv::Raw: return {ev(t0, 127, 0, 0), ev(t1, 0, 127, 1)};
    case Conv::MirrorX: return {ev(t0, 0, 0, 0), ev(t1, 127, 127, 1)};
    case Conv::SwappedAxes: return {ev(t0, 0, 127, 0), ev(t1, 127, 0, 1)};
    }
    return {};
}

/// The header of the doc's minimal fixture (section 9), in both line-ending styles.
const Bytes kCrlfHeader = text("#!AER-DAT2.0\r\n# comment\r\n");
const Bytes kLfHeader = text("#!AER-DAT2.0\n# comment\n");

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

/// Runs `f`, expects an IoError whose message contains every string of `parts`.
template <typename F>
void expectIoError(F f, const std::vector<std::string>& parts)
{
    try {
        f();
    } catch (const tp::IoError& e) {
        const std::string what = e.what();
        for (const std::string& part : parts)
            QVERIFY2(what.find(part) != std::string::npos, what.c_str());
        return;
    }
    QFAIL("no IoError");
}

} // namespace

class TestCifar10Dvs : public QObject {
    Q_OBJECT

private slots:
    void constants()
    {
        QVERIFY(tp::kCifar10DvsSensor == (tp::SensorSize{128, 128, 2}));
        QCOMPARE(tp::kCifar10DvsClasses[0], std::string_view("airplane"));
        QCOMPARE(tp::kCifar10DvsClasses[1], std::string_view("automobile"));
        QCOMPARE(tp::kCifar10DvsClasses[9], std::string_view("truck"));
        QVERIFY(tp::kCifar10DvsConvention == Conv::AntiDiagonalMirror);
        QCOMPARE(tp::cifar10DvsTrainCount(1000), std::size_t(900));
        QCOMPARE(tp::cifar10DvsTrainCount(10), std::size_t(9));
        QCOMPARE(tp::cifar10DvsTrainCount(19), std::size_t(17));  // floor(17.1)
    }

    void workedBytesWrite()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const Bytes header = text(tp::kAedat2Header);
        QVERIFY(header.size() > 14 && std::string(header.begin(), header.begin() + 14) == "#!AER-DAT2.0\r\n");
        for (const Conv c : kAllConventions) {
            const tp::Event e = workedEvent(c);
            QCOMPARE(tp::encodeAedat2(std::span(&e, 1), c), cat(header, kWorkedBytes));
            const std::string path = dir.filePath(QString("w%1.aedat").arg(int(c))).toStdString();
            tp::writeAedat2(path, std::span(&e, 1), c);
            QCOMPARE(readBytes(path), cat(header, kWorkedBytes));
            QVERIFY(!fs::exists(path + ".tmp"));
            // Own bytes (constructed from the bit layout, not given by the doc).
            tp::writeAedat2(path, ownEvents(c), c);
            QCOMPARE(readBytes(path), cat(header, kOwnBytes));
        }
        // The default convention is the CIFAR10-DVS one.
        const tp::Event e = workedEvent(Conv::AntiDiagonalMirror);
        QCOMPARE(tp::encodeAedat2(std::span(&e, 1)), cat(header, kWorkedBytes));
    }

    void workedBytesRead()
    {
        QTemporaryDir dir;
        for (const Bytes& header : {kCrlfHeader, kLfHeader}) {
            const std::string path = dir.filePath("r.aedat").toStdString();
            writeBytes(path, cat(header, kWorkedBytes));
            for (const Conv c : kAllConventions) {
                const tp::Events events = tp::readAedat2(path, c);
                QCOMPARE(events.size(), std::size_t(1));
                QVERIFY(events[0] == workedEvent(c));
            }
            QVERIFY(tp::readAedat2(path) == tp::Events{workedEvent(Conv::AntiDiagonalMirror)});
            writeBytes(path, cat(header, kOwnBytes));
            for (const Conv c : kAllConventions)
                QVERIFY(tp::readAedat2(path, c) == ownEvents(c));
        }
    }

    void roundTripRandom()
    {
        std::mt19937 gen(2017);
        std::uniform_int_distribution<int> coord(0, 127), pol(0, 1);
        std::uniform_int_distribution<std::int64_t> time(0, 4294967295);
        tp::Events events;
        for (int i = 0; i < 500; ++i)
            events.push_back(ev(time(gen), coord(gen), coord(gen), pol(gen)));  // unsorted on purpose
        events.push_back(ev(0, 0, 0, 0));
        events.push_back(ev(4294967295, 127, 127, 1));
        QTemporaryDir dir;
        const std::string path = dir.filePath("rt.aedat").toStdString();
        for (const Conv c : kAllConventions) {
            tp::writeAedat2(path, events, c);
            QCOMPARE(fs::file_size(path), std::uintmax_t(tp::kAedat2Header.size() + 8 * events.size()));
            QVERIFY(tp::readAedat2(path, c) == events);
        }
        // A different convention on read gives a different geometry but the same p and t.
        tp::writeAedat2(path, events, Conv::Raw);
        const tp::Events swapped = tp::readAedat2(path, Conv::SwappedAxes);
        QCOMPARE(swapped.size(), events.size());
        for (std::size_t i = 0; i < events.size(); ++i) {
            QCOMPARE(swapped[i].x, events[i].y);
            QCOMPARE(swapped[i].y, events[i].x);
            QCOMPARE(swapped[i].p, events[i].p);
            QCOMPARE(swapped[i].t_us, events[i].t_us);
        }
        // Overwriting replaces the old content.
        tp::writeAedat2(path, std::span(events).first(3));
        QVERIFY(tp::readAedat2(path) == tp::Events(events.begin(), events.begin() + 3));
    }

    void headerVariants()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("h.aedat").toStdString();
        const tp::Event raw = workedEvent(Conv::Raw);
        // Several '#' lines, mixed endings, an empty '#' line and jAER XML preferences.
        writeBytes(path, cat(text("#!AER-DAT2.0\r\n"
                                  "# This is a raw AE data file - do not edit\r\n"
                                  "#\n"
                                  "# <?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                                  "#<entry key=\"x\" value=\"#!AER-DAT9\"/>\n"
                                  "# Timestamps tick is 1 us\r\n"),
                             kWorkedBytes));
        QVERIFY(tp::readAedat2(path, Conv::Raw) == tp::Events{raw});
        // No header at all: the body starts at byte 0.
        writeBytes(path, cat(kWorkedBytes, kOwnBytes));
        const tp::Events none = tp::readAedat2(path, Conv::Raw);
        QCOMPARE(none.size(), std::size_t(3));
        QVERIFY(none[0] == raw);
        QVERIFY(none[2] == ownEvents(Conv::Raw)[1]);
        // A '#' first line that is not a version line is an ordinary comment.
        writeBytes(path, cat(text("# just a comment\n"), kWorkedBytes));
        QVERIFY(tp::readAedat2(path, Conv::Raw) == tp::Events{raw});
        // "2" without minor number is still version 2.
        writeBytes(path, cat(text("#!AER-DAT2\r\n"), kWorkedBytes));
        QVERIFY(tp::readAedat2(path, Conv::Raw) == tp::Events{raw});
        // Other versions have other layouts.
        for (const char* version : {"#!AER-DAT1.0\r\n", "#!AER-DAT3.1\r\n", "#!AER-DAT4.0\r\n", "#!AER-DAT\n"}) {
            writeBytes(path, cat(text(version), kWorkedBytes));
            expectFormatError([&] { tp::readAedat2(path); }, path, 0);
        }
    }

    void truncatedEvent()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.aedat").toStdString();
        // Header (25 bytes), one event, then 5 bytes of a second one: offset 25 + 8 = 33.
        QCOMPARE(kCrlfHeader.size(), std::size_t(25));
        writeBytes(path, cat(cat(kCrlfHeader, kWorkedBytes), Bytes{0, 0, 1, 2, 3}));
        expectFormatError([&] { tp::readAedat2(path); }, path, 33);
        // Without header, a lone incomplete event.
        writeBytes(path, Bytes{0, 0, 0x0A, 0x0A, 0, 0, 3});
        expectFormatError([&] { tp::readAedat2(path); }, path, 0);
        // The LF header is 23 bytes.
        writeBytes(path, cat(kLfHeader, Bytes{0, 0, 0x0A}));
        expectFormatError([&] { tp::readAedat2(path); }, path, 23);
    }

    void missingData()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.aedat").toStdString();
        writeBytes(path, {});
        expectFormatError([&] { tp::readAedat2(path); }, path, 0);
        writeBytes(path, kCrlfHeader);  // header, no event
        expectFormatError([&] { tp::readAedat2(path); }, path, 25);
        writeBytes(path, text("#!AER-DAT2.0\r\n# cut"));  // ends inside the header
        expectFormatError([&] { tp::readAedat2(path); }, path, 14);
        expectIoError([&] { tp::readAedat2(dir.filePath("absent.aedat").toStdString()); }, {"absent.aedat"});
        expectConfigError([&] { tp::writeAedat2(path, tp::Events{}); });
    }

    void outOfRange()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("o.aedat").toStdString();
        // Third event has bit 16 set: y field would be 256 + 0 if read unmasked (not DVS128).
        const Bytes bad = {0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
        writeBytes(path, cat(cat(kCrlfHeader, kOwnBytes), bad));
        expectFormatError([&] { tp::readAedat2(path); }, path, 25 + 16);
        // A DAVIS346-style address (x in bits 12..21, y in 22..30).
        writeBytes(path, Bytes{0x05, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00});
        expectFormatError([&] { tp::readAedat2(path, Conv::Raw); }, path, 0);
        // The writer refuses what it cannot encode.
        for (const tp::Event& e : {ev(0, 128, 0, 1), ev(0, 0, 128, 1), ev(0, -1, 0, 1), ev(0, 0, -1, 0),
                                   ev(0, 0, 0, 2), ev(-1, 0, 0, 0), ev(4294967296, 0, 0, 0)})
            for (const Conv c : kAllConventions)
                expectConfigError([&] { tp::writeAedat2(path, std::span(&e, 1), c); });
        // ... before touching the disk: the previous (bad) file is still there.
        QCOMPARE(readBytes(path), (Bytes{0x05, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}));
    }

    void specialEventsSkipped()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.aedat").toStdString();
        // Bit 15 set (with other bits, even high ones): skipped, no error.
        const Bytes special = {0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x05,
                               0x00, 0x03, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x06};
        writeBytes(path, cat(cat(cat(kLfHeader, kWorkedBytes), special), kWorkedBytes));
        const tp::Events events = tp::readAedat2(path, Conv::Raw);
        QCOMPARE(events.size(), std::size_t(2));
        QVERIFY(events[0] == workedEvent(Conv::Raw) && events[1] == workedEvent(Conv::Raw));
    }

    void polaritySense()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.aedat").toStdString();
        // Same pixel, bit0 = 0 then bit0 = 1.
        writeBytes(path, Bytes{0x00, 0x00, 0x0A, 0x0A, 0, 0, 0, 1, 0x00, 0x00, 0x0A, 0x0B, 0, 0, 0, 2});
        for (const Conv c : kAllConventions) {
            const tp::Events events = tp::readAedat2(path, c);
            QCOMPARE(events.size(), std::size_t(2));
            QCOMPARE(int(events[0].p), 1);  // bit0 = 0 is ON
            QCOMPARE(int(events[1].p), 0);  // bit0 = 1 is OFF
            QCOMPARE(events[0].x, events[1].x);
            QCOMPARE(events[0].y, events[1].y);
            // And the writer: p = 1 -> bit0 = 0, p = 0 -> bit0 = 1.
            const Bytes bytes = tp::encodeAedat2(events, c);
            QCOMPARE(int(bytes[tp::kAedat2Header.size() + 3] & 1), 0);
            QCOMPARE(int(bytes[tp::kAedat2Header.size() + 8 + 3] & 1), 1);
        }
    }

    void splitCountsAndOrder()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        // 10 samples per class, written interleaved (label = i % 10); t = i identifies a sample.
        std::vector<std::pair<tp::Events, int>> samples;
        for (int i = 0; i < 100; ++i)
            samples.push_back({tp::Events{ev(i, i % 128, 3, 1)}, i % 10});
        tp::writeCifarTree(root, samples);
        QVERIFY(fs::exists(fs::path(root) / "truck" / "cifar10_truck_9.aedat"));
        QVERIFY(!fs::exists(fs::path(root) / "truck" / "cifar10_truck_10.aedat"));

        const auto train = tp::scanCifar10Dvs(root, true);
        const auto test = tp::scanCifar10Dvs(root, false);
        QCOMPARE(train.size(), std::size_t(90));
        QCOMPARE(test.size(), std::size_t(10));
        for (std::size_t k = 0; k < train.size(); ++k) {
            const int label = int(k / 9), index = int(k % 9);
            QCOMPARE(train[k].label, label);
            const std::string cls(tp::kCifar10DvsClasses[std::size_t(label)]);
            QCOMPARE(fs::path(train[k].file),
                     fs::path(root) / cls / ("cifar10_" + cls + "_" + std::to_string(index) + ".aedat"));
            QCOMPARE(tp::readAedat2(train[k].file)[0].t_us, std::int64_t(index * 10 + label));
        }
        for (int label = 0; label < 10; ++label) {
            QCOMPARE(test[std::size_t(label)].label, label);
            QVERIFY(test[std::size_t(label)].file.ends_with("_9.aedat"));
        }
    }

    void splitUnevenAndNumericOrder()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        // Class sizes 11, 20, 19, 1, 0, 5, 2, 3, 4, 10.
        const int sizes[10] = {11, 20, 19, 1, 0, 5, 2, 3, 4, 10};
        std::vector<std::pair<tp::Events, int>> samples;
        for (int label = 0; label < 10; ++label)
            for (int i = 0; i < sizes[label]; ++i)
                samples.push_back({tp::Events{ev(i, 1, 2, 0)}, label});
        tp::writeCifarTree(root, samples);
        // Files that are not regular .aedat files are ignored.
        writeBytes((fs::path(root) / "airplane" / "notes.txt").string(), text("x"));
        fs::create_directory(fs::path(root) / "airplane" / "sub.aedat");

        const auto train = tp::scanCifar10Dvs(root, true);
        const auto test = tp::scanCifar10Dvs(root, false);
        std::vector<int> trainCount(10), testCount(10);
        for (const auto& e : train) ++trainCount[std::size_t(e.label)];
        for (const auto& e : test) ++testCount[std::size_t(e.label)];
        for (int label = 0; label < 10; ++label) {
            QCOMPARE(trainCount[std::size_t(label)], sizes[label] * 9 / 10);
            QCOMPARE(testCount[std::size_t(label)] + trainCount[std::size_t(label)], sizes[label]);
        }
        QCOMPARE(trainCount[0], 9);   // 11 -> floor(9.9)
        QCOMPARE(trainCount[2], 17);  // 19 -> floor(17.1)
        QCOMPARE(trainCount[3], 0);   // 1 -> test only
        // Airplane (11 files): numeric order, so _0.._8 train and _9, _10 test (byte order
        // would put _10 right after _1).
        for (int i = 0; i < 9; ++i)
            QVERIFY2(train[std::size_t(i)].file.ends_with("cifar10_airplane_" + std::to_string(i) + ".aedat"),
                     train[std::size_t(i)].file.c_str());
        QVERIFY(test[0].file.ends_with("cifar10_airplane_9.aedat"));
        QVERIFY(test[1].file.ends_with("cifar10_airplane_10.aedat"));
        // Labels never decrease.
        QVERIFY(std::is_sorted(train.begin(), train.end(), [](auto& a, auto& b) { return a.label < b.label; }));
        QVERIFY(std::is_sorted(test.begin(), test.end(), [](auto& a, auto& b) { return a.label < b.label; }));
    }

    void missingFolders()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        expectIoError([&] { tp::scanCifar10Dvs(root, true); }, {root, "airplane", "truck"});
        // All folders but two.
        for (const std::string_view name : tp::kCifar10DvsClasses)
            if (name != "cat" && name != "ship")
                fs::create_directory(fs::path(root) / name);
        expectIoError([&] { tp::scanCifar10Dvs(root, false); }, {"missing class folder(s) cat, ship"});
        // All folders, no file.
        fs::create_directory(fs::path(root) / "cat");
        fs::create_directory(fs::path(root) / "ship");
        expectIoError([&] { tp::scanCifar10Dvs(root, true); }, {"no .aedat files"});
        expectIoError([&] { tp::scanCifar10Dvs((fs::path(root) / "nope").string(), true); }, {"nope"});
    }

    void treeWriterRejectsBadInput()
    {
        QTemporaryDir dir;
        const std::string root = dir.filePath("tree").toStdString();
        expectConfigError([&] { tp::writeCifarTree(root, {{tp::Events{ev(0, 1, 1, 1)}, 10}}); });
        expectConfigError([&] { tp::writeCifarTree(root, {{tp::Events{ev(0, 1, 1, 1)}, -1}}); });
        expectConfigError([&] {
            tp::writeCifarTree(root, {{tp::Events{ev(0, 1, 1, 1)}, 0}, {tp::Events{ev(0, 200, 1, 1)}, 1}});
        });
        QVERIFY(!fs::exists(root));  // nothing written
    }
};

QTEST_APPLESS_MAIN(TestCifar10Dvs)
#include "test_cifar10dvs.moc"
