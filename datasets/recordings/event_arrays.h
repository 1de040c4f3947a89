#pragma once
/// Events stored as x, y, t, p arrays (the .npy, .npz and HDF5 recording formats): the checks
/// every such event passes, and the four columns of NPY data (the fields of one structured array,
/// or four plain arrays) decoded block by block into events.
///
/// Choices: x, y and t must be integers of any width and either byte order (numpy kinds 'i' and
/// 'u'), p an integer or a bool; a float or any other type is refused, as is a subarray field.
/// x and y must lie in 0..32767, t (microseconds) must be >= 0 and fit int64; p > 0 is ON.
/// Fields other than x, y, t, p are skipped.
#include <array>
#include <cstdint>
#include <string>

#include "npy.h"
#include "recording.h"

namespace tp {

inline constexpr std::array<const char*, 4> kEventColumnNames = {"x", "y", "t", "p"};

/// The column (0 x, 1 y, 2 t) whose value is out of range, or -1 when the event is fine.
int badEventColumn(std::int64_t x, std::int64_t y, std::int64_t t);
/// "event 12: x = 40000 is outside 0..32767" for badEventColumn's `column`.
std::string eventColumnProblem(std::uint64_t index, int column, std::int64_t value);

/// One of the columns x, y, t, p: values of `type` at byte `offset` of every `stride`-byte
/// element of `input`'s data.
struct EventColumn {
    NpyInput* input = nullptr;
    NpyType type;
    std::size_t offset = 0, stride = 0;
};
using EventColumns = std::array<EventColumn, 4>;  ///< x, y, t, p

/// The columns of a structured array with fields x, y, t, p, whose header was just read from
/// `in`. FormatError (at the header) when the array is not 1-D, is in Fortran order, or lacks a
/// field or has one of an unusable type.
EventColumns structuredColumns(const NpyHeader& h, NpyInput& in);

/// Column `name` (0..3 for x, y, t, p) as the plain 1-D array whose header was just read from `in`.
EventColumn plainColumn(const NpyHeader& h, NpyInput& in, int name);

/// Reads `count` elements of every column's input from its position on and pushes the events
/// (memory bounded by the block size, not by `count`); afterwards every input must be at its end.
/// FormatError naming the place of the first value out of range (badEventColumn), of missing
/// data (checked before any is read) and of trailing bytes.
void streamEventColumns(const EventColumns& columns, std::uint64_t count, EventChunker& out);

/// "x <u2, y <u2, t <i8, p |b1": the column types, for RecordingHeader::format.
std::string eventColumnTypes(const EventColumns& columns);

/// Whether a file name ends with `suffix`, ignoring ASCII case (".NPZ" is ".npz"): the formats
/// whose first bytes are a container's (zip, HDF5) are told apart by their extension.
bool nameEndsWith(std::string_view name, std::string_view suffix);

} // namespace tp
