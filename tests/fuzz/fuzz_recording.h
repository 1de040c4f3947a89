#pragma once
/// The contract of every RecordingFormat (recordings/recording.h) on arbitrary bytes, shared by
/// the recording fuzz targets: read() streams events in chunks of at most kRecordingChunkEvents,
/// each with x, y in 0..32767 and p 0 or 1, or throws tp::InputError; reading the same file twice
/// gives the same events and the same outcome.
#include <span>

#include "fuzz_common.h"
#include "recording.h"

namespace tp::fuzz {

inline int checkRecording(const char* format, const char* target, const char* suffix, const std::uint8_t* data,
                          std::size_t size)
{
    const tp::RecordingFormat* f = tp::findRecordingFormat(format);
    if (!f)
        fail(std::string("no recording format ") + format);
    const std::string& path = writeInput(target, suffix, data, size);
    auto readAll = [&](tp::Events& out) {
        return expectInput(f->display, [&] {
            f->read(path, [&](std::span<const tp::Event> chunk) {
                if (chunk.empty() || chunk.size() > tp::kRecordingChunkEvents)
                    fail(std::string(format) + ": a chunk of " + std::to_string(chunk.size()) + " events");
                for (const tp::Event& e : chunk)
                    if (e.x < 0 || e.y < 0 || e.p > 1)
                        fail(std::string(format) + ": an event outside x, y >= 0, p in {0, 1}");
                out.insert(out.end(), chunk.begin(), chunk.end());
            });
        });
    };
    tp::Events first, second;
    const bool ok = readAll(first);
    if (readAll(second) != ok || first != second)
        fail(std::string(format) + ": two reads of the same file differ");
    return 0;
}

} // namespace tp::fuzz
