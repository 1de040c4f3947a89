// The AEDAT 4.0 recording reader (recordings/aedat4_recording.cpp) on arbitrary bytes, under the
// contract of every recording reader (fuzz_recording.h); its events lie inside the sensor the
// file's stream description states.
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("aedat4", tp::fuzz::writeInput("aedat4", ".aedat4", data, size), 32767,
                             {.inside_stated_sensor = true});
    return 0;
}
