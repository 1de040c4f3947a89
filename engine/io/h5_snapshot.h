#pragma once
/// Everything an h5::File reader can ask of a file, read in an isolated child (h5_isolated.h):
/// every dataset reachable by hard links and every root attribute, as int64, double or strings,
/// or the error reading it gave. h5::File::openRead is backed by one, so the readers of
/// checkpoints, results, caches, golden and speaker files never let HDF5 touch an untrusted file
/// in their own process. Internal to engine/io.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tp::h5 {

/// One dataset or attribute as read in the child.
struct SnapshotItem {
    enum class Kind : std::uint8_t { Ints, Doubles, Strings, Other, Error };
    Kind kind = Kind::Error;
    std::string text;  ///< Other: the HDF5 type class in words; Error: the whole error message
    std::vector<std::size_t> dims;  ///< numbers: dimensions (slowest first)
    std::vector<std::int64_t> ints;
    std::vector<double> doubles;
    std::vector<std::string> strings;
};

struct Snapshot {
    std::set<std::string> groups;                     ///< "a", "a/b" (no leading slash)
    std::map<std::string, SnapshotItem> datasets;     ///< "a/b/c"
    std::map<std::string, SnapshotItem> attributes;   ///< root attributes by name
};

/// Reads `path` whole in an isolated child. Errors as h5::readIsolated (and File::openRead:
/// IoError when missing, FormatError when not HDF5).
Snapshot takeSnapshot(const std::string& path);

struct IsolatedReader;
/// The helper's reader behind takeSnapshot (app/h5read/).
extern const IsolatedReader kSnapshotReader;

} // namespace tp::h5
