// Byte fixtures of x/y/t/p event arrays written from the specs, shared by
// tests/datasets/test_event_arrays.cpp and the fuzz seeds (tests/fuzz/make_seeds.cpp): NPY files
// (numpy.lib.format: magic, version, header length, the dict padded so the data starts at a
// multiple of 64) with plain or structured dtypes, and zip archives (PKWARE APPNOTE.TXT: local
// headers + data, central directory, end record; zip64 forms; members stored or raw-deflated by
// zlib) as np.savez and np.savez_compressed write them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <zlib.h>

namespace tp_test {

using Bytes = std::string;

/// Appends `n` bytes of `v`, little-endian (or big-endian).
inline void put(Bytes& b, std::uint64_t v, int n, bool big = false)
{
    for (int i = 0; i < n; ++i)
        b += char(v >> (8 * (big ? n - 1 - i : i)));
}

/// The bytes of size of a numpy type string: "<u2" 2, "|V3" 3, "<U2" 8.
inline int sizeOf(const std::string& type)
{
    const int n = std::stoi(type.substr(2));
    return type[1] == 'U' ? 4 * n : n;
}

/// An NPY file: magic, version, header length, the dict padded with spaces and '\n' so that the
/// data starts at a multiple of 64, then the data.
inline Bytes npy(const std::string& dict, const Bytes& data, int major = 1)
{
    const std::size_t pre = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append((64 - (pre + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    Bytes b = "\x93NUMPY";
    b += char(major);
    b += char(0);
    put(b, header.size(), major == 1 ? 2 : 4);
    return b + header + data;
}

/// Raw values of one event (out-of-range ones too).
struct Rec {
    std::int64_t x, y, t, p;
};

/// A field of a structured dtype: name, type, values per element; `tuple` overrides its descr text.
struct Field {
    Field(std::string n, std::string t, int c = 1, std::string text = {})
        : name(std::move(n)), type(std::move(t)), count(c), tuple(std::move(text))
    {
    }
    std::string name, type;
    int count;
    std::string tuple;
};

inline std::string descrOf(const std::vector<Field>& fields)
{
    std::string d = "[";
    for (const Field& f : fields) {
        d += d.size() > 1 ? ", " : "";
        d += !f.tuple.empty() ? f.tuple
                              : "('" + f.name + "', '" + f.type + "'" + (f.count > 1 ? ", (" + std::to_string(f.count) + ",)" : "") + ")";
    }
    return d + "]";
}

/// One value of an integer or bool type ("<u2", ">i8", "|b1").
inline void putValue(Bytes& b, const std::string& type, std::int64_t v)
{
    put(b, std::uint64_t(v), sizeOf(type), type[0] == '>');
}

/// The elements of a structured array: x, y, t, p from `recs`, other fields filled with 0x5A.
inline Bytes elements(const std::vector<Field>& fields, const std::vector<Rec>& recs)
{
    Bytes b;
    for (const Rec& r : recs)
        for (const Field& f : fields) {
            const std::int64_t* v = f.name == "x" ? &r.x : f.name == "y" ? &r.y : f.name == "t" ? &r.t : f.name == "p" ? &r.p : nullptr;
            if (v && f.count == 1)
                putValue(b, f.type, *v);
            else
                b.append(std::size_t(sizeOf(f.type) * f.count), '\x5A');
        }
    return b;
}

inline Bytes structuredNpy(const std::vector<Field>& fields, const std::vector<Rec>& recs, int major = 1)
{
    return npy("{'descr': " + descrOf(fields) + ", 'fortran_order': False, 'shape': (" + std::to_string(recs.size()) + ",), }",
               elements(fields, recs), major);
}

/// A plain 1-D array of integers of `type`.
inline Bytes plainNpy(const std::string& type, const std::vector<std::int64_t>& values)
{
    Bytes data;
    for (std::int64_t v : values)
        putValue(data, type, v);
    return npy("{'descr': '" + type + "', 'fortran_order': False, 'shape': (" + std::to_string(values.size()) + ",), }", data);
}

// ---- zip (PKWARE APPNOTE.TXT): local headers + data, central directory, end record ----

inline std::uint32_t crcOf(const Bytes& b) { return std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(b.data()), uInt(b.size()))); }

/// Raw deflate (no zlib header), as zip method 8 stores it.
inline Bytes rawDeflate(const Bytes& data)
{
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&z, uLong(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : Bytes();
}

struct Member {
    Member(std::string n, Bytes d, bool deflated = false, std::uint16_t f = 0, std::uint16_t m = 0xFFFF)
        : name(std::move(n)), data(std::move(d)), deflate(deflated), flags(f), method(m)
    {
    }
    std::string name;
    Bytes data;
    bool deflate;
    std::uint16_t flags;
    std::uint16_t method;  ///< as written; 0xFFFF: 8 when deflated, else 0
};

/// A zip archive. `zip64Local`: every local header as numpy writes it (sizes 0xFFFFFFFF and a
/// zip64 extra field with both); `zip64End`: a zip64 end record and locator, the end record's
/// counts and offsets 0xFFFF / 0xFFFFFFFF.
inline Bytes zipOf(const std::vector<Member>& members, bool zip64Local = false, bool zip64End = false)
{
    Bytes out, dir;
    for (const Member& m : members) {
        const Bytes stored = m.deflate ? rawDeflate(m.data) : m.data;
        const std::uint16_t method = m.method != 0xFFFF ? m.method : m.deflate ? 8 : 0;
        const std::uint64_t offset = out.size();
        out += "PK\x03\x04";
        put(out, zip64Local ? 45 : 20, 2);
        put(out, m.flags, 2);
        put(out, method, 2);
        put(out, 0, 2);       // time
        put(out, 0x21, 2);    // date 1980-01-01
        put(out, crcOf(m.data), 4);
        put(out, zip64Local ? 0xFFFFFFFF : stored.size(), 4);
        put(out, zip64Local ? 0xFFFFFFFF : m.data.size(), 4);
        put(out, m.name.size(), 2);
        put(out, zip64Local ? 20 : 0, 2);
        out += m.name;
        if (zip64Local) {
            put(out, 1, 2);
            put(out, 16, 2);
            put(out, m.data.size(), 8);
            put(out, stored.size(), 8);
        }
        out += stored;
        dir += "PK\x01\x02";
        put(dir, 20, 2);
        put(dir, 20, 2);
        put(dir, m.flags, 2);
        put(dir, method, 2);
        put(dir, 0, 2);
        put(dir, 0x21, 2);
        put(dir, crcOf(m.data), 4);
        put(dir, stored.size(), 4);
        put(dir, m.data.size(), 4);
        put(dir, m.name.size(), 2);
        put(dir, 0, 2);  // extra
        put(dir, 0, 2);  // comment
        put(dir, 0, 2);  // disk
        put(dir, 0, 2);  // internal attributes
        put(dir, 0, 4);  // external attributes
        put(dir, offset, 4);
        dir += m.name;
    }
    const std::uint64_t dirStart = out.size();
    out += dir;
    if (zip64End) {
        const std::uint64_t record = out.size();
        out += "PK\x06\x06";
        put(out, 44, 8);
        put(out, 45, 2);
        put(out, 45, 2);
        put(out, 0, 4);
        put(out, 0, 4);
        put(out, members.size(), 8);
        put(out, members.size(), 8);
        put(out, dir.size(), 8);
        put(out, dirStart, 8);
        out += "PK\x06\x07";
        put(out, 0, 4);
        put(out, record, 8);
        put(out, 1, 4);
    }
    out += "PK\x05\x06";
    put(out, 0, 2);
    put(out, 0, 2);
    put(out, zip64End ? 0xFFFF : members.size(), 2);
    put(out, zip64End ? 0xFFFF : members.size(), 2);
    put(out, zip64End ? 0xFFFFFFFF : dir.size(), 4);
    put(out, zip64End ? 0xFFFFFFFF : dirStart, 4);
    put(out, 0, 2);
    return out;
}

} // namespace tp_test
