#pragma once
/// The neuromorphic benchmark datasets as EventDatasets, opened from the user's copy.
#include <memory>
#include <string>

#include "event_dataset.h"

namespace tp {

/// N-MNIST from `root` (holding Train/<digit>/*.bin and Test/<digit>/*.bin), sensor 34x34x2.
/// `cacheDir` empty: no cache (see sample_cache.h).
std::unique_ptr<EventDataset> openNmnistDataset(const std::string& root, bool firstSaccadeOnly,
                                                const EventPipeline& pipeline, const std::string& cacheDir = {});

/// SHD or SSC (`kind` "shd" or "ssc") from a folder holding <kind>_train.h5 and <kind>_test.h5,
/// sensor 700x1x1; class names from /extra/keys.
std::unique_ptr<EventDataset> openShdDataset(const std::string& kind, const std::string& folder,
                                             const EventPipeline& pipeline, bool dropLast,
                                             const std::string& cacheDir = {});

} // namespace tp
