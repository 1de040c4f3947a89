#include "event_dataset.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

#include <tbb/parallel_for.h>

#include "core/errors.h"
#include "core/rng.h"
#include "sample_cache.h"

namespace tp {

SensorSize framedSensor(const SensorSize& sensor, const EventPipeline& pipeline)
{
    SensorSize s = sensor;
    if (pipeline.spatial_factor != 1) {
        s.width = std::max(1, int(std::floor(sensor.width * pipeline.spatial_factor)));
        s.height = std::max(1, int(std::floor(sensor.height * pipeline.spatial_factor)));
    }
    return s;
}

SensorSize binnedSensor(const SensorSize& sensor, const EventPipeline& pipeline)
{
    SensorSize s = framedSensor(sensor, pipeline);
    if (pipeline.resize_width > 0) {
        s.width = pipeline.resize_width;
        s.height = pipeline.resize_height;
    }
    return s;
}

std::array<int, 3> frameShape(const SensorSize& sensor)
{
    if (sensor.height == 1 && sensor.polarities == 1)
        return {sensor.width, 1, 1};
    return {sensor.polarities, sensor.height, sensor.width};
}

EventDataset::EventDataset(std::string name, SensorSize sensor, int classes, std::vector<std::string> classNames,
                           EventPipeline pipeline, bool dropLast)
    : m_name(std::move(name)), m_sensor(sensor), m_binned(tp::binnedSensor(sensor, pipeline)),
      m_framed(framedSensor(sensor, pipeline)), m_classes(classes), m_classNames(std::move(classNames)),
      m_pipeline(std::move(pipeline)), m_dropLast(dropLast)
{
}

Sample EventDataset::bin(const Events& raw, int label) const
{
    const Events* events = &raw;
    Events work;
    if (m_pipeline.denoise_us > 0) {
        work = denoise(*events, m_pipeline.denoise_us);
        events = &work;
    }
    if (m_pipeline.spatial_factor != 1) {
        work = downsample(*events, 1.0, m_pipeline.spatial_factor, m_pipeline.spatial_factor);
        events = &work;
    }
    if (m_pipeline.resize_width > 0)
        return resizeFramesBilinear(toFrame(*events, m_framed, m_pipeline.frame, label), m_framed, m_binned);
    return toFrame(*events, m_binned, m_pipeline.frame, label);
}

std::string EventDataset::pipelineIdentity() const
{
    const ToFrameParams& f = m_pipeline.frame;
    auto opt = [](const auto& v) { return v ? std::to_string(*v) : std::string("-"); };
    return m_name + " sensor " + std::to_string(m_sensor.width) + "x" + std::to_string(m_sensor.height) + "x" +
           std::to_string(m_sensor.polarities) + " denoise " + std::to_string(m_pipeline.denoise_us) + " spatial " +
           std::to_string(m_pipeline.spatial_factor) + " tw " + opt(f.time_window) + " ec " + opt(f.event_count) +
           " ntb " + opt(f.n_time_bins) + " neb " + opt(f.n_event_bins) + " overlap " + std::to_string(f.overlap) +
           " incomplete " + std::to_string(f.include_incomplete) + " start " + opt(f.start_time) + " end " +
           opt(f.end_time) + " classes " + std::to_string(m_classes) + " framed " + std::to_string(m_framed.width) + "x" + std::to_string(m_framed.height) + " binned " + std::to_string(m_binned.width) +
           "x" + std::to_string(m_binned.height);
}

void EventDataset::fill(Split split, std::size_t groups, GroupLoader loader, bool threadSafe,
                        const std::string& cacheDir, const std::string& sourceId)
{
    Part& p = part(split);
    const std::string splitName = m_singleSplit ? "all" : split == Split::Train ? "train" : "test";
    const std::string identity = "traceprop binned samples v2\n" + pipelineIdentity() + "\nsplit " + splitName +
                                 "\nsources " + sourceId;
    const std::string cacheFile = cacheDir.empty() ? std::string() : cachePath(cacheDir, splitName, identity);
    std::optional<CachedSplit> cached;
    if (!cacheFile.empty())
        cached = loadCachedSplit(cacheFile, identity);
    p.cached = cached.has_value();
    if (!p.cached) {
        // Each group is loaded and binned by one task; results are concatenated in group order.
        std::vector<CachedSplit> perGroup(groups);
        std::mutex sourceLock, failureLock;
        std::exception_ptr failure;
        tbb::parallel_for(std::size_t(0), groups, [&](std::size_t g) {
            try {
                std::vector<Loaded> loaded;
                if (threadSafe) {
                    loaded = loader(g);
                } else {
                    std::lock_guard lock(sourceLock);
                    loaded = loader(g);
                }
                CachedSplit& out = perGroup[g];
                for (std::size_t m = 0; m < loaded.size(); ++m) {
                    Loaded& l = loaded[m];
                    if ((l.label < 0 && l.label != kUnlabelled) || l.label >= m_classes)
                        throw ConfigError(m_name + ": sample " + std::to_string(m) + " of source " + std::to_string(g) +
                                          " has label " + std::to_string(l.label) + " outside [0, " +
                                          std::to_string(m_classes) + ")");
                    out.events.push_back(std::int64_t(l.events.size()));
                    out.durations_s.push_back(l.duration_s >= 0 ? l.duration_s
                                              : l.events.empty()
                                                  ? 0.0
                                                  : double(l.events.back().t_us - l.events.front().t_us) * 1e-6);
                    out.samples.push_back(l.ready ? std::move(*l.ready) : bin(l.events, l.label));
                    out.samples.back().label = l.label;
                    out.group.push_back(std::int32_t(g));
                    out.member.push_back(std::int32_t(m));
                }
            } catch (...) {
                std::lock_guard lock(failureLock);
                if (!failure)
                    failure = std::current_exception();
            }
        });
        if (failure)
            std::rethrow_exception(failure);
        cached.emplace();
        for (auto& g : perGroup) {
            auto append = [](auto& to, auto& from) { to.insert(to.end(), std::make_move_iterator(from.begin()),
                                                               std::make_move_iterator(from.end())); };
            append(cached->samples, g.samples);
            append(cached->durations_s, g.durations_s);
            append(cached->events, g.events);
            append(cached->group, g.group);
            append(cached->member, g.member);
        }
        if (!cacheFile.empty())
            saveCachedSplit(cacheFile, identity, *cached);
    }
    p.loader = std::move(loader);
    p.samples = std::move(cached->samples);
    p.group = std::move(cached->group);
    p.member = std::move(cached->member);
    const auto& duration = cached->durations_s;
    const auto& events = cached->events;
    const std::size_t count = p.samples.size();
    SplitStats& s = p.stats;
    s = SplitStats{};
    s.samples = count;
    s.class_counts.assign(std::size_t(m_classes), 0);
    double rateSum = 0, stepSum = 0;
    s.min_duration_s = count ? duration[0] : 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (p.samples[i].label == kUnlabelled)
            ++s.unlabelled;
        else
            ++s.class_counts[std::size_t(p.samples[i].label)];
        s.events += events[i];
        s.min_duration_s = std::min(s.min_duration_s, duration[i]);
        s.max_duration_s = std::max(s.max_duration_s, duration[i]);
        s.mean_duration_s += duration[i] / double(count);
        rateSum += duration[i] > 0 ? double(events[i]) / duration[i] : 0.0;
        stepSum += p.samples[i].steps();
    }
    if (count) {
        s.events_per_second = rateSum / double(count);
        s.mean_steps = stepSum / double(count);
    }
}

const Sample& EventDataset::sample(Split split, std::size_t index) const { return part(split).samples.at(index); }

Sample EventDataset::trainingSample(std::size_t index, std::uint64_t seed, int epoch) const
{
    const Sample& s = m_train.samples.at(index);
    if (m_pipeline.crop_padding <= 0 && !m_pipeline.random_flip)
        return s;
    // One stream per (epoch, sample): the same augmentation on a resumed run.
    Rng rng(seed ^ 0xA5A5A5A5ull, (std::uint64_t(epoch) << 32) ^ index);
    return randomCropFlip(s, m_binned, m_pipeline.crop_padding, m_pipeline.random_flip, rng);
}

Events EventDataset::rawEvents(Split split, std::size_t index) const
{
    const Part& p = part(split);
    if (index >= p.samples.size())
        throw ConfigError("sample index " + std::to_string(index) + " out of range (the split has " +
                          std::to_string(p.samples.size()) + " samples)");
    if (!p.loader)
        throw ConfigError(m_name + ": raw events are not available for this split");
    auto loaded = p.loader(std::size_t(p.group[index]));
    return std::move(loaded.at(std::size_t(p.member[index])).events);
}

} // namespace tp
