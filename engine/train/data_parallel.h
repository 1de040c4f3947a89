#pragma once
/// Data-parallel training of one run over R processes (the MPI driver is app/cli/mpi/): every
/// process trains on its slice of each global batch, and after every batch the trainable arrays
/// (weights and Adam moments) are averaged over the processes, so all of them continue from the
/// same model. The slicing is plain C++ and lives here.
///
/// Not the same arithmetic as one process on the whole batch: TP's contrastive loss couples the
/// rows of a batch (tp-algorithm.md 3.2) and TP takes one Adam step per time step, so each
/// process runs its own B/R-row batch through T Adam steps and the results are averaged
/// (synchronous model averaging once per batch). Deterministic for a given R.
#include <cstdint>
#include <mutex>

#include "core/dataset.h"

namespace tp {

/// Process `rank`'s view of `base` for R = `ranks` processes and a global batch of
/// `globalBatch` rows: training index j (in the order a trainer with shuffle off and batch
/// globalBatch / ranks reads it) is row (j % b) + rank * b of global batch j / b (b = the
/// slice size), with the global batches cut from epochOrder(N, seed, epoch, shuffle). Only
/// whole global batches are used (the incomplete last one is dropped). The test split is the
/// base's. `globalBatch` must be a multiple of `ranks` with at least 2 rows per slice
/// (ConfigError otherwise).
class BatchSliceDataset final : public Dataset {
public:
    BatchSliceDataset(const Dataset& base, int ranks, int rank, int globalBatch, std::uint64_t seed, bool shuffle);
    std::string name() const override { return m_base.name(); }
    int classes() const override { return m_base.classes(); }
    int channels() const override { return m_base.channels(); }
    std::array<int, 3> inputShape() const override { return m_base.inputShape(); }
    std::size_t size(Split split) const override;
    const Sample& sample(Split split, std::size_t index) const override;
    Sample trainingSample(std::size_t index, std::uint64_t seed, int epoch) const override;
    std::vector<std::string> classNames() const override { return m_base.classNames(); }
    bool dropLast() const override { return m_base.dropLast(); }
    /// Index into the base's training split of this rank's training index j in `epoch`.
    std::size_t baseIndex(std::size_t j, int epoch) const;

private:
    const Dataset& m_base;
    int m_ranks, m_rank, m_slice;
    std::uint64_t m_seed;
    bool m_shuffle;
    mutable std::mutex m_mutex;
    mutable int m_orderEpoch = -1;
    mutable std::vector<std::size_t> m_order;
};

} // namespace tp
