#include "npy.h"

#include <bit>
#include <cstring>

namespace tp {

FormatError NpyPlace::error(std::uint64_t at, const std::string& what) const
{
    if (inflated)
        return FormatError(file, "member " + member + ", byte " + std::to_string(at) + " of its inflated data", what);
    return FormatError(file, std::int64_t(base + at), member.empty() ? what : "member " + member + ": " + what);
}

bool NpyType::bigEndian() const
{
    return order == '>' || (order == '=' && std::endian::native == std::endian::big);
}

const NpyField* NpyHeader::field(std::string_view name) const
{
    for (const NpyField& f : fields)
        if (f.name == name)
            return &f;
    return nullptr;
}

std::string NpyHeader::shapeText() const
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {

/// A Python literal of the header dict: a string, True/False, a non-negative integer, a tuple or a list.
struct PyValue {
    enum Kind { Str, Bool, Int, Seq } kind = Str;
    std::size_t at = 0;          // offset of its first character in the dict text
    std::string text;            // Str
    bool flag = false;           // Bool
    std::uint64_t number = 0;    // Int
    bool list = false;           // Seq: [..] rather than (..)
    std::vector<PyValue> items;  // Seq
};

/// Nesting deeper than this is refused (a structured type in a structured type ...): no header
/// numpy writes comes near, and the recursion stays bounded.
constexpr int kMaxDepth = 16;
/// No element of an array we read is anywhere near this large; keeps every size product in range.
constexpr std::uint64_t kMaxItemBytes = std::uint64_t(1) << 40;

class HeaderParser {
public:
    HeaderParser(std::string_view text, const NpyPlace& place, std::uint64_t base)
        : m_text(text), m_place(place), m_base(base)
    {
    }

    void parse(NpyHeader& h)
    {
        const PyValue* values[3] = {nullptr, nullptr, nullptr};
        static constexpr const char* kKeys[3] = {"descr", "fortran_order", "shape"};
        PyValue parsed[3];
        expect('{');
        for (;;) {
            skipSpace();
            if (peek() == '}')
                break;
            const std::size_t keyAt = m_pos;
            const PyValue key = value(0);
            int k = 0;
            while (k < 3 && (key.kind != PyValue::Str || key.text != kKeys[k]))
                ++k;
            if (k == 3)
                fail(keyAt, "unexpected header key " + shown(key) + " (an NPY header has exactly 'descr', "
                            "'fortran_order' and 'shape')");
            if (values[k])
                fail(keyAt, "the key '" + key.text + "' appears twice");
            expect(':');
            parsed[k] = value(0);
            values[k] = &parsed[k];
            skipSpace();
            if (peek() == ',')
                ++m_pos;
            else if (peek() != '}')
                fail(m_pos, "expected ',' or '}' in the header dict");
        }
        ++m_pos;
        while (m_pos < m_text.size() && (space(m_text[m_pos]) || m_text[m_pos] == '\0'))
            ++m_pos;
        if (m_pos != m_text.size())
            fail(m_pos, "unexpected text after the header dict");
        if (!values[0] || !values[1] || !values[2])
            fail(0, "the header dict lacks 'descr', 'fortran_order' or 'shape'");
        descr(*values[0], h);
        if (values[1]->kind != PyValue::Bool)
            fail(values[1]->at, "'fortran_order' is not True or False");
        h.fortran = values[1]->flag;
        shape(*values[2], h);
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what) const
    {
        throw m_place.error(m_base + at, "NPY header: " + what);
    }
    static bool space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skipSpace()
    {
        while (m_pos < m_text.size() && space(m_text[m_pos]))
            ++m_pos;
    }
    void expect(char c)
    {
        skipSpace();
        if (peek() != c)
            fail(m_pos, std::string("expected '") + c + "'");
        ++m_pos;
    }
    std::string shown(const PyValue& v) const
    {
        const std::size_t end = std::min(m_text.size(), v.at + 40);
        return "'" + std::string(m_text.substr(v.at, std::min(m_pos, end) - v.at)) + "'";
    }

    PyValue value(int depth)
    {
        skipSpace();
        PyValue v;
        v.at = m_pos;
        const char c = peek();
        if (c == '\'' || c == '"') {
            v.kind = PyValue::Str;
            for (++m_pos; peek() != c; ++m_pos) {
                if (m_pos >= m_text.size())
                    fail(v.at, "unterminated string");
                if (m_text[m_pos] == '\\')
                    ++m_pos;  // an escaped character stands for itself
                if (m_pos < m_text.size())
                    v.text += m_text[m_pos];
            }
            ++m_pos;
        } else if (c == '(' || c == '[') {
            if (depth >= kMaxDepth)
                fail(m_pos, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
            v.kind = PyValue::Seq;
            v.list = c == '[';
            const char close = v.list ? ']' : ')';
            ++m_pos;
            for (;;) {
                skipSpace();
                if (peek() == close)
                    break;
                v.items.push_back(value(depth + 1));
                skipSpace();
                if (peek() == ',')
                    ++m_pos;
                else if (peek() != close)
                    fail(m_pos, std::string("expected ',' or '") + close + "'");
            }
            ++m_pos;
        } else if (c >= '0' && c <= '9') {
            v.kind = PyValue::Int;
            for (; peek() >= '0' && peek() <= '9'; ++m_pos)
                if (__builtin_mul_overflow(v.number, 10u, &v.number) ||
                    __builtin_add_overflow(v.number, std::uint64_t(peek() - '0'), &v.number) ||
                    v.number > std::uint64_t(INT64_MAX))
                    fail(v.at, "an integer too large");
            if (peek() == 'L')
                ++m_pos;  // Python 2's long suffix
        } else {
            v.kind = PyValue::Bool;
            for (const auto& [word, flag] : {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}})
                if (m_text.substr(m_pos).starts_with(word)) {
                    m_pos += word.size();
                    v.flag = flag;
                    return v;
                }
            fail(m_pos, "expected a string, a number, True, False, a tuple or a list");
        }
        return v;
    }

    /// A type string: byte order (optional), kind, size (optional for 'O'), a unit for M / m.
    NpyType type(const PyValue& v) const
    {
        const std::string& s = v.text;
        NpyType t;
        t.text = s;
        std::size_t i = 0;
        if (i < s.size() && std::strchr("<>|=", s[i]) && s[i] != '\0')
            t.order = s[i++];
        if (i >= s.size() || !std::strchr("biufcSaUVOMm", s[i]) || s[i] == '\0')
            fail(v.at, "unknown type '" + s + "'");
        t.kind = s[i++];
        std::uint64_t n = 0;
        const std::size_t digits = i;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
            if ((n = n * 10 + std::uint64_t(s[i] - '0')) > kMaxItemBytes)
                fail(v.at, "type '" + s + "' is too large");
        if (i == digits && t.kind != 'O')
            fail(v.at, "type '" + s + "' has no size");
        if ((t.kind == 'M' || t.kind == 'm') && i < s.size() && s[i] == '[' && s.back() == ']')
            i = s.size();
        if (i != s.size())
            fail(v.at, "unknown type '" + s + "'");
        t.size = std::size_t(t.kind == 'O' ? 8 : t.kind == 'U' ? 4 * n : n);
        const bool integer = t.kind == 'i' || t.kind == 'u';
        if ((integer && t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8) || (t.kind == 'b' && t.size != 1))
            fail(v.at, "unknown type '" + s + "'");
        return t;
    }

    /// The fields of a structured type (a list of tuples) appended to `fields`; its size.
    std::uint64_t fieldsOf(const PyValue& list, std::vector<NpyField>& fields, std::string& text)
    {
        std::uint64_t offset = 0;
        text = "[";
        for (const PyValue& item : list.items) {
            if (item.kind != PyValue::Seq || item.list || item.items.size() < 2 || item.items.size() > 3)
                fail(item.at, "a field of 'descr' is not a (name, type) or (name, type, shape) tuple");
            const PyValue& name = item.items[0];
            const bool titled = name.kind == PyValue::Seq && name.items.size() == 2 &&
                                name.items[0].kind == PyValue::Str && name.items[1].kind == PyValue::Str;
            if (name.kind != PyValue::Str && !titled)
                fail(name.at, "a field name is not a string");
            NpyField f;
            f.name = titled ? name.items[1].text : name.text;
            const PyValue& type = item.items[1];
            if (type.kind == PyValue::Str) {
                f.type = this->type(type);
            } else if (type.kind == PyValue::Seq && type.list) {
                std::vector<NpyField> inner;
                f.type.kind = 'V';
                f.type.size = std::size_t(fieldsOf(type, inner, f.type.text));
            } else {
                fail(type.at, "the type of field '" + f.name + "' is neither a type string nor a list of fields");
            }
            if (item.items.size() == 3)
                f.count = product(item.items[2], "the shape of field '" + f.name + "'");
            f.offset = std::size_t(offset);
            std::uint64_t bytes = 0;
            if (__builtin_mul_overflow(f.count, std::uint64_t(f.type.size), &bytes) || bytes > kMaxItemBytes ||
                (offset += bytes) > kMaxItemBytes)
                fail(item.at, "the structured type is too large");
            text += (text.size() > 1 ? ", " : "") + f.name + ": " + f.type.text;
            fields.push_back(std::move(f));
        }
        text += "]";
        return offset;
    }

    /// The product of a tuple of integers (an int alone counts too).
    std::uint64_t product(const PyValue& v, const std::string& what, std::vector<std::uint64_t>* dims = nullptr)
    {
        if (v.kind == PyValue::Int) {
            if (dims)
                dims->push_back(v.number);
            return v.number;
        }
        if (v.kind != PyValue::Seq || v.list)
            fail(v.at, what + " is not a tuple of integers");
        std::uint64_t n = 1;
        for (const PyValue& d : v.items) {
            if (d.kind != PyValue::Int)
                fail(d.at, what + " holds something that is not a non-negative integer");
            if (dims)
                dims->push_back(d.number);
            if (__builtin_mul_overflow(n, d.number, &n) || n > std::uint64_t(INT64_MAX))
                fail(v.at, what + " is too large");
        }
        return n;
    }

    void descr(const PyValue& v, NpyHeader& h)
    {
        if (v.kind == PyValue::Str) {
            h.type = type(v);
        } else if (v.kind == PyValue::Seq && v.list) {
            h.type.kind = 'V';
            h.type.size = std::size_t(fieldsOf(v, h.fields, h.type.text));
        } else {
            fail(v.at, "'descr' is neither a type string nor a list of fields");
        }
        h.item_bytes = h.type.size;
    }

    void shape(const PyValue& v, NpyHeader& h)
    {
        if (v.kind != PyValue::Seq || v.list)
            fail(v.at, "'shape' is not a tuple");
        h.elements = product(v, "'shape'", &h.shape);
        if (__builtin_mul_overflow(h.elements, std::uint64_t(h.item_bytes), &h.data_bytes) ||
            h.data_bytes > std::uint64_t(INT64_MAX))
            fail(v.at, "'shape' " + h.shapeText() + " claims more data than any file holds");
    }

    std::string_view m_text;
    const NpyPlace& m_place;
    std::uint64_t m_base;
    std::size_t m_pos = 0;
};

std::uint64_t loadLE(const std::uint8_t* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

} // namespace

NpyHeader readNpyHeader(NpyInput& in)
{
    const NpyPlace& place = in.place();
    std::uint8_t pre[12] = {};
    const std::size_t have = std::size_t(std::min<std::uint64_t>(10, in.left()));
    in.read(pre, have, "the NPY preamble");
    if (have < kNpyMagic.size() ? std::memcmp(pre, kNpyMagic.data(), have) != 0
                                : std::memcmp(pre, kNpyMagic.data(), kNpyMagic.size()) != 0)
        throw place.error(0, "not an NPY file (no \\x93NUMPY magic)");
    if (have < 10)
        throw place.error(0, "truncated: the NPY preamble needs 10 bytes, only " + std::to_string(have) + " present");
    NpyHeader h;
    h.major = pre[6];
    if (h.major < 1 || h.major > 3)
        throw place.error(6, "unsupported NPY version " + std::to_string(h.major) + "." + std::to_string(pre[7]) +
                                 " (numpy writes 1.0, 2.0 and 3.0)");
    if (h.major >= 2) {
        in.read(pre + 10, 2, "the NPY header length");
        h.header_start = 12;
    }
    const std::uint64_t length = loadLE(pre + 8, h.major == 1 ? 2 : 4);
    if (length > kMaxNpyHeaderBytes)
        throw place.error(8, "NPY header length " + std::to_string(length) + " is more than " +
                                 std::to_string(kMaxNpyHeaderBytes) + " bytes (corrupt)");
    if (length > in.left())
        throw place.error(8, "NPY header length " + std::to_string(length) + " runs past the end of the data (" +
                                 std::to_string(in.left()) + " bytes left)");
    std::string text(std::size_t(length), '\0');
    in.read(text.data(), text.size(), "the NPY header");
    HeaderParser(text, place, h.header_start).parse(h);
    h.data_start = h.header_start + length;
    return h;
}

std::optional<bool> npyHeadIsStructured(std::string_view head)
{
    if (!head.starts_with(kNpyMagic) || head.size() < 12)
        return std::nullopt;
    const std::size_t from = std::uint8_t(head[6]) >= 2 ? 12 : 10;
    for (const std::string_view key : {"'descr'", "\"descr\""}) {
        std::size_t i = head.find(key, from);
        if (i == std::string_view::npos)
            continue;
        i += key.size();
        while (i < head.size() && (head[i] == ' ' || head[i] == ':'))
            ++i;
        if (i < head.size())
            return head[i] == '[';
    }
    return std::nullopt;
}

} // namespace tp
