#include "shd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <hdf5.h>

#include "io/atomic_file.h"
#include "io/h5.h"
#include "io/h5_handle.h"
#include "io/h5_isolated.h"

#include "core/errors.h"

namespace tp {

namespace {

using h5::Handle;

/// Frees the vlen buffers HDF5 allocated in a whole-dataset read (H5Dvlen_reclaim, 1.10 API).
struct VlenBuffers {
    std::vector<hvl_t> items;
    hid_t memType;
    hid_t space;
    VlenBuffers(std::size_t n, hid_t type, hid_t sp) : items(n, hvl_t{0, nullptr}), memType(type), space(sp) {}
    ~VlenBuffers()
    {
        if (!items.empty())
            H5Dvlen_reclaim(memType, space, H5P_DEFAULT, items.data());
    }
    VlenBuffers(const VlenBuffers&) = delete;
    VlenBuffers& operator=(const VlenBuffers&) = delete;
};

std::string dsName(const std::string& name) { return "dataset " + name; }

hid_t openFileRead(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw IoError("cannot read " + path + ": no such file");
    if (!std::ifstream(path, std::ios::binary))
        throw IoError("cannot read " + path + ": permission denied or unreadable");
    if (H5Fis_hdf5(path.c_str()) <= 0)
        throw FormatError(path, 0, "not an HDF5 file (signature missing)");
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0)
        throw FormatError(path, 0, "HDF5 could not open the file (truncated or corrupt)");
    return id;
}

/// True when every group on the way to `name` ("/a/b/c") and the object itself exist.
bool exists(hid_t file, const std::string& name)
{
    std::size_t pos = 1;
    while (true) {
        const std::size_t slash = name.find('/', pos);
        const std::string prefix = name.substr(0, slash);
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0)
            return false;
        if (slash == std::string::npos)
            return true;
        pos = slash + 1;
    }
}

hid_t openDataset(const std::string& path, hid_t file, const std::string& name)
{
    h5::noteReading(name);
    if (!exists(file, name))
        throw FormatError(path, dsName(name), "missing");
    const hid_t id = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
    if (id < 0)
        throw FormatError(path, dsName(name), "cannot open (not a dataset?)");
    return id;
}

/// Refuse sizes a corrupt file may claim but cannot hold (h5::holdableBytes).
void checkClaim(const std::string& path, hid_t ds, const std::string& name, double bytes)
{
    const hsize_t fileSize = h5::fileSizeOf(ds);
    if (bytes > h5::holdableBytes(double(fileSize)))
        throw FormatError(path, dsName(name),
                          "claims " + std::to_string(bytes) + " bytes of data, more than a " + std::to_string(fileSize) +
                              "-byte file can hold (corrupt)");
}

/// Number of elements of a 1-D dataset; FormatError for any other rank.
std::size_t length1d(const std::string& path, hid_t ds, const std::string& name)
{
    Handle space(H5Dget_space(ds));
    if (space < 0)
        throw FormatError(path, dsName(name), "cannot read the dataspace");
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank != 1)
        throw FormatError(path, dsName(name), "expected a 1-D dataset, found rank " + std::to_string(rank));
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space, &n, nullptr);
    checkClaim(path, ds, name, double(n) * 16.0);  // at least an hvl_t or a value per element
    return std::size_t(n);
}

/// Check that a dataset is VLEN of a numeric base; returns the base class.
H5T_class_t checkVlenNumeric(const std::string& path, hid_t ds, const std::string& name)
{
    Handle type(H5Dget_type(ds));
    if (H5Tget_class(type) != H5T_VLEN)
        throw FormatError(path, dsName(name), "expected variable-length (H5T_VLEN) elements");
    Handle base(H5Tget_super(type));
    const H5T_class_t cls = H5Tget_class(base);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        throw FormatError(path, dsName(name), "variable-length base type is not numeric");
    return cls;
}

/// A whole 1-D integer dataset converted to int32 (HDF5 converts any integer width).
std::vector<std::int32_t> readInts(const std::string& path, hid_t file, const std::string& name)
{
    Handle ds(openDataset(path, file, name));
    const std::size_t n = length1d(path, ds, name);
    Handle type(H5Dget_type(ds));
    if (H5Tget_class(type) != H5T_INTEGER)
        throw FormatError(path, dsName(name), "expected integers");
    std::vector<std::int32_t> out(n);
    if (n && H5Dread(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw FormatError(path, dsName(name), "cannot read (corrupt data or a missing filter)");
    return out;
}

/// Class names: any HDF5 string form (h5::readStrings), each at most kMaxClassNameBytes.
std::vector<std::string> readKeys(const std::string& path, hid_t file, const std::string& name)
{
    Handle ds(openDataset(path, file, name));
    length1d(path, ds, name);
    return h5::readStrings(ds, path, dsName(name), kMaxClassNameBytes);
}

std::string sampleText(std::size_t i) { return "sample " + std::to_string(i); }

/// The h5py float16 layout of section 3.3 (little endian).
hid_t makeHalfType()
{
    const hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
    return t;
}

/// IEEE binary16 bits -> double (exact).
double halfToDouble(std::uint16_t h)
{
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    double v;
    if (exponent == 0)
        v = std::ldexp(double(mantissa), -24);
    else if (exponent == 31)
        v = mantissa ? NAN : INFINITY;
    else
        v = std::ldexp(double(mantissa | 0x400), exponent - 25);
    return (h & 0x8000) ? -v : v;
}

/// Microseconds of a time in seconds, t_us = int64(trunc(s * 1e6)); FormatError when not finite.
std::int64_t toMicroseconds(const std::string& path, const std::string& name, std::size_t sample, double s)
{
    const double us = std::trunc(s * 1e6);
    if (!(std::fabs(us) < 9.2e18))
        throw FormatError(path, dsName(name),
                          sampleText(sample) + ": time " + std::to_string(s) + " s is not finite or too large");
    return std::int64_t(us);
}

/// The memory a whole-dataset vlen read would allocate, checked before reading.
void checkVlenSize(const std::string& path, hid_t ds, const std::string& name, hid_t mem, hid_t space)
{
    h5::noteReading(name);
    hsize_t bytes = 0;
    if (H5Dvlen_get_buf_size(ds, mem, space, &bytes) < 0)
        throw FormatError(path, dsName(name), "cannot read the variable-length sizes (corrupt)");
    checkClaim(path, ds, name, double(bytes));
}

/// All N hvl_t of /spikes/times in one read. A little-endian float16 base (the SHD files) is read
/// as raw bits and decoded through a table; any other numeric base is converted to double by HDF5.
void readTimes(const std::string& path, hid_t ds, const std::string& name, std::vector<Events>& samples)
{
    const std::size_t n = samples.size();
    Handle fileType(H5Dget_type(ds));
    Handle base(H5Tget_super(fileType));
    Handle half(makeHalfType());
    const bool isHalf = H5Tequal(base, half) > 0;
    std::vector<std::int64_t> table;
    if (isHalf) {
        table.resize(65536);
        for (std::size_t h = 0; h < table.size(); ++h) {
            const double us = std::trunc(halfToDouble(std::uint16_t(h)) * 1e6);
            table[h] = std::fabs(us) < 9.2e18 ? std::int64_t(us) : INT64_MIN;  // INT64_MIN: inf / NaN
        }
    }
    Handle mem(H5Tvlen_create(isHalf ? hid_t(half) : H5T_NATIVE_DOUBLE));
    Handle space(H5Dget_space(ds));
    checkVlenSize(path, ds, name, mem, space);
    VlenBuffers buf(n, mem, space);
    if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.items.data()) < 0)
        throw FormatError(path, dsName(name), "cannot read (corrupt data or a missing filter)");
    for (std::size_t i = 0; i < n; ++i) {
        Events& events = samples[i];
        events.resize(buf.items[i].len);
        if (isHalf) {
            const auto* t = static_cast<const unsigned char*>(buf.items[i].p);
            for (std::size_t k = 0; k < events.size(); ++k) {
                const std::uint16_t bits = std::uint16_t(t[2 * k] | (t[2 * k + 1] << 8));
                if (table[bits] == INT64_MIN)
                    toMicroseconds(path, name, i, halfToDouble(bits));  // throws
                events[k].t_us = table[bits];
            }
        } else {
            const auto* t = static_cast<const double*>(buf.items[i].p);
            for (std::size_t k = 0; k < events.size(); ++k)
                events[k].t_us = toMicroseconds(path, name, i, t[k]);
        }
    }
}

/// All N hvl_t of /spikes/units in one read, converted to int32 by HDF5 (uint16 read as is).
void readUnits(const std::string& path, hid_t ds, const std::string& name, std::vector<Events>& samples)
{
    const std::size_t n = samples.size();
    Handle fileType(H5Dget_type(ds));
    Handle base(H5Tget_super(fileType));
    const bool isU16 = H5Tequal(base, H5T_NATIVE_UINT16) > 0;
    Handle mem(H5Tvlen_create(isU16 ? H5T_NATIVE_UINT16 : H5T_NATIVE_INT32));
    Handle space(H5Dget_space(ds));
    checkVlenSize(path, ds, name, mem, space);
    VlenBuffers buf(n, mem, space);
    if (H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.items.data()) < 0)
        throw FormatError(path, dsName(name), "cannot read (corrupt data or a missing filter)");
    for (std::size_t i = 0; i < n; ++i) {
        Events& events = samples[i];
        if (buf.items[i].len != events.size())
            throw FormatError(path, dsName(name),
                              sampleText(i) + ": " + std::to_string(buf.items[i].len) + " units but " +
                                  std::to_string(events.size()) + " times");
        for (std::size_t k = 0; k < events.size(); ++k) {
            const std::int32_t u = isU16 ? std::int32_t(static_cast<const std::uint16_t*>(buf.items[i].p)[k])
                                         : static_cast<const std::int32_t*>(buf.items[i].p)[k];
            if (u < 0 || u >= kShdChannels)
                throw FormatError(path, dsName(name),
                                  sampleText(i) + ": unit " + std::to_string(u) + " outside 0..699");
            events[k].x = std::int16_t(u);
        }
    }
}

} // namespace

namespace {

/// readShd in this process (HDF5 on the file itself): only in an isolated child.
ShdContents readShdHere(const std::string& path)
{
    Handle file(openFileRead(path));
    const std::string timesName = "/spikes/times", unitsName = "/spikes/units";
    Handle times(openDataset(path, file, timesName));
    Handle units(openDataset(path, file, unitsName));
    checkVlenNumeric(path, times, timesName);
    checkVlenNumeric(path, units, unitsName);
    const std::size_t n = length1d(path, times, timesName);
    if (length1d(path, units, unitsName) != n)
        throw FormatError(path, dsName(unitsName),
                          std::to_string(length1d(path, units, unitsName)) + " samples, but " + timesName +
                              " has " + std::to_string(n));

    ShdContents out;
    out.samples.resize(n);
    if (n)
        readTimes(path, times, timesName, out.samples);
    if (n)
        readUnits(path, units, unitsName, out.samples);

    out.labels = readInts(path, file, "/labels");
    if (out.labels.size() != n)
        throw FormatError(path, dsName("/labels"),
                          std::to_string(out.labels.size()) + " labels for " + std::to_string(n) + " samples");
    for (std::size_t i = 0; i < n; ++i)
        if (out.labels[i] < 0)
            throw FormatError(path, dsName("/labels"),
                              sampleText(i) + ": negative label " + std::to_string(out.labels[i]));

    if (exists(file, "/extra/speaker")) {
        out.speakers = readInts(path, file, "/extra/speaker");
        if (out.speakers.size() != n)
            throw FormatError(path, dsName("/extra/speaker"),
                              std::to_string(out.speakers.size()) + " speakers for " + std::to_string(n) + " samples");
    }
    if (exists(file, "/extra/keys"))
        out.keys = readKeys(path, file, "/extra/keys");
    return out;
}

std::size_t shdSampleCountHere(const std::string& path)
{
    Handle file(openFileRead(path));
    Handle times(openDataset(path, file, "/spikes/times"));
    return length1d(path, times, "/spikes/times");
}

/// Our own form of ShdContents on the pipe: sample lengths, then all times, units, labels,
/// speakers and keys.
void encode(h5::ByteSink& out, const ShdContents& c)
{
    std::vector<std::uint64_t> lengths;
    std::vector<std::int64_t> times;
    std::vector<std::int16_t> units;
    for (const Events& s : c.samples) {
        lengths.push_back(s.size());
        for (const Event& e : s) {
            times.push_back(e.t_us);
            units.push_back(e.x);
        }
    }
    out.vec(lengths);
    out.vec(times);
    out.vec(units);
    out.vec(c.labels);
    out.vec(c.speakers);
    out.strings(c.keys);
}

/// Decodes and checks again what readShdHere promised: the answer of a child is not trusted.
ShdContents decode(const std::string& path, const std::string& bytes)
{
    h5::ByteSource in(bytes, path);
    const auto lengths = in.vec<std::uint64_t>();
    const auto times = in.vec<std::int64_t>();
    const auto units = in.vec<std::int16_t>();
    ShdContents c;
    c.labels = in.vec<std::int32_t>();
    c.speakers = in.vec<std::int32_t>();
    c.keys = in.strings();
    if (!in.atEnd() || units.size() != times.size() || c.labels.size() != lengths.size() ||
        (!c.speakers.empty() && c.speakers.size() != lengths.size()))
        in.malformed();
    c.samples.resize(lengths.size());
    std::size_t at = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        if (lengths[i] > times.size() - at || c.labels[i] < 0)
            in.malformed();
        Events& events = c.samples[i];
        events.resize(std::size_t(lengths[i]));
        for (Event& e : events) {
            if (units[at] < 0 || units[at] >= kShdChannels)
                in.malformed();
            e.t_us = times[at];
            e.x = units[at];
            ++at;
        }
    }
    if (at != times.size())
        in.malformed();
    for (const auto& k : c.keys)
        if (k.size() > kMaxClassNameBytes)
            in.malformed();
    return c;
}

} // namespace

const h5::IsolatedReader kShdReader{
    "shd", [](const std::string& path, h5::ByteSink& out) { encode(out, readShdHere(path)); }};
const h5::IsolatedReader kShdCountReader{
    "shd-count", [](const std::string& path, h5::ByteSink& out) { out.u64(shdSampleCountHere(path)); }};

bool isShdFileName(std::string_view name)
{
    return name.starts_with("shd") || name.starts_with("ssc");
}

ShdContents readShd(const std::string& path)
{
    if (h5::inIsolatedChild())
        return readShdHere(path);
    return decode(path, h5::readIsolated(path, kShdReader, h5::answerBound(path)));
}

std::size_t shdSampleCount(const std::string& path)
{
    if (h5::inIsolatedChild())
        return shdSampleCountHere(path);
    const std::string bytes = h5::readIsolated(path, kShdCountReader, 64);
    h5::ByteSource in(bytes, path);
    const std::uint64_t n = in.u64();
    if (!in.atEnd())
        in.malformed();
    return std::size_t(n);
}

namespace {

void check(bool ok, const std::string& what)
{
    if (!ok)
        throw IoError(what);
}

/// The float32 nearest t_us / 1e6 that still decodes to t_us under readShd's truncation
/// (one float step up when rounding to nearest fell just below).
float float32Seconds(std::int64_t t_us)
{
    float f = float(double(t_us) / 1e6);
    if (std::int64_t(std::trunc(double(f) * 1e6)) < t_us) {
        const float up = std::nextafter(f, INFINITY);
        if (std::int64_t(std::trunc(double(up) * 1e6)) == t_us)
            f = up;
    }
    return f;
}

void writeDataset(hid_t file, const std::string& path, const std::string& name, hid_t fileType, hid_t memType,
                  std::size_t n, const void* data)
{
    const hsize_t dims = n;
    Handle space(H5Screate_simple(1, &dims, nullptr));
    Handle ds(H5Dcreate2(file, name.c_str(), fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    check(ds >= 0, "cannot create dataset " + name + " in " + path);
    if (n)
        check(H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
              "cannot write dataset " + name + " to " + path);
}

/// One vlen dataset with value(event) per event, all samples in one contiguous buffer.
template <typename T, typename Fn>
void writeRagged(hid_t file, const std::string& path, const std::string& name, hid_t fileType, hid_t memType,
                 const ShdContents& c, Fn value)
{
    const std::size_t n = c.samples.size();
    std::size_t total = 0;
    for (const auto& s : c.samples)
        total += s.size();
    std::vector<T> values(total);
    std::vector<hvl_t> items(n);
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        items[i] = hvl_t{c.samples[i].size(), values.data() + at};
        for (const Event& e : c.samples[i])
            values[at++] = value(e);
    }
    writeDataset(file, path, name, fileType, memType, n, items.data());
}

void writeContents(hid_t file, const std::string& path, const ShdContents& c, bool halfFloatTimes)
{
    const std::size_t n = c.samples.size();
    {
        Handle g(H5Gcreate2(file, "/spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        check(g >= 0, "cannot create group /spikes in " + path);
    }
    // Times: float16 (h5py layout, section 3.3) or float32 base; HDF5 converts from memory.
    {
        Handle base(halfFloatTimes ? makeHalfType() : H5Tcopy(H5T_IEEE_F32LE));
        Handle fileType(H5Tvlen_create(base));
        if (halfFloatTimes) {
            Handle mem(H5Tvlen_create(H5T_NATIVE_DOUBLE));
            writeRagged<double>(file, path, "/spikes/times", fileType, mem, c,
                                [](const Event& e) { return double(e.t_us) / 1e6; });
        } else {
            Handle mem(H5Tvlen_create(H5T_NATIVE_FLOAT));
            writeRagged<float>(file, path, "/spikes/times", fileType, mem, c,
                               [](const Event& e) { return float32Seconds(e.t_us); });
        }
    }
    {
        Handle fileType(H5Tvlen_create(H5T_STD_U16LE));
        Handle mem(H5Tvlen_create(H5T_NATIVE_UINT16));
        writeRagged<std::uint16_t>(file, path, "/spikes/units", fileType, mem, c,
                                   [](const Event& e) { return std::uint16_t(e.x); });
    }
    writeDataset(file, path, "/labels", H5T_STD_U16LE, H5T_NATIVE_INT32, n, c.labels.data());
    if (!c.speakers.empty() || !c.keys.empty()) {
        Handle g(H5Gcreate2(file, "/extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        check(g >= 0, "cannot create group /extra in " + path);
    }
    if (!c.speakers.empty())
        writeDataset(file, path, "/extra/speaker", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c.speakers.data());
    if (!c.keys.empty()) {
        std::size_t width = 1;
        for (const auto& k : c.keys)
            width = std::max(width, k.size());
        std::vector<char> buffer(c.keys.size() * width, '\0');
        for (std::size_t i = 0; i < c.keys.size(); ++i)
            std::memcpy(buffer.data() + i * width, c.keys[i].data(), c.keys[i].size());
        Handle type(H5Tcopy(H5T_C_S1));
        H5Tset_size(type, width);
        H5Tset_strpad(type, H5T_STR_NULLPAD);
        writeDataset(file, path, "/extra/keys", type, type, c.keys.size(), buffer.data());
    }
}

void checkContents(const ShdContents& c)
{
    const std::size_t n = c.samples.size();
    if (c.labels.size() != n)
        throw std::invalid_argument("writeShd: " + std::to_string(c.labels.size()) + " labels for " +
                                    std::to_string(n) + " samples");
    if (!c.speakers.empty() && c.speakers.size() != n)
        throw std::invalid_argument("writeShd: " + std::to_string(c.speakers.size()) + " speakers for " +
                                    std::to_string(n) + " samples");
    for (std::size_t i = 0; i < n; ++i) {
        if (c.labels[i] < 0 || c.labels[i] > 65535)
            throw std::invalid_argument("writeShd: label " + std::to_string(c.labels[i]) + " of sample " +
                                        std::to_string(i) + " does not fit uint16");
        for (const Event& e : c.samples[i])
            if (e.x < 0 || e.x >= kShdChannels)
                throw std::invalid_argument("writeShd: unit " + std::to_string(e.x) + " of sample " +
                                            std::to_string(i) + " outside 0..699");
    }
}

} // namespace

void writeShd(const std::string& path, const ShdContents& contents, bool halfFloatTimes)
{
    checkContents(contents);
    // Built in memory, then written by the one atomic write: HDF5 never writes to the disk, so
    // a full disk cannot leave a half-closed HDF5 file, and a failure keeps the previous file.
    std::string image;
    {
        std::lock_guard lock(h5::libraryMutex());
        const Handle fapl(h5::memoryFileAccess());
        const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (file < 0)
            throw IoError("cannot create " + path + " in memory");
        try {
            writeContents(file, path, contents, halfFloatTimes);
            image = h5::fileImage(file, path);
        } catch (...) {
            H5Fclose(file);
            throw;
        }
        if (H5Fclose(file) < 0)
            throw IoError("cannot finish writing " + path);
    }
    writeFileAtomically(path, image);
}

} // namespace tp
