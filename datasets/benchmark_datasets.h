#pragma once
/// The neuromorphic and audio benchmark datasets, opened from the user's copy (or from the
/// synthetic sets written in the same formats). Every loader fills an EventDataset; with a
/// cache folder the binned samples come from / go to the on-disk cache.
#include <memory>
#include <string>

#include "cifar10dvs.h"
#include "event_dataset.h"

namespace tp {

/// N-MNIST from `root` (Train/<digit>/*.bin and Test/<digit>/*.bin), sensor 34x34x2.
std::unique_ptr<EventDataset> openNmnistDataset(const std::string& root, bool firstSaccadeOnly,
                                                const EventPipeline& pipeline, const std::string& cacheDir = {});

/// SHD or SSC (`kind` "shd" or "ssc") from a folder holding <kind>_train.h5 and <kind>_test.h5,
/// sensor 700x1x1; class names from /extra/keys.
std::unique_ptr<EventDataset> openShdDataset(const std::string& kind, const std::string& folder,
                                             const EventPipeline& pipeline, bool dropLast,
                                             const std::string& cacheDir = {});

/// DVS128 Gesture from the original layout (userNN_<lighting>.aedat + _labels.csv + the two
/// trials lists) or tonic's preprocessed npy layout (ibmGestureTrain/ ibmGestureTest/).
/// Trials are cut by the label rows; training trials are further cut into slices of
/// `trainSlice_us` (SliceByTime, 0 = whole trials), test trials stay whole.
std::unique_ptr<EventDataset> openDvsGestureDataset(const std::string& root, std::int64_t trainSlice_us,
                                                    const EventPipeline& pipeline, const std::string& cacheDir = {});

/// CIFAR10-DVS from `root/<class>/*.aedat` (AEDAT 2.0), the reference's per-class 90/10 split.
std::unique_ptr<EventDataset> openCifar10DvsDataset(const std::string& root, DvsAddressConvention convention,
                                                    const EventPipeline& pipeline, bool dropLast = false,
                                                    const std::string& cacheDir = {});

/// Google Speech Commands v2 from `root` (word folders + validation_list.txt, testing_list.txt):
/// 101 x 120 log-mel + delta + delta-delta features per clip (tp-algorithm.md 6.5).
std::unique_ptr<EventDataset> openGscDataset(const std::string& root, const std::string& cacheDir = {});

} // namespace tp
