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

/// Reader options of a dataset made of single files (the experiment keys of each kind).
struct FileDatasetOptions {
    bool first_saccade_only = true;                           ///< N-MNIST
    std::int64_t train_slice_us = 0;                          ///< DVS128 Gesture: slices of a training file
    DvsAddressConvention convention = kCifar10DvsConvention;  ///< CIFAR10-DVS
    bool drop_last = false;                                   ///< SHD/SSC, CIFAR10-DVS
};

/// A dataset of one file of `kind` (dataset_path.h finds the kind of a file): its samples with
/// the binning of the kind's folder dataset. Without `testFile` the file is the single split
/// "all" (EventDataset::singleSplit(), in Split::Train, whole trials); with it, `file` is the
/// training split and `testFile` (a file of the same kind) the test split. Labels: SHD/SSC
/// from the file; N-MNIST from the digit folder it sits in; DVS128 Gesture trials from
/// <stem>_labels.csv beside the recording (without it, the whole recording is one sample),
/// tonic .npy from the file name 0..10; CIFAR10-DVS from the class folder; Speech Commands from
/// the word folder when two levels up is a GSC root (testing_list.txt or validation_list.txt),
/// whose word folders are the classes. Where there is no label, samples get kUnlabelled and a
/// note (EventDataset::notes()) says why. Throws IoError / FormatError as the kind's reader.
std::unique_ptr<EventDataset> openFileDataset(const std::string& kind, const std::string& file,
                                              const std::string& testFile, const EventPipeline& pipeline,
                                              const FileDatasetOptions& options, const std::string& cacheDir = {});

/// Google Speech Commands v2 from `root` (word folders + validation_list.txt, testing_list.txt):
/// 101 x 120 log-mel + delta + delta-delta features per clip (tp-algorithm.md 6.5).
std::unique_ptr<EventDataset> openGscDataset(const std::string& root, const std::string& cacheDir = {});

} // namespace tp
