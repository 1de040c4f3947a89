#pragma once
/// On-disk cache of binned samples (HDF5), keyed by the identity of the source files and of
/// every transform parameter: the second run (and every later epoch) skips parsing and
/// binning. A cache file is only used when its stored identity equals the requested one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/sample.h"

namespace tp {

struct CachedSplit {
    std::vector<Sample> samples;
    std::vector<double> durations_s;     ///< per sample, for statistics
    std::vector<std::int64_t> events;    ///< per sample, raw event count
    std::vector<std::int32_t> group, member;  ///< per sample: source group and index in it
};

/// Identity text of a list of source files: their count and a hash over path, size and
/// modification time of each (a changed, added or removed file changes it).
std::string sourceIdentity(const std::vector<std::string>& files);

/// File name `<dir>/<prefix>-<64-bit hash of identity>.h5`.
std::string cachePath(const std::string& dir, const std::string& prefix, const std::string& identity);

/// The cached split, or nothing when the file is missing, unreadable or of another identity.
std::optional<CachedSplit> loadCachedSplit(const std::string& file, const std::string& identity);

/// Write atomically (creating `dir`); failures to write a cache are not fatal: returns false.
bool saveCachedSplit(const std::string& file, const std::string& identity, const CachedSplit& split);

/// Default cache folder: $TRACEPROP_CACHE, else $XDG_CACHE_HOME/traceprop, else ~/.cache/traceprop.
std::string defaultCacheDir();

} // namespace tp
