// decodeAedat2 (CIFAR10-DVS, AEDAT 2.0) on arbitrary bytes in every address convention;
// readAedat2 on the same bytes must agree with it, and valid results must round-trip through
// encodeAedat2.
#include "cifar10dvs.h"
#include "fuzz_common.h"

namespace {
constexpr tp::DvsAddressConvention kConventions[] = {
    tp::DvsAddressConvention::AntiDiagonalMirror, tp::DvsAddressConvention::Raw,
    tp::DvsAddressConvention::MirrorX, tp::DvsAddressConvention::SwappedAxes};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    tp::Events first;
    bool firstOk = false;
    for (const auto conv : kConventions) {
        tp::Events events;
        const bool ok = tp::fuzz::expectInput("decodeAedat2", [&] { events = tp::decodeAedat2(bytes, conv, "fuzz"); });
        if (conv == kConventions[0]) {
            firstOk = ok;
            first = events;
        } else if (ok != firstOk || events.size() != first.size()) {
            tp::fuzz::fail("decodeAedat2 accepts or counts differently depending on the convention");
        }
        if (!ok)
            continue;
        for (const auto& e : events)
            if (e.x < 0 || e.x > 127 || e.y < 0 || e.y > 127 || e.p > 1 || e.t_us < 0 || e.t_us > 4294967295LL)
                tp::fuzz::fail("decodeAedat2 returned an event outside its documented range");
        std::vector<std::uint8_t> enc;
        if (events.empty())
            continue;  // only special events: nothing to re-encode (encodeAedat2 refuses empty)
        if (!tp::fuzz::expectInput("encodeAedat2", [&] { enc = tp::encodeAedat2(events, conv); }))
            tp::fuzz::fail("encodeAedat2 rejected events that decodeAedat2 returned");
        tp::Events again;
        if (!tp::fuzz::expectInput("decodeAedat2(encodeAedat2)", [&] { again = tp::decodeAedat2(enc, conv, "re"); }) ||
            again != events)
            tp::fuzz::fail("encodeAedat2 -> decodeAedat2 does not round-trip");
    }
    const std::string& path = tp::fuzz::writeInput("aedat2", ".aedat", data, size);
    tp::Events fromFile;
    const bool fileOk = tp::fuzz::expectInput("readAedat2", [&] { fromFile = tp::readAedat2(path); });
    if (fileOk != firstOk || fromFile != first)
        tp::fuzz::fail("readAedat2 disagrees with decodeAedat2 on the same bytes");
    return 0;
}
