// Prophesee (Metavision) recordings: RAW files in EVT 2.0 or EVT 3.0, and the older DAT files
// of N-CARS and the GEN1 automotive set. Facts from Prophesee's Metavision docs ("EVT 2.0
// Format", "EVT 3.0 Format", "DAT File Format"), OpenEB's standalone decoders and the
// automotive toolbox's DAT reader:
//  - Both start with a text header: lines beginning with '%' ("% evt 3.0", "% format
//    EVT3;height=720;width=1280", "% geometry 1280x720", "% Width 304"). RAW headers since
//    Metavision 4.0 end with a line "% end"; older ones (and DAT) end at the first line that does
//    not begin with '%', so there a first data byte 0x25 would be taken for header (as
//    Metavision's own readers take it).
//  - EVT 2.0: little-endian 32-bit words, type in bits 31..28. CD_OFF 0x0 / CD_ON 0x1: time low
//    bits 27..22 (6 bits), x 21..11, y 10..0. EVT_TIME_HIGH 0x8: bits 27..0 are time bits
//    33..6, so the counter wraps every 2^34 us (4 h 46 min). EXT_TRIGGER 0xA, OTHERS 0xE,
//    CONTINUED 0xF; other types are reserved.
//  - EVT 3.0: little-endian 16-bit words, type in bits 15..12, decoded through a state (y, base
//    x and its polarity, time) that carries across words. EVT_ADDR_Y 0x0: y in 10..0 (bit 11:
//    master/slave camera). EVT_ADDR_X 0x2: one event at x (10..0), polarity bit 11.
//    VECT_BASE_X 0x3: base x and the polarity of the vectors after it. VECT_12 0x4 / VECT_8 0x5:
//    bit i of the 12 / 8 low bits is an event at base x + i; base x then moves on by 12 / 8.
//    EVT_TIME_LOW 0x6 / EVT_TIME_HIGH 0x8: bits 11..0 and 23..12 of a 24-bit microsecond time
//    that wraps every 2^24 us (16.8 s). CONTINUED_4 0x7, EXT_TRIGGER 0xA, OTHERS 0xE,
//    CONTINUED_12 0xF; 0x1 is EM_Y in OpenEB's decoder (y of exposure-measurement events, not
//    CD; EVT_ADDR_Y switches back); other types are reserved.
//  - DAT: after the header, one byte event type (Event2d 0x00, EventCd 0x0C, EventExtTrigger
//    0x0E) and one byte event size (8), then 8-byte little-endian events: uint32 time stamp in
//    us (wraps every 2^32 us, 71.6 min), uint32 with x in bits 13..0, y in 27..14 and the
//    polarity in bit 28 (the field is bits 31..28; CD uses 0 and 1). A file without any header
//    line has no type and size bytes (the toolbox's "previous files").
// This reader's choices: CD events only; triggers, extension words and reserved types are
// skipped and counted (RecordingHeader::skipped). Counters that wrap are unwrapped to a
// continuous int64 time (a step back of more than half the counter's range is a wrap; smaller
// steps back are kept as they are) and header.notes says how often. CD events before the first
// time-high word have no known time: they are dropped and counted, as OpenEB's decoders skip
// everything before it. Little-endian only (the sensors' default; a RAW header does not say).
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "core/errors.h"
#include "recording.h"

namespace tp {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t(1) << 20;
constexpr std::size_t kBlockBytes = std::size_t(1) << 20;

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        c = char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

bool endsWithNoCase(const std::string& name, std::string_view suffix)
{
    return name.size() >= suffix.size() && lower(std::string_view(name).substr(name.size() - suffix.size())) == suffix;
}

/// One header line "% key value": the key lower-cased, the value trimmed.
struct HeaderField {
    std::string key;
    std::string value;
    std::uint64_t offset = 0;  ///< where its line starts
};

/// A header line without its leading '%' and line end: "end" is the end of a RAW header.
HeaderField parseHeaderLine(std::string_view line, std::uint64_t offset)
{
    line = trimmed(line);
    const std::size_t space = line.find_first_of(" \t");
    const std::string_view key = line.substr(0, space);
    return {lower(key), std::string(space == std::string_view::npos ? "" : trimmed(line.substr(space))), offset};
}

struct TextHeader {
    std::vector<HeaderField> fields;

    const HeaderField* find(std::string_view key) const
    {
        for (const HeaderField& f : fields)
            if (f.key == key)
                return &f;
        return nullptr;
    }
};

/// The '%' lines at the start of `in`, which is left at the first byte after them.
TextHeader readTextHeader(StreamFile& in)
{
    TextHeader h;
    std::string line;
    while (in.left() > 0) {
        const std::uint64_t at = in.offset();
        char c = 0;
        in.read(&c, 1, "header");
        if (c != '%') {
            in.seek(at, "header");
            break;
        }
        line.clear();
        for (;;) {
            if (in.left() == 0)
                throw FormatError(in.path(), std::int64_t(at), "truncated: the header line starting here has no line end");
            if (in.offset() >= kMaxHeaderBytes)
                throw FormatError(in.path(), std::int64_t(at), "a '%' header longer than 1 MiB: not a Prophesee recording");
            in.read(&c, 1, "header line");
            if (c == '\n')
                break;
            line += c;
        }
        HeaderField field = parseHeaderLine(line, at);
        if (field.key == "end" && field.value.empty())
            break;
        if (!field.key.empty())
            h.fields.push_back(std::move(field));
    }
    return h;
}

bool parseSize(std::string_view text, int& out)
{
    text = trimmed(text);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 1 && out <= 32768;
}

[[noreturn]] void badGeometry(const std::string& file, const HeaderField& f)
{
    throw FormatError(file, std::int64_t(f.offset), "the header's " + f.key + " \"" + f.value.substr(0, 60) +
                                                       "\" is not a sensor size (1..32768 pixels)");
}

/// A RAW header's "% format NAME;key=value;...": the name and the value of `key` ("" if absent).
std::string formatPart(std::string_view format, std::string_view key)
{
    std::size_t start = 0;
    for (int part = 0; start <= format.size(); ++part) {
        const std::size_t end = std::min(format.find(';', start), format.size());
        const std::string_view item = trimmed(format.substr(start, end - start));
        if (part == 0 && key.empty())
            return std::string(item);
        const std::size_t eq = item.find('=');
        if (part > 0 && eq != std::string_view::npos && lower(trimmed(item.substr(0, eq))) == key)
            return std::string(trimmed(item.substr(eq + 1)));
        start = end + 1;
    }
    return {};
}

/// The sensor a RAW header states: "% format ...;height=H;width=W", else "% geometry WxH".
SensorSize rawGeometry(const TextHeader& h, const std::string& file)
{
    SensorSize s{0, 0, 2};
    if (const HeaderField* f = h.find("format")) {
        const std::string w = formatPart(f->value, "width"), hh = formatPart(f->value, "height");
        if (!w.empty() || !hh.empty()) {
            if (!parseSize(w, s.width) || !parseSize(hh, s.height))
                badGeometry(file, *f);
            return s;
        }
    }
    if (const HeaderField* f = h.find("geometry")) {
        const std::size_t x = f->value.find('x');
        if (x == std::string::npos || !parseSize(std::string_view(f->value).substr(0, x), s.width) ||
            !parseSize(std::string_view(f->value).substr(x + 1), s.height))
            badGeometry(file, *f);
    }
    return s;
}

/// The EVT version a RAW header line names: 2 or 3, 0 when the line names none, -1 for another
/// one ("% evt 2.1", "% format EVT21").
int versionOf(const HeaderField& f)
{
    if (f.key == "evt")
        return f.value == "2.0" ? 2 : f.value == "3.0" ? 3 : -1;
    if (f.key == "format") {
        const std::string name = lower(formatPart(f.value, ""));
        return name == "evt2" ? 2 : name == "evt3" ? 3 : -1;
    }
    return 0;
}

/// The version the whole header names; FormatError when it names none, two, or another one.
int rawVersion(const TextHeader& h, const std::string& file)
{
    int version = 0;
    for (const HeaderField& f : h.fields) {
        const int v = versionOf(f);
        if (v < 0)
            throw FormatError(file, std::int64_t(f.offset), "the header's \"% " + f.key + " " + f.value.substr(0, 60) +
                                                              "\" names an event format this build does not read "
                                                              "(Prophesee RAW in EVT 2.0 or EVT 3.0)");
        if (v > 0 && version > 0 && v != version)
            throw FormatError(file, std::int64_t(f.offset), "the header names both EVT 2.0 and EVT 3.0");
        version = std::max(version, v);
    }
    if (version == 0)
        throw FormatError(file, 0, "the '%' header names no event format (a line \"% evt 3.0\" or \"% format EVT3;...\" "
                                   "was expected): not a Prophesee RAW recording this build reads");
    return version;
}

/// What the probe's first bytes tell of a RAW header: the version a complete line names (2, 3,
/// -1 for another one), 0 when none of the lines there does, -2 when it is no '%' header.
int headVersion(const PathProbe& probe)
{
    if (!probe.startsWith("%"))
        return -2;
    std::string_view head = probe.head;
    for (std::size_t end; (end = head.find('\n')) != std::string_view::npos; head.remove_prefix(end + 1)) {
        if (head.front() != '%')
            break;
        if (const int v = versionOf(parseHeaderLine(head.substr(1, end - 1), 0)))
            return v;
    }
    return 0;
}

// A RAW file names its EVT version in its header, but Metavision 4+ writes the header's keys in
// alphabetical order, so "% evt" and "% format" come after "% camera_integrator_name" and
// "% date", beyond the 64 bytes detection sees. Such a .raw file (a '%' header naming no other
// version in those bytes) goes to the EVT 3.0 entry; both entries read with readRaw, which
// decodes the version the whole header names.
bool detectEvt2(const PathProbe& probe) { return headVersion(probe) == 2; }
bool detectEvt3(const PathProbe& probe)
{
    const int v = headVersion(probe);
    return v == 3 || ((v == 0 || v == -1) && endsWithNoCase(probe.name, ".raw"));
}
// A DAT header names nothing specific to it: a '% ' header on a file called .dat.
bool detectDat(const PathProbe& probe)
{
    return probe.startsWith("% ") && headVersion(probe) == 0 && endsWithNoCase(probe.name, ".dat");
}

std::uint16_t le16(const unsigned char* p) { return std::uint16_t(p[0] | p[1] << 8); }
std::uint32_t le32(const unsigned char* p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

/// Calls decode(bytes, count, offset) on the rest of `in` in blocks of whole `size`-byte
/// records; a partial record at the end is a FormatError naming its offset.
template <typename Decode>
void forEachBlock(StreamFile& in, std::size_t size, const char* what, Decode&& decode)
{
    const std::uint64_t perBlock = kBlockBytes / size;
    std::vector<unsigned char> block(std::size_t(std::min(perBlock, in.left() / size) * size));
    while (in.left() >= size) {
        const std::size_t n = std::size_t(std::min(perBlock, in.left() / size));
        const std::uint64_t at = in.offset();
        in.read(block.data(), n * size, what);
        decode(block.data(), n, at);
    }
    if (in.left() > 0)
        throw FormatError(in.path(), std::int64_t(in.offset()),
                          "truncated: the last " + std::string(what) + " needs " + std::to_string(size) +
                              " bytes, the file ends after " + std::to_string(in.left()));
}

/// A time counter of `bits` bits made continuous: a step back of more than half its range is a
/// wrap (smaller steps back are kept: the stream goes back in time).
class Unwrapper {
public:
    explicit Unwrapper(int bits) : m_bits(bits) {}
    /// `value`'s continuous time; false when the wraps would leave int64 (a corrupt stream).
    bool next(std::uint64_t value, std::int64_t& out)
    {
        if (m_seen && value < m_last && m_last - value > (std::uint64_t(1) << (m_bits - 1)))
            ++m_wraps;
        m_seen = true;
        m_last = value;
        if (m_wraps >> (62 - m_bits))
            return false;
        out = std::int64_t((m_wraps << m_bits) + value);
        return true;
    }
    std::uint64_t wraps() const { return m_wraps; }

private:
    int m_bits;
    bool m_seen = false;
    std::uint64_t m_last = 0, m_wraps = 0;
};

/// Labels of the EVT word types a decoder skips and counts (null: reserved types).
using WordLabels = std::array<const char*, 16>;
constexpr WordLabels kEvt2Labels = [] {
    WordLabels l{};
    l[0xA] = "trigger events";
    l[0xE] = "EVT 2.0 OTHERS words (extensions)";
    l[0xF] = "EVT 2.0 CONTINUED words";
    return l;
}();
constexpr WordLabels kEvt3Labels = [] {
    WordLabels l{};
    l[0x7] = "EVT 3.0 CONTINUED_4 words";
    l[0xA] = "trigger events";
    l[0xE] = "EVT 3.0 OTHERS words (extensions)";
    l[0xF] = "EVT 3.0 CONTINUED_12 words";
    return l;
}();

/// What the decoders of both EVT versions count besides their events.
struct WordCounts {
    const char* format;                      ///< "EVT 3.0"
    const WordLabels& labels;
    std::array<std::uint64_t, 16> byType{};  ///< words skipped, by type
    std::uint64_t beforeTime = 0;            ///< CD events before the first time-high word
    std::uint64_t em = 0;                    ///< EVT 3.0 exposure-measurement events

    void report(RecordingHeader& h, const Unwrapper& time, const char* counter) const
    {
        for (unsigned type = 0; type < 16; ++type) {
            if (!byType[type])
                continue;
            char reserved[64];
            std::snprintf(reserved, sizeof reserved, "%s words of reserved type 0x%X", format, type);
            h.skip(labels[type] ? labels[type] : reserved, byType[type]);
        }
        if (beforeTime)
            h.skip("CD events before the first time-high word (time unknown)", beforeTime);
        if (em)
            h.skip("exposure-measurement (EM) events", em);
        if (time.wraps())
            h.notes.push_back(std::string(counter) + " wrapped " + std::to_string(time.wraps()) +
                              (time.wraps() == 1 ? " time" : " times") + ": unwrapped to a continuous time");
    }
};

class Evt2Decoder {
public:
    Evt2Decoder(const std::string& file, EventChunker& out) : m_file(file), m_out(out) {}

    void decode(const unsigned char* bytes, std::size_t n, std::uint64_t at)
    {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t w = le32(bytes + 4 * i);
            const unsigned type = w >> 28;
            if (type <= 1) {  // CD_OFF, CD_ON
                if (!m_haveTime) {
                    ++m_counts.beforeTime;
                    continue;
                }
                m_out.push({m_base + ((w >> 22) & 0x3F), std::int16_t((w >> 11) & 0x7FF), std::int16_t(w & 0x7FF),
                            std::uint8_t(type)});
            } else if (type == 0x8) {  // EVT_TIME_HIGH: time bits 33..6
                if (!m_time.next(std::uint64_t(w & 0x0FFFFFFF) << 6, m_base))
                    throw FormatError(m_file, std::int64_t(at + 4 * i), "EVT_TIME_HIGH wraps too often: corrupt");
                m_haveTime = true;
            } else {
                ++m_counts.byType[type];
            }
        }
    }
    void report(RecordingHeader& h) const { m_counts.report(h, m_time, "EVT 2.0's 34-bit time counter (every 4h46m)"); }

private:
    const std::string& m_file;
    EventChunker& m_out;
    Unwrapper m_time{34};
    std::int64_t m_base = 0;
    bool m_haveTime = false;
    WordCounts m_counts{"EVT 2.0", kEvt2Labels};
};

class Evt3Decoder {
public:
    Evt3Decoder(const std::string& file, EventChunker& out) : m_file(file), m_out(out) {}

    void decode(const unsigned char* bytes, std::size_t n, std::uint64_t at)
    {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint16_t w = le16(bytes + 2 * i);
            switch (w >> 12) {
            case 0x0:  // EVT_ADDR_Y
            case 0x1:  // EM_Y
                m_y = std::int16_t(w & 0x7FF);
                m_cd = (w >> 12) == 0;
                break;
            case 0x2:  // EVT_ADDR_X
                event(w & 0x7FF, (w >> 11) & 1);
                break;
            case 0x3:  // VECT_BASE_X
                m_baseX = w & 0x7FF;
                m_p = (w >> 11) & 1;
                break;
            case 0x4:  // VECT_12
                vector(w & 0xFFF, 12, at + 2 * i);
                break;
            case 0x5:  // VECT_8
                vector(w & 0xFF, 8, at + 2 * i);
                break;
            case 0x6:  // EVT_TIME_LOW: time bits 11..0
                m_t = m_base + (w & 0xFFF);
                break;
            case 0x8:  // EVT_TIME_HIGH: time bits 23..12
                if (!m_time.next(std::uint64_t(w & 0xFFF) << 12, m_base))
                    throw FormatError(m_file, std::int64_t(at + 2 * i), "EVT_TIME_HIGH wraps too often: corrupt");
                m_t = m_base;
                m_haveTime = true;
                break;
            default:
                ++m_counts.byType[w >> 12];
            }
        }
    }
    void report(RecordingHeader& h) const { m_counts.report(h, m_time, "EVT 3.0's 24-bit time counter (every 16.8 s)"); }

private:
    /// Whether `count` events at the current state are counted instead of emitted: they are not
    /// CD, or come before any time-high word.
    bool skipped(std::uint64_t count)
    {
        if (!m_cd)
            m_counts.em += count;
        else if (!m_haveTime)
            m_counts.beforeTime += count;
        else
            return false;
        return true;
    }
    void event(unsigned x, unsigned p)
    {
        if (!skipped(1))
            m_out.push({m_t, std::int16_t(x), m_y, std::uint8_t(p)});
    }
    void vector(unsigned valid, unsigned width, std::uint64_t at)
    {
        if (valid && !skipped(unsigned(std::popcount(valid)))) {
            if (m_baseX + unsigned(std::bit_width(valid)) > 2048)  // EVT 3.0 addresses 11 bits
                throw FormatError(m_file, std::int64_t(at), "a vector event at x = " +
                                                                std::to_string(m_baseX + std::bit_width(valid) - 1) +
                                                                ", beyond EVT 3.0's 2048 columns (no VECT_BASE_X before it?)");
            for (; valid; valid &= valid - 1)
                m_out.push({m_t, std::int16_t(m_baseX + unsigned(std::countr_zero(valid))), m_y, std::uint8_t(m_p)});
        }
        m_baseX = std::min(m_baseX + width, 1u << 16);  // bounded: a run of vectors cannot overflow it
    }

    const std::string& m_file;
    EventChunker& m_out;
    Unwrapper m_time{24};
    std::int64_t m_base = 0, m_t = 0;
    bool m_haveTime = false, m_cd = true;
    std::int16_t m_y = 0;
    unsigned m_baseX = 0, m_p = 0;
    WordCounts m_counts{"EVT 3.0", kEvt3Labels};
};

RecordingHeader readRaw(const std::string& file, const EventSink& sink)
{
    StreamFile in(file, "Prophesee RAW file");
    const TextHeader text = readTextHeader(in);
    RecordingHeader h;
    const int version = rawVersion(text, file);
    h.format = version == 2 ? "Prophesee EVT 2.0" : "Prophesee EVT 3.0";
    h.sensor = rawGeometry(text, file);
    EventChunker out(sink);
    if (version == 2) {
        Evt2Decoder d(file, out);
        forEachBlock(in, 4, "EVT 2.0 word", [&](const unsigned char* p, std::size_t n, std::uint64_t at) { d.decode(p, n, at); });
        d.report(h);
    } else {
        Evt3Decoder d(file, out);
        forEachBlock(in, 2, "EVT 3.0 word", [&](const unsigned char* p, std::size_t n, std::uint64_t at) { d.decode(p, n, at); });
        d.report(h);
    }
    out.flush();
    return h;
}

RecordingHeader readDat(const std::string& file, const EventSink& sink)
{
    StreamFile in(file, "Prophesee DAT file");
    const TextHeader text = readTextHeader(in);
    RecordingHeader h;
    h.format = "Prophesee DAT";
    const HeaderField* width = text.find("width");
    const HeaderField* height = text.find("height");
    if (width && !parseSize(width->value, h.sensor.width))
        badGeometry(file, *width);
    if (height && !parseSize(height->value, h.sensor.height))
        badGeometry(file, *height);
    if (!width || !height)
        h.sensor.width = h.sensor.height = 0;

    unsigned char typeSize[2] = {0x00, 8};  // a file without a header: Event2d, 8 bytes
    const std::uint64_t at = in.offset();
    if (at > 0)
        in.read(typeSize, 2, "the event type and size bytes after the header");
    const unsigned type = typeSize[0], size = typeSize[1];
    if (type != 0x00 && type != 0x0C) {  // not Event2d / EventCd: nothing of it is read
        if (size == 0)
            throw FormatError(file, std::int64_t(at + 1), "event size 0");
        if (in.left() % size)
            throw FormatError(file, std::int64_t(in.size() - in.left() % size),
                              "truncated: the last event needs " + std::to_string(size) + " bytes, the file ends after " +
                                  std::to_string(in.left() % size));
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", type);
        h.skip(type == 0x0E ? std::string("trigger events") : std::string("events of DAT type ") + hex, in.left() / size);
        return h;
    }
    if (size != 8)
        throw FormatError(file, std::int64_t(at + 1), "CD events are 8 bytes, the header says " + std::to_string(size));

    EventChunker out(sink);
    Unwrapper time(32);
    forEachBlock(in, 8, "DAT event", [&](const unsigned char* p, std::size_t n, std::uint64_t blockAt) {
        for (std::size_t i = 0; i < n; ++i, p += 8) {
            const std::uint32_t xyp = le32(p + 4);
            Event e{0, std::int16_t(xyp & 0x3FFF), std::int16_t((xyp >> 14) & 0x3FFF), std::uint8_t((xyp >> 28) & 1)};
            if (!time.next(le32(p), e.t_us))
                throw FormatError(file, std::int64_t(blockAt + 8 * i), "time stamps wrap too often: corrupt");
            out.push(e);
        }
    });
    out.flush();
    if (time.wraps())
        h.notes.push_back("the 32-bit time stamps wrapped " + std::to_string(time.wraps()) +
                          (time.wraps() == 1 ? " time" : " times") + " (every 71.6 min): unwrapped to a continuous time");
    return h;
}

} // namespace

extern const RecordingFormat kEvt2Recording{
    .name = "evt2",
    .display = "Prophesee RAW EVT 2.0",
    .look_for = "a '%' text header naming \"% evt 2.0\" or \"% format EVT2\"",
    .detect = detectEvt2,
    .read = readRaw,
};

extern const RecordingFormat kEvt3Recording{
    .name = "evt3",
    .display = "Prophesee RAW EVT 3.0",
    .look_for = "a '%' text header naming \"% evt 3.0\" or \"% format EVT3\" (or a .raw file with a '%' header)",
    .detect = detectEvt3,
    .read = readRaw,
};

extern const RecordingFormat kDatRecording{
    .name = "dat",
    .display = "Prophesee DAT",
    .look_for = "a .dat file starting with '% ' header lines (N-CARS, GEN1 automotive)",
    .detect = detectDat,
    .read = readDat,
};

} // namespace tp
