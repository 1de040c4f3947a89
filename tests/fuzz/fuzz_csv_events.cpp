// The CSV event-table reader (recordings/csv_recording.cpp) on arbitrary bytes (t may be negative
// in a CSV: any integer column is taken as written).
#include "fuzz_recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    tp::fuzz::checkRecording("csv", tp::fuzz::writeInput("csv_events", ".csv", data, size), 32767, {.time_non_negative = false});
    return 0;
}
