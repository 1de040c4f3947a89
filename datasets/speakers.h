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

} // namespace tp
