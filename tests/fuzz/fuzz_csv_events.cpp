// The CSV event-table reader (recordings/csv_recording.cpp) on arbitrary bytes.
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return tp::fuzz::checkRecording("csv", "csv_events", ".csv", data, size);
}
