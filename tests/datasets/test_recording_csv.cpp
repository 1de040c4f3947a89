// The recording layer (recordings/recording.h) and its CSV format: columns found by their header
// names in any order, events streamed in bounded chunks across read-block borders, the summary
// of one streaming pass, and every malformed line an error naming the file, byte offset and line.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "core/errors.h"
#include "../input_error.h"
#include "recording.h"

namespace {

using tp_test::contains;
using tp_test::errorOf;

std::string write(const QTemporaryDir& dir, const std::string& name, const std::string& text)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

} // namespace

class TestRecordingCsv : public QObject {
    Q_OBJECT
private slots:
    void columnsByNameInAnyOrder()
    {
        QTemporaryDir dir;
        const auto file = write(dir, "rec.CSV", "timestamp, p ,x,extra,y\r\n10,1,3,9,4\r\n20,-1,5,9,0\r\n\r\n30,0,7,9,2\r\n");
        QCOMPARE(tp::detectRecording(tp::probePath(file))->name, std::string("csv"));
        const tp::Events ev = tp::readRecording(file);
        QCOMPARE(ev.size(), std::size_t(3));
        QCOMPARE(ev[0], (tp::Event{10, 3, 4, 1}));
        QCOMPARE(ev[1], (tp::Event{20, 5, 0, 0}));  // p = -1: OFF
        QCOMPARE(ev[2], (tp::Event{30, 7, 2, 0}));
    }

    void streamsInBoundedChunksAcrossBlocks()
    {
        // 200k events (> 3 chunks, > 1 MiB of text: lines cross the reader's block border).
        QTemporaryDir dir;
        std::string text = "x,y,t,p\n";
        const int n = 200000;
        for (int i = 0; i < n; ++i)
            text += std::to_string(i % 640) + ',' + std::to_string(i % 480) + ',' + std::to_string(1000 + i) + ',' +
                    std::to_string(i % 3 == 0) + '\n';
        const auto file = write(dir, "big.csv", text);
        std::size_t chunks = 0, largest = 0, total = 0;
        std::int64_t last = 0;
        bool ordered = true;
        tp::findRecordingFormat("csv")->read(file, [&](std::span<const tp::Event> c) {
            ++chunks;
            largest = std::max(largest, c.size());
            for (const auto& e : c) {
                ordered = ordered && e.t_us == 1000 + std::int64_t(total) && e.x == int(total % 640);
                ++total;
                last = e.t_us;
            }
        });
        QCOMPARE(total, std::size_t(n));
        QVERIFY(ordered);
        QCOMPARE(last, std::int64_t(1000 + n - 1));
        QCOMPARE(largest, tp::kRecordingChunkEvents);
        QCOMPARE(chunks, (std::size_t(n) + tp::kRecordingChunkEvents - 1) / tp::kRecordingChunkEvents);

        const tp::RecordingSummary s = tp::summarizeRecording(file);
        QCOMPARE(s.events, std::uint64_t(n));
        QCOMPARE(s.on, std::uint64_t((n + 2) / 3));
        QCOMPARE(s.off, std::uint64_t(n) - s.on);
        QCOMPARE(s.t_min_us, std::int64_t(1000));
        QCOMPARE(s.t_max_us, std::int64_t(1000 + n - 1));
        QCOMPARE(s.out_of_order, std::uint64_t(0));
        QCOMPARE(s.sensor(), (tp::SensorSize{640, 480, 2}));  // no geometry in a CSV: from the events
    }

    void malformedLinesNameFileOffsetAndLine()
    {
        QTemporaryDir dir;
        const auto bad = write(dir, "bad.csv", "x,y,t,p\n1,2,3,1\n4,five,6,0\n");
        const std::string e = errorOf([&] { tp::readRecording(bad); });
        QVERIFY2(contains(e, bad) && contains(e, "byte offset 16") && contains(e, "line 3") && contains(e, "\"five\""),
                 e.c_str());

        const auto shortRow = write(dir, "short.csv", "x,y,t,p\n1,2\n");
        QVERIFY(contains(errorOf([&] { tp::readRecording(shortRow); }), "line 2: has 2 fields"));

        const auto range = write(dir, "range.csv", "x,y,t,p\n1,40000,3,1\n");
        QVERIFY(contains(errorOf([&] { tp::readRecording(range); }), "y = 40000 is outside 0..32767"));

        const auto noP = write(dir, "nop.csv", "x,y,t\n1,2,3\n");
        QVERIFY(contains(errorOf([&] { tp::readRecording(noP); }), "no column p"));

        // A file without newlines is refused after kMaxLine bytes, not read whole into a line.
        const auto oneLine = write(dir, "line.csv", "x,y,t,p\n" + std::string(1 << 21, '1'));
        QVERIFY(contains(errorOf([&] { tp::readRecording(oneLine); }), "a line longer than 4096 bytes"));

        // Not every .csv is an event table: a labels file is not detected as one.
        const auto labels = write(dir, "user01_labels.csv", "class,startTime_usec,endTime_usec\n1,2,3\n");
        QVERIFY(!tp::detectRecording(tp::probePath(labels)));
    }

    void streamFileBoundsAndOffsets()
    {
        QTemporaryDir dir;
        const auto file = write(dir, "ten.bin", "0123456789");
        tp::StreamFile in(file, "test file");
        char buf[8];
        in.read(buf, 4, "four bytes");
        QCOMPARE(in.offset(), std::uint64_t(4));
        const std::string e = errorOf([&] { in.read(buf, 8, "a packet"); });
        QVERIFY2(contains(e, "offset 4") && contains(e, "a packet needs 8 bytes") && contains(e, "ends after 6"), e.c_str());
        QVERIFY(contains(errorOf([&] { in.seek(11, "the table"); }), "beyond the end"));
        QVERIFY(contains(errorOf([&] { tp::StreamFile(dir.path().toStdString(), "x"); }), "is a directory"));
    }
};

QTEST_GUILESS_MAIN(TestRecordingCsv)
#include "test_recording_csv.moc"
