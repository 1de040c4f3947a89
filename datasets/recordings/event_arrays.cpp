#include "event_arrays.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <type_traits>
#include <vector>

namespace tp {

namespace {

constexpr std::int64_t kMaxCoordinate = 32767;
/// Bytes of one block read from each input (a few elements when one is larger than this).
constexpr std::size_t kBlockBytes = std::size_t(4) << 20;

template <typename U>
U byteSwapped(U u)
{
    if constexpr (sizeof(U) == 2)
        return __builtin_bswap16(u);
    else if constexpr (sizeof(U) == 4)
        return __builtin_bswap32(u);
    else if constexpr (sizeof(U) == 8)
        return __builtin_bswap64(u);
    return u;
}

/// `k` values of type T, one every `stride` bytes from `p`, into `out`; the index of the first
/// uint64 value that int64 cannot hold, or k.
template <typename T>
std::size_t load(const std::uint8_t* p, std::size_t stride, std::size_t k, bool swap, std::int64_t* out)
{
    using U = std::make_unsigned_t<T>;
    for (std::size_t i = 0; i < k; ++i, p += stride) {
        U u;
        std::memcpy(&u, p, sizeof u);
        if (swap)
            u = byteSwapped(u);
        if constexpr (std::is_same_v<T, std::uint64_t>)
            if (u > std::uint64_t(INT64_MAX))
                return i;
        out[i] = std::int64_t(T(u));
    }
    return k;
}

std::size_t loadColumn(const NpyType& t, const std::uint8_t* p, std::size_t stride, std::size_t k, std::int64_t* out)
{
    const bool swap = t.bigEndian() != (std::endian::native == std::endian::big);
    const bool sign = t.kind == 'i';
    switch (t.size) {
    case 1: return sign ? load<std::int8_t>(p, stride, k, swap, out) : load<std::uint8_t>(p, stride, k, swap, out);
    case 2: return sign ? load<std::int16_t>(p, stride, k, swap, out) : load<std::uint16_t>(p, stride, k, swap, out);
    case 4: return sign ? load<std::int32_t>(p, stride, k, swap, out) : load<std::uint32_t>(p, stride, k, swap, out);
    default: return sign ? load<std::int64_t>(p, stride, k, swap, out) : load<std::uint64_t>(p, stride, k, swap, out);
    }
}

/// Refuses a column type the events cannot come from.
void checkColumnType(const NpyPlace& place, std::uint64_t at, int column, const NpyType& t, std::uint64_t count)
{
    const bool ok = t.integer() || (column == 3 && t.kind == 'b');
    if (!ok || count != 1)
        throw place.error(at, std::string("field ") + kEventColumnNames[std::size_t(column)] + " is '" + t.text +
                                  (count != 1 ? "' with " + std::to_string(count) + " values per event"
                                              : "'") +
                                  ": x, y and t must be single integers (t in microseconds), p an integer or bool");
}

void checkLayout(const NpyHeader& h, const NpyPlace& place)
{
    if (h.fortran)
        throw place.error(h.header_start, "fortran_order True: only C-order arrays are read (numpy writes C order "
                                          "unless the array was Fortran-contiguous; save np.ascontiguousarray(a))");
    if (h.shape.size() != 1)
        throw place.error(h.header_start, "shape " + h.shapeText() + " is not one-dimensional (N,): one element per event");
}

} // namespace

int badEventColumn(std::int64_t x, std::int64_t y, std::int64_t t)
{
    if (x < 0 || x > kMaxCoordinate)
        return 0;
    if (y < 0 || y > kMaxCoordinate)
        return 1;
    return t < 0 ? 2 : -1;
}

std::string eventColumnProblem(std::uint64_t index, int column, std::int64_t value)
{
    return "event " + std::to_string(index) + ": " + kEventColumnNames[std::size_t(column)] + " = " +
           std::to_string(value) + (column == 2 ? " is negative" : " is outside 0..32767");
}

EventColumns structuredColumns(const NpyHeader& h, NpyInput& in)
{
    const NpyPlace& place = in.place();
    if (!h.structured())
        throw place.error(h.header_start, "descr '" + h.type.text +
                                              "' is a plain type: expected a structured array with fields x, y, t, p");
    checkLayout(h, place);
    EventColumns columns;
    for (int c = 0; c < 4; ++c) {
        const NpyField* f = h.field(kEventColumnNames[std::size_t(c)]);
        if (!f)
            throw place.error(h.header_start, std::string("the structured array has no field ") +
                                                  kEventColumnNames[std::size_t(c)] + " (its fields: " + h.type.text +
                                                  "; expected x, y, t, p)");
        checkColumnType(place, h.header_start, c, f->type, f->count);
        columns[std::size_t(c)] = {&in, f->type, f->offset, h.item_bytes};
    }
    return columns;
}

EventColumn plainColumn(const NpyHeader& h, NpyInput& in, int name)
{
    const NpyPlace& place = in.place();
    if (h.structured())
        throw place.error(h.header_start, std::string("array ") + kEventColumnNames[std::size_t(name)] +
                                              " is a structured array " + h.type.text + ", expected plain integers");
    checkLayout(h, place);
    checkColumnType(place, h.header_start, name, h.type, 1);
    return {&in, h.type, 0, h.item_bytes};
}

void streamEventColumns(const EventColumns& columns, std::uint64_t count, EventChunker& out)
{
    // The inputs (one for a structured array, four for plain arrays), their data's start and a block.
    struct Source {
        NpyInput* input;
        std::size_t stride;
        std::uint64_t start;
        std::vector<std::uint8_t> block;
    };
    std::vector<Source> sources;
    std::array<std::size_t, 4> sourceOf{};
    std::size_t maxStride = 1;
    for (std::size_t c = 0; c < 4; ++c) {
        const EventColumn& col = columns[c];
        auto s = std::find_if(sources.begin(), sources.end(), [&](const Source& s) { return s.input == col.input; });
        if (s == sources.end()) {
            const std::uint64_t need = count * col.stride;  // < 2^63: readNpyHeader checked the product
            if (need > col.input->left())
                throw col.input->place().error(col.input->position(),
                                               "truncated: " + std::to_string(count) + " events need " + std::to_string(need) +
                                                   " bytes of data, " + std::to_string(col.input->left()) + " present");
            sources.push_back({col.input, col.stride, col.input->position(), {}});
            s = sources.end() - 1;
        }
        sourceOf[c] = std::size_t(s - sources.begin());
        maxStride = std::max(maxStride, col.stride);
    }
    const std::size_t perBlock = std::max<std::size_t>(1, std::min(kRecordingChunkEvents, kBlockBytes / maxStride));
    std::array<std::vector<std::int64_t>, 4> values;
    for (auto& v : values)
        v.resize(std::size_t(std::min<std::uint64_t>(perBlock, count)));

    for (std::uint64_t first = 0; first < count;) {
        const std::size_t k = std::size_t(std::min<std::uint64_t>(perBlock, count - first));
        for (Source& s : sources) {
            s.block.resize(k * s.stride);
            s.input->read(s.block.data(), s.block.size(), "the array data");
        }
        for (std::size_t c = 0; c < 4; ++c) {
            const EventColumn& col = columns[c];
            const Source& s = sources[sourceOf[c]];
            const std::size_t bad = loadColumn(col.type, s.block.data() + col.offset, s.stride, k, values[c].data());
            if (bad < k)
                throw s.input->place().error(s.start + (first + bad) * s.stride + col.offset,
                                             "event " + std::to_string(first + bad) + ": " + kEventColumnNames[c] +
                                                 " does not fit a signed 64-bit integer");
        }
        for (std::size_t i = 0; i < k; ++i) {
            const std::int64_t x = values[0][i], y = values[1][i], t = values[2][i];
            if (const int c = badEventColumn(x, y, t); c >= 0) [[unlikely]] {
                const Source& s = sources[sourceOf[std::size_t(c)]];
                throw s.input->place().error(s.start + (first + i) * s.stride + columns[std::size_t(c)].offset,
                                             eventColumnProblem(first + i, c, values[std::size_t(c)][i]));
            }
            out.push(Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(values[3][i] > 0)});
        }
        first += k;
    }
    for (const Source& s : sources)
        if (s.input->left() != 0)
            throw s.input->place().error(s.input->position(), std::to_string(s.input->left()) +
                                                                  " bytes after the array data (its shape holds " +
                                                                  std::to_string(count) + " elements)");
}

std::string eventColumnTypes(const EventColumns& columns)
{
    std::string s;
    for (std::size_t c = 0; c < 4; ++c)
        s += std::string(c ? ", " : "") + kEventColumnNames[c] + " " + columns[c].type.text;
    return s;
}

bool nameEndsWith(std::string_view name, std::string_view suffix)
{
    if (name.size() < suffix.size())
        return false;
    const std::string_view end = name.substr(name.size() - suffix.size());
    for (std::size_t i = 0; i < end.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(end[i])) != std::tolower(static_cast<unsigned char>(suffix[i])))
            return false;
    return true;
}

} // namespace tp
