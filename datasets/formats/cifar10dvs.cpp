#include "cifar10dvs.h"

#include "file_bytes.h"
#include "recorded_format.h"

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

constexpr std::size_t kEventBytes = 8;
constexpr std::uint32_t kSpecialBit = 0x8000;       // bit 15: external / special event
constexpr std::uint32_t kHighBits = 0xFFFF0000;     // bits 16..31: 0 for DVS128
constexpr std::string_view kVersionTag = "#!AER-DAT";
constexpr int kMax = kDvs128Size - 1;

inline std::uint32_t bigEndian32(const std::uint8_t* b)
{
    return std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 | b[3];
}

inline void putBigEndian32(std::uint8_t* b, std::uint32_t v)
{
    b[0] = std::uint8_t(v >> 24);
    b[1] = std::uint8_t(v >> 16);
    b[2] = std::uint8_t(v >> 8);
    b[3] = std::uint8_t(v);
}

/// (x, y) from the fields a = bits 1..7 and b = bits 8..14.
template <DvsAddressConvention C>
inline void toXY(int a, int b, int& x, int& y)
{
    if constexpr (C == DvsAddressConvention::AntiDiagonalMirror) {
        x = kMax - b;
        y = kMax - a;
    } else if constexpr (C == DvsAddressConvention::Raw) {
        x = a;
        y = b;
    } else if constexpr (C == DvsAddressConvention::MirrorX) {
        x = kMax - a;
        y = b;
    } else {
        x = b;
        y = a;
    }
}

/// The inverse of toXY: fields a (bits 1..7) and b (bits 8..14) from (x, y).
inline void toFields(DvsAddressConvention c, int x, int y, int& a, int& b)
{
    switch (c) {
    case DvsAddressConvention::AntiDiagonalMirror: b = kMax - x; a = kMax - y; return;
    case DvsAddressConvention::Raw: a = x; b = y; return;
    case DvsAddressConvention::MirrorX: a = kMax - x; b = y; return;
    case DvsAddressConvention::SwappedAxes: b = x; a = y; return;
    }
    throw ConfigError("AEDAT 2.0: unknown DvsAddressConvention " + std::to_string(int(c)));
}

std::string hex32(std::uint32_t v)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", unsigned(v));
    return text;
}

template <DvsAddressConvention C>
Events decodeBody(const std::uint8_t* body, std::size_t count, std::size_t body_offset,
                  const std::string& name)
{
    Events events(count);
    Event* out = events.data();
    std::size_t kept = 0;
    const std::uint8_t* b = body;
    for (std::size_t i = 0; i < count; ++i, b += kEventBytes) {
        const std::uint32_t address = bigEndian32(b);
        if (address & kSpecialBit) [[unlikely]]
            continue;
        if (address & kHighBits) [[unlikely]]
            throw FormatError(name, std::int64_t(body_offset + i * kEventBytes),
                              "address " + hex32(address) +
                                  " has bits 16..31 set: not a DVS128 event (coordinates outside 0..127)");
        int x, y;
        toXY<C>(int(address >> 1 & 0x7F), int(address >> 8 & 0x7F), x, y);
        Event& e = out[kept++];
        e.t_us = std::int64_t(bigEndian32(b + 4));
        e.x = std::int16_t(x);
        e.y = std::int16_t(y);
        e.p = std::uint8_t(~address & 1u);  // bit0 = 0 means ON
    }
    events.resize(kept);
    return events;
}

std::string describe(std::size_t index, const Event& e)
{
    return "event " + std::to_string(index) + " (t=" + std::to_string(e.t_us) +
           " us, x=" + std::to_string(e.x) + ", y=" + std::to_string(e.y) +
           ", p=" + std::to_string(int(e.p)) + ")";
}

} // namespace

Events decodeAedat2(std::span<const std::uint8_t> bytes, DvsAddressConvention convention,
                    const std::string& name)
{
    const std::size_t size = bytes.size();
    if (size == 0)
        throw FormatError(name, 0, "empty file: no AEDAT header and no event data");

    // Header: lines starting with '#', as tonic and spikingjelly read it.
    const std::uint8_t* data = bytes.data();
    std::size_t pos = 0;
    while (pos < size && data[pos] == '#') {
        const void* nl = std::memchr(data + pos, '\n', size - pos);
        if (!nl)
            throw FormatError(name, std::int64_t(pos),
                              "header line not terminated (the file ends inside the header: no event data)");
        const std::size_t end = std::size_t(static_cast<const std::uint8_t*>(nl) - data);
        const std::string_view line(reinterpret_cast<const char*>(data + pos), end - pos);
        if (pos == 0 && line.starts_with(kVersionTag)) {
            std::string_view version = line.substr(kVersionTag.size());
            if (version.ends_with('\r'))
                version.remove_suffix(1);
            const std::string_view major = version.substr(0, version.find('.'));
            if (major != "2")
                throw FormatError(name, 0,
                                  "unsupported AEDAT version '" + std::string(version) +
                                      "' (this reader handles 2.x: 8-byte DVS128 events)");
        }
        pos = end + 1;
    }

    const std::size_t body = size - pos;
    if (body == 0)
        throw FormatError(name, std::int64_t(pos), "no event data after the header");
    if (body % kEventBytes != 0) {
        const std::size_t offset = size - body % kEventBytes;
        throw FormatError(name, std::int64_t(offset),
                          "truncated event: " + std::to_string(body) +
                              " bytes of events after the header is not a multiple of 8");
    }

    const std::size_t count = body / kEventBytes;
    switch (convention) {
    case DvsAddressConvention::AntiDiagonalMirror:
        return decodeBody<DvsAddressConvention::AntiDiagonalMirror>(data + pos, count, pos, name);
    case DvsAddressConvention::Raw:
        return decodeBody<DvsAddressConvention::Raw>(data + pos, count, pos, name);
    case DvsAddressConvention::MirrorX:
        return decodeBody<DvsAddressConvention::MirrorX>(data + pos, count, pos, name);
    case DvsAddressConvention::SwappedAxes:
        return decodeBody<DvsAddressConvention::SwappedAxes>(data + pos, count, pos, name);
    }
    throw ConfigError("AEDAT 2.0: unknown DvsAddressConvention " + std::to_string(int(convention)));
}

Events readAedat2(const std::string& path, DvsAddressConvention convention)
{
    const std::vector<std::uint8_t> bytes = readFileBytes(path, "AEDAT file", kMaxRecordingFileBytes);
    return decodeAedat2(bytes, convention, path);
}

std::vector<std::uint8_t> encodeAedat2(std::span<const Event> events, DvsAddressConvention convention)
{
    if (events.empty())
        throw ConfigError("AEDAT 2.0 cannot encode an empty recording (a file without events reads as missing data)");
    std::vector<std::uint8_t> bytes(kAedat2Header.size() + events.size() * kEventBytes);
    std::memcpy(bytes.data(), kAedat2Header.data(), kAedat2Header.size());
    std::uint8_t* b = bytes.data() + kAedat2Header.size();
    for (std::size_t i = 0; i < events.size(); ++i, b += kEventBytes) {
        const Event& e = events[i];
        const char* problem = nullptr;
        if (e.x < 0 || e.x > kMax)
            problem = "x outside 0..127";
        else if (e.y < 0 || e.y > kMax)
            problem = "y outside 0..127";
        else if (e.p > 1)
            problem = "p is not 0 or 1";
        else if (e.t_us < 0 || e.t_us > std::int64_t(UINT32_MAX))
            problem = "t outside 0..4294967295 us";
        if (problem)
            throw ConfigError("AEDAT 2.0 cannot encode " + describe(i, e) + ": " + problem);
        int a, f;
        toFields(convention, e.x, e.y, a, f);
        const std::uint32_t address = std::uint32_t(f) << 8 | std::uint32_t(a) << 1 | (e.p ? 0u : 1u);
        putBigEndian32(b, address);
        putBigEndian32(b + 4, std::uint32_t(e.t_us));
    }
    return bytes;
}

void writeAedat2(const std::string& path, std::span<const Event> events, DvsAddressConvention convention)
{
    {
        const auto bytes = encodeAedat2(events, convention);
        writeFileAtomically(path, bytes.data(), bytes.size(), "AEDAT file");
    }
}

std::vector<CifarEntry> scanCifar10Dvs(const std::string& root, bool train)
{
    std::error_code ec;
    std::string missing;
    for (const std::string_view name : kCifar10DvsClasses)
        if (!fs::is_directory(fs::path(root) / name, ec))
            missing += (missing.empty() ? "" : ", ") + std::string(name);
    if (!missing.empty())
        throw IoError(root + ": not a CIFAR10-DVS folder: missing class folder(s) " + missing +
                      " (expected root/<class>/*.aedat for airplane, automobile, bird, cat, deer, "
                      "dog, frog, horse, ship, truck)");

    std::vector<CifarEntry> entries;
    std::size_t total = 0;
    for (int label = 0; label < kCifar10DvsClassCount; ++label) {
        const fs::path folder = fs::path(root) / kCifar10DvsClasses[std::size_t(label)];
        std::vector<std::string> names;
        try {
            for (const fs::directory_entry& item : fs::directory_iterator(folder)) {
                const fs::path& p = item.path();
                if (p.extension() == ".aedat" && item.is_regular_file())
                    names.push_back(p.filename().string());
            }
        } catch (const fs::filesystem_error& e) {
            throw IoError(folder.string() + ": cannot list CIFAR10-DVS folder: " + e.what());
        }
        std::sort(names.begin(), names.end(), naturalLess);
        total += names.size();
        const std::size_t cut = cifar10DvsTrainCount(names.size());
        const std::size_t begin = train ? 0 : cut, end = train ? cut : names.size();
        for (std::size_t i = begin; i < end; ++i)
            entries.push_back({label, (folder / names[i]).string()});
    }
    if (total == 0)
        throw IoError(root + ": no .aedat files in the CIFAR10-DVS class folders");
    return entries;
}

void writeCifarTree(const std::string& root, const std::vector<std::pair<Events, int>>& samples,
                    DvsAddressConvention convention)
{
    // Validate and encode everything first, so a bad sample leaves no partial tree.
    std::vector<std::vector<std::uint8_t>> files;
    files.reserve(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& [events, label] = samples[i];
        if (label < 0 || label >= kCifar10DvsClassCount)
            throw ConfigError("CIFAR10-DVS tree: sample " + std::to_string(i) + " has label " +
                              std::to_string(label) + " outside 0..9");
        files.push_back(encodeAedat2(events, convention));
    }
    for (const std::string_view name : kCifar10DvsClasses) {
        std::error_code ec;
        fs::create_directories(fs::path(root) / name, ec);
        if (ec)
            throw IoError((fs::path(root) / name).string() + ": cannot create folder: " + ec.message());
    }
    std::array<int, kCifar10DvsClassCount> next{};
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const int label = samples[i].second;
        const std::string cls(kCifar10DvsClasses[std::size_t(label)]);
        const std::string file = "cifar10_" + cls + "_" + std::to_string(next[std::size_t(label)]++) + ".aedat";
        writeFileAtomically((fs::path(root) / cls / file).string(), files[i].data(), files[i].size(), "AEDAT file");
    }
}

} // namespace tp
