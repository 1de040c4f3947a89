// Events as HDF5 datasets /events/{x,y,t,p} (h5_events.h), read through the isolated helper a
// hyperslab of kH5EventsPerCall events at a time.
#include "h5_events.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <hdf5.h>

#include "event_arrays.h"
#include "io/h5.h"
#include "io/h5_handle.h"
#include "io/h5_isolated.h"
#include "shd.h"

namespace tp {

namespace {

using h5::Handle;

constexpr const char* kDatasets[4] = {"/events/x", "/events/y", "/events/t", "/events/p"};

std::string dataset(int c) { return std::string("dataset ") + kDatasets[c]; }

/// "u16", "i64", "bool" (h5py's enum of int8): for the format line.
std::string typeName(hid_t type)
{
    if (H5Tget_class(type) == H5T_ENUM)
        return "bool";
    return (H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "i") + std::to_string(8 * H5Tget_size(type));
}

/// Refuses a dataset HDF5 would fail to read for want of its compression filter, naming it.
void checkFilters(const std::string& path, hid_t ds, int c)
{
    Handle plist(H5Dget_create_plist(ds));
    const int filters = plist < 0 ? 0 : H5Pget_nfilters(plist);
    for (int i = 0; i < filters; ++i) {
        unsigned flags = 0, config = 0;
        std::size_t values = 0;
        char name[80] = {};
        const H5Z_filter_t id = H5Pget_filter2(plist, unsigned(i), &flags, &values, nullptr, sizeof name, name, &config);
        if (id >= 0 && H5Zfilter_avail(id) > 0)
            continue;
        std::string shown;
        for (const char* p = name; *p && shown.size() < 60; ++p)
            shown += *p >= 0x20 && *p < 0x7f ? *p : '?';
        throw FormatError(path, dataset(c),
                          "compressed with HDF5 filter " + std::to_string(id) + (shown.empty() ? "" : " (" + shown + ")") +
                              ", which this program's HDF5 library lacks: install the filter's plugin and set "
                              "HDF5_PLUGIN_PATH (DSEC needs hdf5plugin's Blosc), or rewrite the file without it "
                              "(h5repack -f NONE)");
    }
}

/// The native integer of `size` bytes at `p`.
std::int64_t widen(const std::uint8_t* p, std::size_t size, bool sign)
{
    const auto get = [p](auto v) {
        std::memcpy(&v, p, sizeof v);
        return std::int64_t(v);
    };
    switch (size) {
    case 1: return sign ? get(std::int8_t()) : get(std::uint8_t());
    case 2: return sign ? get(std::int16_t()) : get(std::uint16_t());
    case 4: return sign ? get(std::int32_t()) : get(std::uint32_t());
    default: return get(std::int64_t());  // an enum of 8 bytes: only 0 / 1 matter (p > 0)
    }
}

/// Values start .. start + count - 1 of the 1-D integer (or enum) dataset `ds` as int64.
std::vector<std::int64_t> readValues(const std::string& path, hid_t ds, int c, hid_t type, std::uint64_t start,
                                     std::uint64_t count)
{
    h5::noteReading(kDatasets[c]);
    std::vector<std::int64_t> values(static_cast<std::size_t>(count));
    if (count == 0)
        return values;
    const bool isEnum = H5Tget_class(type) == H5T_ENUM;
    Handle base(isEnum ? H5Tget_super(type) : H5Tcopy(type));
    const bool unsigned64 = H5Tget_sign(base) == H5T_SGN_NONE && H5Tget_size(base) == 8;
    // An enum (h5py's bool) is read as its own native type and widened here (HDF5 does not
    // convert enums to integers); any integer is converted by HDF5 (uint64 as is, checked below).
    Handle memType(isEnum ? H5Tget_native_type(type, H5T_DIR_ASCEND) : H5Tcopy(unsigned64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64));
    Handle fileSpace(H5Dget_space(ds));
    const hsize_t offset[1] = {start}, length[1] = {count};
    Handle memSpace(H5Screate_simple(1, length, nullptr));
    const std::size_t size = memType < 0 ? 0 : H5Tget_size(memType);
    std::vector<std::uint8_t> raw(isEnum ? std::size_t(count) * size : 0);  // native enum values
    if (memType < 0 || fileSpace < 0 || memSpace < 0 ||
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, offset, nullptr, length, nullptr) < 0 ||
        H5Dread(ds, memType, memSpace, fileSpace, H5P_DEFAULT, isEnum ? static_cast<void*>(raw.data()) : values.data()) < 0)
        throw FormatError(path, dataset(c), "cannot read events " + std::to_string(start) + ".." +
                                                std::to_string(start + count - 1) + " (corrupt data)");
    if (isEnum) {
        const bool sign = H5Tget_sign(base) != H5T_SGN_NONE;
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = widen(&raw[i * size], size, sign);
    } else if (unsigned64) {
        for (std::size_t i = 0; i < values.size(); ++i)
            if (values[i] < 0)  // the uint64 bits above int64
                throw FormatError(path, dataset(c),
                                  "event " + std::to_string(start + i) + ": " + kEventColumnNames[std::size_t(c)] + " = " +
                                      std::to_string(std::uint64_t(values[i])) + " does not fit a signed 64-bit integer");
    }
    return values;
}

/// The helper's side: checks the four datasets and answers the range the argument names.
void readPartHere(const std::string& path, const std::string& argument, h5::ByteSink& out)
{
    unsigned long long start = 0, want = 0;
    if (std::sscanf(argument.c_str(), "%llu %llu", &start, &want) != 2)
        throw IoError("cannot read " + path + ": the events reader was asked for \"" + argument + "\"");
    const h5::File f = h5::File::openRead(path);  // in the helper: HDF5 on the file itself
    if (!f.exists("events"))
        throw FormatError(path, "group /events",
                          f.exists("spikes") ? "missing: this HDF5 file has /spikes, an SHD / SSC file (dataset.kind shd or ssc)"
                                             : "missing: an event recording in HDF5 has datasets /events/x, /events/y, "
                                               "/events/t and /events/p");
    const auto open = [&](int c) {
        h5::noteReading(kDatasets[c]);
        if (!f.exists(kDatasets[c]))
            throw FormatError(path, dataset(c), "missing (expected /events/x, /events/y, /events/t and /events/p)");
        const hid_t id = H5Dopen2(f.handle(), kDatasets[c], H5P_DEFAULT);
        if (id < 0)
            throw FormatError(path, dataset(c), "cannot open (not a dataset?)");
        return id;
    };
    const Handle ds[4] = {Handle(open(0)), Handle(open(1)), Handle(open(2)), Handle(open(3))};
    std::uint64_t n = 0;
    std::vector<std::string> types;
    for (int c = 0; c < 4; ++c) {
        Handle type(H5Dget_type(ds[c]));
        const H5T_class_t cls = H5Tget_class(type);
        bool integer = cls == H5T_INTEGER;
        if (cls == H5T_ENUM && c == 3) {
            Handle base(H5Tget_super(type));
            integer = H5Tget_class(base) == H5T_INTEGER;
        }
        if (!integer)
            throw FormatError(path, dataset(c), "not of an integer type: x, y and t must be integers (t in microseconds), "
                                                "p an integer or bool");
        Handle space(H5Dget_space(ds[c]));
        if (H5Sget_simple_extent_ndims(space) != 1)
            throw FormatError(path, dataset(c), "not one-dimensional (one value per event)");
        hsize_t length = 0;
        H5Sget_simple_extent_dims(space, &length, nullptr);
        if (double(length) * double(H5Tget_size(type)) > h5::holdableBytes(double(h5::fileSizeOf(ds[c]))))
            throw FormatError(path, dataset(c), "claims " + std::to_string(length) + " values, more than the file can hold (corrupt)");
        if (c > 0 && length != n)
            throw FormatError(path, dataset(c), std::to_string(length) + " values, but /events/x has " + std::to_string(n) +
                                                    ": x, y, t, p must be equally long");
        n = length;
        checkFilters(path, ds[c], c);
        types.push_back(typeName(type));
    }
    if (start > n)
        throw IoError("cannot read " + path + ": the events reader was asked for event " + std::to_string(start) +
                      " of " + std::to_string(n));
    const std::uint64_t count = std::min<std::uint64_t>(want, n - start);
    out.u64(n);
    out.u64(count);
    out.strings(types);
    for (int c = 0; c < 3; ++c) {
        Handle type(H5Dget_type(ds[c]));
        out.vec(readValues(path, ds[c], c, type, start, count));
    }
    Handle type(H5Dget_type(ds[3]));
    const std::vector<std::int64_t> p = readValues(path, ds[3], 3, type, start, count);
    std::vector<std::uint8_t> on(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
        on[i] = p[i] > 0;
    out.vec(on);
}

bool detectH5Events(const PathProbe& probe)
{
    // The first bytes of an HDF5 file do not tell its layout: SHD / SSC keep their published names.
    return probe.startsWith("\x89HDF\r\n\x1a\n") && (nameEndsWith(probe.name, ".h5") || nameEndsWith(probe.name, ".hdf5")) &&
           !isShdFileName(probe.name);
}

RecordingHeader readH5Events(const std::string& file, const EventSink& sink)
{
    EventChunker out(sink);
    RecordingHeader header;
    std::uint64_t total = 0;
    // The answer: two counts, four short type names, 25 bytes per event and the vectors' counts.
    const std::uint64_t maxAnswer = 1024 + 25 * kH5EventsPerCall;
    for (std::uint64_t start = 0;;) {
        const std::string bytes = h5::readIsolated(file, kH5EventsReader, maxAnswer,
                                                   std::to_string(start) + " " + std::to_string(kH5EventsPerCall));
        h5::ByteSource in(bytes, file);
        const std::uint64_t n = in.u64(), count = in.u64();
        const std::vector<std::string> types = in.strings();
        const auto x = in.vec<std::int64_t>(), y = in.vec<std::int64_t>(), t = in.vec<std::int64_t>();
        const auto p = in.vec<std::uint8_t>();
        if (!in.atEnd() || (start > 0 && n != total) || start > n || count != std::min(kH5EventsPerCall, n - start) ||
            types.size() != 4 || x.size() != count || y.size() != count || t.size() != count || p.size() != count)
            in.malformed();
        if (start == 0)
            header.format = "HDF5 events/x, y, t, p (" + types[0] + ", " + types[1] + ", " + types[2] + ", " + types[3] + ")";
        total = n;
        for (std::size_t i = 0; i < count; ++i) {
            const std::int64_t v[3] = {x[i], y[i], t[i]};
            if (const int c = badEventColumn(x[i], y[i], t[i]); c >= 0)
                throw FormatError(file, dataset(c), eventColumnProblem(start + i, c, v[c]));
            if (p[i] > 1)
                in.malformed();
            out.push(Event{t[i], std::int16_t(x[i]), std::int16_t(y[i]), p[i]});
        }
        start += count;
        if (start >= n)
            break;
    }
    out.flush();
    return header;
}

} // namespace

extern const h5::IsolatedReader kH5EventsReader{.name = "h5-events", .readPart = readPartHere};

extern const RecordingFormat kH5EventsRecording{
    .name = "h5-events",
    .display = "HDF5 events",
    .look_for = "a .h5 / .hdf5 file (signature \\x89HDF; not named shd* / ssc*) with datasets /events/x, /events/y, "
                "/events/t, /events/p",
    .detect = detectH5Events,
    .read = readH5Events,
};

} // namespace tp
