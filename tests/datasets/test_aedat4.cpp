// AEDAT 4.0 recordings (recordings/aedat4_recording.cpp) on files this test writes from the spec
// (aedat4_fixture.h): the polarity events of every compression exactly, other streams skipped
// and counted, the file data table noted, the events streamed in bounded chunks, and every
// truncated or corrupt file a FormatError naming the file and byte offset.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <set>

#include "aedat4_fixture.h"
#include "core/errors.h"
#include "recording.h"

namespace a4 = tp_test::aedat4;

namespace {

using Skipped = std::vector<std::pair<std::string, std::uint64_t>>;

std::string write(const QTemporaryDir& dir, const std::string& name, const a4::Bytes& bytes)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

a4::Bytes cat(a4::Bytes a, const a4::Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

a4::Bytes text(const std::string& s) { return a4::Bytes(s.begin(), s.end()); }

/// The events of the AEDAT 4 reader on `file`, through the format's own read (no detection).
tp::Events read(const std::string& file, tp::RecordingHeader* header = nullptr)
{
    tp::Events ev;
    tp::RecordingHeader h = tp::findRecordingFormat("aedat4")->read(
        file, [&](std::span<const tp::Event> c) { ev.insert(ev.end(), c.begin(), c.end()); });
    if (header)
        *header = std::move(h);
    return ev;
}

/// The message of the FormatError reading `file` throws ("" if it reads).
std::string formatErrorOf(const std::string& file)
{
    try {
        read(file);
    } catch (const tp::FormatError& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// `n` events from time `t0` on a 346 x 260 sensor, varied by `seed`.
tp::Events someEvents(int n, std::int64_t t0, int seed)
{
    tp::Events ev;
    for (int i = 0; i < n; ++i)
        ev.push_back({t0 + 13 * i, std::int16_t((37 * i + seed) % 346), std::int16_t((11 * i + 3 * seed) % 260),
                      std::uint8_t((7 * i + seed) % 3 == 0)});
    return ev;
}

tp::Events join(tp::Events a, const tp::Events& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

constexpr std::int64_t kT0 = 1589163005536052;  // DV time stamps are Unix time in microseconds

void setLE32(a4::Bytes& b, std::size_t at, std::int32_t v)
{
    for (int i = 0; i < 4; ++i)
        b[at + std::size_t(i)] = std::uint8_t(std::uint32_t(v) >> (8 * i));
}

} // namespace

class TestAedat4 : public QObject {
    Q_OBJECT
private slots:
    void detectsTheVersionLine()
    {
        QTemporaryDir dir;
        const auto file = write(dir, "recording.bin", a4::build({a4::None, {{0, "EVTS", 346, 260}}, {}}));
        const tp::RecordingFormat* f = tp::detectRecording(tp::probePath(file));
        QVERIFY(f);
        QCOMPARE(std::string(f->name), std::string("aedat4"));
        QCOMPARE(tp::findRecordingFormat("aedat4"), f);
        QVERIFY(!tp::detectRecording(tp::probePath(write(dir, "old.aedat4", text("#!AER-DAT3.1\r\n#!END-HEADER\r\n")))));
        // Detected by its first 12 bytes; the reader then wants the exact version line.
        const auto lf = write(dir, "lf.aedat4", text("#!AER-DAT4.0\n0123456789"));
        QCOMPARE(std::string(tp::detectRecording(tp::probePath(lf))->name), std::string("aedat4"));
        const std::string e = formatErrorOf(lf);
        QVERIFY2(contains(e, lf + " (byte offset 0): not an AEDAT 4.0 file"), e.c_str());
    }

    void everyCompression_data()
    {
        QTest::addColumn<int>("compression");
        QTest::addColumn<QString>("format");
        QTest::newRow("none") << int(a4::None) << "AEDAT 4.0 (uncompressed)";
        QTest::newRow("lz4") << int(a4::Lz4) << "AEDAT 4.0 (LZ4)";
        QTest::newRow("lz4-high") << int(a4::Lz4High) << "AEDAT 4.0 (LZ4, high)";
        QTest::newRow("zstd") << int(a4::Zstd) << "AEDAT 4.0 (Zstd)";
        QTest::newRow("zstd-high") << int(a4::ZstdHigh) << "AEDAT 4.0 (Zstd, high)";
    }

    void everyCompression()
    {
        QFETCH(int, compression);
        QFETCH(QString, format);
        QTemporaryDir dir;
        const tp::Events a = someEvents(5, kT0, 1), b = someEvents(7, kT0 + 100, 2);
        const auto file = write(dir, "rec.aedat4",
                                a4::build({compression, {{0, "EVTS", 346, 260}},
                                           {a4::events(0, a), a4::events(0, {}), a4::events(0, b)}}));
        tp::RecordingHeader h;
        const tp::Events ev = tp::readRecording(file, &h);
        QVERIFY(ev == join(a, b));
        QCOMPARE(ev[0], (tp::Event{kT0, 1, 3, 0}));
        QCOMPARE(ev[6], (tp::Event{kT0 + 100 + 13, 39, 17, 1}));
        QCOMPARE(h.format, format.toStdString());
        QCOMPARE(h.sensor, (tp::SensorSize{346, 260, 2}));
        QVERIFY(h.skipped.empty());
        QVERIFY(h.notes.empty());
    }

    void otherStreamsAreSkippedAndCounted()
    {
        QTemporaryDir dir;
        const tp::Events a = someEvents(4, kT0, 3), b = someEvents(9, kT0 + 500, 4);
        const auto file = write(
            dir, "davis.aedat4",
            a4::build({a4::Lz4,
                       {{0, "FRME", 346, 260}, {1, "EVTS", 346, 260}, {2, "IMUS"}, {3, "TRIG"}},
                       {a4::opaque(0, "FRME", 346 * 260, kT0), a4::events(1, a), a4::opaque(2, "IMUS", 3 * 48, kT0),
                        a4::opaque(2, "IMUS", 2 * 48, kT0 + 400), a4::events(1, b), a4::opaque(3, "TRIG", 16, kT0 + 450),
                        a4::opaque(0, "FRME", 346 * 260, kT0 + 600), a4::opaque(2, "IMUS", 48, kT0 + 700)}}));
        tp::RecordingHeader h;
        QVERIFY(tp::readRecording(file, &h) == join(a, b));
        QCOMPARE(h.skipped, (Skipped{{"frame packets", 2}, {"IMU packets", 3}, {"trigger packets", 1}}));
        QCOMPARE(h.sensor, (tp::SensorSize{346, 260, 2}));
    }

    void firstEventStreamIsRead()
    {
        QTemporaryDir dir;
        const tp::Events a = someEvents(6, kT0, 5), b = someEvents(3, kT0 + 90, 6), other = someEvents(4, kT0, 7);
        const auto file = write(dir, "two.aedat4",
                                a4::build({a4::Zstd,
                                           {{0, "EVTS", 640, 480}, {1, "EVTS", 346, 260}},
                                           {a4::events(1, other), a4::events(0, a), a4::events(1, other), a4::events(0, b)}}));
        tp::RecordingHeader h;
        QVERIFY(read(file, &h) == join(a, b));
        QCOMPARE(h.sensor, (tp::SensorSize{640, 480, 2}));
        QCOMPARE(h.skipped, (Skipped{{"event packets of stream 1 (a further event stream)", 2}}));
        QCOMPARE(h.notes, (std::vector<std::string>{"stream 1 also holds polarity events; only stream 0 is read"}));

        // No event stream at all: no events, and a note saying what the file holds.
        const auto imu = write(dir, "imu.aedat4",
                               a4::build({a4::None, {{4, "IMUS"}}, {a4::opaque(4, "IMUS", 48, kT0), a4::opaque(4, "IMUS", 48, kT0)}}));
        QVERIFY(read(imu, &h).empty());
        QCOMPARE(h.skipped, (Skipped{{"IMU packets", 2}}));
        QCOMPARE(h.notes, (std::vector<std::string>{"no polarity-event stream (EVTS) in the file; its streams: 4 IMUS"}));
        QCOMPARE(h.sensor.width, 0);
    }

    void fileDataTableIsNotedAndChecked()
    {
        QTemporaryDir dir;
        const tp::Events a = someEvents(5, kT0, 8), b = someEvents(7, kT0 + 200, 9);
        a4::FileSpec spec{a4::Zstd,
                          {{0, "EVTS", 346, 260}, {1, "IMUS"}},
                          {a4::events(0, a), a4::opaque(1, "IMUS", 96, kT0 + 50), a4::events(0, b)},
                          true};
        a4::Layout layout;
        const auto file = write(dir, "table.aedat4", a4::build(spec, &layout));
        tp::RecordingHeader h;
        QVERIFY(read(file, &h) == join(a, b));  // the packets end where the table starts
        const std::string table = "file data table at byte " + std::to_string(layout.tablePosition);
        QCOMPARE(h.notes, (std::vector<std::string>{table + ": 3 packets; stream 0 (events): 2 packets, 12 events, time stamps " +
                                                    std::to_string(kT0) + " .. " + std::to_string(kT0 + 200 + 6 * 13) + " us"}));
        QCOMPARE(h.skipped, (Skipped{{"IMU packets", 1}}));

        // A table counting other events than the packets hold is noted, not trusted.
        spec.editTable = [](std::vector<a4::TableEntry>& t) { t[0].elements = 6; };
        const auto miscounted = write(dir, "miscounted.aedat4", a4::build(spec));
        QCOMPARE(read(miscounted, &h).size(), std::size_t(12));
        QCOMPARE(h.notes.back(), std::string("the file data table counts 13 events of stream 0, its packets hold 12"));

        // An entry pointing beyond the packets, or at an undeclared stream: the table is corrupt.
        spec.editTable = [&](std::vector<a4::TableEntry>& t) { t[2].byteOffset = std::int64_t(layout.tablePosition); };
        const auto beyond = write(dir, "beyond.aedat4", a4::build(spec));
        std::string e = formatErrorOf(beyond);
        QVERIFY2(contains(e, beyond + " (byte offset " + std::to_string(layout.tablePosition) + "): file data table entry 2"), e.c_str());
        spec.editTable = [](std::vector<a4::TableEntry>& t) { t[1].stream = 7; };
        e = formatErrorOf(write(dir, "stream7.aedat4", a4::build(spec)));
        QVERIFY2(contains(e, "file data table entry 1 (stream 7,"), e.c_str());
    }

    void truncatedAtEveryByte()
    {
        // With a file data table, every cut loses something the header promises: always an error.
        QTemporaryDir dir;
        const tp::Events a = someEvents(3, kT0, 10), b = someEvents(2, kT0 + 40, 11);
        const a4::FileSpec spec{a4::Lz4,
                                {{0, "EVTS", 346, 260}, {1, "IMUS"}},
                                {a4::events(0, a), a4::opaque(1, "IMUS", 48, kT0 + 20), a4::events(0, b)},
                                true};
        const a4::Bytes whole = a4::build(spec);
        const std::string path = dir.filePath("cut.aedat4").toStdString();
        for (std::size_t cut = 0; cut < whole.size(); ++cut) {
            write(dir, "cut.aedat4", a4::Bytes(whole.begin(), whole.begin() + std::ptrdiff_t(cut)));
            const std::string e = formatErrorOf(path);
            QVERIFY2(contains(e, path + " (byte offset "), (std::to_string(cut) + ": " + e).c_str());
        }
        a4::Layout layout;
        QVERIFY(a4::build(spec, &layout) == whole);
        write(dir, "cut.aedat4", a4::Bytes(whole.begin(), whole.begin() + std::ptrdiff_t(layout.tablePosition) - 1));
        QVERIFY(contains(formatErrorOf(path), "(byte offset 14): the IOHeader puts the file data table at byte " +
                                                  std::to_string(layout.tablePosition) + ", beyond the end of the file"));

        // Without one, a cut between packets is a shorter recording; anywhere else an error.
        const a4::Bytes plain = a4::build({a4::None,
                                           {{0, "EVTS", 346, 260}, {1, "IMUS"}},
                                           {a4::events(0, a), a4::opaque(1, "IMUS", 48, kT0 + 20), a4::events(0, b)}},
                                          &layout);
        const std::set<std::size_t> between(layout.packetOffsets.begin(), layout.packetOffsets.end());
        int shorter = 0;
        for (std::size_t cut = 0; cut < plain.size(); ++cut) {
            write(dir, "cut.aedat4", a4::Bytes(plain.begin(), plain.begin() + std::ptrdiff_t(cut)));
            if (!between.count(cut)) {
                const std::string e = formatErrorOf(path);
                QVERIFY2(contains(e, path + " (byte offset "), (std::to_string(cut) + ": " + e).c_str());
                continue;
            }
            ++shorter;
            const tp::Events ev = read(path);
            QVERIFY(ev == (cut <= layout.packetOffsets[0] ? tp::Events{} : a));
        }
        QCOMPARE(shorter, 3);
    }

    void corruptFilesAreNamed()
    {
        QTemporaryDir dir;
        const tp::Events a = someEvents(3, kT0, 12);
        a4::Layout layout;
        const a4::FileSpec good{a4::None, {{0, "EVTS", 346, 260}}, {a4::events(0, a), a4::events(0, a)}};
        const a4::Bytes bytes = a4::build(good, &layout);
        const std::string at0 = " (byte offset " + std::to_string(layout.packetOffsets[0]) + "): ";
        const std::string at1 = " (byte offset " + std::to_string(layout.packetOffsets[1]) + "): ";
        const auto check = [&](const std::string& name, const a4::Bytes& b, const std::string& expected) {
            const std::string path = write(dir, name, b);
            const std::string e = formatErrorOf(path);
            QVERIFY2(contains(e, path) && contains(e, expected), (name + ": " + e).c_str());
        };
        // A one-packet file and the error prefix naming its packet.
        const auto onePacket = [](std::int32_t compression, std::vector<a4::StreamDecl> streams, a4::Packet p) {
            a4::Layout l;
            const a4::Bytes b = a4::build({compression, std::move(streams), {std::move(p)}}, &l);
            return std::pair{b, " (byte offset " + std::to_string(l.packetOffsets[0]) + "): "};
        };

        // A corrupt flatbuffer: the root offset of the first packet's flatbuffer points outside it.
        a4::Bytes b = bytes;
        setLE32(b, layout.packetOffsets[0] + 8 + 4, 0x7fffff00);
        check("root.aedat4", b, at0 + "the event packet: the \"EVTS\" flatbuffer fails verification");
        // A flatbuffer of another type in the event stream.
        check("imu.aedat4", a4::build({a4::None, {{0, "EVTS", 346, 260}}, {a4::opaque(0, "IMUS", 48, kT0)}}),
              "the event packet is not a \"EVTS\" flatbuffer (its identifier is \"IMUS\")");
        // Packets compressed otherwise than the IOHeader says.
        a4::Packet lz4 = a4::events(0, a);
        lz4.flatbuffer = a4::compress(lz4.flatbuffer, a4::Lz4);
        lz4.stored = true;
        auto [file, at] = onePacket(a4::Zstd, {{0, "EVTS", 346, 260}}, lz4);
        check("zstd-says.aedat4", file, at + "the event packet: Zstd decompression failed (Unknown frame descriptor)");
        a4::Packet raw = a4::events(0, a);
        raw.stored = true;
        std::tie(file, at) = onePacket(a4::Lz4, {{0, "EVTS", 346, 260}}, raw);
        check("lz4-says.aedat4", file, at + "the event packet: LZ4 decompression failed");
        // A compressed frame cut short (its packet size agreeing).
        a4::Packet cut = a4::events(0, a);
        cut.flatbuffer = a4::compress(cut.flatbuffer, a4::Zstd);
        cut.flatbuffer.resize(cut.flatbuffer.size() - 3);
        cut.stored = true;
        std::tie(file, at) = onePacket(a4::Zstd, {{0, "EVTS", 346, 260}}, cut);
        check("short-frame.aedat4", file, at + "the event packet: the compressed frame ends early");
        // Packet sizes beyond the file, negative, and a stream the header does not declare.
        b = bytes;
        setLE32(b, layout.packetOffsets[1] + 4, 1000000);
        check("size.aedat4", b, at1 + "a packet of stream 0 claims 1000000 bytes, " +
                                    std::to_string(bytes.size() - layout.packetOffsets[1] - 8) + " are left");
        setLE32(b, layout.packetOffsets[1] + 4, -5);
        check("negative.aedat4", b, at1 + "a packet of stream 0 claims -5 bytes");
        b = bytes;
        setLE32(b, layout.packetOffsets[0], 9);
        check("stream9.aedat4", b, at0 + "a packet of stream 9, which the header does not declare (it declares 0)");
        // Events outside the declared sensor, or at negative coordinates.
        std::tie(file, at) = onePacket(a4::Lz4, {{0, "EVTS", 346, 260}}, a4::events(0, {{kT0, 2, 3, 1}, {kT0, 346, 3, 1}}));
        check("outside.aedat4", file, at + "event 1 of the packet lies at (346, 3), outside the 346 x 260 sensor the header declares");
        std::tie(file, at) = onePacket(a4::None, {{0, "EVTS"}}, a4::events(0, {{kT0, -1, 3, 1}}));
        check("negative-x.aedat4", file, at + "event 0 of the packet lies at (-1, 3), a negative coordinate");

        // The header: its compression, its size, its stream description.
        check("compression.aedat4", a4::build({7, {{0, "EVTS", 346, 260}}, {}}),
              " (byte offset 14): the IOHeader's compression is 7, not one of NONE");
        check("header-size.aedat4", cat(text(a4::kVersionLine), {0xe8, 0x03, 0, 0, 1, 2, 3}),
              " (byte offset 14): the IOHeader claims 1000 bytes, the file has 3 left (truncated)");
        const auto withInfo = [](const std::string& xml) { return cat(text(a4::kVersionLine), a4::ioHeader(a4::None, -1, xml)); };
        check("no-streams.aedat4", withInfo("<dv><node name=\"other\"/></dv>"),
              " (byte offset 14): the IOHeader's stream description declares no streams");
        check("size-x.aedat4",
              withInfo("<dv><node name=\"outInfo\"><node name=\"0\"><attr key=\"typeIdentifier\">EVTS</attr>"
                       "<node name=\"info\"><attr key=\"sizeX\" type=\"int\">abc</attr></node></node></node></dv>"),
              "(infoNode XML): stream 0 sizeX is \"abc\", not an integer in 1..32768");
        check("unclosed.aedat4", withInfo("<dv><node name=\"outInfo\"><node name=\"0\">"),
              "(infoNode XML): <node> is not closed");
        check("twice.aedat4", withInfo("<dv><node name='outInfo'><node name='1'/><node name='1'/></node></dv>"),
              "(infoNode XML): stream 1 is declared twice");
    }

    void manyPacketsStreamInBoundedChunks()
    {
        QTemporaryDir dir;
        a4::FileSpec spec{a4::Zstd, {{0, "EVTS", 346, 260}}, {}};
        tp::Events all;
        for (int p = 0; p < 20; ++p) {
            const tp::Events ev = someEvents(5000, kT0 + 5000 * 13 * p, p);
            spec.packets.push_back(a4::events(0, ev));
            all = join(std::move(all), ev);
        }
        const auto file = write(dir, "long.aedat4", a4::build(spec));
        std::size_t chunks = 0, largest = 0;
        tp::Events got;
        tp::findRecordingFormat("aedat4")->read(file, [&](std::span<const tp::Event> c) {
            ++chunks;
            largest = std::max(largest, c.size());
            got.insert(got.end(), c.begin(), c.end());
        });
        QVERIFY(got == all);
        QCOMPARE(chunks, std::size_t(2));  // 100000 events: 65536 + 34464
        QCOMPARE(largest, tp::kRecordingChunkEvents);

        const tp::RecordingSummary s = tp::summarizeRecording(file);
        QCOMPARE(s.events, std::uint64_t(100000));
        QCOMPARE(s.t_first_us, kT0);
        QCOMPARE(s.t_last_us, all.back().t_us);
        QCOMPARE(s.out_of_order, std::uint64_t(0));
        QCOMPARE(s.on, std::uint64_t(std::count_if(all.begin(), all.end(), [](const tp::Event& e) { return e.p == 1; })));
        QCOMPARE(s.sensor(), (tp::SensorSize{346, 260, 2}));
        QCOMPARE(s.header.format, std::string("AEDAT 4.0 (Zstd)"));
    }
};

QTEST_GUILESS_MAIN(TestAedat4)
#include "test_aedat4.moc"
