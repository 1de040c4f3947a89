#include "core/dataset.h"

#include <numeric>
#include <utility>

#include "core/rng.h"

namespace tp {

std::vector<std::size_t> epochOrder(std::size_t n, std::uint64_t seed, int epoch, bool shuffle)
{
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    if (!shuffle || n < 2)
        return order;
    // Stream 1000 + epoch: the order depends on (seed, epoch) only, never on earlier epochs.
    Rng rng(seed, std::uint64_t(1000 + std::int64_t(epoch)));
    for (std::size_t i = n - 1; i > 0; --i)
        std::swap(order[i], order[rng.below(i + 1)]);
    return order;
}

} // namespace tp
