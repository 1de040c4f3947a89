#pragma once
/// Datasets of event recordings (N-MNIST, SHD, SSC, ...): each sample's events go through the
/// binning pipeline (Denoise, Downsample, ToFrame with tonic's semantics) once, when the
/// dataset is opened, in parallel; the binned samples stay in memory.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "events.h"
#include "transforms.h"

namespace tp {

/// What happens to a sample's events before training, in this order.
struct EventPipeline {
    std::int64_t denoise_us = 0;   ///< Denoise filter time; 0 = off
    double spatial_factor = 1;     ///< Downsample x and y by this factor (sensor shrinks to floor(W*f))
    ToFrameParams frame;           ///< binning into time steps
};

/// Per-split statistics for `dataset info`.
struct SplitStats {
    std::size_t samples = 0;
    std::vector<std::size_t> class_counts;
    std::int64_t events = 0;
    double min_duration_s = 0, mean_duration_s = 0, max_duration_s = 0;
    double events_per_second = 0;  ///< mean over samples of events / duration
    double mean_steps = 0;         ///< mean number of binned time steps
};

class EventDataset : public Dataset {
public:
    /// Loads the events and label of sample i of a split (called in parallel when the
    /// source is thread-safe). Throws FormatError/IoError for bad files.
    using Loader = std::function<std::pair<Events, int>(std::size_t)>;

    EventDataset(std::string name, SensorSize sensor, int classes, std::vector<std::string> classNames,
                 EventPipeline pipeline, bool dropLast);

    /// Load and bin every sample of a split. `threadSafe` = the loader may run concurrently.
    /// With a cache folder, the binned split is read from / written to an HDF5 cache keyed by
    /// `sourceId` (identity of the files) and this dataset's pipeline.
    void fill(Split split, std::size_t count, const Loader& loader, bool threadSafe, const std::string& cacheDir = {},
              const std::string& sourceId = {});
    /// True when the last fill() of the split came from the cache.
    bool fromCache(Split split) const { return part(split).cached; }
    /// Text identifying the pipeline (part of the cache key).
    std::string pipelineIdentity() const;
    /// Keep a loader for raw access (`dataset frames`, statistics) after fill().
    void keepLoader(Split split, Loader loader);

    std::string name() const override { return m_name; }
    int classes() const override { return m_classes; }
    int channels() const override { return m_binned.channels(); }
    std::size_t size(Split split) const override { return part(split).samples.size(); }
    const Sample& sample(Split split, std::size_t index) const override;
    std::vector<std::string> classNames() const override { return m_classNames; }
    bool dropLast() const override { return m_dropLast; }

    const SensorSize& sensor() const { return m_sensor; }
    const SensorSize& binnedSensor() const { return m_binned; }
    const SplitStats& stats(Split split) const { return part(split).stats; }
    /// Raw events of one sample, re-read from the source.
    Events rawEvents(Split split, std::size_t index) const;
    /// The pipeline applied to a list of events (what sample() holds for it).
    Sample bin(const Events& events, int label) const;

private:
    struct Part {
        std::vector<Sample> samples;
        SplitStats stats;
        Loader loader;
        bool cached = false;
    };
    const Part& part(Split s) const { return s == Split::Train ? m_train : m_test; }
    Part& part(Split s) { return s == Split::Train ? m_train : m_test; }

    std::string m_name;
    SensorSize m_sensor, m_binned;
    int m_classes;
    std::vector<std::string> m_classNames;
    EventPipeline m_pipeline;
    bool m_dropLast;
    Part m_train, m_test;
};

} // namespace tp
