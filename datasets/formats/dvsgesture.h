#pragma once
/// DVS128 Gesture (Amir et al. 2017; dataset-formats.md section 4): the AEDAT 3.1 container
/// (reader and writer), the labels CSV, trial cutting, the IBM folder (trials_to_*.txt), and
/// tonic's preprocessed copy (one (N, 4) [x, y, p, t_ms] .npy per trial).
///
/// Choices where the doc leaves room:
/// - AEDAT header: the first line must be exactly "#!AER-DAT3.1" (\r\n or \n); every line up to
///   "#!END-HEADER" must start with '#' (FormatError at the line otherwise); a header without
///   "#!END-HEADER" is a FormatError at the end of the file.
/// - AEDAT packets: capacity x size bytes are skipped for every packet type (size and capacity
///   must be >= 0); polarity packets are parsed for their first eventNumber events (0 <=
///   eventNumber <= capacity, the unused slots are skipped); eventValid is not checked against
///   the valid bits; eventSize may be larger than 8 (the extra bytes are ignored); all sources
///   are read; tsOverflow and the per-event timestamp must be >= 0; valid events need
///   x, y in 0..127; invalid events are skipped without any check; times are not required to be
///   sorted. Offsets: truncated header -> start of the packet; a bad field -> that field's byte;
///   truncated payload -> first payload byte; a bad event -> that event's first byte.
/// - AEDAT writer: "#Start-Time: 1970-01-01 00:00:00 (TZ+0000)" (no wall clock, so output is
///   byte-reproducible); a new packet starts when eventsPerPacket is reached or tsOverflow
///   changes; capacity == number == valid.
/// - Labels CSV: blank lines are skipped; fields may carry spaces; 0 <= start <= end.
/// - Trial lists: names must end in ".aedat" and name a file directly inside root (no '/',
///   '\\' or ".."); the labels file is <stem>_labels.csv next to it.
/// - NPY (header parsed by npy.h, shared with the x/y/t/p event arrays): versions 1, 2 and 3;
///   a plain dtype (a structured one is an event recording, not a trial); exactly 2-D (N, 4);
///   no trailing bytes; float values are converted with rounding to nearest (t_us =
///   round(t_ms * 1000), computed in double), and x, y, p must be whole numbers (x, y in
///   0..127, p 0 or 1; t_ms >= 0). tonic truncates.
/// - scanGestureNpy: folders not named user<digits>_<lighting> and files not ending in ".npy"
///   are skipped; a .npy whose stem is not a class 0..10 is a FormatError. Order: folder
///   names byte-wise, then labels ascending.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events.h"

namespace tp {

inline constexpr SensorSize kDvsGestureSensor{128, 128, 2};  ///< (W, H, P) as in tonic
inline constexpr int kDvsGestureClasses = 11;                 ///< class indices 0..10

/// Class names, index 0..10 (section 4.1).
inline constexpr std::array<std::string_view, kDvsGestureClasses> kDvsGestureClassNames = {
    "hand clapping",          "right hand wave",
    "left hand wave",         "right arm clockwise",
    "right arm counter-clockwise", "left arm clockwise",
    "left arm counter-clockwise",  "arm roll",
    "air drums",              "air guitar",
    "other gestures"};

/// Reads the polarity events of an AEDAT 3.1 file (one read of the whole file), skipping
/// non-polarity packets and invalid events. Throws IoError when the file cannot be read and
/// FormatError (file + byte offset) for a bad header, a truncated packet header or payload,
/// eventSize < 8 or eventTSOffset != 4 in a polarity packet, a negative size, capacity,
/// number or overflow, a negative timestamp, or x / y outside 0..127. Thread-safe.
Events readAedat31(const std::string& path);

/// Encodes events as an AEDAT 3.1 file: the header lines of section 4.2, then polarity packets
/// (source 1) of at most eventsPerPacket events, split where t >> 31 (tsOverflow) changes.
/// Throws ConfigError for eventsPerPacket < 1 or an event with x / y outside 0..127, p not 0/1,
/// or t outside 0..2^62-1.
std::vector<std::uint8_t> encodeAedat31(std::span<const Event> events, std::int32_t eventsPerPacket = 4096);

/// Writes encodeAedat31's bytes atomically (path + ".tmp", then rename). Throws ConfigError as
/// encodeAedat31 (before touching the disk) and IoError when the file cannot be written.
void writeAedat31(const std::string& path, std::span<const Event> events, std::int32_t eventsPerPacket = 4096);

/// One row of a userNN_<lighting>_labels.csv file; cls is 0..10 (the file's 1..11 minus 1).
struct GestureLabel {
    int cls;
    std::int64_t start_us, end_us;  ///< the trial is [start_us, end_us)
    friend bool operator==(const GestureLabel&, const GestureLabel&) = default;
};

/// Reads a labels CSV (header "class,startTime_usec,endTime_usec"). Throws IoError when the
/// file cannot be read and FormatError (file + "line N") for a wrong header or a bad row: not
/// three integers, class outside 1..11, start < 0 or end < start.
std::vector<GestureLabel> readGestureLabels(const std::string& path);

/// Writes a labels CSV that readGestureLabels reads (class + 1 in the file), atomically.
/// Throws ConfigError for cls outside 0..10 or bad times, IoError when it cannot be written.
void writeGestureLabels(const std::string& path, const std::vector<GestureLabel>& labels);

/// Cuts one recording into trials: for each label row, in row order and independently (rows may
/// overlap or repeat a class), the events with start_us <= t < end_us in recording order, paired
/// with the row's class. Works on unsorted recordings too (binary search when sorted).
std::vector<std::pair<Events, int>> cutTrials(const Events& recording, const std::vector<GestureLabel>& labels);

/// One recording of the IBM folder: full paths of the .aedat file and its labels CSV.
struct GestureRecording {
    std::string aedat, labels;
    friend bool operator==(const GestureRecording&, const GestureRecording&) = default;
};

/// Lists the recordings named in root/trials_to_train.txt (or trials_to_test.txt), in list
/// order; blank lines are ignored. Throws IoError naming the missing list, .aedat or labels
/// file, and FormatError (list + "line N") for a name that is not a plain "*.aedat" file name.
std::vector<GestureRecording> scanDvsGesture(const std::string& root, bool train);

/// Reads a (N, 4) [x, y, p, t_ms] .npy of tonic's preprocessed DVSGesture into events with
/// t_us = t_ms * 1000. Accepts descr <i2 <i4 <i8 <f4 <f8 |u1 |b1 with fortran_order False.
/// Throws IoError when unreadable and FormatError (file + byte offset) for anything else.
Events readGestureNpy(const std::string& path);

/// Writes a C-order int64 ('<i8') NPY v1.0 array of shape (rows, cols) atomically, as numpy
/// does (header padded to a multiple of 64 bytes). Throws ConfigError when values.size() !=
/// rows * cols and IoError when it cannot be written.
void writeNpy(const std::string& path, std::span<const std::int64_t> values, std::size_t rows, std::size_t cols);

/// Writes events as tonic's (N, 4) int64 [x, y, p, t_ms] array. Throws ConfigError for a time
/// that is negative or not a whole number of milliseconds.
void writeGestureNpy(const std::string& path, std::span<const Event> events);

/// One trial of tonic's preprocessed tree.
struct GestureNpySample {
    std::string file;      ///< full path of <label>.npy
    int label;             ///< file stem, 0..10
    int user;              ///< NN of the userNN_<lighting> folder
    std::string lighting;  ///< the folder name after "userNN_"
};

/// Lists root/ibmGestureTrain/userNN_<lighting>/<label>.npy (ibmGestureTest when !train).
/// Throws IoError when the split folder is missing or holds no sample, FormatError for a
/// .npy whose stem is not 0..10.
std::vector<GestureNpySample> scanGestureNpy(const std::string& root, bool train);

} // namespace tp
