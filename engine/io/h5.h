#pragma once
/// A small RAII layer over the HDF5 1.10 C API: read attributes and whole datasets with type
/// conversion by the library, write datasets and attributes, atomic file replacement.
/// Every failure throws FormatError (file + object path) or IoError; HDF5's own error stack
/// printing is switched off.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tp::h5 {

struct Snapshot;
struct SnapshotItem;

/// Longest single string readStrings accepts unless the caller says otherwise (bytes): far more
/// than any config or name, far less than a corrupt length field can claim.
inline constexpr std::size_t kMaxStringBytes = std::size_t(16) << 20;

/// Every string of the open dataset or attribute `object` (an HDF5 id, hid_t), in storage order,
/// whatever HDF5 string form it has: fixed length (NULLTERM or NULLPAD: cut at the first NUL;
/// SPACEPAD: trailing spaces stripped) or variable length, ASCII or UTF-8 charset. The bytes are
/// passed through unchanged (no charset conversion), so UTF-8 names such as "fünf" stay
/// intact whatever the charset tag says. Scalar objects give one string. Throws FormatError
/// naming `file` and `what` ("dataset /extra/keys") when the object is not of string class, a
/// variable-length element is a NULL pointer, a string is longer than `maxBytes`, the sizes claim
/// more than the file can hold, or HDF5 cannot read it. Not thread-safe (HDF5 1.10 is serial).
std::vector<std::string> readStrings(std::int64_t object, const std::string& file, const std::string& what,
                                     std::size_t maxBytes = kMaxStringBytes);

/// A dataset read whole: its dimensions (slowest first) and values converted to T.
template <typename T>
struct Array {
    std::vector<std::size_t> dims;
    std::vector<T> data;
    std::size_t size() const { return data.size(); }
};

class File {
public:
    /// Open an existing file read-only. Throws IoError if missing, FormatError if not HDF5.
    /// The file is untrusted: HDF5 reads it whole in a child process (h5_isolated.h) and the
    /// File answers from that snapshot, so a file that makes HDF5 crash or hang gives FormatError
    /// "FILE is corrupt (the HDF5 library failed while reading /OBJECT: ...)". Errors of single
    /// objects (missing, wrong type, corrupt) are thrown when they are read, as before.
    static File openRead(const std::string& path);
    /// Open an existing file to add datasets and attributes (errors as openRead).
    static File openReadWrite(const std::string& path);
    /// Create (truncate) a file for writing on disk. For files others read, prefer
    /// h5::writeAtomically (a failed or interrupted write never replaces a good file).
    static File create(const std::string& path);
    /// A new file held in memory only (HDF5's core driver): nothing touches the disk until
    /// image() is written somewhere. `name` names it in error messages.
    static File createInMemory(const std::string& name);
    /// An existing file loaded into memory to be changed there; the file on disk is not
    /// changed (errors as openRead).
    static File openInMemory(const std::string& path);
    File(File&& other) noexcept;
    File& operator=(File&& other) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File();

    const std::string& path() const { return m_path; }
    /// The HDF5 id (hid_t) of a file opened directly (for writing, or inside an isolated child);
    /// -1 for a file read through a snapshot.
    std::int64_t handle() const { return m_id; }
    bool exists(const std::string& object) const;   ///< a group or dataset at "a/b/c"
    bool hasAttribute(const std::string& name) const;  ///< root attribute
    /// Paths ("group/sub/name", relative to `group`) of every dataset below `group`, sorted.
    std::vector<std::string> datasets(const std::string& group) const;

    double attrDouble(const std::string& name) const;
    std::int64_t attrInt(const std::string& name) const;
    std::vector<std::int64_t> attrInts(const std::string& name) const;
    std::vector<double> attrDoubles(const std::string& name) const;
    std::string attrString(const std::string& name) const;

    Array<double> readDoubles(const std::string& dataset) const;
    Array<std::int64_t> readInts(const std::string& dataset) const;
    Array<std::int32_t> readInt32s(const std::string& dataset) const;
    Array<float> readFloats(const std::string& dataset) const;
    /// The one string of a scalar (or one-element) string dataset, any HDF5 string form.
    std::string readString(const std::string& dataset) const;
    /// Every string of a string dataset (shape (N,) or scalar), any HDF5 string form; see
    /// h5::readStrings for the forms, the bound and the errors.
    std::vector<std::string> readStrings(const std::string& dataset, std::size_t maxBytes = kMaxStringBytes) const;
    /// True when the dataset holds strings (any HDF5 string form), false for any other type.
    /// FormatError when it is missing or cannot be read.
    bool holdsStrings(const std::string& dataset) const;

    void writeAttr(const std::string& name, double value);
    void writeAttr(const std::string& name, std::int64_t value);
    void writeAttr(const std::string& name, const std::string& value);
    /// Write a dataset (creating parent groups) from doubles, stored as float64 or float32.
    void write(const std::string& dataset, const std::vector<std::size_t>& dims, const double* data,
               bool asFloat32 = false);
    void write(const std::string& dataset, const std::vector<std::size_t>& dims, const float* data);
    void write(const std::string& dataset, const std::vector<std::size_t>& dims, const std::int64_t* data);
    void write(const std::string& dataset, const std::vector<std::size_t>& dims, const std::int32_t* data);
    void writeString(const std::string& dataset, const std::string& text);
    /// Write variable-length UTF-8 strings (what h5py writes for Python str): `dims` empty for a
    /// scalar (one string), else their product = strings.size().
    void writeStrings(const std::string& dataset, const std::vector<std::size_t>& dims,
                      const std::vector<std::string>& strings);
    /// The bytes of a complete HDF5 file holding everything written so far (a file of
    /// createInMemory/openInMemory). Throws IoError if HDF5 cannot flush or copy it.
    std::string image();
    /// Close the file. Throws IoError when HDF5 reports a failure (data not written); the
    /// handle is released either way.
    void close();
    /// Large datasets written after this call are chunked + shuffle + deflate (the default) or
    /// stored plain (faster to write and read, e.g. for caches).
    void setCompression(bool on) { m_compress = on; }

private:
    File(std::int64_t id, std::string path) : m_id(id), m_path(std::move(path)) {}
    static File open(const std::string& path, bool write, bool inMemory = false);
    bool release() noexcept;  ///< close; false when HDF5 reported a failure
    std::int64_t openObject(const std::string& dataset) const;
    const SnapshotItem& snapshotDataset(const std::string& dataset) const;
    const SnapshotItem& snapshotAttribute(const std::string& name) const;
    std::int64_t ensureParent(const std::string& dataset);
    std::int64_t m_id = -1;
    std::string m_path;
    bool m_compress = true;
    std::shared_ptr<const Snapshot> m_snapshot;  ///< set: read-only, answers from the snapshot
};

/// The one lock around HDF5 calls of this process (HDF5 1.10 is serial): writers hold it while
/// they write (writeAtomically does). Isolated reads (h5_isolated.h) run HDF5 in another process
/// and need no lock. Recursive.
std::recursive_mutex& libraryMutex();
/// The bytes of the complete HDF5 file `fileId` (an hid_t of a file created with
/// memoryFileAccess(); flushed first). Throws IoError naming `name` when HDF5 cannot.
std::string fileImage(std::int64_t fileId, const std::string& name);
/// A new file access property list (hid_t, the caller closes it) for files held in memory only
/// (HDF5's core driver, no backing file): build there, then write fileImage() atomically.
std::int64_t memoryFileAccess();

/// The HDF5 library version this program runs with, e.g. "1.10.8".
std::string libraryVersion();

/// Build an HDF5 file in memory through `fill`, then replace `path` with it through
/// writeFileAtomically (PATH.tmp, every write checked, fsync, rename): readers never see a
/// half-written file, and any failure (a full disk included) leaves the previous file untouched
/// and throws IoError naming `path` and `kept` (what survives; empty: the previous file).
/// HDF5 itself never writes to the disk here, so a failed write cannot leave an HDF5 file
/// half-closed.
template <typename Fn>
void writeAtomically(const std::string& path, Fn&& fill, const std::string& kept = {});
/// The image of `f` (closed afterwards) written to `path` through writeFileAtomically.
void commitImage(File& f, const std::string& path, const std::string& kept);

template <typename Fn>
void writeAtomically(const std::string& path, Fn&& fill, const std::string& kept)
{
    std::lock_guard lock(libraryMutex());
    File f = File::createInMemory(path);
    fill(f);
    commitImage(f, path, kept);
}

} // namespace tp::h5
