#include "io/h5.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <hdf5.h>

#include "io/atomic_file.h"
#include "io/h5_handle.h"
#include "io/h5_isolated.h"
#include "io/h5_snapshot.h"

#include "core/errors.h"
#include "core/file_read.h"

namespace tp::h5 {

namespace {


std::vector<std::size_t> extent(const std::string& file, const std::string& what, hid_t space)
{
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0)
        throw FormatError(file, what, "cannot read the dataspace");
    std::vector<hsize_t> d(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    return {d.begin(), d.end()};
}

std::size_t product(const std::vector<std::size_t>& dims)
{
    std::size_t n = 1;
    for (auto d : dims)
        n *= d;
    return n;
}

std::string typeClassName(hid_t type)
{
    switch (H5Tget_class(type)) {
    case H5T_INTEGER: return "integers";
    case H5T_FLOAT: return "floating-point numbers";
    case H5T_STRING: return "strings";
    case H5T_COMPOUND: return "a compound type";
    case H5T_VLEN: return "variable-length sequences";
    case H5T_ARRAY: return "arrays";
    case H5T_ENUM: return "an enumeration";
    case H5T_OPAQUE: return "opaque data";
    case H5T_BITFIELD: return "a bit field";
    case H5T_REFERENCE: return "references";
    default: return "an unknown type";
    }
}

std::string onlyString(std::vector<std::string> strings, const std::string& file, const std::string& what)
{
    if (strings.size() != 1)
        throw FormatError(file, what, "expected one string, found " + std::to_string(strings.size()));
    return std::move(strings[0]);
}

/// Data the file of `object` can hold (h5_isolated.h).
double holdableBytesOf(hid_t object) { return holdableBytes(double(fileSizeOf(object))); }

} // namespace

std::recursive_mutex& libraryMutex()
{
    static std::recursive_mutex m;
    return m;
}

std::vector<std::string> readStrings(std::int64_t object, const std::string& file, const std::string& what,
                                     std::size_t maxBytes)
{
    const bool isAttribute = H5Iget_type(object) == H5I_ATTR;
    Handle type(isAttribute ? H5Aget_type(object) : H5Dget_type(object));
    Handle space(isAttribute ? H5Aget_space(object) : H5Dget_space(object));
    if (type < 0 || space < 0)
        throw FormatError(file, what, "cannot read its type or dataspace");
    if (H5Tget_class(type) != H5T_STRING)
        throw FormatError(file, what, "expected strings, found " + typeClassName(type));
    const hssize_t points = H5Sget_simple_extent_npoints(space);
    if (points < 0)
        throw FormatError(file, what, "cannot read the dataspace");
    const std::size_t n = std::size_t(points);
    const bool variable = H5Tis_variable_str(type) > 0;
    const std::size_t width = variable ? sizeof(char*) : H5Tget_size(type);
    if (!variable && width > maxBytes)
        throw FormatError(file, what, "fixed-length strings of " + std::to_string(width) +
                                          " bytes, longer than the " + std::to_string(maxBytes) + "-byte limit");
    if (double(n) * double(width) > holdableBytesOf(object))
        throw FormatError(file, what, "claims " + std::to_string(n) + " strings, more than the file can hold (corrupt)");
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0)
        return out;
    // The memory type keeps the file's charset: HDF5 does not convert between ASCII and UTF-8
    // (it refuses the read), and the bytes are wanted as they are.
    Handle mem(H5Tcopy(variable ? H5T_C_S1 : hid_t(type)));
    if (variable) {
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        // (H5Dvlen_get_buf_size of HDF5 1.10 crashes on a scalar dataspace: one string is
        // bounded by the heap object that holds it.)
        if (!isAttribute && H5Sget_simple_extent_type(space) == H5S_SIMPLE) {
            hsize_t bytes = 0;
            if (H5Dvlen_get_buf_size(object, mem, space, &bytes) < 0)
                throw FormatError(file, what, "cannot read the string lengths (corrupt)");
            if (double(bytes) > holdableBytesOf(object) || double(bytes) > double(n) * double(maxBytes + 1))
                throw FormatError(file, what, "claims " + std::to_string(bytes) +
                                                  " bytes of strings (corrupt, or longer than the " +
                                                  std::to_string(maxBytes) + "-byte limit)");
        }
        std::vector<char*> text(n, nullptr);
        const herr_t rc = isAttribute ? H5Aread(object, mem, text.data())
                                      : H5Dread(object, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
        std::string problem = rc < 0 ? "cannot read the strings (corrupt data or a missing filter)" : "";
        for (std::size_t i = 0; i < n && problem.empty(); ++i) {
            if (!text[i]) {
                problem = "string " + std::to_string(i) + " is a NULL pointer, not a string";
                break;
            }
            const std::size_t len = ::strnlen(text[i], maxBytes + 1);
            if (len > maxBytes)
                problem = "string " + std::to_string(i) + " is longer than the " + std::to_string(maxBytes) +
                          "-byte limit";
            else
                out.emplace_back(text[i], len);
        }
        if (rc >= 0)
            H5Dvlen_reclaim(mem, space, H5P_DEFAULT, text.data());
        if (!problem.empty())
            throw FormatError(file, what, problem);
        return out;
    }
    const H5T_str_t pad = H5Tget_strpad(type);
    std::vector<char> buffer(n * width);
    const herr_t rc = isAttribute ? H5Aread(object, mem, buffer.data())
                                  : H5Dread(object, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
    if (rc < 0)
        throw FormatError(file, what, "cannot read the strings (corrupt data or a missing filter)");
    for (std::size_t i = 0; i < n; ++i) {
        const char* s = buffer.data() + i * width;
        std::size_t len = ::strnlen(s, width);  // NULLTERM / NULLPAD: up to the first NUL
        if (pad == H5T_STR_SPACEPAD)
            while (len > 0 && s[len - 1] == ' ')
                --len;
        out.emplace_back(s, len);
    }
    return out;
}

namespace {

// Answers of a File backed by a snapshot: the same errors and conversions as the direct reads
// (HDF5 converts integers and floats both ways, clamping to the target range).
[[noreturn]] void rethrow(const SnapshotItem& item) { throw FormatError(item.text); }

template <typename T>
std::vector<T> snapshotInts(const SnapshotItem& item, const std::string& file, const std::string& what)
{
    if (item.kind == SnapshotItem::Kind::Error)
        rethrow(item);
    const bool attribute = what.rfind("attribute ", 0) == 0;
    if (item.kind == SnapshotItem::Kind::Ints) {
        std::vector<T> out(item.ints.size());
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = T(std::clamp<std::int64_t>(item.ints[i], std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
        return out;
    }
    if (item.kind == SnapshotItem::Kind::Doubles) {
        std::vector<T> out(item.doubles.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            const double v = item.doubles[i];
            out[i] = std::isnan(v) ? T(0)
                     : v <= double(std::numeric_limits<T>::min()) ? std::numeric_limits<T>::min()
                     : v >= double(std::numeric_limits<T>::max()) ? std::numeric_limits<T>::max()
                                                                  : T(v);
        }
        return out;
    }
    throw FormatError(file, what, attribute ? "cannot convert to the expected numeric type"
                                            : "expected integers or floating-point numbers");
}

std::vector<double> snapshotDoubles(const SnapshotItem& item, const std::string& file, const std::string& what)
{
    if (item.kind == SnapshotItem::Kind::Error)
        rethrow(item);
    if (item.kind == SnapshotItem::Kind::Doubles)
        return item.doubles;
    if (item.kind == SnapshotItem::Kind::Ints)
        return {item.ints.begin(), item.ints.end()};
    const bool attribute = what.rfind("attribute ", 0) == 0;
    throw FormatError(file, what, attribute ? "cannot convert to the expected numeric type"
                                            : "expected integers or floating-point numbers");
}

std::vector<std::string> snapshotStrings(const SnapshotItem& item, const std::string& file, const std::string& what,
                                         std::size_t maxBytes)
{
    switch (item.kind) {
    case SnapshotItem::Kind::Error: rethrow(item);
    case SnapshotItem::Kind::Ints: throw FormatError(file, what, "expected strings, found integers");
    case SnapshotItem::Kind::Doubles: throw FormatError(file, what, "expected strings, found floating-point numbers");
    case SnapshotItem::Kind::Other: throw FormatError(file, what, "expected strings, found " + item.text);
    case SnapshotItem::Kind::Strings: break;
    }
    for (std::size_t i = 0; i < item.strings.size(); ++i)
        if (item.strings[i].size() > maxBytes)
            throw FormatError(file, what, "string " + std::to_string(i) + " is longer than the " +
                                              std::to_string(maxBytes) + "-byte limit");
    return item.strings;
}

} // namespace

const SnapshotItem& File::snapshotDataset(const std::string& dataset) const
{
    const auto it = m_snapshot->datasets.find(dataset);
    if (it == m_snapshot->datasets.end()) {
        if (exists(dataset))
            throw FormatError(m_path, "dataset /" + dataset, "cannot open (not a dataset?)");
        throw FormatError(m_path, "dataset /" + dataset, "missing");
    }
    return it->second;
}

const SnapshotItem& File::snapshotAttribute(const std::string& name) const
{
    const auto it = m_snapshot->attributes.find(name);
    if (it == m_snapshot->attributes.end())
        throw FormatError(m_path, "attribute " + name, "missing");
    return it->second;
}

File File::openRead(const std::string& path)
{
    if (inIsolatedChild())
        return open(path, false);
    File f(-1, path);
    f.m_snapshot = std::make_shared<const Snapshot>(takeSnapshot(path));
    return f;
}

File File::openReadWrite(const std::string& path)
{
    return open(path, true);
}

File File::openInMemory(const std::string& path)
{
    return open(path, true, true);
}

std::int64_t memoryFileAccess()
{
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_core(fapl, std::size_t(1) << 20, 0) < 0) {
        if (fapl >= 0)
            H5Pclose(fapl);
        throw IoError("HDF5 cannot set up an in-memory file");
    }
    return fapl;
}

File File::open(const std::string& path, bool write, bool inMemory)
{
    requireFile(path, "HDF5 file");  // "no such file" / "is a directory, expected a file"
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw IoError("cannot read " + path + ": not a regular file");
    if (H5Fis_hdf5(path.c_str()) <= 0)
        throw FormatError(path, 0, "not an HDF5 file (signature missing)");
    const Handle fapl(inMemory ? memoryFileAccess() : H5Pcreate(H5P_FILE_ACCESS));
    const hid_t id = H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    if (id < 0)
        throw FormatError(path, 0, "HDF5 could not open the file (truncated or corrupt)");
    return File(id, path);
}

std::string libraryVersion()
{
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

File File::create(const std::string& path)
{
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0)
        throw IoError("cannot create " + path);
    return File(id, path);
}

File File::createInMemory(const std::string& name)
{
    const Handle fapl(memoryFileAccess());
    const hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (id < 0)
        throw IoError("HDF5 cannot create " + name + " in memory");
    return File(id, name);
}

std::string fileImage(std::int64_t fileId, const std::string& name)
{
    if (H5Fflush(fileId, H5F_SCOPE_GLOBAL) < 0)
        throw IoError("HDF5 cannot complete " + name + " in memory");
    const ssize_t size = H5Fget_file_image(fileId, nullptr, 0);
    if (size <= 0)
        throw IoError("HDF5 cannot copy " + name + " from memory");
    std::string bytes(std::size_t(size), '\0');
    if (H5Fget_file_image(fileId, bytes.data(), bytes.size()) != size)
        throw IoError("HDF5 cannot copy " + name + " from memory");
    return bytes;
}

std::string File::image() { return fileImage(m_id, m_path); }

void commitImage(File& f, const std::string& path, const std::string& kept)
{
    const std::string bytes = f.image();
    f.close();
    writeFileAtomically(path, bytes, kept);
}

File::File(File&& other) noexcept
    : m_id(other.m_id), m_path(std::move(other.m_path)), m_compress(other.m_compress),
      m_snapshot(std::move(other.m_snapshot))
{
    other.m_id = -1;
}

File& File::operator=(File&& other) noexcept
{
    if (this != &other) {
        release();
        m_id = other.m_id;
        m_path = std::move(other.m_path);
        m_compress = other.m_compress;
        m_snapshot = std::move(other.m_snapshot);
        other.m_id = -1;
    }
    return *this;
}

File::~File() { release(); }

bool File::release() noexcept
{
    if (m_id < 0)
        return true;
    const bool ok = H5Fclose(m_id) >= 0;
    m_id = -1;
    return ok;
}

void File::close()
{
    m_snapshot.reset();
    if (!release())
        throw IoError("cannot write " + m_path + ": HDF5 could not close it (disk full or I/O error)");
}

bool File::exists(const std::string& object) const
{
    if (m_snapshot) {
        std::size_t slash = 0;
        while ((slash = object.find('/', slash)) != std::string::npos) {
            if (slash > 0 && !m_snapshot->groups.count(object.substr(0, slash)))
                return false;
            ++slash;
        }
        return object.empty() || m_snapshot->groups.count(object) || m_snapshot->datasets.count(object);
    }
    std::string prefix;
    std::size_t pos = 0;
    while (pos <= object.size()) {
        const std::size_t slash = object.find('/', pos);
        prefix = object.substr(0, slash == std::string::npos ? object.size() : slash);
        if (!prefix.empty() && H5Lexists(m_id, prefix.c_str(), H5P_DEFAULT) <= 0)
            return false;
        if (slash == std::string::npos)
            break;
        pos = slash + 1;
    }
    return true;
}

bool File::hasAttribute(const std::string& name) const
{
    if (m_snapshot)
        return m_snapshot->attributes.count(name) > 0;
    return H5Aexists(m_id, name.c_str()) > 0;
}

namespace {
// Links rather than objects: H5Lvisit keeps one signature across HDF5 1.10 and 1.12+.
herr_t collectDataset(hid_t group, const char* name, const H5L_info_t*, void* out)
{
    Handle obj(H5Oopen(group, name, H5P_DEFAULT));
    if (obj.id >= 0 && H5Iget_type(obj) == H5I_DATASET)
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
}
} // namespace

std::vector<std::string> File::datasets(const std::string& group) const
{
    if (!exists(group))
        throw FormatError(m_path, "group /" + group, "missing");
    if (m_snapshot) {
        if (m_snapshot->datasets.count(group))
            throw FormatError(m_path, "group /" + group, "cannot open");
        const std::string prefix = group.empty() || group == "/" ? "" : group + "/";
        std::vector<std::string> names;
        for (const auto& [name, item] : m_snapshot->datasets)
            if (name.compare(0, prefix.size(), prefix) == 0)
                names.push_back(name.substr(prefix.size()));
        return names;  // the map is sorted
    }
    Handle g(H5Gopen2(m_id, group.c_str(), H5P_DEFAULT));
    if (g.id < 0)
        throw FormatError(m_path, "group /" + group, "cannot open");
    std::vector<std::string> names;
    if (H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, collectDataset, &names) < 0)
        throw FormatError(m_path, "group /" + group, "cannot list its datasets");
    std::sort(names.begin(), names.end());
    return names;
}

namespace {
template <typename T>
std::vector<T> readAttr(const File& f, hid_t file, const std::string& name, hid_t memType)
{
    if (H5Aexists(file, name.c_str()) <= 0)
        throw FormatError(f.path(), "attribute " + name, "missing");
    Handle attr(H5Aopen(file, name.c_str(), H5P_DEFAULT));
    Handle space(H5Aget_space(attr));
    const auto n = product(extent(f.path(), "attribute " + name, space));
    std::vector<T> values(n);
    if (n && H5Aread(attr, memType, values.data()) < 0)
        throw FormatError(f.path(), "attribute " + name, "cannot convert to the expected numeric type");
    return values;
}
} // namespace

double File::attrDouble(const std::string& name) const
{
    auto v = m_snapshot ? snapshotDoubles(snapshotAttribute(name), m_path, "attribute " + name)
                        : readAttr<double>(*this, m_id, name, H5T_NATIVE_DOUBLE);
    if (v.size() != 1)
        throw FormatError(m_path, "attribute " + name, "expected a scalar");
    return v[0];
}

std::int64_t File::attrInt(const std::string& name) const
{
    auto v = m_snapshot ? snapshotInts<std::int64_t>(snapshotAttribute(name), m_path, "attribute " + name)
                        : readAttr<std::int64_t>(*this, m_id, name, H5T_NATIVE_INT64);
    if (v.size() != 1)
        throw FormatError(m_path, "attribute " + name, "expected a scalar");
    return v[0];
}

std::vector<std::int64_t> File::attrInts(const std::string& name) const
{
    if (m_snapshot)
        return snapshotInts<std::int64_t>(snapshotAttribute(name), m_path, "attribute " + name);
    return readAttr<std::int64_t>(*this, m_id, name, H5T_NATIVE_INT64);
}

std::vector<double> File::attrDoubles(const std::string& name) const
{
    if (m_snapshot)
        return snapshotDoubles(snapshotAttribute(name), m_path, "attribute " + name);
    return readAttr<double>(*this, m_id, name, H5T_NATIVE_DOUBLE);
}

std::string File::attrString(const std::string& name) const
{
    if (m_snapshot)
        return onlyString(snapshotStrings(snapshotAttribute(name), m_path, "attribute " + name, kMaxStringBytes),
                          m_path, "attribute " + name);
    if (H5Aexists(m_id, name.c_str()) <= 0)
        throw FormatError(m_path, "attribute " + name, "missing");
    Handle attr(H5Aopen(m_id, name.c_str(), H5P_DEFAULT));
    if (attr < 0)
        throw FormatError(m_path, "attribute " + name, "cannot open");
    return onlyString(h5::readStrings(attr, m_path, "attribute " + name), m_path, "attribute " + name);
}

std::int64_t File::openObject(const std::string& dataset) const
{
    if (!exists(dataset))
        throw FormatError(m_path, "dataset /" + dataset, "missing");
    const hid_t id = H5Dopen2(m_id, dataset.c_str(), H5P_DEFAULT);
    if (id < 0)
        throw FormatError(m_path, "dataset /" + dataset, "cannot open (not a dataset?)");
    return id;
}

namespace {
template <typename T>
Array<T> readData(const File& f, hid_t ds, const std::string& dataset, hid_t memType)
{
    Handle d(ds);
    Handle space(H5Dget_space(d));
    Array<T> out;
    out.dims = extent(f.path(), "dataset /" + dataset, space);
    // The dimensions come from the file: a corrupt file can claim any size, more than it holds.
    const hsize_t fileSize = fileSizeOf(d);
    // Only numbers are read here, and the file's own element type sizes HDF5's conversion
    // buffer: a corrupt type (an array or compound of any size) is refused before reading.
    Handle fileType(H5Dget_type(d));
    const H5T_class_t typeClass = H5Tget_class(fileType);
    const std::size_t fileTypeSize = H5Tget_size(fileType);
    if ((typeClass != H5T_INTEGER && typeClass != H5T_FLOAT) || fileTypeSize == 0 || fileTypeSize > 16)
        throw FormatError(f.path(), "dataset /" + dataset, "expected integers or floating-point numbers");
    double claimed = double(std::max(H5Tget_size(memType), fileTypeSize));
    for (auto dim : out.dims)
        claimed *= double(dim);  // in double: a product of corrupt dimensions may overflow size_t
    if (claimed > holdableBytes(double(fileSize)))
        throw FormatError(f.path(), "dataset /" + dataset,
                          "claims " + std::to_string(claimed / double(std::max(H5Tget_size(memType), fileTypeSize))) + " values, more than a " +
                              std::to_string(fileSize) + "-byte file can hold (corrupt dimensions)");
    out.data.resize(product(out.dims));
    if (!out.data.empty() && H5Dread(d, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()) < 0)
        throw FormatError(f.path(), "dataset /" + dataset,
                          "cannot read (corrupt data, a missing filter, or a non-numeric type)");
    return out;
}
} // namespace

Array<double> File::readDoubles(const std::string& dataset) const
{
    if (m_snapshot) {
        const SnapshotItem& item = snapshotDataset(dataset);
        return {item.dims, snapshotDoubles(item, m_path, "dataset /" + dataset)};
    }
    return readData<double>(*this, openObject(dataset), dataset, H5T_NATIVE_DOUBLE);
}

Array<std::int64_t> File::readInts(const std::string& dataset) const
{
    if (m_snapshot) {
        const SnapshotItem& item = snapshotDataset(dataset);
        return {item.dims, snapshotInts<std::int64_t>(item, m_path, "dataset /" + dataset)};
    }
    return readData<std::int64_t>(*this, openObject(dataset), dataset, H5T_NATIVE_INT64);
}

Array<std::int32_t> File::readInt32s(const std::string& dataset) const
{
    if (m_snapshot) {
        const SnapshotItem& item = snapshotDataset(dataset);
        return {item.dims, snapshotInts<std::int32_t>(item, m_path, "dataset /" + dataset)};
    }
    return readData<std::int32_t>(*this, openObject(dataset), dataset, H5T_NATIVE_INT32);
}

Array<float> File::readFloats(const std::string& dataset) const
{
    if (m_snapshot) {
        const SnapshotItem& item = snapshotDataset(dataset);
        const auto d = snapshotDoubles(item, m_path, "dataset /" + dataset);
        return {item.dims, std::vector<float>(d.begin(), d.end())};
    }
    return readData<float>(*this, openObject(dataset), dataset, H5T_NATIVE_FLOAT);
}

std::string File::readString(const std::string& dataset) const
{
    if (m_snapshot)
        return onlyString(readStrings(dataset), m_path, "dataset /" + dataset);
    Handle d(openObject(dataset));
    return onlyString(h5::readStrings(d, m_path, "dataset /" + dataset), m_path, "dataset /" + dataset);
}

std::vector<std::string> File::readStrings(const std::string& dataset, std::size_t maxBytes) const
{
    if (m_snapshot)
        return snapshotStrings(snapshotDataset(dataset), m_path, "dataset /" + dataset, maxBytes);
    Handle d(openObject(dataset));
    return h5::readStrings(d, m_path, "dataset /" + dataset, maxBytes);
}

bool File::holdsStrings(const std::string& dataset) const
{
    if (m_snapshot) {
        const SnapshotItem& item = snapshotDataset(dataset);
        if (item.kind == SnapshotItem::Kind::Error)
            rethrow(item);
        return item.kind == SnapshotItem::Kind::Strings;
    }
    Handle d(openObject(dataset));
    Handle type(H5Dget_type(d));
    if (type < 0)
        throw FormatError(m_path, "dataset /" + dataset, "cannot read its type");
    return H5Tget_class(type) == H5T_STRING;
}

void File::writeAttr(const std::string& name, double value)
{
    Handle space(H5Screate(H5S_SCALAR));
    Handle attr(H5Acreate2(m_id, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_DOUBLE, &value) < 0)
        throw IoError("cannot write attribute " + name + " to " + m_path);
}

void File::writeAttr(const std::string& name, std::int64_t value)
{
    Handle space(H5Screate(H5S_SCALAR));
    Handle attr(H5Acreate2(m_id, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_INT64, &value) < 0)
        throw IoError("cannot write attribute " + name + " to " + m_path);
}

void File::writeAttr(const std::string& name, const std::string& value)
{
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, std::max<std::size_t>(1, value.size()));
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    Handle space(H5Screate(H5S_SCALAR));
    Handle attr(H5Acreate2(m_id, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
    std::string padded = value.empty() ? std::string(1, '\0') : value;
    if (attr < 0 || H5Awrite(attr, type, padded.data()) < 0)
        throw IoError("cannot write attribute " + name + " to " + m_path);
}

std::int64_t File::ensureParent(const std::string& dataset)
{
    std::size_t pos = 0;
    while ((pos = dataset.find('/', pos)) != std::string::npos) {
        const std::string group = dataset.substr(0, pos);
        if (H5Lexists(m_id, group.c_str(), H5P_DEFAULT) <= 0) {
            Handle g(H5Gcreate2(m_id, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
            if (g < 0)
                throw IoError("cannot create group /" + group + " in " + m_path);
        }
        ++pos;
    }
    return m_id;
}

namespace {
void writeData(hid_t file, const std::string& path, const std::string& name, const std::vector<std::size_t>& dims,
               hid_t fileType, hid_t memType, const void* data, bool compress)
{
    std::vector<hsize_t> d(dims.begin(), dims.end());
    Handle space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(d.size()), d.data(), nullptr));
    Handle plist(H5Pcreate(H5P_DATASET_CREATE));
    const std::size_t n = product(dims);
    if (compress && !dims.empty() && n >= 4096) {  // large arrays: chunked + shuffle + deflate, as the golden files
        std::vector<hsize_t> chunk(d);
        std::size_t total = n;
        for (std::size_t i = 0; i < chunk.size() && total > 65536; ++i) {
            while (chunk[i] > 1 && total > 65536) {
                total /= chunk[i];
                chunk[i] = (chunk[i] + 1) / 2;
                total *= chunk[i];
            }
        }
        H5Pset_chunk(plist, int(chunk.size()), chunk.data());
        H5Pset_shuffle(plist);
        H5Pset_deflate(plist, 4);
    }
    Handle ds(H5Dcreate2(file, name.c_str(), fileType, space, H5P_DEFAULT, plist, H5P_DEFAULT));
    if (ds < 0 || H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw IoError("cannot write dataset /" + name + " to " + path);
}
} // namespace

void File::write(const std::string& dataset, const std::vector<std::size_t>& dims, const double* data, bool asFloat32)
{
    writeData(ensureParent(dataset), m_path, dataset, dims, asFloat32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE,
              H5T_NATIVE_DOUBLE, data, m_compress);
}

void File::write(const std::string& dataset, const std::vector<std::size_t>& dims, const float* data)
{
    writeData(ensureParent(dataset), m_path, dataset, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data, m_compress);
}

void File::write(const std::string& dataset, const std::vector<std::size_t>& dims, const std::int64_t* data)
{
    writeData(ensureParent(dataset), m_path, dataset, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, data, m_compress);
}

void File::write(const std::string& dataset, const std::vector<std::size_t>& dims, const std::int32_t* data)
{
    writeData(ensureParent(dataset), m_path, dataset, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, data, m_compress);
}

void File::writeString(const std::string& dataset, const std::string& text)
{
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, std::max<std::size_t>(1, text.size()));
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    std::string padded = text.empty() ? std::string(1, '\0') : text;
    writeData(ensureParent(dataset), m_path, dataset, {}, type, type, padded.data(), false);
}

void File::writeStrings(const std::string& dataset, const std::vector<std::size_t>& dims,
                        const std::vector<std::string>& strings)
{
    if (product(dims) != strings.size())
        throw std::logic_error("writeStrings: " + std::to_string(strings.size()) + " strings for dimensions of " +
                               std::to_string(product(dims)));
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    std::vector<const char*> pointers;
    for (const auto& s : strings)
        pointers.push_back(s.c_str());
    writeData(ensureParent(dataset), m_path, dataset, dims, type, type, pointers.data(), false);
}

} // namespace tp::h5
