// readShd and shdSampleCount on arbitrary bytes (HDF5 files); when both succeed they agree.
#include "fuzz_common.h"
#include "shd.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("shd", ".h5", data, size);
    tp::ShdContents c;
    const bool ok = tp::fuzz::expectInput("readShd", [&] { c = tp::readShd(path); });
    std::size_t n = 0;
    const bool counted = tp::fuzz::expectInput("shdSampleCount", [&] { n = tp::shdSampleCount(path); });
    if (ok) {
        if (!counted || n != c.samples.size())
            tp::fuzz::fail("shdSampleCount disagrees with readShd");
        if (c.labels.size() != c.samples.size() || (!c.speakers.empty() && c.speakers.size() != c.samples.size()))
            tp::fuzz::fail("readShd returned per-sample vectors of different lengths");
        for (const auto& s : c.samples)
            for (const auto& e : s)
                if (e.x < 0 || e.x >= tp::kShdChannels || e.y != 0 || e.p != 0)
                    tp::fuzz::fail("readShd returned an event outside its documented range");
        for (auto l : c.labels)
            if (l < 0)
                tp::fuzz::fail("readShd returned a negative label");
    }
    return 0;
}
