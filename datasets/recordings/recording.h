#pragma once
/// Event recordings of one file each, in the formats cameras and tools write (AEDAT 4.0,
/// Prophesee RAW EVT 2.0 / 3.0 and .dat, plain x/y/t/p arrays as NPY, NPZ, HDF5 and CSV): each
/// format is a RecordingFormat (its own file under recordings/, one line in recording.cpp's
/// list) that streams its polarity (CD) events in bounded chunks, so a recording of any size is
/// read with memory independent of its length. The "recordings" dataset kind (labelled folders
/// of such files, or one file) and `dataset info` sit on this.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dataset_path.h"
#include "events.h"

namespace tp {

/// Events handed to an EventSink at a time, at most.
inline constexpr std::size_t kRecordingChunkEvents = std::size_t(1) << 16;

/// Receives a recording's events in file order, in chunks of at most kRecordingChunkEvents.
using EventSink = std::function<void(std::span<const Event>)>;

/// What a reader learnt of a recording besides its events.
struct RecordingHeader {
    std::string format;               ///< what the file is, for people: "AEDAT 4.0 (LZ4)", "Prophesee EVT 3.0"
    SensorSize sensor{0, 0, 2};       ///< width/height 0: the file does not state its geometry
    /// Content the reader passed over, with counts: {"IMU packets", 12}, {"trigger events", 3}.
    std::vector<std::pair<std::string, std::uint64_t>> skipped;
    std::vector<std::string> notes;   ///< anything else worth telling (a file data table, a time-stamp wrap)
    void skip(const std::string& what, std::uint64_t count = 1);
};

struct RecordingFormat {
    const char* name = "";       ///< the FileType detect() gives files of this format: "aedat4", "evt3", "csv"
    const char* display = "";    ///< "AEDAT 4.0"
    const char* look_for = "";   ///< what detect() looks for, for error messages
    /// Whether the probed file is one of this format (first bytes or name; must not run the reader).
    bool (*detect)(const PathProbe& probe) = nullptr;
    /// Streams the file's polarity events to `sink` and returns its header. Throws IoError when the
    /// file cannot be read, FormatError naming the file and byte offset (or the dataset for HDF5)
    /// when its content is truncated or corrupt. Time stamps are microseconds; p is 1 (ON) or 0 (OFF).
    RecordingHeader (*read)(const std::string& file, const EventSink& sink) = nullptr;
};

/// Every recording format, in detection order.
const std::vector<const RecordingFormat*>& recordingFormats();
/// The format of `name` (a FileType), or null.
const RecordingFormat* findRecordingFormat(const std::string& name);
/// The first recording format whose detect() accepts the probe, or null.
const RecordingFormat* detectRecording(const PathProbe& probe);

/// The whole recording in memory (a sample): `file` must be of a recording format. Refuses more
/// than `max_events` events (FormatError: use binning or a shorter recording).
Events readRecording(const std::string& file, RecordingHeader* header = nullptr,
                     std::size_t max_events = std::size_t(1) << 28);

/// One streaming pass over a recording: what `dataset info` prints for one file.
struct RecordingSummary {
    RecordingHeader header;
    std::uint64_t events = 0;
    std::int64_t t_first_us = 0, t_last_us = 0;   ///< first and last time stamp in file order
    std::int64_t t_min_us = 0, t_max_us = 0;
    std::uint64_t on = 0, off = 0;                ///< events with p = 1 and p = 0
    int max_x = -1, max_y = -1;
    std::uint64_t out_of_order = 0;               ///< events earlier than the one before them
    /// The header's sensor, else one past the largest x and y seen.
    SensorSize sensor() const;
};
RecordingSummary summarizeRecording(const std::string& file);

/// A file read front to back in pieces, with the offset every error names (the readers of
/// recordings of any length use it instead of loading the file whole).
class StreamFile {
public:
    /// Opens `path` for reading; IoError naming it (and `what`, "AEDAT 4 file") when it cannot.
    StreamFile(std::string path, const char* what);
    ~StreamFile();
    StreamFile(const StreamFile&) = delete;
    StreamFile& operator=(const StreamFile&) = delete;

    const std::string& path() const { return m_path; }
    std::uint64_t size() const { return m_size; }
    std::uint64_t offset() const { return m_offset; }
    std::uint64_t left() const { return m_size - m_offset; }
    /// Exactly `n` bytes at the offset; FormatError "truncated: <what> needs N bytes at offset O,
    /// the file ends after K" when fewer are left.
    void read(void* out, std::size_t n, const char* what);
    /// Up to `n` bytes; the count read (0 at the end).
    std::size_t readSome(void* out, std::size_t n);
    /// Moves to `offset` (at most size()); FormatError beyond the end, naming `what`.
    void seek(std::uint64_t offset, const char* what);

private:
    std::string m_path;
    std::FILE* m_file = nullptr;
    std::uint64_t m_size = 0, m_offset = 0;
};

/// Collects events into chunks of kRecordingChunkEvents for an EventSink (flush() at the end).
/// Its buffer grows to a chunk as events come (reserving the 1 MiB up front made every read of
/// a small file allocate it; under ASan that was 8x the whole read).
class EventChunker {
public:
    explicit EventChunker(const EventSink& sink) : m_sink(sink) {}
    void push(const Event& e)
    {
        m_events.push_back(e);
        if (m_events.size() == kRecordingChunkEvents)
            flush();
    }
    void flush()
    {
        if (!m_events.empty())
            m_sink(m_events);
        m_count += m_events.size();
        m_events.clear();
    }
    std::uint64_t pushed() const { return m_count + m_events.size(); }

private:
    const EventSink& m_sink;
    Events m_events;
    std::uint64_t m_count = 0;
};

} // namespace tp
