#pragma once
/// N-MNIST (Orchard et al. 2015; dataset-formats.md section 2): reader and writer of the 5-byte
/// big-endian event files, the Train/Test/<digit>/*.bin folder tree, and first_saccade_only.
///
/// Choices where the doc leaves room:
/// - the reader checks, in this order: file size a multiple of 5 (offset of the incomplete
///   event), then event by event: overflow marker (y byte == 240: dropped, +8192 us cumulatively
///   for every later event, its x and time are not checked), x/y in 0..33, time non-decreasing
///   after the overflow correction (offset of the event that goes backwards);
/// - the writer never emits overflow markers: times must already fit in 23 bits;
/// - scanNmnist looks only at direct sub-folders named "0".."9" (no recursion, unlike tonic's
///   os.walk) and at regular files ending in ".bin"; class folders may be missing, but at least
///   one .bin file must be found. Order: folders by name, then file names byte-wise (tonic).
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "events.h"

namespace tp {

inline constexpr int kNmnistSize = 34;                        ///< sensor width = height
inline constexpr SensorSize kNmnistSensor{34, 34, 2};        ///< (W, H, P) as in tonic
inline constexpr int kNmnistClasses = 10;                     ///< digits 0..9
inline constexpr std::int64_t kNmnistMaxTime_us = 8388607;   ///< 2^23 - 1, largest encodable t
inline constexpr std::int64_t kNmnistOverflow_us = 8192;     ///< added after each overflow marker
inline constexpr std::uint8_t kNmnistOverflowY = 240;        ///< y byte of an overflow marker
inline constexpr std::int64_t kNmnistSaccade_us = 100000;    ///< first_saccade_only keeps t below this

/// Reads one N-MNIST .bin file (one read of the whole file). Throws IoError when the file cannot
/// be opened or read, FormatError (file + byte offset) for a size that is not a multiple of 5,
/// x or y outside 0..33, or a time going backwards. An empty file gives no events.
/// Thread-safe (no shared state).
Events readNmnistFile(const std::string& path);

/// Encodes events as N-MNIST bytes (5 per event, no header). Throws ConfigError naming the first
/// event that cannot be encoded: x or y outside 0..33, p not 0/1, t outside 0..8388607, or t
/// smaller than the previous event's.
std::vector<std::uint8_t> encodeNmnist(std::span<const Event> events);

/// Writes events to `path` atomically (path + ".tmp", then rename). Throws ConfigError as
/// encodeNmnist (before touching the disk) and IoError when the file cannot be written.
void writeNmnistFile(const std::string& path, std::span<const Event> events);

/// tonic's first_saccade_only: the events with t < 100,000 us, in their order.
Events firstSaccade(std::span<const Event> events);

/// One sample of the folder tree: label (the class folder's digit) and full file path.
struct NmnistEntry {
    std::int32_t label;
    std::string file;
};

/// Lists root/Train/<d>/*.bin (or root/Test when !train), d = 0..9, sorted by folder then file
/// name. Throws IoError when the split folder is missing or holds no .bin file in a class folder.
std::vector<NmnistEntry> scanNmnist(const std::string& root, bool train);

/// Writes a tree that scanNmnist reads: root/Train/<label>/<NNNNN>.bin and root/Test/...,
/// all ten class folders created, samples numbered 00001, 00002, ... per split in the given
/// order (so numbers are not contiguous within a class, as in the real data). Throws ConfigError
/// for a label outside 0..9, more than 99,999 samples in a split, or unencodable events;
/// IoError when a folder or file cannot be created.
void writeNmnistTree(const std::string& root, const std::vector<std::pair<Events, int>>& train,
                     const std::vector<std::pair<Events, int>>& test);

} // namespace tp
