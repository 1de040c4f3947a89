#include "benchmark_datasets.h"

#include <filesystem>
#include <mutex>
#include <optional>

#include "core/errors.h"
#include "nmnist.h"
#include "sample_cache.h"
#include "shd.h"

namespace tp {

std::unique_ptr<EventDataset> openNmnistDataset(const std::string& root, bool firstSaccadeOnly,
                                                const EventPipeline& pipeline, const std::string& cacheDir)
{
    auto data = std::make_unique<EventDataset>("N-MNIST", kNmnistSensor, 10, std::vector<std::string>{},
                                               pipeline, false);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<NmnistEntry>>(scanNmnist(root, split == Split::Train));
        EventDataset::Loader loader = [entries, firstSaccadeOnly](std::size_t i) {
            const NmnistEntry& e = (*entries)[i];
            Events events = readNmnistFile(e.file);
            if (firstSaccadeOnly)
                events = firstSaccade(events);
            return std::pair<Events, int>{std::move(events), e.label};
        };
        std::vector<std::string> files;
        for (const auto& e : *entries)
            files.push_back(e.file);
        const std::string sourceId = sourceIdentity(files) + (firstSaccadeOnly ? " first saccade" : " all saccades");
        data->fill(split, entries->size(), loader, true, cacheDir, sourceId);
        data->keepLoader(split, loader);
    }
    return data;
}

std::unique_ptr<EventDataset> openShdDataset(const std::string& kind, const std::string& folder,
                                             const EventPipeline& pipeline, bool dropLast, const std::string& cacheDir)
{
    namespace fs = std::filesystem;
    const std::string display = kind == "ssc" ? "SSC" : "SHD";
    std::unique_ptr<EventDataset> data;
    for (const Split split : {Split::Train, Split::Test}) {
        const std::string file = (fs::path(folder) / (kind + (split == Split::Train ? "_train.h5" : "_test.h5"))).string();
        if (!fs::exists(file))
            throw IoError("cannot read " + file + ": no such file (dataset.path must be the folder holding " + kind +
                          "_train.h5 and " + kind + "_test.h5, decompressed)");
        if (!data) {
            // Class names and count from the training file's keys (and labels, if keys are absent).
            const ShdContents train = readShd(file);
            int classes = int(train.keys.size());
            for (auto label : train.labels)
                classes = std::max(classes, label + 1);
            data = std::make_unique<EventDataset>(display, SensorSize{700, 1, 1}, classes, train.keys, pipeline,
                                                  dropLast);
        }
        // The file is read only when the cache cannot serve the split.
        auto contents = std::make_shared<std::optional<ShdContents>>();
        auto lock = std::make_shared<std::mutex>();
        EventDataset::Loader loader = [file, contents, lock](std::size_t i) {
            std::lock_guard guard(*lock);
            if (!*contents)
                *contents = readShd(file);
            const ShdContents& c = **contents;
            return std::pair<Events, int>{c.samples.at(i), c.labels.at(i)};
        };
        data->fill(split, shdSampleCount(file), loader, true, cacheDir, sourceIdentity({file}));
        contents->reset();  // free the spikes; raw access re-reads
        data->keepLoader(split, loader);
    }
    return data;
}

} // namespace tp
