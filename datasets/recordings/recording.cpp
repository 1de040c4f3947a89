#include "recording.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "core/errors.h"

namespace tp {

// The recording formats, one line each, in detection order (recordings/<format>.cpp).
extern const RecordingFormat kCsvRecording;  // csv_recording.cpp
extern const RecordingFormat kAedat4Recording;  // aedat4_recording.cpp
extern const RecordingFormat kEvt2Recording, kEvt3Recording, kDatRecording;  // prophesee_recording.cpp
extern const RecordingFormat kNpyEventsRecording;  // npy_events.cpp
extern const RecordingFormat kNpzEventsRecording;  // npz_events.cpp
extern const RecordingFormat kH5EventsRecording;   // h5_events.cpp

const std::vector<const RecordingFormat*>& recordingFormats()
{
    static const std::vector<const RecordingFormat*> list{&kAedat4Recording,    &kEvt2Recording,      &kEvt3Recording,
                                                          &kDatRecording,       &kNpyEventsRecording, &kNpzEventsRecording,
                                                          &kH5EventsRecording,  &kCsvRecording};
    return list;
}

const RecordingFormat* findRecordingFormat(const std::string& name)
{
    for (const RecordingFormat* f : recordingFormats())
        if (name == f->name)
            return f;
    return nullptr;
}

const RecordingFormat* detectRecording(const PathProbe& probe)
{
    if (probe.folder)
        return nullptr;
    for (const RecordingFormat* f : recordingFormats())
        if (f->detect(probe))
            return f;
    return nullptr;
}

void RecordingHeader::skip(const std::string& what, std::uint64_t count)
{
    for (auto& [name, n] : skipped)
        if (name == what) {
            n += count;
            return;
        }
    skipped.emplace_back(what, count);
}

namespace {

const RecordingFormat& formatOf(const std::string& file)
{
    const RecordingFormat* f = detectRecording(probePath(file));
    if (!f)
        throw IoError(file + ": not an event recording this build reads (AEDAT 4.0, Prophesee EVT 2.0/3.0 or .dat, "
                             "x/y/t/p arrays as .npy, .npz, HDF5 or .csv)");
    return *f;
}

} // namespace

Events readRecording(const std::string& file, RecordingHeader* header, std::size_t max_events)
{
    Events events;
    RecordingHeader h = formatOf(file).read(file, [&](std::span<const Event> chunk) {
        if (events.size() + chunk.size() > max_events)
            throw FormatError(file, "events", "more than " + std::to_string(max_events) +
                                                  " events: too long to hold as one sample (cut it into shorter recordings)");
        events.insert(events.end(), chunk.begin(), chunk.end());
    });
    if (header)
        *header = std::move(h);
    return events;
}

SensorSize RecordingSummary::sensor() const
{
    if (header.sensor.width > 0 && header.sensor.height > 0)
        return header.sensor;
    return {std::max(max_x + 1, 1), std::max(max_y + 1, 1), 2};
}

RecordingSummary summarizeRecording(const std::string& file)
{
    RecordingSummary s;
    std::int64_t last = 0;
    s.header = formatOf(file).read(file, [&](std::span<const Event> chunk) {
        for (const Event& e : chunk) {
            if (s.events == 0) {
                s.t_first_us = s.t_min_us = s.t_max_us = last = e.t_us;
            }
            s.out_of_order += e.t_us < last;
            last = e.t_us;
            s.t_min_us = std::min(s.t_min_us, e.t_us);
            s.t_max_us = std::max(s.t_max_us, e.t_us);
            (e.p ? s.on : s.off) += 1;
            s.max_x = std::max(s.max_x, int(e.x));
            s.max_y = std::max(s.max_y, int(e.y));
            ++s.events;
        }
    });
    s.t_last_us = last;
    return s;
}

StreamFile::StreamFile(std::string path, const char* what) : m_path(std::move(path))
{
    struct stat st{};
    if (::stat(m_path.c_str(), &st) != 0)
        throw IoError("cannot read " + m_path + " (" + what + "): " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw IoError("cannot read " + m_path + " (" + what + "): is a directory, expected a file");
    m_file = std::fopen(m_path.c_str(), "rb");
    if (!m_file)
        throw IoError("cannot read " + m_path + " (" + what + "): " + std::strerror(errno));
    m_size = std::uint64_t(st.st_size);
}

StreamFile::~StreamFile()
{
    if (m_file)
        std::fclose(m_file);
}

std::size_t StreamFile::readSome(void* out, std::size_t n)
{
    n = std::size_t(std::min<std::uint64_t>(n, left()));
    const std::size_t got = n ? std::fread(out, 1, n, m_file) : 0;
    if (got < n && std::ferror(m_file))
        throw IoError("cannot read " + m_path + " at byte " + std::to_string(m_offset + got) + ": " +
                      std::strerror(errno));
    m_offset += got;
    return got;
}

void StreamFile::read(void* out, std::size_t n, const char* what)
{
    const std::uint64_t at = m_offset;
    if (n > left() || readSome(out, n) != n)
        throw FormatError(m_path, std::int64_t(at),
                          std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes here, the file ends after " +
                              std::to_string(m_size - std::min(m_size, at)));
}

void StreamFile::seek(std::uint64_t offset, const char* what)
{
    if (offset > m_size)
        throw FormatError(m_path, std::int64_t(m_offset),
                          std::string("truncated: ") + what + " points to byte " + std::to_string(offset) +
                              ", beyond the end of the file (" + std::to_string(m_size) + " bytes)");
    if (::fseeko(m_file, off_t(offset), SEEK_SET) != 0)
        throw IoError("cannot seek in " + m_path + ": " + std::strerror(errno));
    m_offset = offset;
}

} // namespace tp
