// The HDF5 /events/{x,y,t,p} reader (recordings/h5_events.cpp) on arbitrary bytes: HDF5 reads them
// in the isolated helper (its crash or hang is a FormatError here), so each input costs two runs
// of the helper (the contract reads twice).
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("h5-events", tp::fuzz::writeInput("h5_events", ".h5", data, size), 32767);
    return 0;
}
