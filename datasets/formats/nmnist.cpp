#include "nmnist.h"

#include "file_bytes.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "core/errors.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kEventBytes = 5;
constexpr int kClasses = 10;
constexpr int kMaxFilesPerSplit = 99999;  // 5-digit names keep the lexicographic order numeric

std::string describe(std::size_t index, const Event& e)
{
    return "event " + std::to_string(index) + " (t=" + std::to_string(e.t_us) +
           " us, x=" + std::to_string(e.x) + ", y=" + std::to_string(e.y) +
           ", p=" + std::to_string(int(e.p)) + ")";
}

std::string splitName(bool train)
{
    return train ? "Train" : "Test";
}

} // namespace

Events readNmnistFile(const std::string& path)
{
    const std::vector<std::uint8_t> bytes = readFileBytes(path, "N-MNIST file", kMaxNmnistFileBytes);
    const std::size_t size = bytes.size();
    if (size % kEventBytes != 0) {
        const std::size_t offset = size - size % kEventBytes;
        throw FormatError(path, std::int64_t(offset),
                          "file size " + std::to_string(size) +
                              " is not a multiple of 5 (incomplete last event)");
    }

    Events events;
    events.reserve(size / kEventBytes);
    const std::uint8_t* b = bytes.data();
    std::int64_t shift_us = 0;  // sum of the overflow markers seen so far
    std::int64_t last_us = 0;
    for (std::size_t offset = 0; offset < size; offset += kEventBytes, b += kEventBytes) {
        const unsigned x = b[0], y = b[1];
        if (y == kNmnistOverflowY) [[unlikely]] {
            shift_us += kNmnistOverflow_us;
            continue;
        }
        const std::int64_t t = (std::int64_t(b[2] & 0x7F) << 16 | std::int64_t(b[3]) << 8 | b[4]) + shift_us;
        if (x >= unsigned(kNmnistSize) || y >= unsigned(kNmnistSize)) [[unlikely]]
            throw FormatError(path, std::int64_t(offset),
                              "coordinate out of range 0..33 (x=" + std::to_string(x) +
                                  ", y=" + std::to_string(y) + ")");
        if (t < last_us) [[unlikely]]
            throw FormatError(path, std::int64_t(offset),
                              "time goes backwards (" + std::to_string(t) + " us after " +
                                  std::to_string(last_us) + " us)");
        last_us = t;
        events.push_back(Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(b[2] >> 7)});
    }
    return events;
}

std::vector<std::uint8_t> encodeNmnist(std::span<const Event> events)
{
    std::vector<std::uint8_t> bytes(events.size() * kEventBytes);
    std::uint8_t* b = bytes.data();
    std::int64_t last_us = 0;
    for (std::size_t i = 0; i < events.size(); ++i, b += kEventBytes) {
        const Event& e = events[i];
        const char* problem = nullptr;
        if (e.x < 0 || e.x >= kNmnistSize)
            problem = "x outside 0..33";
        else if (e.y < 0 || e.y >= kNmnistSize)  // also excludes the overflow marker y = 240
            problem = "y outside 0..33";
        else if (e.p > 1)
            problem = "p is not 0 or 1";
        else if (e.t_us < 0 || e.t_us > kNmnistMaxTime_us)
            problem = "t outside 0..8388607 us";
        else if (e.t_us < last_us)
            problem = "events not sorted by time";
        if (problem)
            throw ConfigError("N-MNIST cannot encode " + describe(i, e) + ": " + problem);
        last_us = e.t_us;
        const auto t = std::uint32_t(e.t_us);
        b[0] = std::uint8_t(e.x);
        b[1] = std::uint8_t(e.y);
        b[2] = std::uint8_t(e.p << 7 | (t >> 16 & 0x7F));
        b[3] = std::uint8_t(t >> 8);
        b[4] = std::uint8_t(t);
    }
    return bytes;
}

void writeNmnistFile(const std::string& path, std::span<const Event> events)
{
    const std::vector<std::uint8_t> bytes = encodeNmnist(events);
    writeFileAtomically(path, bytes.data(), bytes.size(), "N-MNIST file");
}

Events firstSaccade(std::span<const Event> events)
{
    Events kept;
    kept.reserve(events.size());
    std::copy_if(events.begin(), events.end(), std::back_inserter(kept),
                 [](const Event& e) { return e.t_us < kNmnistSaccade_us; });
    return kept;
}

std::vector<NmnistEntry> scanNmnist(const std::string& root, bool train)
{
    const fs::path split = fs::path(root) / splitName(train);
    const std::string none = split.string() + ": no N-MNIST class folders 0..9 found";
    std::error_code ec;
    if (!fs::is_directory(split, ec))
        throw IoError(none + " (the folder does not exist)");

    std::vector<NmnistEntry> entries;
    try {
        // Single-digit names sort like their digits, so walking 0..9 is the lexicographic order.
        for (int d = 0; d < kClasses; ++d) {
            const fs::path folder = split / std::to_string(d);
            if (!fs::is_directory(folder, ec))
                continue;
            std::vector<std::string> names;
            for (const fs::directory_entry& item : fs::directory_iterator(folder)) {
                const fs::path& p = item.path();
                if (p.extension() == ".bin" && item.is_regular_file())
                    names.push_back(p.filename().string());
            }
            std::sort(names.begin(), names.end());
            for (std::string& name : names)
                entries.push_back({d, (folder / name).string()});
        }
    } catch (const fs::filesystem_error& e) {
        throw IoError(split.string() + ": cannot list N-MNIST folder: " + e.what());
    }
    if (entries.empty())
        throw IoError(none + " (no .bin files in class folders)");
    return entries;
}

void writeNmnistTree(const std::string& root, const std::vector<std::pair<Events, int>>& train,
                     const std::vector<std::pair<Events, int>>& test)
{
    for (const auto* samples : {&train, &test}) {
        if (samples->size() > std::size_t(kMaxFilesPerSplit))
            throw ConfigError("N-MNIST tree: more than 99999 samples in one split");
        for (const auto& [events, label] : *samples)
            if (label < 0 || label >= kClasses)
                throw ConfigError("N-MNIST tree: label " + std::to_string(label) + " outside 0..9");
    }
    for (const bool is_train : {true, false}) {
        const fs::path split = fs::path(root) / splitName(is_train);
        for (int d = 0; d < kClasses; ++d) {
            std::error_code ec;
            fs::create_directories(split / std::to_string(d), ec);
            if (ec)
                throw IoError((split / std::to_string(d)).string() +
                              ": cannot create folder: " + ec.message());
        }
        const auto& samples = is_train ? train : test;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "%05zu.bin", i + 1);
            const auto& [events, label] = samples[i];
            writeNmnistFile((split / std::to_string(label) / name).string(), events);
        }
    }
}

} // namespace tp
