#pragma once
/// Few-shot fine-tuning (tp-algorithm.md 6.5): load a trained network, split the recordings of
/// a held-out speaker (or any pool of samples, e.g. a class subset) per class into a k-shot
/// support set and a query set, fine-tune on the support set for a few epochs with a fresh
/// optimiser (new Adam state, cosine schedule over those epochs, one batch of up to 1024), and
/// report the query accuracy before and after. Engine-only; the GUI calls finetune() on its
/// training thread with a progress callback, the CLI through `traceprop-cli finetune`.
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"
#include "train/trainer.h"

namespace tp {

/// Indices (into the split the pool was taken from) of the support and query samples.
struct FewShotSplit {
    std::vector<std::size_t> support, query;
    std::vector<int> dropped_classes;  ///< classes with fewer than `shots` support candidates
};

/// Per class (in label order): the pool's samples of that class, shuffled with
/// Rng(seed, stream = class); the first max(1, round(n * queryFraction)) go to the query set
/// (none when n == 1), the next min(shots, rest) to the support set (shots <= 0: all of the
/// rest). A class with fewer than `shots` remaining samples gives no support samples (as the
/// reference drops it); its query samples stay.
FewShotSplit makeFewShotSplit(const std::vector<int>& labels, const std::vector<std::size_t>& pool, int shots,
                              double queryFraction, std::uint64_t seed);

struct FinetuneOptions {
    int shots = 1;                  ///< k per class; <= 0 = all
    double query_fraction = 0.2;    ///< share of each class's pool that is scored, never trained
    std::uint64_t seed = 42;        ///< support/query split and the fine-tuning shuffle
    int epochs = 3;
    double lr = 1e-4;
    int batch = 0;                  ///< 0 = min(1024, |support|) (one batch, as the reference)
    int threads = 0;                ///< 0 = all cores
    std::function<void(const Progress&)> on_progress;  ///< after every batch, training thread
    std::function<void(const EpochMetrics&)> on_epoch; ///< test_accuracy = query accuracy
    std::stop_token stop;
};

struct FinetuneResult {
    double before_accuracy = 0;     ///< query accuracy of the loaded network (0..1)
    double after_accuracy = 0;      ///< after the last fine-tuning epoch
    std::vector<double> query_accuracy;  ///< per epoch
    std::size_t support_size = 0, query_size = 0;
    std::vector<int> dropped_classes;
    bool stopped = false;
};

/// Fine-tune the network of `weightsFile` (results.h5 or checkpoint.h5 trained with
/// `experiment`) on the few-shot split of `pool` (indices into `split` of `data`). Nothing is
/// written to disk. Throws ConfigError for an empty query set or a support set under 2 samples,
/// FormatError/IoError for a bad weights file.
FinetuneResult finetune(const Experiment& experiment, const Dataset& data, Split split,
                        const std::vector<std::size_t>& pool, const std::string& weightsFile,
                        const FinetuneOptions& options);

} // namespace tp
