#pragma once
/// Deterministic parallel loops: work is cut into chunks of a fixed size that does not depend
/// on the number of threads, and every output element is produced by exactly one chunk in a
/// fixed order. Results are therefore bit-identical for any thread count (architecture.md).
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace tp {

/// Calls fn(begin, end) for consecutive chunks of [0, n) of `grain` items (the last may be
/// shorter), in parallel on the current task arena.
template <typename Fn>
void parallelChunks(std::size_t n, std::size_t grain, Fn&& fn)
{
    if (n == 0)
        return;
    if (grain == 0)
        grain = 1;
    const std::size_t chunks = (n + grain - 1) / grain;
    if (chunks == 1) {
        fn(std::size_t(0), n);
        return;
    }
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, chunks, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t c = r.begin(); c != r.end(); ++c) {
                const std::size_t begin = c * grain;
                const std::size_t end = begin + grain < n ? begin + grain : n;
                fn(begin, end);
            }
        },
        tbb::simple_partitioner());
}

} // namespace tp
