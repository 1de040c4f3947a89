// Prophesee recordings (recordings/prophesee_recording.cpp): RAW EVT 2.0 and EVT 3.0 and DAT
// files written word by word from Metavision's format docs (prophesee_words.h), decoded to
// exact events; geometry from the header; triggers and other words skipped and counted; time
// counters unwrapped across their wraps; EVT 3.0 state carried across read blocks; every cut of
// a small file either an error naming the file and byte offset or a prefix of its events.
// Choices tested (and stated in the reader): CD events before the first time-high word are
// dropped and counted; unknown (reserved) word types are skipped and counted; a header without
// "% end" ends at the first line not starting with '%'.
#include <QTemporaryDir>
#include <QtTest>

#include <deque>

#include "core/errors.h"
#include "../input_error.h"
#include "prophesee_words.h"
#include "recording.h"

namespace pw = tp_test::prophesee;

namespace {

using tp_test::contains;
using tp_test::errorOf;

std::string pathIn(const QTemporaryDir& dir, const std::string& name)
{
    return dir.filePath(QString::fromStdString(name)).toStdString();
}

std::string save(const QTemporaryDir& dir, const std::string& name, const pw::Bytes& b)
{
    const std::string path = pathIn(dir, name);
    b.save(path);
    return path;
}

std::uint64_t skipped(const tp::RecordingHeader& h, const std::string& what)
{
    for (const auto& [name, n] : h.skipped)
        if (name == what)
            return n;
    return 0;
}

std::string detected(const std::string& path)
{
    const tp::RecordingFormat* f = tp::detectRecording(tp::probePath(path));
    return f ? f->name : "";
}

/// The events of `path` read by the format called `format` (not through detection).
tp::Events readAs(const std::string& format, const std::string& path, tp::RecordingHeader* header = nullptr)
{
    tp::Events events;
    tp::RecordingHeader h = tp::findRecordingFormat(format)->read(
        path, [&](std::span<const tp::Event> chunk) { events.insert(events.end(), chunk.begin(), chunk.end()); });
    if (header)
        *header = h;
    return events;
}

// A header as Metavision 4+ writes it (keys in alphabetical order): its version line comes
// after byte 64, beyond what detection sees.
std::string sdk4Header(const std::string& evt, const std::string& format)
{
    return "% camera_integrator_name Prophesee\n% date 2023-03-29 16:37:46\n% evt " + evt + "\n% format " + format +
           "\n% generation 4.2\n% geometry 1280x720\n% integrator_name Prophesee\n% plugin_integrator_name Prophesee\n"
           "% plugin_name hal_plugin_imx636_evk4\n% sensor_generation 4.2\n% serial_number 00ca0009\n% system_ID 49\n% end\n";
}

constexpr std::int64_t k2p24 = std::int64_t(1) << 24, k2p32 = std::int64_t(1) << 32, k2p34 = std::int64_t(1) << 34;

/// EVT 2.0: time high near the top of its 28 bits, a wrap to 0, triggers and other words.
pw::Bytes evt2File(const std::string& header, tp::Events& expected)
{
    using namespace pw::evt2;
    pw::Bytes b;
    b.text(header);
    b.u32(timeHigh(0x0FFFFFFE)).u32(cd(1, 5, 3, 4)).u32(trigger(1, 0, 7)).u32(cd(0, 63, 639, 479));
    b.u32(timeHigh(0x0FFFFFFF)).u32(cd(0, 0, 10, 20)).u32(others()).u32(continued(5)).u32(0x3u << 28);
    b.u32(timeHigh(0)).u32(cd(1, 1, 11, 21)).u32(timeHigh(1)).u32(cd(1, 2, 12, 22));
    expected = {{k2p34 - 128 + 5, 3, 4, 1},
                {k2p34 - 128 + 63, 639, 479, 0},
                {k2p34 - 64, 10, 20, 0},
                {k2p34 + 1, 11, 21, 1},
                {k2p34 + 64 + 2, 12, 22, 1}};
    return b;
}

/// EVT 3.0: single and vector events, time low / high with a wrap of the 24-bit time.
pw::Bytes evt3File(const std::string& header, tp::Events& expected)
{
    using namespace pw::evt3;
    pw::Bytes b;
    b.text(header);
    const std::int64_t t0 = 0xFFE123;
    b.u16(timeHigh(0xFFE)).u16(timeLow(0x123)).u16(addrY(5)).u16(addrX(7, 1));
    b.u16(baseX(100, 0)).u16(vect12(0b1000'0000'0101)).u16(vect8(0b1000'0001));  // x 100 102 111 | 112 119
    b.u16(addrX(1279, 0)).u16(vect8(0b1));                                          // base x is now 120
    b.u16(trigger(1, 0)).u16(timeHigh(0xFFF)).u16(addrY(719)).u16(addrX(0, 1));
    b.u16(timeLow(0xFFF)).u16(baseX(1270, 1)).u16(vect8(0b1000'0001));
    b.u16(others(1)).u16(continued12(2)).u16(continued4(3)).u16(word(0x9, 0));
    b.u16(timeHigh(0)).u16(timeLow(2)).u16(addrX(8, 0));  // 24-bit wrap
    b.u16(timeHigh(1)).u16(addrX(9, 1));                  // a time high alone sets time low 0
    expected = {{t0, 7, 5, 1},          {t0, 100, 5, 0},       {t0, 102, 5, 0},       {t0, 111, 5, 0},
                {t0, 112, 5, 0},        {t0, 119, 5, 0},       {t0, 1279, 5, 0},      {t0, 120, 5, 0},
                {0xFFF000, 0, 719, 1},  {0xFFFFFF, 1270, 719, 1}, {0xFFFFFF, 1277, 719, 1},
                {k2p24 + 2, 8, 719, 0}, {k2p24 + 4096, 9, 719, 1}};
    return b;
}

const std::string kDatHeader = "% Data file containing CD events\n% Version 2\n% Width 304\n% Height 240\n";

/// DAT: two wraps of the 32-bit time stamps and a small step back that is not one.
pw::Bytes datFile(tp::Events& expected)
{
    pw::Bytes b;
    b.text(kDatHeader).u8(pw::dat::kEventCd).u8(8);
    pw::dat::event(b, 0xFFFFFFF0u, 1, 2, 1);
    pw::dat::event(b, 0xFFFFFFFFu, 303, 239, 0);
    pw::dat::event(b, 5, 4, 5, 1);
    pw::dat::event(b, 3, 6, 7, 0);
    pw::dat::event(b, 0x80000010u, 8, 9, 1);
    pw::dat::event(b, 2, 10, 11, 0);
    expected = {{0xFFFFFFF0, 1, 2, 1},        {0xFFFFFFFF, 303, 239, 0}, {k2p32 + 5, 4, 5, 1},
                {k2p32 + 3, 6, 7, 0},         {k2p32 + 0x80000010, 8, 9, 1}, {2 * k2p32 + 2, 10, 11, 0}};
    return b;
}

} // namespace

class TestProphesee : public QObject {
    Q_OBJECT
private slots:
    void evt2DecodesTimeHighWrapAndCountsOtherWords()
    {
        QTemporaryDir dir;
        tp::Events expected;
        const auto file = save(dir, "rec.raw", evt2File("% evt 2.0\n% format EVT2;height=480;width=640\n% end\n", expected));
        QCOMPARE(detected(file), std::string("evt2"));
        tp::RecordingHeader h;
        QCOMPARE(tp::readRecording(file, &h), expected);
        QCOMPARE(h.format, std::string("Prophesee EVT 2.0"));
        QCOMPARE(h.sensor, (tp::SensorSize{640, 480, 2}));
        QCOMPARE(skipped(h, "trigger events"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 2.0 OTHERS words (extensions)"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 2.0 CONTINUED words"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 2.0 words of reserved type 0x3"), std::uint64_t(1));
        QCOMPARE(h.skipped.size(), std::size_t(4));
        QCOMPARE(h.notes.size(), std::size_t(1));
        QVERIFY2(contains(h.notes[0], "34-bit") && contains(h.notes[0], "wrapped 1 time"), h.notes[0].c_str());

        // The version named by a header line: the file name does not matter.
        const auto bin = save(dir, "rec.bin", evt2File("% evt 2.0\n% geometry 320x240\n% end\n", expected));
        QCOMPARE(detected(bin), std::string("evt2"));
        QCOMPARE(tp::summarizeRecording(bin).sensor(), (tp::SensorSize{320, 240, 2}));
    }

    void evt3DecodesVectorsTimeLowHighAndWrap()
    {
        QTemporaryDir dir;
        tp::Events expected;
        const std::string header = sdk4Header("3.0", "EVT3;height=720;width=1280");
        QVERIFY(header.find('\n', header.find("% evt")) >= 64);  // ends beyond the probe: found as a .raw with a '%' header
        const auto file = save(dir, "rec.raw", evt3File(header, expected));
        QCOMPARE(detected(file), std::string("evt3"));
        tp::RecordingHeader h;
        QCOMPARE(tp::readRecording(file, &h), expected);
        QCOMPARE(h.format, std::string("Prophesee EVT 3.0"));
        QCOMPARE(h.sensor, (tp::SensorSize{1280, 720, 2}));
        QCOMPARE(skipped(h, "trigger events"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 3.0 OTHERS words (extensions)"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 3.0 CONTINUED_12 words"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 3.0 CONTINUED_4 words"), std::uint64_t(1));
        QCOMPARE(skipped(h, "EVT 3.0 words of reserved type 0x9"), std::uint64_t(1));
        QCOMPARE(h.skipped.size(), std::size_t(5));
        QCOMPARE(h.notes.size(), std::size_t(1));
        QVERIFY2(contains(h.notes[0], "24-bit") && contains(h.notes[0], "wrapped 1 time"), h.notes[0].c_str());

        // A short old-style header names the version within the probe: detected by content alone.
        const auto bin = save(dir, "stream.bin", evt3File("% evt 3.0\n% end\n", expected));
        QCOMPARE(detected(bin), std::string("evt3"));
        tp::RecordingHeader plain;
        QCOMPARE(readAs("evt3", bin, &plain), expected);
        QCOMPARE(plain.sensor, (tp::SensorSize{0, 0, 2}));  // no geometry: the summary uses the events
        QCOMPARE(tp::summarizeRecording(bin).sensor(), (tp::SensorSize{1280, 720, 2}));
    }

    void rawVersionComesFromTheWholeHeader()
    {
        // An EVT 2.0 file whose version line is beyond the probe is claimed by the evt3 entry (a
        // .raw with a '%' header), whose reader decodes the version the whole header names.
        QTemporaryDir dir;
        tp::Events expected;
        const auto file = save(dir, "old_format.RAW", evt2File(sdk4Header("2.0", "EVT2;height=720;width=1280"), expected));
        QCOMPARE(detected(file), std::string("evt3"));
        tp::RecordingHeader h;
        QCOMPARE(tp::readRecording(file, &h), expected);
        QCOMPARE(h.format, std::string("Prophesee EVT 2.0"));
        QCOMPARE(h.sensor, (tp::SensorSize{1280, 720, 2}));

        // Files detection must leave alone: a '%' text that is not .raw / .dat, a .raw without a
        // '%' header, a .dat without one, a RAW header naming another version in a non-.raw file.
        pw::Bytes text;
        QCOMPARE(detected(save(dir, "notes.txt", text.text("% a comment\n% another\n"))), std::string());
        pw::Bytes noHeader;
        noHeader.u16(pw::evt3::timeHigh(1)).u16(pw::evt3::addrY(1));
        QCOMPARE(detected(save(dir, "bare.raw", noHeader)), std::string());
        QCOMPARE(detected(save(dir, "bare.dat", noHeader)), std::string());
        pw::Bytes evt21;
        QCOMPARE(detected(save(dir, "x.bin", evt21.text("% evt 2.1\n% end\n"))), std::string());
        // ... but a .raw naming another version is ours to refuse clearly.
        const auto raw21 = save(dir, "x.raw", evt21);
        QCOMPARE(detected(raw21), std::string("evt3"));
        const std::string e = errorOf([&] { tp::readRecording(raw21); });
        QVERIFY2(contains(e, raw21) && contains(e, "byte offset 0") && contains(e, "\"% evt 2.1\"") &&
                     contains(e, "EVT 2.0 or EVT 3.0"),
                 e.c_str());
    }

    void datDecodesWrapsGeometryAndEventTypes()
    {
        QTemporaryDir dir;
        tp::Events expected;
        const auto file = save(dir, "17-04-04_11-00-13_cut_15_183500000_243500000_td.dat", datFile(expected));
        QCOMPARE(detected(file), std::string("dat"));
        tp::RecordingHeader h;
        QCOMPARE(tp::readRecording(file, &h), expected);
        QCOMPARE(h.format, std::string("Prophesee DAT"));
        QCOMPARE(h.sensor, (tp::SensorSize{304, 240, 2}));
        QVERIFY(h.skipped.empty());
        QCOMPARE(h.notes.size(), std::size_t(1));
        QVERIFY2(contains(h.notes[0], "32-bit") && contains(h.notes[0], "wrapped 2 times"), h.notes[0].c_str());
        const tp::RecordingSummary s = tp::summarizeRecording(file);
        QCOMPARE(s.out_of_order, std::uint64_t(1));  // the small step back, kept as it is
        QCOMPARE(s.t_max_us, 2 * k2p32 + 2);
        QCOMPARE(s.on, std::uint64_t(3));

        // Event2d (type 0) is read as CD; polarity is bit 28 of the 4-bit field.
        pw::Bytes e2d;
        e2d.text("% Version 2\n").u8(pw::dat::kEvent2d).u8(8);
        pw::dat::event(e2d, 10, 16383, 16383, 1);
        pw::dat::event(e2d, 11, 0, 0, 0);
        tp::RecordingHeader h2;
        QCOMPARE(readAs("dat", save(dir, "e2d.dat", e2d), &h2), (tp::Events{{10, 16383, 16383, 1}, {11, 0, 0, 0}}));
        QCOMPARE(h2.sensor, (tp::SensorSize{0, 0, 2}));

        // A trigger file, and an unknown type: no events, every record counted.
        pw::Bytes trig;
        trig.text(kDatHeader).u8(pw::dat::kExtTrigger).u8(8);
        for (int i = 0; i < 3; ++i)
            pw::dat::event(trig, i, 0, 0, 1);
        tp::RecordingHeader h3;
        QVERIFY(readAs("dat", save(dir, "trig.dat", trig), &h3).empty());
        QCOMPARE(skipped(h3, "trigger events"), std::uint64_t(3));
        pw::Bytes other;
        other.text(kDatHeader).u8(0x33).u8(16).text(std::string(32, 'x'));
        tp::RecordingHeader h4;
        QVERIFY(readAs("dat", save(dir, "other.dat", other), &h4).empty());
        QCOMPARE(skipped(h4, "events of DAT type 0x33"), std::uint64_t(2));

        pw::Bytes wide;
        wide.text(kDatHeader).u8(pw::dat::kEventCd).u8(12);
        const auto wideFile = save(dir, "wide.dat", wide);
        const std::string e = errorOf([&] { tp::readRecording(wideFile); });
        QVERIFY2(contains(e, "byte offset " + std::to_string(kDatHeader.size() + 1)) && contains(e, "CD events are 8 bytes"),
                 e.c_str());
    }

    void choicesOnEdgeCases()
    {
        QTemporaryDir dir;
        using namespace pw;
        // CD events before the first time-high word have no time: dropped and counted. The state
        // words before it (y, base x) still count.
        Bytes e2;
        e2.text("% evt 2.0\n% end\n").u32(evt2::cd(1, 1, 1, 1)).u32(evt2::cd(0, 2, 2, 2));
        e2.u32(evt2::timeHigh(10)).u32(evt2::cd(1, 3, 3, 3));
        tp::RecordingHeader h;
        QCOMPARE(readAs("evt2", save(dir, "early2.raw", e2), &h), (tp::Events{{640 + 3, 3, 3, 1}}));
        QCOMPARE(skipped(h, "CD events before the first time-high word (time unknown)"), std::uint64_t(2));

        Bytes e3;
        e3.text("% evt 3.0\n% end\n").u16(evt3::addrY(6)).u16(evt3::addrX(1, 1)).u16(evt3::baseX(20, 1));
        e3.u16(evt3::vect12(0b111)).u16(evt3::timeHigh(2)).u16(evt3::vect8(0b1));
        // EM_Y (type 0x1 in OpenEB's decoder): exposure-measurement events, not CD, until EVT_ADDR_Y.
        e3.u16(evt3::word(0x1, 9)).u16(evt3::addrX(5, 0)).u16(evt3::addrY(7)).u16(evt3::addrX(6, 0));
        QCOMPARE(readAs("evt3", save(dir, "early3.raw", e3), &h), (tp::Events{{8192, 32, 6, 1}, {8192, 6, 7, 0}}));
        QCOMPARE(skipped(h, "CD events before the first time-high word (time unknown)"), std::uint64_t(4));
        QCOMPARE(skipped(h, "exposure-measurement (EM) events"), std::uint64_t(1));

        // "% end" ends a header even when the first data byte is '%' (0x25): TIME_HIGH 0x025.
        Bytes percent;
        percent.text("% evt 3.0\n% end\n").u16(evt3::timeHigh(0x025)).u16(evt3::addrX(4, 1));
        QCOMPARE(percent.data[16], '%');
        QCOMPARE(readAs("evt3", save(dir, "pct.raw", percent)), (tp::Events{{0x25000, 4, 0, 1}}));
        // Without "% end" (headers before Metavision 4.0) the header ends at the first line not
        // starting with '%'.
        Bytes old;
        old.text("% evt 3.0\n% geometry 640x480\n").u16(evt3::timeHigh(1)).u16(evt3::addrX(4, 1));
        QCOMPARE(readAs("evt3", save(dir, "old.raw", old), &h), (tp::Events{{4096, 4, 0, 1}}));
        QCOMPARE(h.sensor, (tp::SensorSize{640, 480, 2}));

        // A vector past EVT 3.0's 2048 columns (its 11-bit x) is corrupt: the error names the word.
        Bytes far;
        far.text("% evt 3.0\n% end\n").u16(evt3::timeHigh(1)).u16(evt3::baseX(2040, 0)).u16(evt3::vect12(1));
        far.u16(evt3::vect12(0b10));  // base x 2052 + 1
        const auto farFile = save(dir, "far.raw", far);
        std::string e = errorOf([&] { readAs("evt3", farFile); });
        QVERIFY2(contains(e, farFile) && contains(e, "byte offset 22") && contains(e, "x = 2053"), e.c_str());

        // Headers that are refused, each naming the offset of the line at fault.
        const std::pair<std::string, std::string> bad[] = {
            {"% date today\n% end\n", "names no event format"},
            {"% evt 3.0\n% format EVT2\n% end\n", "byte offset 10): the header names both"},
            {"% evt 3.0\n% geometry 1280by720\n% end\n", "byte offset 10): the header's geometry \"1280by720\""},
            {"% format EVT3;height=0;width=1280\n% end\n", "byte offset 0): the header's format"},
            {"% evt 3.0\n% end", "byte offset 10): truncated: the header line"},
            {"% evt 3.0\n%" + std::string(std::size_t(2) << 20, 'x') + "\n", "longer than 1 MiB"},
        };
        for (const auto& [text, message] : bad) {
            Bytes b;
            const auto path = save(dir, "bad.raw", b.text(text));
            e = errorOf([&] { readAs("evt3", path); });
            QVERIFY2(contains(e, path) && contains(e, message), (e + " / expected: " + message).c_str());
        }
    }

    void everyCutIsAnErrorAtItsOffsetOrAPrefix()
    {
        QTemporaryDir dir;
        struct Case {
            std::string format;
            pw::Bytes bytes;
            tp::Events events;
            std::size_t dataStart, word;
        };
        const std::string rawHeader = "% evt 3.0\n% geometry 640x480\n% end\n";
        std::vector<Case> cases{{"evt2", {}, {}, 16, 4}, {"evt3", {}, {}, rawHeader.size(), 2},
                                {"dat", {}, {}, kDatHeader.size() + 2, 8}};
        cases[0].bytes = evt2File("% evt 2.0\n% end\n", cases[0].events);
        cases[1].bytes = evt3File(rawHeader, cases[1].events);
        cases[2].bytes = datFile(cases[2].events);
        for (const Case& c : cases) {
            int errors = 0, prefixes = 0;
            for (std::size_t n = 0; n < c.bytes.data.size(); ++n) {
                pw::Bytes cut;
                cut.text(c.bytes.data.substr(0, n));
                const auto path = save(dir, "cut_" + c.format, cut);
                tp::Events got;
                const std::string e = errorOf([&] { got = readAs(c.format, path); });
                const std::string at = c.format + " cut at " + std::to_string(n) + ": " + e;
                if (n > c.dataStart && (n - c.dataStart) % c.word) {
                    // A partial last word: the error names where it starts.
                    const std::size_t last = n - (n - c.dataStart) % c.word;
                    QVERIFY2(contains(e, path + " (byte offset " + std::to_string(last) + "): truncated"), at.c_str());
                }
                if (e.empty()) {
                    QVERIFY2(got.size() <= c.events.size() && std::equal(got.begin(), got.end(), c.events.begin()),
                             at.c_str());
                    ++prefixes;
                } else {
                    QVERIFY2(contains(e, path + " (byte offset "), at.c_str());
                    ++errors;
                }
            }
            // Both kinds happen: whole words give a prefix, partial ones and most header cuts an error.
            QVERIFY(prefixes >= int((c.bytes.data.size() - c.dataStart) / c.word));
            QVERIFY(errors > int(c.dataStart));
        }
    }

    void evt3StateCarriesAcrossReadBlocks()
    {
        // 540000 repeats of a 7-word pattern, 7.6 MB: the reader's 1 MiB blocks hold 524288 words,
        // 2 more than a multiple of 7, so its block borders fall at every position of the pattern.
        using namespace pw::evt3;
        const unsigned n = 540000;
        auto masks = [](unsigned i) {
            return std::pair<unsigned, unsigned>{(i * 2654435761u) >> 20 & 0xFFF, (i * 40503u) >> 8 & 0xFF};
        };
        pw::Bytes b;
        b.text("% evt 3.0\n% format EVT3;width=1280;height=720\n% end\n");
        b.data.reserve(b.data.size() + 14 * std::size_t(n));
        for (unsigned i = 0; i < n; ++i) {
            const auto [m12, m8] = masks(i);
            b.u16(timeHigh(i >> 12 & 0xFFF)).u16(timeLow(i & 0xFFF)).u16(addrY(i % 720)).u16(addrX(i % 1280, i & 1));
            b.u16(baseX(i * 7 % 1000, i >> 1 & 1)).u16(vect12(m12)).u16(vect8(m8));
        }
        QTemporaryDir dir;
        const auto file = save(dir, "long.raw", b);
        b.data.clear();
        b.data.shrink_to_fit();

        // The events the pattern stands for, made as they are checked.
        std::deque<tp::Event> expected;
        unsigned next = 0;
        auto refill = [&] {
            const unsigned i = next++;
            const auto [m12, m8] = masks(i);
            const auto y = std::int16_t(i % 720);
            const unsigned base = i * 7 % 1000, p = i >> 1 & 1;
            expected.push_back({i, std::int16_t(i % 1280), y, std::uint8_t(i & 1)});
            for (unsigned k = 0; k < 12; ++k)
                if (m12 >> k & 1)
                    expected.push_back({i, std::int16_t(base + k), y, std::uint8_t(p)});
            for (unsigned k = 0; k < 8; ++k)
                if (m8 >> k & 1)
                    expected.push_back({i, std::int16_t(base + 12 + k), y, std::uint8_t(p)});
        };
        std::uint64_t total = 0, mismatches = 0;
        std::size_t largest = 0;
        tp::findRecordingFormat("evt3")->read(file, [&](std::span<const tp::Event> chunk) {
            largest = std::max(largest, chunk.size());
            for (const tp::Event& e : chunk) {
                while (expected.empty() && next < n)
                    refill();
                mismatches += expected.empty() || !(e == expected.front());
                if (!expected.empty())
                    expected.pop_front();
                ++total;
            }
        });
        QCOMPARE(mismatches, std::uint64_t(0));
        while (next < n)
            refill();
        QVERIFY(expected.empty());
        QCOMPARE(largest, tp::kRecordingChunkEvents);

        const tp::RecordingSummary s = tp::summarizeRecording(file);
        QCOMPARE(s.events, total);
        QCOMPARE(s.t_min_us, std::int64_t(0));
        QCOMPARE(s.t_max_us, std::int64_t(n - 1));
        QCOMPARE(s.out_of_order, std::uint64_t(0));
        QCOMPARE(s.sensor(), (tp::SensorSize{1280, 720, 2}));
    }
};

QTEST_GUILESS_MAIN(TestProphesee)
#include "test_prophesee.moc"
