// The Prophesee DAT reader (recordings/prophesee_recording.cpp) on arbitrary bytes: a whole file
// when they start with '%', else the 8-byte CD events after a header and type / size bytes.
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("dat", tp::fuzz::writeRecordingInput("dat", ".dat", "% Version 2\n\x0c\x08", data, size), 16383);
    return 0;
}
