// readGestureNpy (tonic's preprocessed DVS128 Gesture .npy) on arbitrary bytes.
#include "dvsgesture.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("gesture_npy", ".npy", data, size);
    tp::Events events;
    if (!tp::fuzz::expectInput("readGestureNpy", [&] { events = tp::readGestureNpy(path); }))
        return 0;
    for (const auto& e : events)
        if (e.x < 0 || e.x > 127 || e.y < 0 || e.y > 127 || e.p > 1 || e.t_us < 0)
            tp::fuzz::fail("readGestureNpy returned an event outside its documented range");
    return 0;
}
