#pragma once
/// Class-pattern event sets written in the N-MNIST and SHD formats, sized like the real
/// datasets: for benchmarking the readers, the binning and the cache at full scale, and as
/// learnable stand-ins. Class k fires mostly on its own random subset of pixels/channels.
#include <cstdint>
#include <string>

#include "events.h"

namespace tp {

struct PatternSetParams {
    int train_per_class = 6000;      ///< N-MNIST: 60,000 train with 10 classes
    int test_per_class = 1000;
    int events_per_sample = 4300;    ///< N-MNIST recordings average about 4,300 events
    std::int64_t duration_us = 300'000;
    double signal_fraction = 0.7;    ///< events on the class's own pixels/channels; the rest uniform noise
    std::uint64_t seed = 1;
};

/// One sample: events sorted by time on a sensor, class `label` of `classes`.
Events patternSample(int label, const SensorSize& sensor, const PatternSetParams& p, std::uint64_t stream);

/// root/Train/<d>/NNNNN.bin and root/Test/<d>/NNNNN.bin (10 classes, 34x34x2).
void writePatternNmnist(const std::string& root, const PatternSetParams& p);

/// folder/shd_train.h5 and shd_test.h5 (20 classes, 700 channels, float16 times as SHD).
void writePatternShd(const std::string& folder, const PatternSetParams& p);

} // namespace tp
