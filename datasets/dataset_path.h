#pragma once
/// What a dataset path is: a dataset folder of one kind (found from its layout) or one file of a
/// supported format (found from its first bytes, or its name where the format has no header).
/// Each format's detect() (format.h) decides for its own data; this file only loops over the
/// registry. Used by `dataset info|frames` and by openDataset.
#include <string>
#include <string_view>

namespace tp {

/// How a single file is stored, named by the format whose detect() recognises it ("hdf5",
/// "aedat3.1", "npy", ...): each format names its own, so a new one needs no edit here. Empty
/// for a dataset folder.
using FileType = std::string;

/// What detection looks at, read once per path and shared by every format's detect().
struct PathProbe {
    std::string path;
    bool folder = false;
    std::string name;  ///< the file name (files)
    std::string head;  ///< the file's first 64 bytes, fewer when it is shorter (files)

    bool startsWith(std::string_view magic) const { return std::string_view(head).starts_with(magic); }
    /// The folder holds a file or folder called `entry`.
    bool has(const std::string& entry) const;
    /// The folder holds a folder called `entry`.
    bool hasFolder(const std::string& entry) const;
};

/// The probe of `path`. Throws IoError for a path that does not exist, an unreadable file, or
/// something that is neither a regular file nor a folder.
PathProbe probePath(const std::string& path);

struct DatasetPath {
    std::string kind;                     ///< the DatasetFormat's kind: "nmnist", "shd", ...
    FileType format;  ///< how the file is stored; empty: a dataset folder
    bool isFile() const { return !format.empty(); }
};

/// Every layout and file format detectDatasetPath knows, one indented line per format (formats
/// of one family share a line: "SHD / SSC"), each with what it looks for (for error messages).
std::string datasetFormatsTried();

/// The dataset at `path`: the first registered format (datasetFormats()) whose detect() accepts
/// it. No reader is run here, so a file is handed to exactly one reader (whose errors are the
/// file's errors). Throws IoError for a path that does not exist, and otherwise one saying what
/// was found (a gzip or zip archive to unpack, an AEDAT version no format reads, the first bytes)
/// and listing datasetFormatsTried().
DatasetPath detectDatasetPath(const std::string& path);

} // namespace tp
