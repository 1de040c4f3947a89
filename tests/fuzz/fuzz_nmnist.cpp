// readNmnistFile on arbitrary bytes; a file that reads and re-encodes must decode to the same
// events (encodeNmnist -> readNmnistFile round trip).
#include "fuzz_common.h"
#include "nmnist.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("nmnist", ".bin", data, size);
    tp::Events events;
    if (!tp::fuzz::expectInput("readNmnistFile", [&] { events = tp::readNmnistFile(path); }))
        return 0;
    if (events.size() > size / 5)
        tp::fuzz::fail("readNmnistFile returned more events than 5-byte records");
    std::vector<std::uint8_t> bytes;
    if (!tp::fuzz::expectInput("encodeNmnist", [&] { bytes = tp::encodeNmnist(events); }))
        return 0;  // e.g. times past 2^23 after overflow markers: not encodable, documented
    tp::fuzz::writeInput("nmnist", ".bin", bytes.data(), bytes.size());
    tp::Events again;
    if (!tp::fuzz::expectInput("readNmnistFile(encodeNmnist)", [&] { again = tp::readNmnistFile(path); }) ||
        again != events)
        tp::fuzz::fail("encodeNmnist -> readNmnistFile does not round-trip");
    return 0;
}
