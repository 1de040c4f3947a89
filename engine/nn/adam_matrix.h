#pragma once
/// One Adam step of a whole trainable matrix (nn/param.h) whose gradient g is complete, in fixed
/// chunks on the calling thread's task arena (bit-identical for any thread count: Adam is
/// elementwise). Include from .cpp files only (pulls in oneTBB).
#include <cstddef>

#include "nn/adam.h"
#include "nn/parallel.h"

namespace tp {

/// Weight elements per Adam task.
constexpr std::size_t kAdamChunk = 8192;

/// p.w <- Adam(p.w, p.g) with the next step count of p.
template <typename P>
void adamStep(P& p, const AdamSettings& settings, double lr)
{
    const AdamStep adam = AdamStep::make(settings, lr, ++p.step);
    parallelChunks(std::size_t(p.w.size()), kAdamChunk, [&](std::size_t i0, std::size_t i1) {
        adam.apply(p.w.data() + i0, p.m.data() + i0, p.v.data() + i0, p.g.data() + i0, i1 - i0);
    });
}

} // namespace tp
