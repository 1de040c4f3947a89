// PathProbe (dataset_path.h): what detection looks at, apart from the registry, so that readers
// detecting files (recordings/recording.cpp) need no dataset format list.
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "dataset_path.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// The first bytes of a file (fewer when it is shorter); IoError when it cannot be read.
std::string head(const std::string& path, std::size_t n)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError("cannot read " + path + ": permission denied or unreadable");
    std::string bytes(n, '\0');
    in.read(bytes.data(), std::streamsize(n));
    bytes.resize(std::size_t(in.gcount()));
    return bytes;
}

} // namespace

bool PathProbe::has(const std::string& entry) const
{
    std::error_code ec;
    return folder && fs::exists(fs::path(path) / entry, ec);
}

bool PathProbe::hasFolder(const std::string& entry) const
{
    std::error_code ec;
    return folder && fs::is_directory(fs::path(path) / entry, ec);
}

PathProbe probePath(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status))
        throw IoError(path + ": not a dataset: no such file or folder");
    if (fs::is_directory(status))
        return {path, true, {}, {}};
    if (!fs::is_regular_file(status))
        throw IoError(path + ": not a dataset: neither a regular file nor a folder");
    return {path, false, fs::path(path).filename().string(), head(path, 64)};
}

} // namespace tp
