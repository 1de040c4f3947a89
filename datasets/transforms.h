#pragma once
/// Event transforms with tonic's exact semantics (dataset-formats.md section 7). All take events
/// sorted by time. Frames come out as a tp::Sample whose channel index is (p * H + y) * W + x,
/// i.e. tonic's (T, P, H, W) frame flattened per step; values are event counts.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/sample.h"
#include "events.h"

namespace tp {

/// ToFrame: exactly one of time_window / event_count / n_time_bins / n_event_bins is set.
struct ToFrameParams {
    std::optional<std::int64_t> time_window;  ///< window length, same unit as t (µs)
    std::optional<std::int64_t> event_count;
    std::optional<int> n_time_bins;
    std::optional<int> n_event_bins;
    double overlap = 0;                       ///< time (µs) for time_window, events for event_count,
                                              ///< fraction in [0, 1) for the n_*_bins modes
    bool include_incomplete = false;
    std::optional<std::int64_t> start_time, end_time;
};

/// Bin events into frames (section 7.1). Throws ConfigError for invalid parameters (none or
/// several modes, stride <= 0, p outside [0, P)), FormatError-free: events are trusted.
/// Events outside the sensor are an error (ConfigError naming the coordinate).
Sample toFrame(std::span<const Event> events, const SensorSize& sensor, const ToFrameParams& params,
               std::int32_t label);

/// SliceByTime: cut a recording into windows of `window_us` (stride window_us - overlap_us),
/// with exactly ToFrame's time_window arithmetic (start at the first event; the incomplete last
/// window dropped unless include_incomplete). Empty input gives no slices.
std::vector<Events> sliceEventsByTime(std::span<const Event> events, std::int64_t window_us,
                                      std::int64_t overlap_us = 0, bool include_incomplete = false);

/// RandomCrop(size = sensor, padding) + optional horizontal flip on binned frames, the same crop
/// and flip for every step of the sample (tp-algorithm.md 6.3/6.4). The crop offsets are drawn
/// uniformly from [0, 2*padding] and the flip with probability 1/2 from `rng`.
class Rng;
Sample randomCropFlip(const Sample& frames, const SensorSize& sensor, int padding, bool flip, Rng& rng);

/// Bilinear resize of every frame (per polarity) with align_corners = true, as
/// torch.nn.functional.interpolate(mode="bilinear", align_corners=True) on (P, H, W) frames:
/// output (oy, ox) samples the input at (oy (H-1)/(OH-1), ox (W-1)/(OW-1)). Values become
/// fractional; zero results are not stored. The CIFAR10-DVS reference resizes 128 -> 48 so.
Sample resizeFramesBilinear(const Sample& frames, const SensorSize& from, const SensorSize& to);

/// Denoise (section 7.2): keep an event when a 4-neighbour fired within filter_time before it.
Events denoise(std::span<const Event> events, std::int64_t filter_time_us);

/// Downsample (section 7.3): t *= time_factor, x *= sx, y *= sy, truncating toward zero.
Events downsample(std::span<const Event> events, double time_factor, double sx, double sy);

} // namespace tp
