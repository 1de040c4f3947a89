// The Prophesee RAW EVT 3.0 reader (recordings/prophesee_recording.cpp) on arbitrary bytes: a whole
// file when they start with '%', else the words after "% evt 3.0\n% end\n".
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("evt3", tp::fuzz::writeRecordingInput("evt3", ".raw", "% evt 3.0\n% end\n", data, size), 2047);
    return 0;
}
