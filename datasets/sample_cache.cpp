#include "sample_cache.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/errors.h"
#include "io/h5.h"

namespace tp {

namespace fs = std::filesystem;

static std::uint64_t fnv1a(const std::string& text)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::string sourceIdentity(const std::vector<std::string>& files)
{
    std::string listing;
    listing.reserve(files.size() * 64);
    for (const auto& f : files) {
        std::error_code ec;
        const auto size = fs::file_size(f, ec);
        const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
        listing += f + '|' + std::to_string(ec ? 0 : size) + '|' + std::to_string(time) + '\n';
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fnv1a(listing));
    return std::to_string(files.size()) + " files, listing " + hex;
}

std::string cachePath(const std::string& dir, const std::string& prefix, const std::string& identity)
{
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fnv1a(identity));
    return (fs::path(dir) / (prefix + "-" + hex + ".h5")).string();
}

std::string defaultCacheDir()
{
    if (const char* d = std::getenv("TRACEPROP_CACHE"); d && *d)
        return d;
    if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d)
        return (fs::path(d) / "traceprop").string();
    if (const char* d = std::getenv("HOME"); d && *d)
        return (fs::path(d) / ".cache" / "traceprop").string();
    return (fs::temp_directory_path() / "traceprop-cache").string();
}

std::optional<CachedSplit> loadCachedSplit(const std::string& file, const std::string& identity)
{
    std::error_code ec;
    if (!fs::exists(file, ec))
        return std::nullopt;
    try {
        const h5::File f = h5::File::openRead(file);
        if (f.attrInt("cache_version") != 2 || f.readString("identity") != identity)
            return std::nullopt;
        const auto labels = f.readInt32s("labels");
        const auto channels = f.readInt32s("channels");
        const auto stepsPerSample = f.readInt32s("steps");
        const auto offsets = f.readInt32s("step_offsets");   // concatenated, per sample steps+1 values
        const auto units = f.readInt32s("units");
        const auto values = f.readFloats("values");
        const auto durations = f.readDoubles("durations_s");
        const auto events = f.readInts("events");
        const auto group = f.readInt32s("group");
        const auto member = f.readInt32s("member");
        const std::size_t n = labels.size();
        if (channels.size() != n || stepsPerSample.size() != n || durations.size() != n || events.size() != n ||
            group.size() != n || member.size() != n || units.size() != values.size())
            return std::nullopt;
        CachedSplit split;
        split.samples.resize(n);
        split.durations_s = durations.data;
        split.events = events.data;
        split.group = group.data;
        split.member = member.data;
        std::size_t off = 0, entry = 0;
        for (std::size_t i = 0; i < n; ++i) {
            Sample& s = split.samples[i];
            s.label = labels.data[i];
            s.channels = channels.data[i];
            const std::size_t steps = std::size_t(stepsPerSample.data[i]);
            if (off + steps + 1 > offsets.size())
                return std::nullopt;
            s.step_offsets.assign(offsets.data.begin() + long(off), offsets.data.begin() + long(off + steps + 1));
            off += steps + 1;
            const std::size_t nnz = std::size_t(s.step_offsets.back());
            if (entry + nnz > units.size())
                return std::nullopt;
            s.units.assign(units.data.begin() + long(entry), units.data.begin() + long(entry + nnz));
            s.values.assign(values.data.begin() + long(entry), values.data.begin() + long(entry + nnz));
            entry += nnz;
        }
        return split;
    } catch (const std::exception&) {
        return std::nullopt;  // a broken cache is rebuilt, never fatal
    }
}

bool saveCachedSplit(const std::string& file, const std::string& identity, const CachedSplit& split)
{
    try {
        fs::create_directories(fs::path(file).parent_path());
        std::vector<std::int32_t> labels, channels, steps, offsets, units;
        std::vector<float> values;
        for (const Sample& s : split.samples) {
            labels.push_back(s.label);
            channels.push_back(s.channels);
            steps.push_back(s.steps());
            offsets.insert(offsets.end(), s.step_offsets.begin(), s.step_offsets.end());
            units.insert(units.end(), s.units.begin(), s.units.end());
            values.insert(values.end(), s.values.begin(), s.values.end());
        }
        h5::writeAtomically(file, [&](h5::File& f) {
            f.setCompression(false);  // reading plain arrays is faster than parsing the sources again
            f.writeAttr("cache_version", std::int64_t(2));
            f.writeString("identity", identity);
            f.write("labels", {labels.size()}, labels.data());
            f.write("channels", {channels.size()}, channels.data());
            f.write("steps", {steps.size()}, steps.data());
            f.write("step_offsets", {offsets.size()}, offsets.data());
            f.write("units", {units.size()}, units.data());
            f.write("values", {values.size()}, values.data());
            f.write("durations_s", {split.durations_s.size()}, split.durations_s.data());
            f.write("events", {split.events.size()}, split.events.data());
            f.write("group", {split.group.size()}, split.group.data());
            f.write("member", {split.member.size()}, split.member.data());
        });
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace tp
