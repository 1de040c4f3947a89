#pragma once
/// Events: the common representation every neuromorphic reader produces
/// (dataset-formats.md section 1). Audio-like data (SHD, SSC) uses x = channel, y = 0, p = 0.
#include <cstdint>
#include <vector>

namespace tp {

struct Event {
    std::int64_t t_us = 0;  ///< time stamp in microseconds
    std::int16_t x = 0;
    std::int16_t y = 0;
    std::uint8_t p = 0;     ///< polarity: 1 = ON, 0 = OFF
    friend bool operator==(const Event&, const Event&) = default;
};

/// Sensor size in tonic's order (W, H, P).
struct SensorSize {
    int width = 1, height = 1, polarities = 1;
    /// Flattened input size of one frame, (P, H, W) row-major: channel = (p * H + y) * W + x.
    int channels() const { return width * height * polarities; }
    friend bool operator==(const SensorSize&, const SensorSize&) = default;
};

using Events = std::vector<Event>;

} // namespace tp
