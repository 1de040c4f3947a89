#include "zip_reader.h"

#include <algorithm>
#include <cstring>

#include <zlib.h>

namespace tp {

namespace {

constexpr std::uint32_t kEndSignature = 0x06054b50;         // "PK\5\6"
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;    // "PK\6\6"
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;  // "PK\6\7"
constexpr std::uint32_t kEntrySignature = 0x02014b50;       // "PK\1\2"
constexpr std::uint32_t kLocalSignature = 0x04034b50;       // "PK\3\4"
constexpr std::size_t kEndBytes = 22, kLocatorBytes = 20, kZip64EndBytes = 56, kEntryBytes = 46, kLocalBytes = 30;
/// All member names kept together, at most (names are up to 65535 bytes each).
constexpr std::size_t kMaxNameBytes = std::size_t(16) << 20;
/// Compressed bytes read from the file at a time.
constexpr std::size_t kInputBytes = std::size_t(64) << 10;

std::uint64_t le(const std::uint8_t* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

/// Reads the zip64 extra field (id 1) of a directory entry into the fields that hold 0xFFFFFFFF.
void zip64Extra(const std::string& file, std::uint64_t at, const std::vector<std::uint8_t>& extra, ZipMember& m)
{
    for (std::size_t i = 0; i + 4 <= extra.size();) {
        const auto id = le(&extra[i], 2), len = le(&extra[i + 2], 2);
        if (i + 4 + len > extra.size())
            break;  // a malformed extra field ends the list (as zip readers do); sizes are checked below
        if (id == 1) {
            std::size_t k = i + 4;
            for (std::uint64_t* v : {&m.size, &m.compressed, &m.local_offset}) {
                if (*v != 0xFFFFFFFF)
                    continue;
                if (k + 8 > i + 4 + len)
                    throw FormatError(file, std::int64_t(at), "member " + m.name + ": its zip64 extra field lacks a size or offset");
                *v = le(&extra[k], 8);
                k += 8;
            }
            return;
        }
        i += 4 + std::size_t(len);
    }
    if (m.size == 0xFFFFFFFF || m.compressed == 0xFFFFFFFF || m.local_offset == 0xFFFFFFFF)
        throw FormatError(file, std::int64_t(at), "member " + m.name + ": a size or offset is 0xFFFFFFFF without a zip64 extra field");
}

} // namespace

ZipDirectory readZipDirectory(const std::string& file)
{
    StreamFile in(file, "NPZ file");
    const std::uint64_t size = in.size();
    // The end record: the last "PK\5\6" whose comment fits in what follows it.
    const std::size_t tail = std::size_t(std::min<std::uint64_t>(size, kEndBytes + 65535));
    std::vector<std::uint8_t> b(tail);
    in.seek(size - tail, "the end of the zip archive");
    in.read(b.data(), tail, "the end of the zip archive");
    std::size_t i = tail < kEndBytes ? 0 : tail - kEndBytes + 1;
    while (i-- > 0)
        if (le(&b[i], 4) == kEndSignature && i + kEndBytes + le(&b[i + 20], 2) <= tail)
            break;
    if (i == std::size_t(-1))
        throw FormatError(file, std::int64_t(size), "no zip end-of-central-directory record at the end of the file: "
                                                    "not a zip archive (.npz), or truncated");
    const std::uint64_t end = size - tail + i;
    if (le(&b[i + 4], 2) != 0 || le(&b[i + 6], 2) != 0)
        throw FormatError(file, std::int64_t(end + 4), "a multi-disk zip archive (not what numpy writes)");
    std::uint64_t entries = le(&b[i + 10], 2), dirSize = le(&b[i + 12], 4), dirStart = le(&b[i + 16], 4);
    std::uint64_t dirLimit = end;  // the directory ends before the (zip64) end record

    // Zip64: a locator right before the end record points to the zip64 end record.
    std::uint8_t loc[kLocatorBytes];
    if (end >= kLocatorBytes) {
        in.seek(end - kLocatorBytes, "the zip64 locator");
        in.read(loc, kLocatorBytes, "the zip64 locator");
    }
    if (end >= kLocatorBytes && le(loc, 4) == kZip64LocatorSignature) {
        const std::uint64_t at = le(loc + 8, 8);
        if (at > end - kLocatorBytes || end - kLocatorBytes - at < kZip64EndBytes)
            throw FormatError(file, std::int64_t(end - kLocatorBytes + 8),
                              "the zip64 end record's offset " + std::to_string(at) + " is not before its locator");
        std::uint8_t z[kZip64EndBytes];
        in.seek(at, "the zip64 end record");
        in.read(z, kZip64EndBytes, "the zip64 end record");
        if (le(z, 4) != kZip64EndSignature)
            throw FormatError(file, std::int64_t(at), "no zip64 end-of-central-directory record where its locator points");
        entries = le(z + 32, 8);
        dirSize = le(z + 40, 8);
        dirStart = le(z + 48, 8);
        dirLimit = at;
    } else if (entries == 0xFFFF || dirSize == 0xFFFFFFFF || dirStart == 0xFFFFFFFF) {
        throw FormatError(file, std::int64_t(end), "zip64 values in the end record but no zip64 locator before it");
    }
    if (dirStart > dirLimit || dirSize > dirLimit - dirStart)
        throw FormatError(file, std::int64_t(end), "the central directory (" + std::to_string(dirSize) + " bytes at offset " +
                                                       std::to_string(dirStart) + ") lies outside the file before its end record (" +
                                                       std::to_string(dirLimit) + "): truncated or corrupt");
    if (entries > dirSize / kEntryBytes)
        throw FormatError(file, std::int64_t(end), std::to_string(entries) + " members do not fit a central directory of " +
                                                       std::to_string(dirSize) + " bytes");
    if (entries > kMaxZipMembers)
        throw FormatError(file, std::int64_t(end), std::to_string(entries) + " members: more than " +
                                                       std::to_string(kMaxZipMembers) + " (not an .npz of event arrays)");

    ZipDirectory dir;
    dir.start = dirStart;
    dir.members.reserve(std::size_t(entries));
    std::size_t nameBytes = 0;
    in.seek(dirStart, "the central directory");
    for (std::uint64_t n = 0; n < entries; ++n) {
        const std::uint64_t at = in.offset();
        std::uint8_t e[kEntryBytes];
        if (kEntryBytes > dirStart + dirSize - at)
            throw FormatError(file, std::int64_t(at), "central directory entry " + std::to_string(n) + " runs past the directory's end");
        in.read(e, kEntryBytes, "a central directory entry");
        if (le(e, 4) != kEntrySignature)
            throw FormatError(file, std::int64_t(at), "no central directory entry signature (PK\\1\\2) for member " + std::to_string(n));
        const std::uint64_t nameLen = le(e + 28, 2), extraLen = le(e + 30, 2), commentLen = le(e + 32, 2);
        if (nameLen + extraLen + commentLen > dirStart + dirSize - in.offset())
            throw FormatError(file, std::int64_t(at), "central directory entry " + std::to_string(n) + " runs past the directory's end");
        if ((nameBytes += nameLen) > kMaxNameBytes)
            throw FormatError(file, std::int64_t(at), "member names of more than 16 MiB (not an .npz of event arrays)");
        ZipMember m;
        m.entry_offset = at;
        m.flags = std::uint16_t(le(e + 8, 2));
        m.method = std::uint16_t(le(e + 10, 2));
        m.crc = std::uint32_t(le(e + 16, 4));
        m.compressed = le(e + 20, 4);
        m.size = le(e + 24, 4);
        m.local_offset = le(e + 42, 4);
        m.name.resize(std::size_t(nameLen));
        in.read(m.name.data(), m.name.size(), "a member name");
        std::vector<std::uint8_t> extra(static_cast<std::size_t>(extraLen));
        in.read(extra.data(), extra.size(), "a member's extra field");
        zip64Extra(file, at, extra, m);
        in.seek(in.offset() + commentLen, "a member comment");
        dir.members.push_back(std::move(m));
    }
    return dir;
}

struct ZipMemberInput::Inflater {
    z_stream z{};
    std::vector<std::uint8_t> input = std::vector<std::uint8_t>(kInputBytes);
    Inflater() = default;
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    ~Inflater() { inflateEnd(&z); }
};

ZipMemberInput::ZipMemberInput(const std::string& file, const ZipMember& member, std::uint64_t dataEnd)
    : m_in(file, "NPZ file"), m_member(member)
{
    const std::string& name = m_member.name;
    if (m_member.flags & 1)
        fail(m_member.entry_offset + 8, "member " + name + " is encrypted");
    if (m_member.method != 0 && m_member.method != 8)
        fail(m_member.entry_offset + 10, "member " + name + " is compressed with method " + std::to_string(m_member.method) +
                                             " (read: 0 stored and 8 deflate, what np.savez and np.savez_compressed write)");
    if (m_member.method == 0 && m_member.compressed != m_member.size)
        fail(m_member.entry_offset + 20, "stored member " + name + " has a compressed size " +
                                             std::to_string(m_member.compressed) + " unlike its size " + std::to_string(m_member.size));
    if (m_member.local_offset > dataEnd || dataEnd - m_member.local_offset < kLocalBytes)
        fail(m_member.entry_offset + 42, "member " + name + "'s local header offset " + std::to_string(m_member.local_offset) +
                                             " is not before the central directory (" + std::to_string(dataEnd) + ")");
    std::uint8_t h[kLocalBytes];
    m_in.seek(m_member.local_offset, "a member's local header");
    m_in.read(h, kLocalBytes, "a member's local header");
    if (le(h, 4) != kLocalSignature)
        fail(m_member.local_offset, "no local file header (PK\\3\\4) of member " + name + " where the directory points");
    const std::uint64_t dataStart = m_member.local_offset + kLocalBytes + le(h + 26, 2) + le(h + 28, 2);
    if (dataStart > dataEnd || m_member.compressed > dataEnd - dataStart)
        fail(m_member.local_offset, "member " + name + "'s data (" + std::to_string(m_member.compressed) + " bytes at offset " +
                                        std::to_string(dataStart) + ") runs into the central directory at " +
                                        std::to_string(dataEnd) + ": truncated or corrupt");
    m_in.seek(dataStart, "a member's data");
    m_compressedLeft = m_member.compressed;
    m_place.file = file;
    m_place.base = dataStart;
    m_place.member = name;
    m_place.inflated = m_member.method == 8;
    if (m_member.method == 8) {
        m_inflater = std::make_unique<Inflater>();
        if (inflateInit2(&m_inflater->z, -15) != Z_OK)  // raw deflate: no zlib header in a zip
            throw IoError("cannot read " + file + ": zlib cannot start inflating");
    }
}

ZipMemberInput::~ZipMemberInput() = default;

void ZipMemberInput::fail(std::uint64_t fileOffset, const std::string& what) const
{
    throw FormatError(m_in.path(), std::int64_t(fileOffset), what);
}

void ZipMemberInput::read(void* out, std::size_t n, const char* what)
{
    if (n > left())
        throw m_place.error(m_done, std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes here, member " +
                                        m_member.name + " has " + std::to_string(left()) + " left");
    auto* bytes = static_cast<std::uint8_t*>(out);
    if (m_inflater) {
        inflateInto(bytes, n);
    } else {
        m_in.read(bytes, n, what);
        m_compressedLeft -= n;
    }
    m_crc = std::uint32_t(crc32_z(m_crc, bytes, n));
    m_done += n;
    if (left() == 0 && m_crc != m_member.crc)
        fail(m_member.entry_offset + 16, "member " + m_member.name + " is corrupt: its data's CRC-32 does not match the directory's");
}

void ZipMemberInput::inflateInto(std::uint8_t* out, std::size_t n)
{
    z_stream& z = m_inflater->z;
    std::uint64_t done = m_done;  // inflated bytes, for the messages
    while (n > 0) {
        if (z.avail_in == 0) {
            const std::size_t chunk = std::size_t(std::min<std::uint64_t>(kInputBytes, m_compressedLeft));
            if (chunk == 0)
                fail(m_in.offset(), "member " + m_member.name + "'s deflate data ends after " + std::to_string(done) +
                                        " of its " + std::to_string(m_member.size) + " bytes: truncated or corrupt");
            m_in.read(m_inflater->input.data(), chunk, "deflate data");
            m_compressedLeft -= chunk;
            z.next_in = m_inflater->input.data();
            z.avail_in = uInt(chunk);
        }
        const uInt want = uInt(std::min<std::size_t>(n, std::size_t(1) << 30));
        z.next_out = out;
        z.avail_out = want;
        const int rc = inflate(&z, Z_NO_FLUSH);
        const std::size_t got = want - z.avail_out;
        out += got;
        n -= got;
        done += got;
        const std::uint64_t at = m_in.offset() - z.avail_in;
        if (rc == Z_STREAM_END && n > 0)
            fail(at, "member " + m_member.name + "'s deflate stream ends after " + std::to_string(done) +
                         " bytes, the directory says " + std::to_string(m_member.size));
        if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && z.avail_in == 0))
            fail(at, "member " + m_member.name + ": corrupt deflate data (zlib: " +
                         (z.msg ? std::string(z.msg) : "error " + std::to_string(rc)) + ")");
    }
}

} // namespace tp
