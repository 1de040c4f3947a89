#include "transforms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"

namespace tp {

namespace {

/// A slice of the event array, [begin, end) in event indices (already clamped to N).
using Slice = std::pair<std::size_t, std::size_t>;

[[noreturn]] void fail(const std::string& transform, const std::string& message)
{
    throw ConfigError(transform + ": " + message);
}

std::string num(double v)
{
    std::string s = std::to_string(v);
    // std::to_string prints 6 decimals; strip the trailing zeros for readable messages.
    while (s.size() > 1 && s.back() == '0')
        s.pop_back();
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

/// 2^53: integers up to this magnitude are exact in a double, so an integral overlap below it
/// can use exact int64 arithmetic and still give numpy's float64 results.
constexpr double kExactDoubleLimit = 9007199254740992.0;

std::int64_t floorDiv(std::int64_t a, std::int64_t b)
{
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

std::int64_t ceilDiv(std::int64_t a, std::int64_t b)
{
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) == (b < 0)))
        ++q;
    return q;
}

/// numpy's left-sided searchsorted of an integer time array against an integer edge.
std::size_t lowerBound(std::span<const Event> events, std::int64_t edge)
{
    auto it = std::partition_point(events.begin(), events.end(),
                                   [edge](const Event& e) { return e.t_us < edge; });
    return std::size_t(it - events.begin());
}

/// numpy's left-sided searchsorted of an int64 time array against a float64 edge: numpy casts
/// both to float64, so the comparison is double(t) < edge.
std::size_t lowerBound(std::span<const Event> events, double edge)
{
    auto it = std::partition_point(events.begin(), events.end(),
                                   [edge](const Event& e) { return double(e.t_us) < edge; });
    return std::size_t(it - events.begin());
}

/// Guard against absurd frame counts (e.g. a tiny window over a huge end_time).
constexpr std::int64_t kMaxFrames = std::int64_t(1) << 31;

std::int64_t checkedFrames(double n, const char* param)
{
    if (!std::isfinite(n) || n >= double(kMaxFrames))
        fail("ToFrame", std::string(param) + " gives too many frames (" + num(n) + ")");
    return std::int64_t(n);
}

/// tonic slice_events_by_time (time_window mode).
std::vector<Slice> sliceByTime(std::span<const Event> events, std::int64_t window, double overlap,
                               bool include_incomplete, std::int64_t start, std::int64_t end)
{
    std::vector<Slice> slices;
    // Choice: tonic computes stride = time_window - overlap, n, and the window edges in float64
    // whenever overlap is a Python float. For an integral overlap (the common case) we use
    // exact int64 arithmetic, which equals numpy's float64 results wherever those are exact
    // (|values| < 2^53) and stays exact beyond. A fractional overlap follows numpy literally:
    // stride and edges are doubles (edge = k * stride + start) and times are compared as
    // double(t) < edge, like searchsorted on int64 times against float64 edges.
    if (overlap == std::floor(overlap) && std::fabs(overlap) < kExactDoubleLimit) {
        const std::int64_t stride = window - std::int64_t(overlap);
        const std::int64_t span = (end - start) - window;
        std::int64_t n = include_incomplete ? ceilDiv(span, stride) + 1 : floorDiv(span, stride) + 1;
        n = std::max<std::int64_t>(n, 1);
        if (n >= kMaxFrames)
            fail("ToFrame", "time_window gives too many frames (" + std::to_string(n) + ")");
        slices.reserve(std::size_t(n));
        for (std::int64_t k = 0; k < n; ++k) {
            const std::int64_t ws = start + k * stride;
            slices.emplace_back(lowerBound(events, ws), lowerBound(events, ws + window));
        }
    } else {
        const double stride = double(window) - overlap;
        const double span = double((end - start) - window);
        const double q = span / stride;
        std::int64_t n = checkedFrames((include_incomplete ? std::ceil(q) : std::floor(q)) + 1,
                                       "time_window");
        n = std::max<std::int64_t>(n, 1);
        slices.reserve(std::size_t(n));
        for (std::int64_t k = 0; k < n; ++k) {
            const double ws = double(k) * stride + double(start);
            slices.emplace_back(lowerBound(events, ws), lowerBound(events, ws + double(window)));
        }
    }
    return slices;
}

/// tonic slice_events_by_time_bins (n_time_bins mode).
std::vector<Slice> sliceByTimeBins(std::span<const Event> events, int bins, double overlap)
{
    // tonic: time_window = (t[-1] - t[0]) // bin_count * (1 + overlap). The floor division is
    // done on int64 timestamps, then the product with the Python float (1 + overlap) is float64;
    // stride = time_window * (1 - overlap) and the edges k * stride + t0 are float64 too, and
    // searchsorted compares double(t) against them. We reproduce exactly that sequence of double
    // operations. With overlap 0 everything is an exact integer, so the last window ends at
    // t0 + B * floor(D / B) <= t_last and the event(s) at t_last are dropped (tonic's quirk).
    const std::int64_t t0 = events.front().t_us;
    const std::int64_t duration = events.back().t_us - t0;
    const std::int64_t q = floorDiv(duration, bins);
    const double window = double(q) * (1.0 + overlap);
    const double stride = window * (1.0 - overlap);
    std::vector<Slice> slices;
    slices.reserve(std::size_t(bins));
    for (int k = 0; k < bins; ++k) {
        const double ws = double(k) * stride + double(t0);
        slices.emplace_back(lowerBound(events, ws), lowerBound(events, ws + window));
    }
    return slices;
}

/// tonic slice_events_by_count (event_count mode).
std::vector<Slice> sliceByCount(std::size_t n_events, std::int64_t count, double overlap,
                                bool include_incomplete)
{
    // s = C - o (validated > 0 from the parameters alone); C' = min(C, N). When N < C there is
    // exactly one slice [0, N) whatever s is. Starts are int(k * s) (numpy astype(int)).
    const double stride = double(count) - overlap;
    const std::int64_t clamped = std::min<std::int64_t>(count, std::int64_t(n_events));
    const double q = double(std::int64_t(n_events) - clamped) / stride;
    const std::int64_t n = checkedFrames((include_incomplete ? std::ceil(q) : std::floor(q)) + 1,
                                         "event_count");
    std::vector<Slice> slices;
    slices.reserve(std::size_t(std::max<std::int64_t>(n, 0)));
    for (std::int64_t k = 0; k < n; ++k) {
        const auto begin = std::int64_t(double(k) * stride);
        const std::int64_t end = begin + clamped;
        slices.emplace_back(std::size_t(std::min<std::int64_t>(begin, std::int64_t(n_events))),
                            std::size_t(std::min<std::int64_t>(end, std::int64_t(n_events))));
    }
    return slices;
}

/// tonic slice_events_by_event_bins (n_event_bins mode).
std::vector<Slice> sliceByEventBins(std::size_t n_events, int bins, double overlap)
{
    // tonic: spike_count = int(N / B * (1 + overlap)); stride = int(spike_count * (1 - overlap)).
    const auto count = std::int64_t(double(n_events) / double(bins) * (1.0 + overlap));
    const auto stride = std::int64_t(double(count) * (1.0 - overlap));
    const auto n = std::int64_t(n_events);
    std::vector<Slice> slices;
    slices.reserve(std::size_t(bins));
    for (int k = 0; k < bins; ++k) {
        const std::int64_t begin = std::int64_t(k) * stride;
        slices.emplace_back(std::size_t(std::min(begin, n)), std::size_t(std::min(begin + count, n)));
    }
    return slices;
}

void checkBinOverlap(double overlap, const char* mode)
{
    if (!(overlap >= 0.0 && overlap < 1.0))
        fail("ToFrame", std::string("overlap must be in [0, 1) with ") + mode + " (got " + num(overlap) +
                            ")");
}

} // namespace

Sample toFrame(std::span<const Event> events, const SensorSize& sensor, const ToFrameParams& params,
               std::int32_t label)
{
    // ---- parameters --------------------------------------------------------------------------
    const int modes = int(params.time_window.has_value()) + int(params.event_count.has_value()) +
                      int(params.n_time_bins.has_value()) + int(params.n_event_bins.has_value());
    if (modes != 1)
        fail("ToFrame", "exactly one of time_window, event_count, n_time_bins, n_event_bins must be set (" +
                            std::to_string(modes) + " set)");
    if (sensor.width < 1 || sensor.height < 1 || sensor.polarities < 1)
        fail("ToFrame", "sensor_size must be positive (got " + std::to_string(sensor.width) + ", " +
                            std::to_string(sensor.height) + ", " + std::to_string(sensor.polarities) + ")");
    const std::int64_t channels64 =
        std::int64_t(sensor.width) * sensor.height * sensor.polarities;
    if (channels64 > std::numeric_limits<std::int32_t>::max())
        fail("ToFrame", "sensor_size has too many channels (" + std::to_string(channels64) + ")");
    const double overlap = params.overlap;
    if (!std::isfinite(overlap))
        fail("ToFrame", "overlap must be finite");

    std::int64_t empty_frames = 1;
    if (params.time_window) {
        if (*params.time_window <= 0)
            fail("ToFrame", "time_window must be > 0 (got " + std::to_string(*params.time_window) + ")");
        if (!(double(*params.time_window) - overlap > 0.0))
            fail("ToFrame", "stride = time_window - overlap must be > 0 (time_window " +
                                std::to_string(*params.time_window) + ", overlap " + num(overlap) + ")");
    } else if (params.event_count) {
        if (*params.event_count <= 0)
            fail("ToFrame", "event_count must be > 0 (got " + std::to_string(*params.event_count) + ")");
        if (!(double(*params.event_count) - overlap > 0.0))
            fail("ToFrame", "stride = event_count - overlap must be > 0 (event_count " +
                                std::to_string(*params.event_count) + ", overlap " + num(overlap) + ")");
    } else if (params.n_time_bins) {
        if (*params.n_time_bins < 1)
            fail("ToFrame", "n_time_bins must be >= 1 (got " + std::to_string(*params.n_time_bins) + ")");
        checkBinOverlap(overlap, "n_time_bins");
        empty_frames = *params.n_time_bins;
    } else {
        if (*params.n_event_bins < 1)
            fail("ToFrame", "n_event_bins must be >= 1 (got " + std::to_string(*params.n_event_bins) + ")");
        checkBinOverlap(overlap, "n_event_bins");
        empty_frames = *params.n_event_bins;
    }

    // ---- events ------------------------------------------------------------------------------
    const int W = sensor.width, H = sensor.height, P = sensor.polarities;
    if (P == 1) {
        for (const Event& e : events)
            if (e.p != events.front().p)
                fail("ToFrame", "polarity: sensor_size has 1 polarity but the events have several (" +
                                    std::to_string(events.front().p) + " and " + std::to_string(e.p) + ")");
    }
    std::vector<std::int32_t> channel(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (e.x < 0 || e.x >= W)
            fail("ToFrame", "event x = " + std::to_string(e.x) + " outside sensor width " + std::to_string(W));
        if (e.y < 0 || e.y >= H)
            fail("ToFrame", "event y = " + std::to_string(e.y) + " outside sensor height " + std::to_string(H));
        const int p = P == 1 ? 0 : int(e.p);
        if (p >= P)
            fail("ToFrame", "event polarity p = " + std::to_string(p) + " outside sensor polarities " +
                                std::to_string(P));
        channel[i] = std::int32_t((std::int64_t(p) * H + e.y) * W + e.x);
    }

    Sample out;
    out.label = label;
    out.channels = std::int32_t(channels64);
    if (events.empty()) {
        // tonic returns zeros of shape (1 or n_bins, P, W, H) before looking at any slicing option.
        out.step_offsets.assign(std::size_t(empty_frames) + 1, 0);
        return out;
    }

    std::vector<Slice> slices;
    if (params.time_window) {
        const std::int64_t start = params.start_time.value_or(events.front().t_us);
        const std::int64_t end = params.end_time.value_or(events.back().t_us);
        slices = sliceByTime(events, *params.time_window, overlap, params.include_incomplete, start, end);
    } else if (params.event_count) {
        slices = sliceByCount(events.size(), *params.event_count, overlap, params.include_incomplete);
    } else if (params.n_time_bins) {
        slices = sliceByTimeBins(events, *params.n_time_bins, overlap);
    } else {
        slices = sliceByEventBins(events.size(), *params.n_event_bins, overlap);
    }

    // ---- CSR frames --------------------------------------------------------------------------
    out.step_offsets.reserve(slices.size() + 1);
    out.step_offsets.push_back(0);
    std::vector<std::int32_t> scratch;
    for (const auto& [begin, end] : slices) {
        scratch.assign(channel.begin() + std::ptrdiff_t(begin),
                       channel.begin() + std::ptrdiff_t(std::max(begin, end)));
        std::sort(scratch.begin(), scratch.end());
        for (std::size_t i = 0; i < scratch.size();) {
            std::size_t j = i;
            while (j < scratch.size() && scratch[j] == scratch[i])
                ++j;
            out.units.push_back(scratch[i]);
            out.values.push_back(float(j - i));
            i = j;
        }
        if (out.units.size() > std::size_t(std::numeric_limits<std::int32_t>::max()))
            fail("ToFrame", "too many frame entries");
        out.step_offsets.push_back(std::int32_t(out.units.size()));
    }
    return out;
}

std::vector<Events> sliceEventsByTime(std::span<const Event> events, std::int64_t window_us, std::int64_t overlap_us,
                                      bool include_incomplete)
{
    if (window_us <= 0 || window_us - overlap_us <= 0)
        fail("SliceByTime", "time_window must be > 0 and > overlap (got " + std::to_string(window_us) + ", " +
                                std::to_string(overlap_us) + ")");
    std::vector<Events> out;
    if (events.empty())
        return out;
    for (const auto& [b, e] : sliceByTime(events, window_us, double(overlap_us), include_incomplete,
                                          events.front().t_us, events.back().t_us))
        out.emplace_back(events.begin() + std::ptrdiff_t(b), events.begin() + std::ptrdiff_t(e));
    return out;
}

Sample randomCropFlip(const Sample& frames, const SensorSize& sensor, int padding, bool flip, Rng& rng)
{
    const int W = sensor.width, H = sensor.height;
    const int ox = padding > 0 ? int(rng.below(std::uint64_t(2 * padding + 1))) : 0;
    const int oy = padding > 0 ? int(rng.below(std::uint64_t(2 * padding + 1))) : 0;
    const bool mirror = flip && rng.uniform() < 0.5;
    Sample out;
    out.label = frames.label;
    out.channels = frames.channels;
    out.step_offsets.assign(1, 0);
    std::vector<std::pair<std::int32_t, float>> step;
    for (int t = 0; t < frames.steps(); ++t) {
        step.clear();
        for (auto e = frames.step_offsets[t]; e < frames.step_offsets[t + 1]; ++e) {
            const int ch = frames.units[e];
            const int x = ch % W, y = (ch / W) % H, p = ch / (W * H);
            // Padded image coordinate x + padding, cropped at offset ox.
            int nx = x + padding - ox;
            const int ny = y + padding - oy;
            if (nx < 0 || nx >= W || ny < 0 || ny >= H)
                continue;
            if (mirror)
                nx = W - 1 - nx;
            step.emplace_back((p * H + ny) * W + nx, frames.values[e]);
        }
        std::sort(step.begin(), step.end());
        for (const auto& [ch, v] : step) {
            out.units.push_back(ch);
            out.values.push_back(v);
        }
        out.step_offsets.push_back(std::int32_t(out.units.size()));
    }
    return out;
}

Sample resizeFramesBilinear(const Sample& frames, const SensorSize& from, const SensorSize& to)
{
    if (from.polarities != to.polarities || to.width < 1 || to.height < 1)
        fail("Resize", "target size must be positive with the same polarities");
    const int W = from.width, H = from.height, OW = to.width, OH = to.height;
    // Source coordinate and weight of each output row / column (align_corners = true).
    struct Tap {
        int i0, i1;
        double w;
    };
    auto taps = [](int in, int out) {
        std::vector<Tap> t(static_cast<std::size_t>(out));
        for (int o = 0; o < out; ++o) {
            const double src = out > 1 ? double(o) * double(in - 1) / double(out - 1) : 0.0;
            const int i0 = std::min(int(std::floor(src)), in - 1);
            t[std::size_t(o)] = {i0, std::min(i0 + 1, in - 1), src - i0};
        }
        return t;
    };
    const auto ty = taps(H, OH), tx = taps(W, OW);
    Sample out;
    out.label = frames.label;
    out.channels = to.channels();
    out.step_offsets.assign(1, 0);
    std::vector<float> dense(std::size_t(from.channels()));
    for (int t = 0; t < frames.steps(); ++t) {
        std::fill(dense.begin(), dense.end(), 0.0f);
        for (auto e = frames.step_offsets[t]; e < frames.step_offsets[t + 1]; ++e)
            dense[std::size_t(frames.units[e])] += frames.values[e];
        for (int p = 0; p < to.polarities; ++p) {
            const float* img = dense.data() + std::size_t(p) * W * H;
            for (int oy = 0; oy < OH; ++oy) {
                const Tap& a = ty[std::size_t(oy)];
                for (int ox = 0; ox < OW; ++ox) {
                    const Tap& b = tx[std::size_t(ox)];
                    const double v = (1 - a.w) * ((1 - b.w) * img[a.i0 * W + b.i0] + b.w * img[a.i0 * W + b.i1]) +
                                     a.w * ((1 - b.w) * img[a.i1 * W + b.i0] + b.w * img[a.i1 * W + b.i1]);
                    if (v != 0.0) {
                        out.units.push_back((p * OH + oy) * OW + ox);
                        out.values.push_back(float(v));
                    }
                }
            }
        }
        out.step_offsets.push_back(std::int32_t(out.units.size()));
    }
    return out;
}

Events denoise(std::span<const Event> events, std::int64_t filter_time_us)
{
    Events kept;
    if (events.empty())
        return kept;
    int W = 0, H = 0;
    for (const Event& e : events) {
        if (e.x < 0 || e.y < 0)
            fail("Denoise", "negative event coordinate (x = " + std::to_string(e.x) + ", y = " +
                                std::to_string(e.y) + ")");
        W = std::max(W, int(e.x) + 1);
        H = std::max(H, int(e.y) + 1);
    }
    // tonic: timestamp_memory = zeros((W, H)) + filter_time (the initial-value quirk).
    std::vector<std::int64_t> memory(std::size_t(W) * std::size_t(H), filter_time_us);
    auto at = [H, &memory](int x, int y) -> std::int64_t& { return memory[std::size_t(x) * H + y]; };
    for (const Event& e : events) {
        const int x = e.x, y = e.y;
        const std::int64_t t = e.t_us;
        at(x, y) = t + filter_time_us;
        const bool neighbour = (x > 0 && at(x - 1, y) > t) || (x < W - 1 && at(x + 1, y) > t) ||
                               (y > 0 && at(x, y - 1) > t) || (y < H - 1 && at(x, y + 1) > t);
        if (neighbour)
            kept.push_back(e);
    }
    return kept;
}

Events downsample(std::span<const Event> events, double time_factor, double sx, double sy)
{
    if (!std::isfinite(time_factor))
        fail("Downsample", "time_factor must be finite");
    if (!std::isfinite(sx) || !std::isfinite(sy))
        fail("Downsample", "spatial_factor must be finite");
    Events out(events.begin(), events.end());
    constexpr double kInt16Lo = std::numeric_limits<std::int16_t>::min();
    constexpr double kInt16Hi = std::numeric_limits<std::int16_t>::max();
    // 2^63 as a double: the first value that no longer fits an int64.
    constexpr double kInt64Limit = 9223372036854775808.0;
    for (Event& e : out) {
        // Stored back into integer fields: C++'s float -> int conversion truncates toward zero,
        // exactly like numpy's unsafe cast.
        const double t = std::trunc(double(e.t_us) * time_factor);
        const double x = std::trunc(double(e.x) * sx);
        const double y = std::trunc(double(e.y) * sy);
        if (!(t >= -kInt64Limit && t < kInt64Limit))
            fail("Downsample", "time_factor moves t out of range");
        if (x < kInt16Lo || x > kInt16Hi || y < kInt16Lo || y > kInt16Hi)
            fail("Downsample", "spatial_factor moves x/y out of the int16 range");
        e.t_us = std::int64_t(t);
        e.x = std::int16_t(x);
        e.y = std::int16_t(y);
    }
    return out;
}

} // namespace tp
