#include "dvsgesture.h"

#include "file_bytes.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "core/errors.h"
#include "npy.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAedatMagic = "#!AER-DAT3.1";
constexpr std::string_view kAedatEnd = "#!END-HEADER";
constexpr std::string_view kAedatHeader =
    "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
    "#Start-Time: 1970-01-01 00:00:00 (TZ+0000)\r\n#!END-HEADER\r\n";
constexpr std::size_t kPacketHeaderBytes = 28;
constexpr std::int16_t kPolarityType = 1;
constexpr std::int32_t kPolarityBytes = 8;
constexpr std::int32_t kPolarityTsOffset = 4;
constexpr int kMaxCoord = 127;
constexpr std::string_view kLabelsHeader = "class,startTime_usec,endTime_usec";

/// Little-endian load of an integer or float of type T.
template <typename T>
T loadLE(const std::uint8_t* p)
{
    using U = std::conditional_t<sizeof(T) == 1, std::uint8_t,
              std::conditional_t<sizeof(T) == 2, std::uint16_t,
              std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
    U u;
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(&u, p, sizeof u);
    } else {
        u = 0;
        for (std::size_t i = 0; i < sizeof u; ++i)
            u = U(u | U(p[i]) << (8 * i));
    }
    return std::bit_cast<T>(u);
}

template <typename T>
void storeLE(std::uint8_t* p, T value)
{
    using U = std::make_unsigned_t<T>;
    const U u = U(value);
    for (std::size_t i = 0; i < sizeof u; ++i)
        p[i] = std::uint8_t(u >> (8 * i));
}

std::string_view trim(std::string_view s)
{
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Splits text into lines (\n or \r\n, the \r removed); a final empty piece is dropped.
std::vector<std::string_view> splitLines(std::string_view text)
{
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos)
            break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool parseInt(std::string_view s, std::int64_t& value)
{
    s = trim(s);
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

std::string lineWhere(std::size_t line)
{
    return "line " + std::to_string(line);
}

std::string describe(std::size_t index, const Event& e)
{
    return "event " + std::to_string(index) + " (t=" + std::to_string(e.t_us) +
           " us, x=" + std::to_string(e.x) + ", y=" + std::to_string(e.y) +
           ", p=" + std::to_string(int(e.p)) + ")";
}

/// Position of the first byte after the AEDAT 3.1 ASCII header.
std::size_t skipAedatHeader(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    const char* text = reinterpret_cast<const char*>(bytes.data());
    const std::size_t size = bytes.size();
    std::size_t pos = 0;
    for (bool first = true; pos < size; first = false) {
        const void* nl = std::memchr(text + pos, '\n', size - pos);
        const std::size_t end = nl ? std::size_t(static_cast<const char*>(nl) - text) : size;
        std::string_view line(text + pos, end - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (first && line != kAedatMagic)
            throw FormatError(path, 0, "not an AEDAT 3.1 file (the first line is not #!AER-DAT3.1)");
        if (line.empty() || line.front() != '#')
            throw FormatError(path, std::int64_t(pos),
                              "header line does not start with '#' (no #!END-HEADER before it)");
        const std::size_t next = nl ? end + 1 : size;
        if (line == kAedatEnd)
            return next;
        pos = next;
    }
    if (size == 0)
        throw FormatError(path, 0, "not an AEDAT 3.1 file (empty)");
    throw FormatError(path, std::int64_t(size), "the header has no #!END-HEADER line");
}

} // namespace

// ---------------------------------------------------------------------------------------------
// AEDAT 3.1

Events readAedat31(const std::string& path)
{
    const std::vector<std::uint8_t> bytes = readFileBytes(path, "AEDAT file", kMaxRecordingFileBytes);
    const std::size_t size = bytes.size();
    const std::uint8_t* b = bytes.data();
    std::size_t pos = skipAedatHeader(path, bytes);

    Events events;
    events.reserve((size - pos) / kPolarityBytes);
    const auto fail = [&](std::size_t offset, const std::string& what) {
        throw FormatError(path, std::int64_t(offset), what);
    };
    while (pos < size) {
        if (size - pos < kPacketHeaderBytes)
            fail(pos, "truncated packet header (" + std::to_string(size - pos) + " of 28 bytes)");
        const std::uint8_t* h = b + pos;
        const auto type = loadLE<std::int16_t>(h);
        const auto eventSize = loadLE<std::int32_t>(h + 4);
        const auto tsOffset = loadLE<std::int32_t>(h + 8);
        const auto tsOverflow = loadLE<std::int32_t>(h + 12);
        const auto capacity = loadLE<std::int32_t>(h + 16);
        const auto number = loadLE<std::int32_t>(h + 20);
        const bool polarity = type == kPolarityType;
        if (eventSize < 0)
            fail(pos + 4, "negative eventSize " + std::to_string(eventSize));
        if (capacity < 0)
            fail(pos + 16, "negative eventCapacity " + std::to_string(capacity));
        if (polarity) {
            if (eventSize < kPolarityBytes)
                fail(pos + 4, "polarity eventSize " + std::to_string(eventSize) + " < 8");
            if (tsOffset != kPolarityTsOffset)
                fail(pos + 8, "polarity eventTSOffset " + std::to_string(tsOffset) + " != 4");
            if (tsOverflow < 0)
                fail(pos + 12, "negative eventTSOverflow " + std::to_string(tsOverflow));
            if (number < 0 || number > capacity)
                fail(pos + 20, "eventNumber " + std::to_string(number) + " outside 0..eventCapacity (" +
                                   std::to_string(capacity) + ")");
        }
        const std::size_t start = pos + kPacketHeaderBytes;
        const std::uint64_t payload = std::uint64_t(capacity) * std::uint64_t(eventSize);
        if (payload > size - start)
            fail(start, "truncated packet payload (" + std::to_string(capacity) + " x " +
                            std::to_string(eventSize) + " = " + std::to_string(payload) + " bytes, " +
                            std::to_string(size - start) + " left)");
        if (polarity) {
            const std::int64_t high = std::int64_t(tsOverflow) << 31;
            const std::uint8_t* e = b + start;
            for (std::int32_t i = 0; i < number; ++i, e += eventSize) {
                const auto data = loadLE<std::uint32_t>(e);
                if (!(data & 1u))
                    continue;
                const auto ts = loadLE<std::int32_t>(e + 4);
                const unsigned y = (data >> 2) & 0x7FFFu, x = (data >> 17) & 0x7FFFu;
                if (x > unsigned(kMaxCoord) || y > unsigned(kMaxCoord) || ts < 0) [[unlikely]]
                    fail(std::size_t(e - b), ts < 0 ? "negative timestamp " + std::to_string(ts)
                                                    : "coordinate out of range 0..127 (x=" + std::to_string(x) +
                                                          ", y=" + std::to_string(y) + ")");
                events.push_back(Event{high | ts, std::int16_t(x), std::int16_t(y), std::uint8_t((data >> 1) & 1u)});
            }
        }
        pos = start + std::size_t(payload);
    }
    if (events.capacity() > 2 * events.size() + 4096)
        events.shrink_to_fit();
    return events;
}

std::vector<std::uint8_t> encodeAedat31(std::span<const Event> events, std::int32_t eventsPerPacket)
{
    if (eventsPerPacket < 1)
        throw ConfigError("AEDAT 3.1: eventsPerPacket must be >= 1 (got " + std::to_string(eventsPerPacket) + ")");
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        const char* problem = nullptr;
        if (e.x < 0 || e.x > kMaxCoord)
            problem = "x outside 0..127";
        else if (e.y < 0 || e.y > kMaxCoord)
            problem = "y outside 0..127";
        else if (e.p > 1)
            problem = "p is not 0 or 1";
        else if (e.t_us < 0 || e.t_us >= (std::int64_t(1) << 62))
            problem = "t outside 0..2^62-1 us";
        if (problem)
            throw ConfigError("AEDAT 3.1 cannot encode " + describe(i, e) + ": " + problem);
    }
    // Packet boundaries first (full packets, or where tsOverflow changes), then one allocation.
    const std::size_t n = events.size();
    std::vector<std::size_t> ends;
    for (std::size_t i = 0; i < n;) {
        const std::int64_t overflow = events[i].t_us >> 31;
        std::size_t j = i + 1;
        while (j < n && j - i < std::size_t(eventsPerPacket) && (events[j].t_us >> 31) == overflow)
            ++j;
        ends.push_back(j);
        i = j;
    }
    std::vector<std::uint8_t> bytes(kAedatHeader.size() + ends.size() * kPacketHeaderBytes + n * kPolarityBytes);
    std::uint8_t* out = bytes.data();
    std::memcpy(out, kAedatHeader.data(), kAedatHeader.size());
    out += kAedatHeader.size();
    std::size_t i = 0;
    for (const std::size_t j : ends) {
        const auto count = std::int32_t(j - i);
        storeLE<std::int16_t>(out, kPolarityType);
        storeLE<std::int16_t>(out + 2, 1);  // source 1
        storeLE<std::int32_t>(out + 4, kPolarityBytes);
        storeLE<std::int32_t>(out + 8, kPolarityTsOffset);
        storeLE<std::int32_t>(out + 12, std::int32_t(events[i].t_us >> 31));
        storeLE<std::int32_t>(out + 16, count);  // capacity
        storeLE<std::int32_t>(out + 20, count);  // number
        storeLE<std::int32_t>(out + 24, count);  // valid
        out += kPacketHeaderBytes;
        for (; i < j; ++i, out += kPolarityBytes) {
            const Event& e = events[i];
            const std::uint32_t data = 1u | std::uint32_t(e.p) << 1 | std::uint32_t(e.y) << 2 | std::uint32_t(e.x) << 17;
            storeLE<std::uint32_t>(out, data);
            storeLE<std::int32_t>(out + 4, std::int32_t(e.t_us & 0x7FFFFFFF));
        }
    }
    return bytes;
}

void writeAedat31(const std::string& path, std::span<const Event> events, std::int32_t eventsPerPacket)
{
    const std::vector<std::uint8_t> bytes = encodeAedat31(events, eventsPerPacket);
    writeFileAtomically(path, bytes.data(), bytes.size(), "AEDAT file");
}

// ---------------------------------------------------------------------------------------------
// Labels CSV, trial cutting, trial lists

std::vector<GestureLabel> readGestureLabels(const std::string& path)
{
    const std::vector<std::uint8_t> bytes = readFileBytes(path, "labels CSV", kMaxListFileBytes);
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text.starts_with("\xEF\xBB\xBF"))  // UTF-8 byte-order mark
        text.remove_prefix(3);
    const std::vector<std::string_view> lines = splitLines(text);
    if (lines.empty() || trim(lines[0]) != kLabelsHeader)
        throw FormatError(path, lineWhere(1), "the header is not \"class,startTime_usec,endTime_usec\"");
    std::vector<GestureLabel> labels;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view line = trim(lines[i]);
        if (line.empty())
            continue;
        const auto bad = [&](const std::string& what) {
            throw FormatError(path, lineWhere(i + 1), what + ": \"" + std::string(line) + "\"");
        };
        std::int64_t v[3];
        std::string_view rest = line;
        for (int k = 0; k < 3; ++k) {
            const std::size_t comma = rest.find(',');
            if ((k < 2) == (comma == std::string_view::npos))
                bad("expected 3 comma-separated fields");
            if (!parseInt(rest.substr(0, comma), v[k]))
                bad("field " + std::to_string(k + 1) + " is not an integer");
            rest.remove_prefix(k < 2 ? comma + 1 : rest.size());
        }
        if (v[0] < 1 || v[0] > kDvsGestureClasses)
            bad("class outside 1..11");
        if (v[1] < 0 || v[2] < v[1])
            bad("times must satisfy 0 <= start <= end");
        labels.push_back(GestureLabel{int(v[0] - 1), v[1], v[2]});
    }
    return labels;
}

void writeGestureLabels(const std::string& path, const std::vector<GestureLabel>& labels)
{
    std::string text(kLabelsHeader);
    text += '\n';
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const GestureLabel& l = labels[i];
        if (l.cls < 0 || l.cls >= kDvsGestureClasses)
            throw ConfigError("gesture labels: row " + std::to_string(i) + " has class " +
                              std::to_string(l.cls) + " outside 0..10");
        if (l.start_us < 0 || l.end_us < l.start_us)
            throw ConfigError("gesture labels: row " + std::to_string(i) + " needs 0 <= start <= end");
        text += std::to_string(l.cls + 1) + ',' + std::to_string(l.start_us) + ',' + std::to_string(l.end_us) + '\n';
    }
    writeFileAtomically(path, text.data(), text.size(), "labels CSV");
}

std::vector<std::pair<Events, int>> cutTrials(const Events& recording, const std::vector<GestureLabel>& labels)
{
    const auto byTime = [](const Event& a, const Event& b) { return a.t_us < b.t_us; };
    const bool sorted = std::is_sorted(recording.begin(), recording.end(), byTime);
    std::vector<std::pair<Events, int>> trials;
    trials.reserve(labels.size());
    for (const GestureLabel& l : labels) {
        Events cut;
        if (sorted) {
            const auto at = [&](std::int64_t t) {
                return std::lower_bound(recording.begin(), recording.end(), t,
                                        [](const Event& e, std::int64_t v) { return e.t_us < v; });
            };
            const auto first = at(l.start_us);
            const auto last = l.end_us > l.start_us ? at(l.end_us) : first;
            cut.assign(first, last);
        } else {
            std::copy_if(recording.begin(), recording.end(), std::back_inserter(cut),
                         [&](const Event& e) { return e.t_us >= l.start_us && e.t_us < l.end_us; });
        }
        trials.emplace_back(std::move(cut), l.cls);
    }
    return trials;
}

std::vector<GestureRecording> scanDvsGesture(const std::string& root, bool train)
{
    const std::string list = (fs::path(root) / (train ? "trials_to_train.txt" : "trials_to_test.txt")).string();
    const std::vector<std::uint8_t> bytes = readFileBytes(list, "DVS Gesture trial list", kMaxListFileBytes);
    const std::vector<std::string_view> lines =
        splitLines(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    std::vector<GestureRecording> recordings;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view name = trim(lines[i]);
        if (name.empty())
            continue;
        constexpr std::string_view ext = ".aedat";
        if (name.size() <= ext.size() || !name.ends_with(ext) || name.find_first_of("/\\") != std::string_view::npos ||
            name == ".." || name.starts_with(".."))
            throw FormatError(list, lineWhere(i + 1),
                              "\"" + std::string(name) + "\" is not a plain *.aedat file name");
        const std::string stem(name.substr(0, name.size() - ext.size()));
        GestureRecording r{(fs::path(root) / std::string(name)).string(),
                           (fs::path(root) / (stem + "_labels.csv")).string()};
        std::error_code ec;
        for (const std::string* file : {&r.aedat, &r.labels})
            if (!fs::is_regular_file(*file, ec))
                throw IoError(*file + ": missing (listed in " + list + " " + lineWhere(i + 1) + ")");
        recordings.push_back(std::move(r));
    }
    return recordings;
}

// ---------------------------------------------------------------------------------------------
// NPY (tonic's preprocessed copy)

namespace {

constexpr int kNpyColumns = 4;  // x, y, p, t_ms

/// Converts N rows of element type T into events; offsets name the bad element.
template <typename T>
void convertRows(const std::string& path, const std::uint8_t* data, std::size_t dataStart, std::size_t rows,
                 Events& events)
{
    constexpr std::size_t item = sizeof(T);
    constexpr std::int64_t maxMs = std::numeric_limits<std::int64_t>::max() / 1000;
    events.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::uint8_t* row = data + r * kNpyColumns * item;
        std::int64_t v[3];
        for (int c = 0; c < 3; ++c) {
            const T value = loadLE<T>(row + c * item);
            const std::int64_t limit = c == 2 ? 1 : kMaxCoord;
            bool ok;
            if constexpr (std::is_floating_point_v<T>) {
                ok = value >= 0 && value <= T(limit) && value == std::floor(value);
                v[c] = ok ? std::int64_t(value) : 0;
            } else {
                v[c] = std::int64_t(value);
                ok = v[c] >= 0 && v[c] <= limit;
            }
            if (!ok) [[unlikely]]
                throw FormatError(path, std::int64_t(dataStart + (r * kNpyColumns + c) * item),
                                  std::string(c == 0 ? "x" : c == 1 ? "y" : "p") + " of row " + std::to_string(r) +
                                      (c == 2 ? " is not 0 or 1" : " is not an integer in 0..127"));
        }
        const T t = loadLE<T>(row + 3 * item);
        std::int64_t t_us;
        bool ok;
        if constexpr (std::is_floating_point_v<T>) {
            const double us = double(t) * 1000.0;
            ok = us >= 0 && us < 9.2e18;  // false for NaN
            t_us = ok ? std::llround(us) : 0;
        } else {
            ok = std::int64_t(t) >= 0 && std::int64_t(t) <= maxMs;
            t_us = ok ? std::int64_t(t) * 1000 : 0;  // multiply only in range: no signed overflow
        }
        if (!ok) [[unlikely]]
            throw FormatError(path, std::int64_t(dataStart + (r * kNpyColumns + 3) * item),
                              "t_ms of row " + std::to_string(r) + " is negative, not finite or too large");
        events[r] = Event{t_us, std::int16_t(v[0]), std::int16_t(v[1]), std::uint8_t(v[2])};
    }
}

} // namespace

Events readGestureNpy(const std::string& path)
{
    NpyFile in(path);
    const NpyHeader h = readNpyHeader(in);
    const auto fail = [&](std::uint64_t offset, const std::string& what) {
        throw FormatError(path, std::int64_t(offset), what);
    };
    if (h.structured())
        fail(h.header_start, "NPY descr is a structured array " + h.type.text +
                                 ", not tonic's (N, 4) DVS Gesture trial (x/y/t/p event arrays are read as recordings)");
    struct Kind {
        std::string_view descr;
        std::size_t size;
    };
    static constexpr Kind kKinds[] = {{"<i2", 2}, {"<i4", 4}, {"<i8", 8}, {"<f4", 4},
                                      {"<f8", 8}, {"|u1", 1}, {"|b1", 1}};
    const auto kind =
        std::find_if(std::begin(kKinds), std::end(kKinds), [&](const Kind& k) { return k.descr == h.type.text; });
    if (kind == std::end(kKinds))
        fail(h.header_start, "NPY descr '" + h.type.text + "' is not one of <i2 <i4 <i8 <f4 <f8 |u1 |b1");
    if (h.fortran)
        fail(h.header_start, "NPY fortran_order True is not supported");
    if (h.shape.size() != 2 || h.shape[1] != kNpyColumns)
        fail(h.header_start, "NPY shape is not (N, 4)");

    const std::uint64_t dataStart = h.data_start;
    const std::uint64_t available = in.left();
    const std::uint64_t rows = h.shape[0];
    const std::uint64_t rowBytes = kNpyColumns * kind->size;
    if (rows > available / rowBytes)
        fail(dataStart, "NPY data truncated: " + std::to_string(rows) + " rows need " + std::to_string(rows * rowBytes) +
                            " bytes, " + std::to_string(available) + " present");
    if (rows * rowBytes != available)
        fail(dataStart + rows * rowBytes, "trailing bytes after the NPY data");
    if (available > kMaxRecordingFileBytes)
        fail(dataStart, "NPY data of " + std::to_string(available) + " bytes: more than one trial holds");
    std::vector<std::uint8_t> bytes(available);
    in.read(bytes.data(), bytes.size(), "the NPY data");

    Events events;
    const std::uint8_t* data = bytes.data();
    const std::string_view d = kind->descr;
    if (d == "<i2")
        convertRows<std::int16_t>(path, data, dataStart, rows, events);
    else if (d == "<i4")
        convertRows<std::int32_t>(path, data, dataStart, rows, events);
    else if (d == "<i8")
        convertRows<std::int64_t>(path, data, dataStart, rows, events);
    else if (d == "<f4")
        convertRows<float>(path, data, dataStart, rows, events);
    else if (d == "<f8")
        convertRows<double>(path, data, dataStart, rows, events);
    else
        convertRows<std::uint8_t>(path, data, dataStart, rows, events);  // |u1 and |b1 (0/1 bytes)
    return events;
}

void writeNpy(const std::string& path, std::span<const std::int64_t> values, std::size_t rows, std::size_t cols)
{
    if (cols != 0 && rows > values.size() / cols)
        throw ConfigError("writeNpy: shape too large for the values");
    if (values.size() != rows * cols)
        throw ConfigError("writeNpy: " + std::to_string(values.size()) + " values do not fill shape (" +
                          std::to_string(rows) + ", " + std::to_string(cols) + ")");
    std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "), }";
    // numpy: pad with spaces + '\n' so that magic (6) + version (2) + length (2) + header is a
    // multiple of 64 (a full 64 extra when already aligned).
    const std::size_t pad = 64 - (10 + header.size() + 1) % 64;
    header.append(pad, ' ');
    header += '\n';
    std::vector<std::uint8_t> bytes(10 + header.size() + values.size() * 8);
    std::memcpy(bytes.data(), kNpyMagic.data(), kNpyMagic.size());
    bytes[6] = 1;
    bytes[7] = 0;
    storeLE<std::uint16_t>(bytes.data() + 8, std::uint16_t(header.size()));
    std::memcpy(bytes.data() + 10, header.data(), header.size());
    std::uint8_t* out = bytes.data() + 10 + header.size();
    for (const std::int64_t v : values) {
        storeLE<std::int64_t>(out, v);
        out += 8;
    }
    writeFileAtomically(path, bytes.data(), bytes.size(), "NPY file");
}

void writeGestureNpy(const std::string& path, std::span<const Event> events)
{
    std::vector<std::int64_t> values;
    values.reserve(events.size() * kNpyColumns);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (e.t_us < 0 || e.t_us % 1000 != 0)
            throw ConfigError("gesture NPY cannot encode " + describe(i, e) + ": t is not a whole, non-negative ms");
        values.insert(values.end(), {e.x, e.y, e.p, e.t_us / 1000});
    }
    writeNpy(path, values, events.size(), kNpyColumns);
}

std::vector<GestureNpySample> scanGestureNpy(const std::string& root, bool train)
{
    const fs::path split = fs::path(root) / (train ? "ibmGestureTrain" : "ibmGestureTest");
    std::error_code ec;
    if (!fs::is_directory(split, ec))
        throw IoError(split.string() + ": no DVS Gesture NPY folder (it does not exist)");
    std::vector<GestureNpySample> samples;
    try {
        std::vector<std::string> folders;
        for (const fs::directory_entry& item : fs::directory_iterator(split))
            if (item.is_directory())
                folders.push_back(item.path().filename().string());
        std::sort(folders.begin(), folders.end());
        for (const std::string& folder : folders) {
            // user<digits>_<lighting>
            std::size_t digits = 4;
            while (digits < folder.size() && folder[digits] >= '0' && folder[digits] <= '9')
                ++digits;
            if (!folder.starts_with("user") || digits == 4 || digits > 13 || digits + 1 >= folder.size() ||
                folder[digits] != '_')
                continue;
            const int user = std::stoi(folder.substr(4, digits - 4));
            const std::string lighting = folder.substr(digits + 1);
            std::vector<GestureNpySample> found;
            for (const fs::directory_entry& item : fs::directory_iterator(split / folder)) {
                const fs::path& p = item.path();
                if (p.extension() != ".npy" || !item.is_regular_file())
                    continue;
                const std::string stem = p.stem().string();
                std::int64_t label = -1;
                if (stem.empty() || stem.find_first_not_of("0123456789") != std::string::npos ||
                    !parseInt(stem, label) || label >= kDvsGestureClasses)
                    throw FormatError(p.string(), "file name", "the stem is not a class 0..10");
                found.push_back({p.string(), int(label), user, lighting});
            }
            std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
            samples.insert(samples.end(), found.begin(), found.end());
        }
    } catch (const fs::filesystem_error& e) {
        throw IoError(split.string() + ": cannot list DVS Gesture NPY folder: " + e.what());
    }
    if (samples.empty())
        throw IoError(split.string() + ": no userNN_<lighting>/<label>.npy samples found");
    return samples;
}

} // namespace tp
