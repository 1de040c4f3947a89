// The Prophesee RAW EVT 2.0 reader (recordings/prophesee_recording.cpp) on arbitrary bytes: a whole
// file when they start with '%', else the words after "% evt 2.0\n% end\n".
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("evt2", tp::fuzz::writeRecordingInput("evt2", ".raw", "% evt 2.0\n% end\n", data, size), 2047);
    return 0;
}
