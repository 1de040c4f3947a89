// The .npy x/y/t/p event reader (recordings/npy_events.cpp, NPY headers by datasets/npy.cpp) on
// arbitrary bytes, and the NPY probe of the first 64 bytes that detection uses.
#include <algorithm>

#include "fuzz_recording.h"
#include "npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    (void)tp::npyHeadIsStructured(std::string_view(reinterpret_cast<const char*>(data), std::min<std::size_t>(size, 64)));
    tp::fuzz::checkRecording("npy-events", tp::fuzz::writeInput("npy_events", ".npy", data, size), 32767);
    return 0;
}
