#pragma once
/// Shared by the fuzz targets of the recording formats (recordings/recording.h).
#include <cstring>
#include <string>

#include "fuzz_common.h"
#include "recording.h"

namespace tp::fuzz {

/// The input as a file for a recording reader: bytes starting with '%' are a whole file (its
/// header fuzzed too); any other bytes follow `header`, so most inputs reach the decoder.
inline const std::string& writeRecordingInput(const char* target, const char* suffix, const std::string& header,
                                              const std::uint8_t* data, std::size_t size)
{
    if (size > 0 && data[0] == '%')
        return writeInput(target, suffix, data, size);
    std::string bytes = header;
    bytes.append(reinterpret_cast<const char*>(data), size);
    return writeInput(target, suffix, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

/// The reader of `format` on `path` returns or throws InputError; its chunks are non-empty and
/// bounded, every event has 0 <= x, y <= maxXY, p 0 or 1 and t >= 0, and a stated sensor size
/// is 1..32768 by 1..32768.
inline void checkRecording(const char* format, const std::string& path, int maxXY)
{
    const RecordingFormat* f = findRecordingFormat(format);
    if (!f)
        fail(std::string("no recording format ") + format);
    RecordingHeader h;
    const bool ok = expectInput(f->display, [&] {
        h = f->read(path, [&](std::span<const Event> chunk) {
            if (chunk.empty() || chunk.size() > kRecordingChunkEvents)
                fail(std::string(f->display) + " handed out a chunk of " + std::to_string(chunk.size()) + " events");
            for (const Event& e : chunk)
                if (e.x < 0 || e.x > maxXY || e.y < 0 || e.y > maxXY || e.p > 1 || e.t_us < 0)
                    fail(std::string(f->display) + " returned an event outside its documented range");
        });
    });
    const SensorSize& s = h.sensor;
    if (ok && !(s.width == 0 && s.height == 0) && (s.width < 1 || s.width > 32768 || s.height < 1 || s.height > 32768))
        fail(std::string(f->display) + " stated a sensor of " + std::to_string(s.width) + "x" + std::to_string(s.height));
}

} // namespace tp::fuzz
