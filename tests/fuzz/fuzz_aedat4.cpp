// The AEDAT 4.0 recording reader (recordings/aedat4_recording.cpp) on arbitrary bytes: it returns
// or throws InputError, hands over chunks of 1..kRecordingChunkEvents events, and every event it
// returns has p 0/1 and coordinates inside the sensor the header states (non-negative without one).
#include "fuzz_common.h"
#include "recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("aedat4", ".aedat4", data, size);
    tp::Events events;
    tp::RecordingHeader header;
    if (!tp::fuzz::expectInput("AEDAT 4 read", [&] {
            header = tp::findRecordingFormat("aedat4")->read(path, [&](std::span<const tp::Event> chunk) {
                if (chunk.empty() || chunk.size() > tp::kRecordingChunkEvents)
                    tp::fuzz::fail("the AEDAT 4 reader handed over a chunk of " + std::to_string(chunk.size()) + " events");
                events.insert(events.end(), chunk.begin(), chunk.end());
            });
        }))
        return 0;
    if (header.format.rfind("AEDAT 4.0 (", 0) != 0)
        tp::fuzz::fail("the AEDAT 4 reader returned the format \"" + header.format + "\"");
    const int w = header.sensor.width, h = header.sensor.height;
    for (const auto& e : events)
        if (e.p > 1 || e.x < 0 || e.y < 0 || (w > 0 && (e.x >= w || e.y >= h)))
            tp::fuzz::fail("the AEDAT 4 reader returned an event outside the sensor or with polarity > 1");
    return 0;
}
