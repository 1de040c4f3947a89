#pragma once
/// Datasets held in memory as binned samples (N-MNIST, SHD, SSC, DVS128 Gesture, CIFAR10-DVS,
/// Speech Commands): each recording is loaded once when the dataset opens, in parallel, its
/// events go through the binning pipeline (Denoise, Downsample, ToFrame with tonic's semantics),
/// and the binned samples stay in memory and in an on-disk cache (sample_cache.h).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
    int resize_width = 0, resize_height = 0;  ///< > 0: bilinear frame resize (align_corners) after binning
    int crop_padding = 0;          ///< training only: RandomCrop(size, padding) of the binned frames
    bool random_flip = false;      ///< training only: horizontal flip with probability 1/2
};

/// The sensor ToFrame bins on: `sensor` after the pipeline's Downsample (floor(W*f), floor(H*f),
/// at least 1).
SensorSize framedSensor(const SensorSize& sensor, const EventPipeline& pipeline);
/// The sensor of the binned frames: framedSensor, then the frame resize.
SensorSize binnedSensor(const SensorSize& sensor, const EventPipeline& pipeline);
/// (C, H, W) of one frame of `sensor` as Dataset::inputShape gives it: (P, H, W), channel
/// (p*H + y)*W + x; a sensor of one row and one polarity (audio) is non-spatial, (W, 1, 1).
std::array<int, 3> frameShape(const SensorSize& sensor);

/// The label of a sample whose class is not known (a single file outside its class folder, a
/// recording without its labels CSV). Only inspection accepts it: openDataset refuses to train
/// on such samples.
inline constexpr int kUnlabelled = -1;

/// Per-split statistics for `dataset info`.
struct SplitStats {
    std::size_t samples = 0;
    std::vector<std::size_t> class_counts;
    std::size_t unlabelled = 0;    ///< samples with label kUnlabelled (not in class_counts)
    std::int64_t events = 0;
    double min_duration_s = 0, mean_duration_s = 0, max_duration_s = 0;
    double events_per_second = 0;  ///< mean over samples of events / duration
    double mean_steps = 0;         ///< mean number of binned time steps
};

/// One loaded sample: its events (binned by the pipeline), or a ready sample (real-valued
/// features such as GSC's, which have no events).
struct Loaded {
    Events events;
    int label = 0;
    std::optional<Sample> ready;
    double duration_s = -1;  ///< < 0: from the events
};

class EventDataset : public Dataset {
public:
    /// Loads all samples of one source (a file, a recording cut into trials) in order. Called
    /// in parallel for different groups when the source is thread-safe; throws FormatError or
    /// IoError for bad files.
    using GroupLoader = std::function<std::vector<Loaded>(std::size_t group)>;

    EventDataset(std::string name, SensorSize sensor, int classes, std::vector<std::string> classNames,
                 EventPipeline pipeline, bool dropLast);

    /// Load and bin every group of a split. With a cache folder, the binned split is read from
    /// / written to an HDF5 cache keyed by `sourceId` (identity of the files) and the pipeline.
    /// The loader is kept for rawEvents().
    void fill(Split split, std::size_t groups, GroupLoader loader, bool threadSafe, const std::string& cacheDir,
              const std::string& sourceId);
    /// One file opened as a dataset: all its samples are in Split::Train, called split "all"
    /// (also in the cache key), and Split::Test stays empty. Call before fill().
    void setSingleSplit(bool on) { m_singleSplit = on; }
    bool singleSplit() const { return m_singleSplit; }
    /// What the reader wants the user to know about the source (a missing labels file, where
    /// labels came from); shown by `dataset info`.
    void addNote(std::string note) { m_notes.push_back(std::move(note)); }
    const std::vector<std::string>& notes() const { return m_notes; }
    /// True when the last fill() of the split came from the cache.
    bool fromCache(Split split) const { return part(split).cached; }
    /// Text identifying the pipeline (part of the cache key).
    std::string pipelineIdentity() const;

    std::string name() const override { return m_name; }
    int classes() const override { return m_classes; }
    int channels() const override { return m_binned.channels(); }
    /// frameShape of the binned sensor: channel (p*H + y)*W + x, the conv engine's (c, h, w).
    std::array<int, 3> inputShape() const override { return frameShape(m_binned); }
    std::size_t size(Split split) const override { return part(split).samples.size(); }
    const Sample& sample(Split split, std::size_t index) const override;
    Sample trainingSample(std::size_t index, std::uint64_t seed, int epoch) const override;
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
        std::vector<std::int32_t> group, member;  ///< where each sample came from
        SplitStats stats;
        GroupLoader loader;
        bool cached = false;
    };
    const Part& part(Split s) const { return s == Split::Train ? m_train : m_test; }
    Part& part(Split s) { return s == Split::Train ? m_train : m_test; }

    std::string m_name;
    SensorSize m_sensor, m_binned;
    SensorSize m_framed;  ///< the sensor ToFrame bins on (before a frame resize)
    int m_classes;
    std::vector<std::string> m_classNames;
    EventPipeline m_pipeline;
    bool m_dropLast;
    bool m_singleSplit = false;
    std::vector<std::string> m_notes;
    Part m_train, m_test;
};

} // namespace tp
