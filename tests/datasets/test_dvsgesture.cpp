#include <QtTest>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/errors.h"
#include "dvsgesture.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

void writeBytes(const std::string& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    QVERIFY(out.good());
}

void writeText(const std::string& path, const std::string& text)
{
    writeBytes(path, Bytes(text.begin(), text.end()));
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

Bytes operator+(Bytes a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Bytes ascii(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

void putLE(Bytes& out, std::uint64_t v, int n)
{
    for (int i = 0; i < n; ++i)
        out.push_back(std::uint8_t(v >> (8 * i)));
}

/// A 28-byte AEDAT 3.1 packet header.
Bytes packet(int type, int source, int size, int tsOffset, int overflow, int capacity, int number, int valid)
{
    Bytes b;
    putLE(b, std::uint16_t(type), 2);
    putLE(b, std::uint16_t(source), 2);
    for (int v : {size, tsOffset, overflow, capacity, number, valid})
        putLE(b, std::uint32_t(v), 4);
    return b;
}

/// An 8-byte polarity event.
Bytes polarity(int x, int y, int p, bool valid, std::int32_t ts)
{
    Bytes b;
    putLE(b, std::uint32_t(valid) | std::uint32_t(p) << 1 | std::uint32_t(y) << 2 | std::uint32_t(x) << 17, 4);
    putLE(b, std::uint32_t(ts), 4);
    return b;
}

/// The header of dataset-formats.md section 4.2 as cAER writes it.
const std::string kDocHeader = "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
                               "#Start-Time: 2017-03-08 09:30:19 (TZ+0100)\r\n#!END-HEADER\r\n";
/// The header this project's writer emits.
const std::string kOurHeader = "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
                               "#Start-Time: 1970-01-01 00:00:00 (TZ+0000)\r\n#!END-HEADER\r\n";
/// Worked bytes of section 4.2: one-event packet header, then x=5, y=10, ON, valid, t=1000.
const Bytes kWorkedPacket = {0x01, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
const Bytes kWorkedEvent = {0x2B, 0x00, 0x0A, 0x00, 0xE8, 0x03, 0x00, 0x00};

/// Runs `f`, expects a FormatError whose message names `file` and `where` ("byte offset 12").
template <typename F>
void expectFormatError(F f, const std::string& file, const std::string& where)
{
    try {
        f();
    } catch (const tp::FormatError& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(file) != std::string::npos, what.c_str());
        QVERIFY2(what.find("(" + where + ")") != std::string::npos, (what + " lacks " + where).c_str());
        return;
    }
    QFAIL(("no FormatError for " + file).c_str());
}

template <typename F>
void expectFormatError(F f, const std::string& file, std::int64_t offset)
{
    expectFormatError(f, file, "byte offset " + std::to_string(offset));
}

/// Runs `f`, expects an IoError whose message names `needle`.
template <typename F>
void expectIoError(F f, const std::string& needle)
{
    try {
        f();
    } catch (const tp::IoError& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
        return;
    }
    QFAIL(("no IoError naming " + needle).c_str());
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

/// Walks the packets of an AEDAT file: (offset, type, overflow, number) of each.
struct PacketInfo {
    std::size_t offset;
    int type, overflow, number;
};
std::vector<PacketInfo> packets(const Bytes& file, std::size_t dataStart)
{
    std::vector<PacketInfo> out;
    for (std::size_t pos = dataStart; pos + 28 <= file.size();) {
        std::int32_t f[7];
        std::memcpy(f, file.data() + pos + 4, sizeof f);
        out.push_back({pos, int(file[pos] | file[pos + 1] << 8), f[2], f[4]});
        pos += 28 + std::size_t(f[0]) * std::size_t(f[3]);
    }
    return out;
}

/// A hand-built NPY v1.0 (or v2.0) file: header dict padded to 64, then the raw data.
Bytes npyFile(const std::string& dict, const Bytes& data, int major = 1)
{
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append(64 - (prefix + header.size() + 1) % 64, ' ');
    header += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', std::uint8_t(major), 0};
    putLE(b, header.size(), major == 1 ? 2 : 4);
    return b + ascii(header) + data;
}

} // namespace

class TestDvsGesture : public QObject {
    Q_OBJECT

private slots:
    void constants()
    {
        QCOMPARE(tp::kDvsGestureSensor, (tp::SensorSize{128, 128, 2}));
        QCOMPARE(tp::kDvsGestureClassNames.size(), std::size_t(11));
        QCOMPARE(tp::kDvsGestureClassNames[0], std::string_view("hand clapping"));
        QCOMPARE(tp::kDvsGestureClassNames[4], std::string_view("right arm counter-clockwise"));
        QCOMPARE(tp::kDvsGestureClassNames[10], std::string_view("other gestures"));
    }

    void aedatWorkedBytesWrite()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("w.aedat").toStdString();
        const std::vector<tp::Event> one = {ev(1000, 5, 10, 1)};
        tp::writeAedat31(path, one);
        QCOMPARE(readBytes(path), ascii(kOurHeader) + kWorkedPacket + kWorkedEvent);
        QVERIFY(!fs::exists(path + ".tmp"));
        QCOMPARE(tp::encodeAedat31(one), ascii(kOurHeader) + kWorkedPacket + kWorkedEvent);
        // No events: the header alone, which reads back as no events.
        tp::writeAedat31(path, {});
        QCOMPARE(readBytes(path), ascii(kOurHeader));
        QVERIFY(tp::readAedat31(path).empty());
    }

    void aedatWorkedBytesRead()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("r.aedat").toStdString();
        writeBytes(path, ascii(kDocHeader) + kWorkedPacket + kWorkedEvent);
        tp::Events events = tp::readAedat31(path);
        QCOMPARE(events.size(), std::size_t(1));
        QVERIFY(events[0] == ev(1000, 5, 10, 1));
        // \n line endings and different middle lines.
        writeBytes(path, ascii("#!AER-DAT3.1\n#Source 1: DVS128\n#!END-HEADER\n") + kWorkedPacket + kWorkedEvent);
        events = tp::readAedat31(path);
        QCOMPARE(events.size(), std::size_t(1));
        QVERIFY(events[0] == ev(1000, 5, 10, 1));
    }

    void aedatRoundTrip()
    {
        // 5000 sorted events that cross 2^31 us, then one at 2^32 + 7 (overflow 2).
        std::mt19937 gen(7);
        std::uniform_int_distribution<int> coord(0, 127), pol(0, 1), dt(0, 900);
        tp::Events events;
        std::int64_t t = (std::int64_t(1) << 31) - 2000000;
        for (int i = 0; i < 5000; ++i) {
            events.push_back(ev(t, coord(gen), coord(gen), pol(gen)));
            t += dt(gen);
        }
        QVERIFY(events.front().t_us < (std::int64_t(1) << 31));
        QVERIFY(events.back().t_us >= (std::int64_t(1) << 31));
        events.push_back(ev((std::int64_t(1) << 32) + 7, 127, 127, 1));
        events.push_back(ev(0, 0, 0, 0));  // unsorted: goes to its own packet (overflow 0)
        QTemporaryDir dir;
        const std::string path = dir.filePath("rt.aedat").toStdString();
        tp::writeAedat31(path, events, 1000);
        QVERIFY(tp::readAedat31(path) == events);

        const std::vector<PacketInfo> info = packets(readBytes(path), kOurHeader.size());
        int total = 0;
        bool sawOverflow1 = false;
        for (const PacketInfo& p : info) {
            QCOMPARE(p.type, 1);
            QVERIFY(p.number <= 1000);
            total += p.number;
            sawOverflow1 = sawOverflow1 || p.overflow == 1;
        }
        QCOMPARE(total, int(events.size()));
        QVERIFY(sawOverflow1);
        QVERIFY(info.size() >= 7);  // 5000 / 1000 plus the overflow split, 2^32 + 7 and t = 0
        QCOMPARE(info[info.size() - 2].overflow, 2);
        QCOMPARE(info.back().overflow, 0);

        expectConfigError([&] { tp::writeAedat31(path, events, 0); });
        expectConfigError([&] { tp::writeAedat31(path, std::vector{ev(0, 128, 0, 0)}); });
        expectConfigError([&] { tp::writeAedat31(path, std::vector{ev(0, 0, 0, 2)}); });
        expectConfigError([&] { tp::writeAedat31(path, std::vector{ev(-1, 0, 0, 0)}); });
        QVERIFY(tp::readAedat31(path) == events);  // the failed writes left the file alone
    }

    void aedatSkipsNonPolarityPacket()
    {
        // A frame packet (type 2, 12-byte events, capacity 2) full of bytes that would decode as
        // events, then a polarity packet with overflow 1 (checklist of section 9).
        const Bytes frame = packet(2, 1, 12, 0, 0, 2, 2, 2) + Bytes(24, 0xFF);
        const Bytes pol = packet(1, 1, 8, 4, 1, 2, 2, 2) + polarity(1, 2, 1, true, 5) + polarity(127, 0, 0, true, 0x7FFFFFFF);
        QTemporaryDir dir;
        const std::string path = dir.filePath("skip.aedat").toStdString();
        writeBytes(path, ascii(kDocHeader) + frame + pol);
        const tp::Events expected = {ev((std::int64_t(1) << 31) | 5, 1, 2, 1), ev((std::int64_t(1) << 32) - 1, 127, 0, 0)};
        QVERIFY(tp::readAedat31(path) == expected);
    }

    void aedatSkipsInvalidEvent()
    {
        // 3 events, the middle one invalid (and with an out-of-range x that is not checked); the
        // capacity has a 4th, unused slot (eventNumber 3) holding garbage.
        const Bytes pol = packet(1, 1, 8, 4, 0, 4, 3, 2) + polarity(3, 4, 0, true, 10) + polarity(200, 4, 1, false, 11) +
                          polarity(5, 6, 1, true, 12) + Bytes(8, 0xFF);
        QTemporaryDir dir;
        const std::string path = dir.filePath("inv.aedat").toStdString();
        writeBytes(path, ascii(kDocHeader) + pol + kWorkedPacket + kWorkedEvent);
        const tp::Events expected = {ev(10, 3, 4, 0), ev(12, 5, 6, 1), ev(1000, 5, 10, 1)};
        QVERIFY(tp::readAedat31(path) == expected);
    }

    void aedatErrors()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.aedat").toStdString();
        const Bytes head = ascii(kDocHeader);
        const std::int64_t data = std::int64_t(head.size());
        const auto expectAt = [&](const Bytes& bytes, std::int64_t offset) {
            writeBytes(path, bytes);
            expectFormatError([&] { tp::readAedat31(path); }, path, offset);
        };
        // Wrong magic, and the empty file.
        expectAt(ascii("#!AER-DAT2.0\r\n#!END-HEADER\r\n") + kWorkedPacket + kWorkedEvent, 0);
        expectAt({}, 0);
        // Missing END-HEADER: at the end of the file, or at the first line without '#'.
        expectAt(ascii("#!AER-DAT3.1\r\n#Format: RAW\r\n"), 28);
        expectAt(ascii("#!AER-DAT3.1\r\n#Format: RAW\r\n") + kWorkedPacket + kWorkedEvent, 28);
        // Truncated packet header (27 bytes) after a good packet.
        expectAt(head + kWorkedPacket + kWorkedEvent + Bytes(kWorkedPacket.begin(), kWorkedPacket.end() - 1), data + 36);
        // Truncated payload: 1 event declared, 7 bytes present.
        expectAt(head + kWorkedPacket + Bytes(kWorkedEvent.begin(), kWorkedEvent.end() - 1), data + 28);
        // A skipped packet that claims more than the file holds.
        expectAt(head + packet(2, 1, 100, 0, 0, 3, 3, 3) + Bytes(200, 0), data + 28);
        // Polarity eventSize < 8, tsOffset != 4, negative capacity, number > capacity.
        expectAt(head + packet(1, 1, 4, 4, 0, 1, 1, 1) + Bytes(8, 0), data + 4);
        expectAt(head + packet(1, 1, 8, 0, 0, 1, 1, 1) + kWorkedEvent, data + 8);
        expectAt(head + packet(2, 1, 8, 0, 0, -1, 0, 0), data + 16);
        expectAt(head + packet(1, 1, 8, 4, 0, 1, 2, 1) + kWorkedEvent, data + 20);
        // x = 128 and y = 128 in the second event.
        expectAt(head + packet(1, 1, 8, 4, 0, 2, 2, 2) + kWorkedEvent + polarity(128, 0, 1, true, 5), data + 36);
        expectAt(head + packet(1, 1, 8, 4, 0, 2, 2, 2) + kWorkedEvent + polarity(0, 128, 1, true, 5), data + 36);
        // Negative timestamp.
        expectAt(head + packet(1, 1, 8, 4, 0, 1, 1, 1) + polarity(1, 1, 1, true, -5), data + 28);
        // A missing file is an IoError.
        expectIoError([&] { tp::readAedat31(path + ".missing"); }, path + ".missing");
    }

    void labelsCsv()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("user01_led_labels.csv").toStdString();
        writeText(path, "class,startTime_usec,endTime_usec\r\n1,80048239,85092709\r\n\r\n8,100,200\r\n11, 300 ,400\r\n8,150,250");
        std::vector<tp::GestureLabel> labels = tp::readGestureLabels(path);
        const std::vector<tp::GestureLabel> expected = {
            {0, 80048239, 85092709}, {7, 100, 200}, {10, 300, 400}, {7, 150, 250}};
        QVERIFY(labels == expected);

        const std::string out = dir.filePath("out.csv").toStdString();
        tp::writeGestureLabels(out, expected);
        QCOMPARE(readBytes(out), ascii("class,startTime_usec,endTime_usec\n1,80048239,85092709\n8,100,200\n11,300,400\n8,150,250\n"));
        QVERIFY(tp::readGestureLabels(out) == expected);
        expectConfigError([&] { tp::writeGestureLabels(out, {{11, 0, 1}}); });
        expectConfigError([&] { tp::writeGestureLabels(out, {{0, 5, 4}}); });

        const std::string header = "class,startTime_usec,endTime_usec\n1,0,10\n";
        for (const std::string& bad : {std::string("12,0,10"), std::string("0,0,10"), std::string("3,abc,10"),
                                       std::string("3,0"), std::string("3,0,10,4"), std::string("3,20,10"),
                                       std::string("3,-1,10"), std::string("3,0,10x")}) {
            writeText(path, header + "\n" + bad + "\n2,0,5\n");
            expectFormatError([&] { tp::readGestureLabels(path); }, path, "line 4");
        }
        writeText(path, "class,start,end\n1,0,10\n");
        expectFormatError([&] { tp::readGestureLabels(path); }, path, "line 1");
        writeText(path, "");
        expectFormatError([&] { tp::readGestureLabels(path); }, path, "line 1");
    }

    void cutTrialsBoundaries()
    {
        const tp::Events recording = {ev(5, 0, 0, 0), ev(10, 1, 0, 0), ev(15, 2, 0, 0), ev(15, 3, 0, 1),
                                      ev(20, 4, 0, 0), ev(25, 5, 0, 0), ev(30, 6, 0, 0)};
        // Start inclusive, end exclusive; rows overlap, repeat a class and may be empty.
        const std::vector<tp::GestureLabel> labels = {{3, 10, 20}, {7, 15, 30}, {3, 0, 5}, {2, 20, 20}, {9, 26, 1000}};
        const auto trials = tp::cutTrials(recording, labels);
        QCOMPARE(trials.size(), std::size_t(5));
        const auto xs = [](const tp::Events& events) {
            std::vector<int> out;
            for (const tp::Event& e : events)
                out.push_back(e.x);
            return out;
        };
        QCOMPARE(xs(trials[0].first), (std::vector<int>{1, 2, 3}));
        QCOMPARE(trials[0].second, 3);
        QCOMPARE(xs(trials[1].first), (std::vector<int>{2, 3, 4, 5}));
        QCOMPARE(trials[1].second, 7);
        QVERIFY(trials[2].first.empty());
        QVERIFY(trials[3].first.empty());
        QCOMPARE(trials[3].second, 2);
        QCOMPARE(xs(trials[4].first), (std::vector<int>{6}));

        // An unsorted recording gives the same events, in recording order.
        tp::Events shuffled = recording;
        std::reverse(shuffled.begin(), shuffled.end());
        const auto unsorted = tp::cutTrials(shuffled, labels);
        QCOMPARE(xs(unsorted[0].first), (std::vector<int>{3, 2, 1}));
        QCOMPARE(xs(unsorted[1].first), (std::vector<int>{5, 4, 3, 2}));
        QVERIFY(unsorted[2].first.empty());
        QCOMPARE(xs(unsorted[4].first), (std::vector<int>{6}));
    }

    void trialsListScan()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        for (const char* stem : {"user01_fluorescent", "user02_led", "user24_lab"}) {
            writeText(root + "/" + stem + ".aedat", kOurHeader);
            writeText(root + "/" + stem + "_labels.csv", "class,startTime_usec,endTime_usec\n");
        }
        writeText(root + "/trials_to_train.txt", "user02_led.aedat\r\n\r\nuser01_fluorescent.aedat\r\n  \r\n");
        writeText(root + "/trials_to_test.txt", "user24_lab.aedat");
        const auto train = tp::scanDvsGesture(root, true);
        QCOMPARE(train.size(), std::size_t(2));
        QCOMPARE(train[0].aedat, (fs::path(root) / "user02_led.aedat").string());
        QCOMPARE(train[0].labels, (fs::path(root) / "user02_led_labels.csv").string());
        QCOMPARE(train[1].aedat, (fs::path(root) / "user01_fluorescent.aedat").string());
        const auto test = tp::scanDvsGesture(root, false);
        QCOMPARE(test.size(), std::size_t(1));
        QCOMPARE(test[0].labels, (fs::path(root) / "user24_lab_labels.csv").string());

        // Missing .aedat, missing labels, bad names, missing list.
        const std::string list = root + "/trials_to_train.txt";
        writeText(list, "user01_fluorescent.aedat\nuser03_natural.aedat\n");
        expectIoError([&] { tp::scanDvsGesture(root, true); }, "user03_natural.aedat");
        writeText(root + "/user03_natural.aedat", "");
        expectIoError([&] { tp::scanDvsGesture(root, true); }, "user03_natural_labels.csv");
        for (const char* bad : {"../user01_fluorescent.aedat", "sub/x.aedat", "user01_fluorescent.csv"}) {
            writeText(list, std::string("user01_fluorescent.aedat\n") + bad + "\n");
            expectFormatError([&] { tp::scanDvsGesture(root, true); }, list, "line 2");
        }
        fs::remove(list);
        expectIoError([&] { tp::scanDvsGesture(root, true); }, "trials_to_train.txt");
    }

    void npyRoundTripInt64()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("3.npy").toStdString();
        // The section 4.3 example: shape (2, 4) int64, v1.0, header_len 118, data at byte 128.
        const std::vector<std::int64_t> values = {5, 10, 1, 2, 127, 0, 0, 123456};
        tp::writeNpy(path, values, 2, 4);
        const Bytes bytes = readBytes(path);
        QCOMPARE(bytes.size(), std::size_t(128 + 64));
        QCOMPARE(Bytes(bytes.begin(), bytes.begin() + 10), (Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}));
        const std::string dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 4), }";
        QCOMPARE(std::string(bytes.begin() + 10, bytes.begin() + 10 + std::ptrdiff_t(dict.size())), dict);
        QCOMPARE(bytes[127], std::uint8_t('\n'));
        QCOMPARE(bytes[126], std::uint8_t(' '));
        QCOMPARE(bytes[128 + 56], std::uint8_t(0x40));  // 123456 = 0x01E240, LE
        const tp::Events expected = {ev(2000, 5, 10, 1), ev(123456000, 127, 0, 0)};
        QVERIFY(tp::readGestureNpy(path) == expected);

        // Thousands of events through writeGestureNpy.
        std::mt19937 gen(3);
        std::uniform_int_distribution<int> coord(0, 127), pol(0, 1), ms(0, 6000);
        tp::Events events;
        for (int i = 0; i < 3000; ++i)
            events.push_back(ev(std::int64_t(ms(gen)) * 1000, coord(gen), coord(gen), pol(gen)));
        tp::writeGestureNpy(path, events);
        QVERIFY(tp::readGestureNpy(path) == events);
        tp::writeGestureNpy(path, {});
        QVERIFY(tp::readGestureNpy(path).empty());
        expectConfigError([&] { tp::writeGestureNpy(path, std::vector{ev(1500, 0, 0, 0)}); });
        expectConfigError([&] { tp::writeNpy(path, values, 3, 4); });
    }

    void npyOtherDtypes()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("f.npy").toStdString();
        // Hand-built float32 (N, 4): t_ms 1.5 -> 1500 us, 0.001 -> 1 us (rounded, not truncated).
        Bytes f32;
        for (float v : {3.0f, 4.0f, 1.0f, 1.5f, 127.0f, 0.0f, 0.0f, 0.001f}) {
            std::uint32_t u;
            std::memcpy(&u, &v, 4);
            putLE(f32, u, 4);
        }
        const tp::Events expected = {ev(1500, 3, 4, 1), ev(1, 127, 0, 0)};
        writeBytes(path, npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", f32));
        QVERIFY(tp::readGestureNpy(path) == expected);
        // Same data in a v2.0 header with another key order and double quotes.
        writeBytes(path, npyFile("{\"shape\": (2,4), \"fortran_order\": False, \"descr\": \"<f4\"}", f32, 2));
        QVERIFY(tp::readGestureNpy(path) == expected);
        // float64 with a fraction in x is rejected at the element.
        Bytes f64;
        for (double v : {3.5, 4.0, 1.0, 1.5}) {
            std::uint64_t u;
            std::memcpy(&u, &v, 8);
            putLE(f64, u, 8);
        }
        writeBytes(path, npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 4), }", f64));
        expectFormatError([&] { tp::readGestureNpy(path); }, path, 128);
        // int16, int32, uint8 and bool.
        Bytes i16, i32, u8 = {1, 2, 1, 7}, b1 = {1, 0, 1, 1};
        for (int v : {9, 8, 0, 300}) {
            putLE(i16, std::uint16_t(v), 2);
            putLE(i32, std::uint32_t(v), 4);
        }
        writeBytes(path, npyFile("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 4), }", i16));
        QVERIFY(tp::readGestureNpy(path) == tp::Events{ev(300000, 9, 8, 0)});
        writeBytes(path, npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 4), }", i32));
        QVERIFY(tp::readGestureNpy(path) == tp::Events{ev(300000, 9, 8, 0)});
        writeBytes(path, npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4), }", u8));
        QVERIFY(tp::readGestureNpy(path) == tp::Events{ev(7000, 1, 2, 1)});
        writeBytes(path, npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 4), }", b1));
        QVERIFY(tp::readGestureNpy(path) == tp::Events{ev(1000, 1, 0, 1)});
    }

    void npyBadHeader()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.npy").toStdString();
        Bytes row;
        for (int v : {1, 2, 1, 3})
            putLE(row, std::uint64_t(v), 8);
        const auto expectAt = [&](const Bytes& bytes, std::int64_t offset) {
            writeBytes(path, bytes);
            expectFormatError([&] { tp::readGestureNpy(path); }, path, offset);
        };
        const auto dict = [](const std::string& descr, const std::string& fortran, const std::string& shape) {
            return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
        };
        writeBytes(path, npyFile(dict("<i8", "False", "(1, 4)"), row));  // control: this one is fine
        QVERIFY(tp::readGestureNpy(path) == tp::Events{ev(3000, 1, 2, 1)});

        Bytes magic = npyFile(dict("<i8", "False", "(1, 4)"), row);
        magic[1] = 'n';
        expectAt(magic, 0);
        Bytes version = npyFile(dict("<i8", "False", "(1, 4)"), row);
        version[6] = 4;
        expectAt(version, 6);
        expectAt(npyFile(dict(">i8", "False", "(1, 4)"), row), 10);      // big endian
        expectAt(npyFile(dict("<u4", "False", "(1, 4)"), row), 10);      // not accepted
        expectAt(npyFile(dict("<i8", "True", "(1, 4)"), row), 10);       // fortran order
        expectAt(npyFile(dict("<i8", "False", "(4,)"), row), 10);        // 1-D
        expectAt(npyFile(dict("<i8", "False", "(1, 3)"), row), 10);      // 3 columns
        expectAt(npyFile(dict("<i8", "False", "(2, 4)"), row), 128);     // data truncated
        expectAt(npyFile(dict("<i8", "False", "(1, 4)"), row + Bytes(8, 0)), 160);  // trailing bytes
        expectAt(npyFile(dict("<i8", "Maybe", "(1, 4)"), row), 10 + 34);  // at the bad value
        expectAt(npyFile("{'descr': '<i8', 'shape': (1, 4), }", row), 10);  // key missing
        expectAt(npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 4), 'x': 1}", row), 10 + 58);
        Bytes longHeader = npyFile(dict("<i8", "False", "(1, 4)"), row);
        longHeader[8] = 0xFF;  // header length past the end
        expectAt(longHeader, 8);
        // y = 128 in row 0 (element 1), p = 2.
        Bytes badY, badP;
        for (int v : {1, 128, 1, 3})
            putLE(badY, std::uint64_t(v), 8);
        for (int v : {1, 2, 2, 3})
            putLE(badP, std::uint64_t(v), 8);
        expectAt(npyFile(dict("<i8", "False", "(1, 4)"), badY), 136);
        expectAt(npyFile(dict("<i8", "False", "(1, 4)"), badP), 144);
    }

    void npyTreeScan()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const fs::path split = fs::path(root) / "ibmGestureTrain";
        for (const char* folder : {"user02_led", "user01_fluorescent_led", "notes"})
            fs::create_directories(split / folder);
        const std::vector<tp::Event> one = {ev(1000, 1, 1, 1)};
        for (const char* file : {"user02_led/10.npy", "user02_led/2.npy", "user02_led/0.npy",
                                 "user01_fluorescent_led/4.npy", "notes/1.npy"})
            tp::writeGestureNpy((split / file).string(), one);
        writeText((split / "user02_led" / "readme.txt").string(), "x");
        const auto samples = tp::scanGestureNpy(root, true);
        QCOMPARE(samples.size(), std::size_t(4));
        QCOMPARE(samples[0].file, (split / "user01_fluorescent_led" / "4.npy").string());
        QCOMPARE(samples[0].label, 4);
        QCOMPARE(samples[0].user, 1);
        QCOMPARE(samples[0].lighting, std::string("fluorescent_led"));
        QCOMPARE(samples[1].label, 0);
        QCOMPARE(samples[2].label, 2);
        QCOMPARE(samples[3].label, 10);
        QCOMPARE(samples[3].user, 2);
        QCOMPARE(samples[3].lighting, std::string("led"));
        QVERIFY(tp::readGestureNpy(samples[3].file) == one);

        tp::writeGestureNpy((split / "user02_led" / "11.npy").string(), one);
        expectFormatError([&] { tp::scanGestureNpy(root, true); }, (split / "user02_led" / "11.npy").string(),
                          "file name");
        expectIoError([&] { tp::scanGestureNpy(root, false); }, "ibmGestureTest");
        fs::create_directories(fs::path(root) / "ibmGestureTest" / "user24_led");
        expectIoError([&] { tp::scanGestureNpy(root, false); }, "ibmGestureTest");
    }
};

QTEST_APPLESS_MAIN(TestDvsGesture)
#include "test_dvsgesture.moc"
