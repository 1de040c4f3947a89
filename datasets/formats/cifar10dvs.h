#pragma once
/// CIFAR10-DVS (Li et al. 2017; dataset-formats.md section 5): reader and writer of the original
/// AEDAT 2.0 (jAER) recordings, the <class>/*.aedat folder tree and its per-class 90/10 split
/// (tp-algorithm.md section 6.4).
///
/// AEDAT 4.0 (tonic's re-encoded CIFAR10DVS, section 5.3) is not supported: the doc does not give
/// the FlatBuffers schemas (field ids of IOHeader / EventPacket), nor which LZ4 framing is used,
/// and neither LZ4, zstd nor FlatBuffers is installed. Use the original .aedat files.
///
/// Choices where the doc leaves room:
/// - header: every line that starts with '#' (ended by "\n" or "\r\n") is skipped, as tonic and
///   spikingjelly do; a file may have no header at all. When the first line is "#!AER-DAT<v>",
///   v's major number must be 2 (1.x has 6-byte events, 3.x/4.x other layouts), else FormatError;
/// - "missing data" is a FormatError: an empty file, a file that ends inside a header line, or a
///   header with no event after it (the writer refuses to write zero events, so it never
///   produces a file its reader rejects);
/// - an event with address bit 15 set (external/special) is skipped, whatever its other bits;
///   for the other events bits 16..31 must be 0 (DVS128), else FormatError "coordinates outside
///   0..127" (e.g. a DAVIS file, whose x/y live in those bits); bits 1..7 and 8..14 are the
///   7-bit fields and are always in 0..127;
/// - polarity is p = 1 - bit0 (bit0 = 0 means ON) in every convention: our p = 1 is ON. The
///   convention only chooses the geometry. (tonic's legacy read_dvs_128 keeps bit0 raw, which
///   would make our p = 1 mean OFF, so SwappedAxes does not copy that part);
/// - times are the raw uint32 microseconds, not checked for order (jAER files are not required
///   to be sorted and the doc says nothing); no wrap correction (doc: never within a sample).
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events.h"

namespace tp {

inline constexpr int kDvs128Size = 128;                         ///< DVS128 width = height
inline constexpr SensorSize kCifar10DvsSensor{128, 128, 2};     ///< (W, H, P) as in tonic
inline constexpr int kCifar10DvsClassCount = 10;

/// Class folder names in label order (airplane 0 ... truck 9), dataset-formats.md section 5.1.
inline constexpr std::array<std::string_view, 10> kCifar10DvsClasses{
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

/// How a DVS128 address maps to (x, y). Names say what the mapping does to the two 7-bit fields
/// a = bits 1..7 and b = bits 8..14 (dataset-formats.md section 5.2). Polarity is always
/// p = 1 - bit0.
enum class DvsAddressConvention {
    /// x = 127 - b, y = 127 - a: the raw image mirrored about its anti-diagonal
    /// (spikingjelly's CIFAR10-DVS loader; the doc's recommendation and our default).
    AntiDiagonalMirror,
    /// x = a, y = b, no flip (iniVation AedatTools).
    Raw,
    /// x = 127 - a, y = b: x mirrored, y kept with its origin at the bottom (jAER display).
    MirrorX,
    /// x = b, y = a: the fields swapped, no flip (tonic's legacy read_dvs_128 geometry).
    SwappedAxes,
};

/// The convention used for CIFAR10-DVS unless told otherwise (spikingjelly's, section 5.2).
inline constexpr DvsAddressConvention kCifar10DvsConvention = DvsAddressConvention::AntiDiagonalMirror;

/// The header writeAedat2 / encodeAedat2 put before the events (jAER's lines, without a date so
/// that output is reproducible).
inline constexpr std::string_view kAedat2Header =
    "#!AER-DAT2.0\r\n"
    "# This is a raw AE data file - do not edit\r\n"
    "# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n"
    "# Timestamps tick is 1 us\r\n"
    "# created by TraceProp Workbench\r\n";

/// Decodes AEDAT 2.0 file content already in memory; `name` is used in error messages.
/// Throws FormatError (name + byte offset) as readAedat2.
Events decodeAedat2(std::span<const std::uint8_t> bytes, DvsAddressConvention convention,
                    const std::string& name);

/// Reads one AEDAT 2.0 DVS128 file (one read of the whole file): '#' header lines, then 8-byte
/// big-endian events (uint32 address, uint32 timestamp in us). Throws IoError when the file
/// cannot be opened or read; FormatError (file + byte offset) for missing data (empty file,
/// unterminated header, no event after the header), an unsupported "#!AER-DAT" version, a body
/// that is not a multiple of 8 bytes (offset of the truncated event), or an address with bits
/// 16..31 set (coordinates outside 0..127). Special events (bit 15) are skipped.
/// Thread-safe (no shared state).
Events readAedat2(const std::string& path, DvsAddressConvention convention = kCifar10DvsConvention);

/// kAedat2Header followed by the events, 8 bytes each. Throws ConfigError naming the first event
/// that cannot be encoded: x or y outside 0..127, p not 0/1, t outside 0..4294967295 us; and for
/// an empty event list (the reader treats a file without events as missing data).
std::vector<std::uint8_t> encodeAedat2(std::span<const Event> events,
                                       DvsAddressConvention convention = kCifar10DvsConvention);

/// Writes encodeAedat2's bytes to `path` atomically (path + ".tmp", then rename). Throws
/// ConfigError as encodeAedat2 (before touching the disk) and IoError when the file cannot be
/// written.
void writeAedat2(const std::string& path, std::span<const Event> events,
                 DvsAddressConvention convention = kCifar10DvsConvention);

/// One sample of the folder tree: label (index of the class folder) and full file path.
struct CifarEntry {
    std::int32_t label;
    std::string file;
};

/// Lists root/<class>/*.aedat for the ten classes in label order and returns the train or the
/// test part. Inside a class, regular files ending in ".aedat" are sorted by name with digit
/// runs compared as numbers ("cifar10_cat_2" before "cifar10_cat_10", so the order is the
/// recording index), ties broken byte-wise; the first floor(0.9 n) are train, the rest test
/// (1000 -> 900 / 100, tp-algorithm.md 6.4). Throws IoError naming the missing class folders
/// when any of the ten is absent, and when no .aedat file is found at all.
std::vector<CifarEntry> scanCifar10Dvs(const std::string& root, bool train);

/// Number of train samples of a class with n recordings: floor(0.9 n).
constexpr std::size_t cifar10DvsTrainCount(std::size_t n)
{
    return n * 9 / 10;
}

/// Writes a tree that scanCifar10Dvs reads: all ten class folders, each sample as
/// root/<class>/cifar10_<class>_<i>.aedat, i = 0, 1, ... per class in the given order (the
/// original naming). Throws ConfigError for a label outside 0..9 or unencodable events (before
/// writing anything), IoError when a folder or file cannot be created.
void writeCifarTree(const std::string& root, const std::vector<std::pair<Events, int>>& samples,
                    DvsAddressConvention convention = kCifar10DvsConvention);

} // namespace tp
