#pragma once
/// The NPY array format (numpy.lib.format, versions 1.0, 2.0 and 3.0), shared by every reader of
/// .npy data: tonic's DVSGesture trials (formats/dvsgesture.cpp), x/y/t/p event arrays as .npy
/// and as the members of an .npz (recordings/).
///
/// Layout: "\x93NUMPY", major and minor version bytes, the header length (uint16 LE in 1.0,
/// uint32 LE in 2.0 and 3.0), that many bytes of a Python dict literal
///   {'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), }
/// padded with spaces and ended by '\n', then the raw data (C order unless fortran_order).
/// 'descr' is a type string (byte order '<', '>', '|' (not applicable) or '=' (native), a kind
/// letter, the size in bytes: '<i8', '|b1', '>u2') or, for a structured array, a list of
/// (name, type) or (name, type, shape) tuples in field order, the fields back to back (numpy writes
/// padding as fields named '' of type '|Vn'); a name may be a (title, name) tuple, a type a nested
/// list. Old Python 2 writers put an 'L' after integers; it is accepted.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "recording.h"

namespace tp {

inline constexpr std::string_view kNpyMagic = "\x93NUMPY";
/// Longest header dict read (numpy's own np.load refuses more than 10000 bytes by default).
inline constexpr std::uint64_t kMaxNpyHeaderBytes = std::uint64_t(1) << 20;

/// How errors name a position in an NPY stream: byte `base + i` of `file`, prefixed by the .npz
/// member when there is one; inside a compressed member (no file offset exists for it), byte i of
/// the member's inflated data.
struct NpyPlace {
    std::string file;
    std::uint64_t base = 0;
    std::string member;     ///< the .npz member ("x.npy"); empty for a .npy file
    bool inflated = false;  ///< positions count the member's inflated bytes
    /// The FormatError for byte `at` (from the stream's first byte).
    FormatError error(std::uint64_t at, const std::string& what) const;
};

/// One scalar type of a descr: '<u2' is {'<', 'u', 2}.
struct NpyType {
    char order = '|';      ///< '<', '>', '|' or '='
    char kind = 0;         ///< numpy's kind letter: b i u f c S a U V O M m
    std::size_t size = 0;  ///< bytes of one value
    std::string text;      ///< as the header writes it ("<u2"; a nested structure as "[...]")
    bool integer() const { return kind == 'i' || kind == 'u'; }
    /// The multi-byte values are big-endian (after '=' is resolved for this machine).
    bool bigEndian() const;
};

/// A field of a structured array: `count` values of `type` (a subarray when count > 1) at byte
/// `offset` of every element.
struct NpyField {
    std::string name;
    NpyType type;
    std::size_t offset = 0;
    std::uint64_t count = 1;
};

struct NpyHeader {
    unsigned major = 1;
    NpyType type;                  ///< a plain array's element type (structured: kind 'V', the whole element)
    std::vector<NpyField> fields;  ///< a structured array's fields in order; empty for a plain array
    std::size_t item_bytes = 0;    ///< bytes of one element
    bool fortran = false;
    std::vector<std::uint64_t> shape;
    std::uint64_t elements = 1;    ///< product of the shape
    std::uint64_t data_bytes = 0;  ///< elements * item_bytes
    std::uint64_t header_start = 10;  ///< where the dict starts (10 in 1.0, 12 in 2.0/3.0)
    std::uint64_t data_start = 0;     ///< where the data starts, from the magic
    bool structured() const { return !fields.empty(); }
    const NpyField* field(std::string_view name) const;
    std::string shapeText() const;  ///< "(3, 4)", "(5,)"
};

/// The bytes of one NPY array front to back: a .npy file (NpyFile), an .npz member.
class NpyInput {
public:
    virtual ~NpyInput() = default;
    /// Exactly `n` bytes; FormatError naming place() when fewer are left.
    virtual void read(void* out, std::size_t n, const char* what) = 0;
    virtual std::uint64_t position() const = 0;  ///< bytes read so far
    virtual std::uint64_t left() const = 0;      ///< bytes after position() (as the container states)
    virtual const NpyPlace& place() const = 0;
};

/// A .npy file as an NpyInput (StreamFile: read in pieces, offsets in errors).
class NpyFile final : public NpyInput {
public:
    explicit NpyFile(const std::string& path, const char* what = "NPY file") : m_in(path, what) { m_place.file = path; }
    void read(void* out, std::size_t n, const char* what) override { m_in.read(out, n, what); }
    std::uint64_t position() const override { return m_in.offset(); }
    std::uint64_t left() const override { return m_in.left(); }
    const NpyPlace& place() const override { return m_place; }

private:
    StreamFile m_in;
    NpyPlace m_place;
};

/// Reads the preamble and the header dict from the start of `in` (which is left at the first data
/// byte) and checks it: magic, version 1..3, header length within kMaxNpyHeaderBytes and the
/// bytes left, exactly the keys descr / fortran_order / shape, known types, sizes that do not
/// overflow. Does not check that the data is present (left() may be short: the caller says what
/// it needs). FormatError at the offending byte (semantic problems at the dict's first byte).
NpyHeader readNpyHeader(NpyInput& in);

/// From the first bytes of a file (a PathProbe's head): whether its NPY header's 'descr' is a list
/// (a structured array: true) or a type string (false); nullopt when `head` is not NPY or ends
/// before 'descr' shows (a header written with other keys first).
std::optional<bool> npyHeadIsStructured(std::string_view head);

} // namespace tp
