// The .npz x/y/t/p event reader (recordings/npz_events.cpp: the zip directory reader, stored and
// deflated members) on arbitrary bytes.
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("npz-events", tp::fuzz::writeInput("npz_events", ".npz", data, size), 32767);
    return 0;
}
