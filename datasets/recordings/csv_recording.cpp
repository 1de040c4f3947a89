// Events as a CSV table with a header row naming its columns: x, y, t, p in any order (t may be
// called ts, timestamp or t_us; p polarity or pol; y may be missing for a one-row sensor), one
// event per line, integers, t in microseconds, p > 0 meaning ON. Other columns are ignored.
#include <array>
#include <charconv>
#include <optional>

#include "core/errors.h"
#include "recording.h"

namespace tp {

namespace {

constexpr std::size_t kMaxLine = 4096;

std::string lowerTrimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\r'))
        s.remove_suffix(1);
    std::string out(s);
    for (char& c : out)
        c = char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

std::vector<std::string_view> fields(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == ',') {
            out.push_back(line.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

enum Column { X, Y, T, P };

/// The column of a header name, if it is one of ours.
std::optional<Column> columnOf(const std::string& name)
{
    if (name == "x") return X;
    if (name == "y") return Y;
    if (name == "t" || name == "ts" || name == "timestamp" || name == "t_us") return T;
    if (name == "p" || name == "pol" || name == "polarity") return P;
    return std::nullopt;
}

bool detectCsv(const PathProbe& probe)
{
    const std::string& n = probe.name;
    if (n.size() < 4 || lowerTrimmed(n.substr(n.size() - 4)) != ".csv")
        return false;
    const std::string first = probe.head.substr(0, probe.head.find('\n'));
    bool x = false, t = false;
    for (const std::string_view f : fields(first)) {
        const auto c = columnOf(lowerTrimmed(f));
        x = x || c == X;
        t = t || c == T;
    }
    return x && t;
}

class CsvParser {
public:
    CsvParser(const std::string& file, const EventSink& sink) : m_file(file), m_out(sink) {}

    /// One line starting at byte `offset` (without its '\n').
    void line(std::string_view text, std::uint64_t offset)
    {
        ++m_line;
        if (!text.empty() && text.back() == '\r')
            text.remove_suffix(1);
        if (m_line == 1) {
            header(text, offset);
            return;
        }
        if (text.find_first_not_of(" \t") == std::string_view::npos)
            return;  // blank lines (a trailing one is common)
        const auto f = fields(text);
        Event e;
        std::array<std::int64_t, 4> v{0, 0, 0, 0};
        for (int c = 0; c < 4; ++c) {
            if (m_index[c] < 0)
                continue;
            if (std::size_t(m_index[c]) >= f.size())
                fail(offset, "has " + std::to_string(f.size()) + " fields, the header names " + std::to_string(m_columns));
            std::string_view s = f[std::size_t(m_index[c])];
            while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
            while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
            const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v[std::size_t(c)]);
            if (ec != std::errc() || end != s.data() + s.size())
                fail(offset, "column " + std::string(kNames[c]) + " is \"" + std::string(s.substr(0, 40)) +
                                 "\", not an integer");
        }
        for (int c : {X, Y})
            if (v[std::size_t(c)] < 0 || v[std::size_t(c)] > 32767)
                fail(offset, std::string(kNames[c]) + " = " + std::to_string(v[std::size_t(c)]) + " is outside 0..32767");
        e.x = std::int16_t(v[X]);
        e.y = std::int16_t(v[Y]);
        e.t_us = v[T];
        e.p = v[P] > 0;
        m_out.push(e);
    }

    void finish()
    {
        if (m_line == 0)
            throw FormatError(m_file, 0, "empty file: no header row (expected column names such as x,y,t,p)");
        m_out.flush();
    }

private:
    static constexpr const char* kNames[4] = {"x", "y", "t", "p"};

    void header(std::string_view text, std::uint64_t offset)
    {
        const auto f = fields(text);
        m_columns = f.size();
        for (std::size_t i = 0; i < f.size(); ++i)
            if (const auto c = columnOf(lowerTrimmed(f[i]))) {
                if (m_index[*c] >= 0)
                    fail(offset, "the header names column " + std::string(kNames[*c]) + " twice");
                m_index[*c] = int(i);
            }
        for (int c : {X, T, P})
            if (m_index[c] < 0)
                fail(offset, "the header row has no column " + std::string(kNames[c]) +
                                 " (expected names x, y, t, p; t may be ts/timestamp/t_us, p polarity/pol)");
    }

    [[noreturn]] void fail(std::uint64_t offset, const std::string& what) const
    {
        throw FormatError(m_file, std::int64_t(offset), "line " + std::to_string(m_line) + ": " + what);
    }

    const std::string& m_file;
    EventChunker m_out;
    std::array<int, 4> m_index{-1, -1, -1, -1};
    std::size_t m_columns = 0;
    std::uint64_t m_line = 0;
};

RecordingHeader readCsv(const std::string& file, const EventSink& sink)
{
    StreamFile in(file, "CSV events");
    CsvParser parser(file, sink);
    std::string carry;                 // the unfinished line from the block before
    std::uint64_t carryOffset = 0;
    std::vector<char> block(std::size_t(1) << 20);
    while (const std::size_t n = in.readSome(block.data(), block.size())) {
        const std::uint64_t base = in.offset() - n;
        std::size_t start = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (block[i] != '\n')
                continue;
            if (carry.empty()) {
                parser.line(std::string_view(block.data() + start, i - start), base + start);
            } else {
                carry.append(block.data() + start, i - start);
                parser.line(carry, carryOffset);
                carry.clear();
            }
            start = i + 1;
        }
        if (start < n) {
            if (carry.empty())
                carryOffset = base + start;
            carry.append(block.data() + start, n - start);
            if (carry.size() > kMaxLine)
                throw FormatError(file, std::int64_t(carryOffset),
                                  "a line longer than " + std::to_string(kMaxLine) + " bytes: not a CSV event table");
        }
    }
    if (!carry.empty())
        parser.line(carry, carryOffset);
    parser.finish();
    RecordingHeader h;
    h.format = "CSV events";
    return h;
}

} // namespace

extern const RecordingFormat kCsvRecording{
    .name = "csv",
    .display = "CSV events",
    .look_for = "a .csv file whose header row names columns x, (y,) t and p",
    .detect = detectCsv,
    .read = readCsv,
};

} // namespace tp
