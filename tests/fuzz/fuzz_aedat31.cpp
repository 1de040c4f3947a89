// readAedat31 (DVS128 Gesture, AEDAT 3.1) on arbitrary bytes; valid results re-encode and read
// back identically (encodeAedat31 -> readAedat31).
#include "dvsgesture.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("aedat31", ".aedat", data, size);
    tp::Events events;
    if (!tp::fuzz::expectInput("readAedat31", [&] { events = tp::readAedat31(path); }))
        return 0;
    for (const auto& e : events)
        if (e.x < 0 || e.x > 127 || e.y < 0 || e.y > 127 || e.p > 1 || e.t_us < 0)
            tp::fuzz::fail("readAedat31 returned an event outside its documented range");
    std::vector<std::uint8_t> bytes;
    if (!tp::fuzz::expectInput("encodeAedat31", [&] { bytes = tp::encodeAedat31(events, 7); }))
        tp::fuzz::fail("encodeAedat31 rejected events that readAedat31 returned");
    tp::fuzz::writeInput("aedat31", ".aedat", bytes.data(), bytes.size());
    tp::Events again;
    if (!tp::fuzz::expectInput("readAedat31(encodeAedat31)", [&] { again = tp::readAedat31(path); }) ||
        again != events)
        tp::fuzz::fail("encodeAedat31 -> readAedat31 does not round-trip");
    return 0;
}
