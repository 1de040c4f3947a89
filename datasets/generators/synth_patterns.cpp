#include "synth_patterns.h"

#include <algorithm>
#include <filesystem>

#include <tbb/parallel_for.h>

#include "core/errors.h"
#include "core/rng.h"
#include "nmnist.h"
#include "shd.h"

namespace tp {

Events patternSample(int label, const SensorSize& sensor, const PatternSetParams& p, std::uint64_t stream)
{
    // The class's pixels: a fixed random 5% of the sensor, drawn from (seed, class).
    const int pixels = sensor.width * sensor.height;
    Rng classRng(p.seed, 1'000'000 + std::uint64_t(label));
    std::vector<int> own(std::size_t(std::max(1, pixels / 20)));
    for (auto& px : own)
        px = int(classRng.below(std::uint64_t(pixels)));
    Rng rng(p.seed, stream);
    Events ev(std::size_t(p.events_per_sample));
    for (auto& e : ev) {
        const int px = rng.uniform() < p.signal_fraction ? own[rng.below(own.size())] : int(rng.below(std::uint64_t(pixels)));
        e.t_us = std::int64_t(rng.below(std::uint64_t(p.duration_us)));
        e.x = std::int16_t(px % sensor.width);
        e.y = std::int16_t(px / sensor.width);
        e.p = std::uint8_t(sensor.polarities > 1 ? rng.below(2) : 0);
    }
    std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.t_us < b.t_us; });
    return ev;
}

void writePatternNmnist(const std::string& root, const PatternSetParams& p)
{
    namespace fs = std::filesystem;
    if (p.duration_us > kNmnistMaxTime_us)
        throw ConfigError("N-MNIST times must stay below 2^23 us");
    for (const bool train : {true, false}) {
        const int perClass = train ? p.train_per_class : p.test_per_class;
        const std::string split = train ? "Train" : "Test";
        for (int d = 0; d < 10; ++d)
            fs::create_directories(fs::path(root) / split / std::to_string(d));
        tbb::parallel_for(0, perClass * 10, [&](int i) {
            const int label = i % 10;
            char name[32];
            std::snprintf(name, sizeof name, "%05d.bin", i + 1);
            const std::uint64_t stream = (train ? 0ull : 1ull << 40) + std::uint64_t(i);
            writeNmnistFile((fs::path(root) / split / std::to_string(label) / name).string(),
                            patternSample(label, kNmnistSensor, p, stream));
        });
    }
}

void writePatternShd(const std::string& folder, const PatternSetParams& p)
{
    namespace fs = std::filesystem;
    fs::create_directories(folder);
    const SensorSize sensor{700, 1, 1};
    for (const bool train : {true, false}) {
        const int n = (train ? p.train_per_class : p.test_per_class) * 20;
        ShdContents c;
        c.samples.resize(std::size_t(n));
        c.labels.resize(std::size_t(n));
        c.speakers.assign(std::size_t(n), 0);
        for (int k = 0; k < 20; ++k)
            c.keys.push_back("class" + std::to_string(k));
        tbb::parallel_for(0, n, [&](int i) {
            c.labels[std::size_t(i)] = i % 20;
            c.samples[std::size_t(i)] = patternSample(i % 20, sensor, p, (train ? 0ull : 1ull << 40) + std::uint64_t(i));
        });
        writeShd((fs::path(folder) / (train ? "shd_train.h5" : "shd_test.h5")).string(), c, true);
    }
}

} // namespace tp
