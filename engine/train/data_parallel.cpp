#include "train/data_parallel.h"

#include "core/errors.h"

namespace tp {

BatchSliceDataset::BatchSliceDataset(const Dataset& base, int ranks, int rank, int globalBatch, std::uint64_t seed,
                                     bool shuffle)
    : m_base(base), m_ranks(ranks), m_rank(rank), m_slice(ranks > 0 ? globalBatch / ranks : 0), m_seed(seed),
      m_shuffle(shuffle)
{
    if (ranks < 1 || rank < 0 || rank >= ranks || globalBatch % ranks != 0 || m_slice < 2)
        throw ConfigError({{"run.batch", "data-parallel training needs a batch that is a multiple of the " +
                                             std::to_string(ranks) + " processes with at least 2 rows each, got " +
                                             std::to_string(globalBatch)}});
}

std::size_t BatchSliceDataset::size(Split split) const
{
    if (split == Split::Test)
        return m_base.size(split);
    const std::size_t global = std::size_t(m_slice) * std::size_t(m_ranks);
    return m_base.size(Split::Train) / global * std::size_t(m_slice);
}

std::size_t BatchSliceDataset::baseIndex(std::size_t j, int epoch) const
{
    std::lock_guard lock(m_mutex);  // the order is cached per epoch
    if (epoch != m_orderEpoch) {
        m_order = epochOrder(m_base.size(Split::Train), m_seed, epoch, m_shuffle);
        m_orderEpoch = epoch;
    }
    const std::size_t b = std::size_t(m_slice);
    return m_order.at(j / b * b * std::size_t(m_ranks) + std::size_t(m_rank) * b + j % b);
}

const Sample& BatchSliceDataset::sample(Split split, std::size_t index) const
{
    return split == Split::Test ? m_base.sample(split, index) : m_base.sample(Split::Train, baseIndex(index, 0));
}

Sample BatchSliceDataset::trainingSample(std::size_t index, std::uint64_t seed, int epoch) const
{
    return m_base.trainingSample(baseIndex(index, epoch), seed, epoch);
}

} // namespace tp
