// loadCachedSplit on arbitrary bytes (HDF5 cache files of binned samples): a broken cache is
// rebuilt, so the reader returns nothing and never throws; a cache it accepts is consistent.
#include "fuzz_common.h"
#include "sample_cache.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("cache", ".h5", data, size);
    std::optional<tp::CachedSplit> split;
    try {
        split = tp::loadCachedSplit(path, "id");  // the identity of corpus/fuzz_cache/seed_cache.h5
    } catch (const std::exception& e) {
        tp::fuzz::fail(std::string("loadCachedSplit threw: ") + e.what());
    }
    if (split) {
        const std::size_t n = split->samples.size();
        if (split->durations_s.size() != n || split->events.size() != n || split->group.size() != n ||
            split->member.size() != n)
            tp::fuzz::fail("loadCachedSplit returned per-sample vectors of different lengths");
        for (const auto& s : split->samples)
            if (s.units.size() != s.values.size() || s.step_offsets.empty())
                tp::fuzz::fail("loadCachedSplit returned an inconsistent sample");
    }
    return 0;
}
