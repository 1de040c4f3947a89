// A small cache file of binned samples (datasets/sample_cache.h) and the single-byte changes that
// make HDF5 1.10 crash reading it in-process: the good file and flips of the HDF5-isolation
// regression tests (tests/datasets/test_hdf5_isolation.cpp, tests/cli/test_cli_errors.cpp).
#pragma once

#include <cstddef>
#include <string>

#include "sample_cache.h"

namespace tp_test {

/// Size of the cache file of flipCacheSplit() saved with saveCachedSplit: the offsets below are
/// only meaningful for these bytes.
inline constexpr std::size_t kFlipCacheBytes = 6776;
/// Offsets where the value kFlipCacheValue makes HDF5 crash: SIGSEGV, SIGFPE.
inline constexpr std::size_t kFlipCacheOffsets[] = {960, 1584};
inline constexpr unsigned char kFlipCacheValue = 0x02;

/// Three binned samples.
inline tp::CachedSplit flipCacheSplit()
{
    tp::CachedSplit s;
    for (int i = 0; i < 3; ++i) {
        tp::Sample x;
        x.label = i;
        x.channels = 4;
        x.step_offsets = {0, 1, 3};
        x.units = {1, 2, 3};
        x.values = {1.f, 0.5f, 2.f};
        s.samples.push_back(x);
        s.durations_s.push_back(0.1 * i);
        s.events.push_back(10 + i);
        s.group.push_back(i);
        s.member.push_back(0);
    }
    return s;
}

} // namespace tp_test
