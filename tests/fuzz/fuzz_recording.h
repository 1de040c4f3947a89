#pragma once
/// The contract of every RecordingFormat (recordings/recording.h) on arbitrary bytes, shared by
/// the recording fuzz targets: read() returns or throws tp::InputError; it hands out non-empty
/// chunks of at most kRecordingChunkEvents, every event with 0 <= x, y <= maxXY, p 0 or 1 and
/// t >= 0 (where the format's time cannot go negative), and inside the sensor the file states
/// (where the reader promises that); a stated sensor is 1..32768 square; and reading the same
/// file twice gives the same events and the same outcome.
#include <cstring>
#include <span>
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

struct Promises {
    bool time_non_negative = true;
    bool inside_stated_sensor = false;
};

inline void checkRecording(const char* format, const std::string& path, int maxXY, Promises promises = {})
{
    const RecordingFormat* f = findRecordingFormat(format);
    if (!f)
        fail(std::string("no recording format ") + format);
    auto readAll = [&](Events& out, RecordingHeader& h) {
        return expectInput(f->display, [&] {
            h = f->read(path, [&](std::span<const Event> chunk) {
                if (chunk.empty() || chunk.size() > kRecordingChunkEvents)
                    fail(std::string(f->display) + " handed out a chunk of " + std::to_string(chunk.size()) + " events");
                for (const Event& e : chunk)
                    if (e.x < 0 || e.x > maxXY || e.y < 0 || e.y > maxXY || e.p > 1 || (promises.time_non_negative && e.t_us < 0))
                        fail(std::string(f->display) + " returned an event outside its documented range");
                out.insert(out.end(), chunk.begin(), chunk.end());
            });
        });
    };
    Events first, second;
    RecordingHeader h, h2;
    const bool ok = readAll(first, h);
    if (readAll(second, h2) != ok || first != second)
        fail(std::string(f->display) + ": two reads of the same file differ");
    const SensorSize& s = h.sensor;
    if (ok && promises.inside_stated_sensor && s.width > 0)
        for (const Event& e : first)
            if (e.x >= s.width || e.y >= s.height)
                fail(std::string(f->display) + " returned an event outside the sensor its file states");
    if (ok && !(s.width == 0 && s.height == 0) && (s.width < 1 || s.width > 32768 || s.height < 1 || s.height > 32768))
        fail(std::string(f->display) + " stated a sensor of " + std::to_string(s.width) + "x" + std::to_string(s.height));
}

} // namespace tp::fuzz
