#pragma once
/// Speaker id of every sample of a split, in the order the dataset registry opens them
/// (openDataset), for few-shot fine-tuning on a held-out speaker (tp-algorithm.md 6.5).
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"

namespace tp {

/// SHD / SSC (and the built-in spoken digits, `dataset make digits`): /extra/speaker of
/// <kind>_train.h5 or <kind>_test.h5 as decimal text; Speech Commands: the file-name prefix
/// before "_nohash_". Throws ConfigError for kinds without speakers (naming dataset.kind) or
/// files without /extra/speaker, IoError/FormatError for unreadable files.
std::vector<std::string> sampleSpeakers(const DatasetSpec& spec, Split split);

/// The fine-tuning pool: indices of the samples of `split` spoken by `speaker` (empty: any) whose
/// label is in `classes` (empty: any). Throws ConfigError when neither is given or nothing
/// matches, FormatError when the speaker list does not cover the split.
std::vector<std::size_t> fewShotPool(const DatasetSpec& spec, const Dataset& data, Split split,
                                     const std::string& speaker, const std::vector<int>& classes);

} // namespace tp
