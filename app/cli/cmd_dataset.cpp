#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dataset_path.h"
#include "event_dataset.h"
#include "recorded_format.h"
#include "recording.h"
#include "registry.h"
#include "synth_digits.h"
#include "synth_gesture.h"
#include "synth_patterns.h"
#include "commands.h"
#include "core/errors.h"
#include "io/atomic_file.h"

namespace tp::cli {

namespace {

namespace fs = std::filesystem;

/// `dataset info` of one event recording: one streaming pass (memory independent of its length),
/// no binning.
int printRecording(const std::string& path, bool json)
{
    const RecordingSummary r = summarizeRecording(path);
    const SensorSize sensor = r.sensor();
    const bool stated = r.header.sensor.width > 0;
    const double duration = r.events ? double(r.t_max_us - r.t_min_us) * 1e-6 : 0;
    if (json) {
        nlohmann::json skipped = nlohmann::json::object();
        for (const auto& [what, n] : r.header.skipped)
            skipped[what] = n;
        std::cout << nlohmann::json{{"kind", "recordings"},      {"file", path},
                                    {"format", r.header.format}, {"events", r.events},
                                    {"t_first_us", r.t_first_us}, {"t_last_us", r.t_last_us},
                                    {"t_min_us", r.t_min_us},   {"t_max_us", r.t_max_us},
                                    {"duration_s", duration},   {"sensor", {sensor.width, sensor.height, sensor.polarities}},
                                    {"sensor_from", stated ? "file" : "events"},
                                    {"on", r.on},               {"off", r.off},
                                    {"max_x", r.max_x},         {"max_y", r.max_y},
                                    {"out_of_order", r.out_of_order},
                                    {"skipped", skipped},       {"notes", r.header.notes}}
                         .dump()
                  << std::endl;
        return kExitOk;
    }
    std::printf("%s: %s, sensor %dx%dx%d (%s)\n", path.c_str(), r.header.format.c_str(), sensor.width, sensor.height,
                sensor.polarities, stated ? "from the file" : "from the largest x and y of the events");
    std::printf("  %llu events, t %lld .. %lld us (%.6f s), %.0f events/s\n", (unsigned long long)r.events,
                (long long)r.t_min_us, (long long)r.t_max_us, duration, duration > 0 ? double(r.events) / duration : 0.0);
    std::printf("  polarity: ON %llu, OFF %llu (%.1f %% ON)\n", (unsigned long long)r.on, (unsigned long long)r.off,
                r.events ? 100.0 * double(r.on) / double(r.events) : 0.0);
    std::printf("  x 0..%d, y 0..%d; %llu event(s) earlier than the one before\n", r.max_x, r.max_y,
                (unsigned long long)r.out_of_order);
    for (const auto& [what, n] : r.header.skipped)
        std::printf("  skipped: %s %llu\n", what.c_str(), (unsigned long long)n);
    for (const std::string& note : r.header.notes)
        std::printf("  note: %s\n", note.c_str());
    return kExitOk;
}

struct BinningOptions {
    std::int64_t time_window_us = 0, event_count = 0;
    int n_time_bins = 0, n_event_bins = 0;
    double overlap = 0, spatial_factor = 0;
    std::int64_t denoise_us = 0;
    bool all_saccades = false, no_cache = false;

    void add(CLI::App& app)
    {
        app.add_flag("--no-cache", no_cache, "parse and bin from the source files (do not read or write the cache)");
        app.add_option("--time-window-us", time_window_us, "ToFrame time_window (default per kind, as the paper)");
        app.add_option("--event-count", event_count, "ToFrame event_count");
        app.add_option("--n-time-bins", n_time_bins, "ToFrame n_time_bins");
        app.add_option("--n-event-bins", n_event_bins, "ToFrame n_event_bins");
        app.add_option("--overlap", overlap, "ToFrame overlap");
        app.add_option("--spatial-factor", spatial_factor, "Downsample factor for x and y (0, 1]");
        app.add_option("--denoise-us", denoise_us, "Denoise filter time (0 = off)");
        app.add_flag("--all-saccades", all_saccades, "N-MNIST: keep all three saccades");
    }

    /// The experiment-file spec of the dataset at `path` with these options over the paper's
    /// binning of the kind (DatasetFormat::paper_binning), opened through the registry. An
    /// option the kind does not take is the registry's validation error naming the key.
    std::unique_ptr<Dataset> open(const std::string& path, const std::string& kind) const
    {
        DatasetSpec spec;
        spec.kind = kind;
        spec.params = {{"path", path}};
        if (no_cache)
            spec.params["cache_dir"] = "";
        if (denoise_us)
            spec.params["denoise_us"] = denoise_us;
        if (all_saccades)
            spec.params["first_saccade_only"] = false;
        nlohmann::json b = nlohmann::json::parse(findDatasetFormat(kind)->paper_binning);
        nlohmann::json mode = nlohmann::json::object();
        if (event_count)
            mode["event_count"] = event_count;
        else if (n_time_bins)
            mode["n_time_bins"] = n_time_bins;
        else if (n_event_bins)
            mode["n_event_bins"] = n_event_bins;
        else if (time_window_us)
            mode["time_window_us"] = time_window_us;
        if (!mode.empty()) {
            for (const char* m : kFrameModes)
                b.erase(m);
            b.update(mode);
        }
        if (overlap)
            b["overlap"] = overlap;
        if (spatial_factor) {
            b.erase("resize");
            b["spatial_factor"] = spatial_factor;
        }
        spec.binning = std::move(b);
        return inspectDataset(spec);
    }
};

nlohmann::json statsJson(const SplitStats& s)
{
    return {{"samples", s.samples},
            {"class_counts", s.class_counts},
            {"events", s.events},
            {"duration_s", {{"min", s.min_duration_s}, {"mean", s.mean_duration_s}, {"max", s.max_duration_s}}},
            {"unlabelled", s.unlabelled},
            {"events_per_second", s.events_per_second},
            {"mean_steps", s.mean_steps}};
}

} // namespace

Runner addDataset(CLI::App& app)
{
    app.require_subcommand(1);
    struct Options {
        std::string path, split, out;
        std::size_t index = 0;
        bool json = false;
        BinningOptions binning;
    };
    auto o = std::make_shared<Options>();
    auto* info = app.add_subcommand("info", "kind, samples per split, classes with counts, sensor, durations, events/s");
    info->add_option("PATH", o->path, "a dataset folder, or one file of a dataset (its samples are the split \"all\")")
        ->required();
    info->add_flag("--json", o->json, "one JSON object");
    o->binning.add(*info);
    auto* frames = app.add_subcommand("frames", "write the binned frames of one sample (PGM images + CSV)");
    frames->add_option("PATH", o->path, "a dataset folder, or one file of a dataset")->required();
    frames->add_option("--index", o->index, "sample index in the split")->required();
    frames->add_option("--split", o->split, "train or test for a folder (default test); all for one file (the default)")
        ->check(CLI::IsMember({"train", "test", "all"}));
    frames->add_option("--out", o->out, "output folder (frames.csv, frame_NNNN.pgm)")->required();
    o->binning.add(*frames);
    auto* make = app.add_subcommand("make", "write a synthetic dataset in a real format (no download)");
    make->require_subcommand(1);
    struct MakeOptions {
        std::string out;
        std::uint64_t seed = 1;
        SyntheticGestureParams gesture;
        SyntheticDigitsParams digits;
    };
    auto m = std::make_shared<MakeOptions>();
    auto* gesture = make->add_subcommand(
        "gesture", "11 classes of moving shapes as DVS128 Gesture: userNN_*.aedat (AEDAT 3.1), labels CSV, trials lists");
    gesture->add_option("--out", m->out, "output folder")->required();
    gesture->add_option("--seed", m->seed, "random seed");
    gesture->add_option("--users", m->gesture.users, "recordings (users)");
    gesture->add_option("--test-users", m->gesture.test_users, "last users that form the test split");
    gesture->add_option("--trials-per-class", m->gesture.trials_per_class, "trials of each class per user");
    gesture->add_option("--trial-us", m->gesture.trial_us, "duration of one trial (us)");
    auto* digits = make->add_subcommand(
        "digits", "spoken digits (English 0-9, German 0-9) by espeak-ng through a 700-channel cochlea filter bank, "
                  "as SHD: shd_train.h5, shd_test.h5");
    digits->add_option("--out", m->out, "output folder")->required();
    digits->add_option("--seed", m->seed, "random seed");
    digits->add_option("--per-class", m->digits.utterances_per_class, "utterances per class (train + test)");
    auto pattern = std::make_shared<PatternSetParams>();
    auto* nmnist = make->add_subcommand("nmnist", "class-pattern events in the N-MNIST format, sized like N-MNIST "
                                                  "(60,000 / 10,000 files of ~4,300 events): for benchmarks");
    auto* shd = make->add_subcommand("shd", "class-pattern spikes in the SHD HDF5 layout (20 classes, 700 channels)");
    for (auto* sub : {nmnist, shd}) {
        sub->add_option("--out", m->out, "output folder")->required();
        sub->add_option("--seed", pattern->seed, "random seed");
        sub->add_option("--train-per-class", pattern->train_per_class, "training samples per class");
        sub->add_option("--test-per-class", pattern->test_per_class, "test samples per class");
        sub->add_option("--events", pattern->events_per_sample, "events per sample");
        sub->add_option("--duration-us", pattern->duration_us, "duration of a sample (us)");
    }
    auto runMake = [m, gesture, nmnist, shd, pattern] {
        if (nmnist->parsed() || shd->parsed()) {
            if (nmnist->parsed())
                writePatternNmnist(m->out, *pattern);
            else
                writePatternShd(m->out, *pattern);
            std::printf("wrote %d + %d samples per class (%d events each) to %s\n", pattern->train_per_class,
                        pattern->test_per_class, pattern->events_per_sample, m->out.c_str());
            return kExitOk;
        }
        if (gesture->parsed()) {
            m->gesture.seed = m->seed;
            writeSyntheticGestures(m->out, m->gesture);
            std::printf("wrote %d recordings of 11 gesture classes (DVS128 Gesture layout) to %s\n", m->gesture.users,
                        m->out.c_str());
        } else {
            m->digits.seed = m->seed;
            writeSyntheticDigits(m->out, m->digits);
            std::printf("wrote %d utterances per class of 20 spoken digits (SHD layout) to %s\n",
                        m->digits.utterances_per_class, m->out.c_str());
        }
        return kExitOk;
    };
    return [o, info, frames, make, runMake] {
        if (make->parsed())
            return runMake();
        const DatasetPath found = detectDatasetPath(o->path);
        if (info->parsed() && found.isFile() && findRecordingFormat(found.format))
            return printRecording(o->path, o->json);
        const std::string kind = found.kind;
        const auto t0 = std::chrono::steady_clock::now();
        const auto opened = o->binning.open(o->path, kind);
        const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto* data = dynamic_cast<const EventDataset*>(opened.get());
        if (!data)
            throw ConfigError(o->path + ": not a file-backed dataset");
        const SensorSize s = data->binnedSensor();
        // One file is one split, "all" (held as Split::Train); a folder has train and test.
        const bool single = data->singleSplit();
        const std::vector<std::pair<std::string, Split>> splits =
            single ? std::vector<std::pair<std::string, Split>>{{"all", Split::Train}}
                   : std::vector<std::pair<std::string, Split>>{{"train", Split::Train}, {"test", Split::Test}};
        const bool fromCache = data->fromCache(Split::Train) && (single || data->fromCache(Split::Test));
        if (info->parsed()) {
            const auto names = data->classNames();
            if (o->json) {
                nlohmann::json j{{"kind", kind},
                                 {"load_seconds", loadSeconds},
                                 {"from_cache", fromCache},
                                 {"name", data->name()},
                                 {"classes", data->classes()},
                                 {"class_names", names},
                                 {"sensor", {data->sensor().width, data->sensor().height, data->sensor().polarities}},
                                 {"splits", nlohmann::json::array()},
                                 {"notes", data->notes()}};
                for (const auto& [name, split] : splits) {
                    j["splits"].push_back(name);
                    j[name] = statsJson(data->stats(split));
                }
                std::cout << j.dump() << std::endl;
                return kExitOk;
            }
            std::printf("%s (%s%s): sensor %dx%dx%d, %d classes; loaded in %.2f s (%s)\n", data->name().c_str(),
                        kind.c_str(), single ? ", one file" : "", data->sensor().width, data->sensor().height,
                        data->sensor().polarities, data->classes(), loadSeconds,
                        fromCache ? "from the cache" : "parsed and binned");
            for (const auto& [name, split] : splits) {
                const SplitStats& st = data->stats(split);
                std::printf("  %-5s %zu samples, %lld events, duration %.3f / %.3f / %.3f s (min/mean/max), %.0f events/s, "
                            "%.1f steps\n",
                            name.c_str(), st.samples, (long long)st.events, st.min_duration_s, st.mean_duration_s,
                            st.max_duration_s, st.events_per_second, st.mean_steps);
                std::printf("        per class:");
                for (std::size_t c = 0; c < st.class_counts.size(); ++c)
                    std::printf(" %s=%zu", c < names.size() ? names[c].c_str() : std::to_string(c).c_str(),
                                st.class_counts[c]);
                if (st.unlabelled)
                    std::printf(" unlabelled=%zu", st.unlabelled);
                std::printf("\n");
            }
            for (const auto& note : data->notes())
                std::printf("  note: %s\n", note.c_str());
            return kExitOk;
        }
        const std::string splitName = o->split.empty() ? splits.back().first : o->split;
        if (single != (splitName == "all"))
            throw ConfigError("--split " + splitName + ": " + o->path +
                              (single ? " is one file, whose only split is \"all\""
                                      : " is a dataset folder, whose splits are \"train\" and \"test\""));
        const Split split = splitName == "test" ? Split::Test : Split::Train;
        if (o->index >= data->size(split))
            throw ConfigError("--index " + std::to_string(o->index) + ": the " + splitName + " split has " +
                              std::to_string(data->size(split)) + " samples");
        const Sample& sample = data->sample(split, o->index);
        fs::create_directories(o->out);
        std::ostringstream csv;
        csv << "step,p,y,x,count\n";
        int maxCount = 1;
        for (float v : sample.values)
            maxCount = std::max(maxCount, int(v));
        for (int t = 0; t < sample.steps(); ++t) {
            std::vector<unsigned char> image(std::size_t(s.width) * s.height * s.polarities, 0);
            for (auto e = sample.step_offsets[t]; e < sample.step_offsets[t + 1]; ++e) {
                const int ch = sample.units[e];
                const int x = ch % s.width, y = (ch / s.width) % s.height, p = ch / (s.width * s.height);
                csv << t << ',' << p << ',' << y << ',' << x << ',' << sample.values[e] << '\n';
                image[std::size_t(ch)] = (unsigned char)(255 * int(sample.values[e]) / maxCount);
            }
            // One grey image per step; polarities stacked vertically.
            char name[32];
            std::snprintf(name, sizeof name, "frame_%04d.pgm", t);
            const std::string header =
                "P5\n" + std::to_string(s.width) + ' ' + std::to_string(s.height * s.polarities) + "\n255\n";
            writeFileAtomically((fs::path(o->out) / name).string(),
                                header + std::string(image.begin(), image.end()));
        }
        writeFileAtomically((fs::path(o->out) / "frames.csv").string(), csv.str());
        const auto names = data->classNames();
        const std::string label = sample.label == kUnlabelled ? std::string("unlabelled")
                                  : std::size_t(sample.label) < names.size()
                                      ? std::to_string(sample.label) + " " + names[std::size_t(sample.label)]
                                      : std::to_string(sample.label);
        std::printf("sample %zu of %s (label %s): %d steps, %zu non-zero entries -> %s\n", o->index, splitName.c_str(),
                    label.c_str(), sample.steps(), sample.nonZeros(), o->out.c_str());
        return kExitOk;
    };
}

} // namespace tp::cli
