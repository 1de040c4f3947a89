#pragma once
/// The members of a zip archive, for .npz files (np.savez stores its arrays uncompressed,
/// np.savez_compressed deflates them): the central directory, and one member's bytes front to
/// back as an NpyInput, inflated in blocks by zlib. Facts from PKWARE's APPNOTE.TXT:
///  - end of central directory record (EOCD, "PK\5\6", 22 bytes + a comment of up to 65535 at the
///    end of the file): entries u16 @10, directory size u32 @12, directory offset u32 @16;
///  - zip64: a locator ("PK\6\7", 20 bytes) just before the EOCD gives the offset u64 @8 of the zip64
///    EOCD ("PK\6\6"): entries u64 @32, directory size u64 @40, offset u64 @48;
///  - central directory entry ("PK\1\2", 46 bytes + name + extra + comment): flags u16 @8, method
///    u16 @10 (0 stored, 8 deflate), CRC-32 @16, compressed size u32 @20, size u32 @24, name / extra
///    / comment lengths u16 @28 / @30 / @32, local header offset u32 @42; a value 0xFFFFFFFF is in
///    the zip64 extra field (id 1), in the order size, compressed size, offset (8 bytes each);
///  - local file header ("PK\3\4", 30 bytes + name + extra, its extra not the directory's: numpy
///    writes zip64 extras there): name / extra lengths u16 @26 / @28, then the member's data.
/// Encrypted members and methods other than 0 and 8 are refused; the CRC-32 is checked.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "npy.h"
#include "recording.h"

namespace tp {

struct ZipMember {
    std::string name;
    std::uint16_t flags = 0, method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, size = 0, local_offset = 0;
    std::uint64_t entry_offset = 0;  ///< where its central directory entry is (for messages)
};

struct ZipDirectory {
    std::vector<ZipMember> members;
    std::uint64_t start = 0;  ///< the central directory's offset: every member's data ends before it
};

/// Most members kept from a central directory (numpy writes one per array).
inline constexpr std::size_t kMaxZipMembers = 65536;

/// The central directory of `file`. IoError when it cannot be read; FormatError naming the byte
/// offset for a missing end record (not a zip, or truncated), a directory outside the file, a bad
/// entry, multi-disk archives, or more than kMaxZipMembers entries.
ZipDirectory readZipDirectory(const std::string& file);

/// One member's uncompressed bytes (its own file handle: several can be read side by side).
/// Positions in errors are file offsets for a stored member and offsets in the inflated data for a
/// deflated one (NpyPlace).
class ZipMemberInput final : public NpyInput {
public:
    /// Opens `member` of `file`, whose data must end before `dataEnd` (ZipDirectory::start).
    ZipMemberInput(const std::string& file, const ZipMember& member, std::uint64_t dataEnd);
    ~ZipMemberInput() override;
    void read(void* out, std::size_t n, const char* what) override;
    std::uint64_t position() const override { return m_done; }
    std::uint64_t left() const override { return m_member.size - m_done; }
    const NpyPlace& place() const override { return m_place; }

private:
    struct Inflater;
    [[noreturn]] void fail(std::uint64_t fileOffset, const std::string& what) const;
    void inflateInto(std::uint8_t* out, std::size_t n);

    StreamFile m_in;
    ZipMember m_member;
    NpyPlace m_place;
    std::uint64_t m_done = 0, m_compressedLeft = 0;
    std::uint32_t m_crc = 0;
    std::unique_ptr<Inflater> m_inflater;  ///< deflated members only
};

} // namespace tp
