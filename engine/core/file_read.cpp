#include "core/file_read.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"

namespace tp {

namespace {

std::string systemMessage(int error) { return std::generic_category().message(error); }

std::string sizeText(std::size_t bytes)
{
    if (bytes >= (std::size_t(1) << 20) && bytes % (std::size_t(1) << 20) == 0)
        return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

std::string failure(const std::string& path, const char* what, const std::string& reason)
{
    return "cannot read " + path + " (" + what + "): " + reason;
}

[[noreturn]] void throwTooLarge(const std::string& path, const char* what, std::size_t max_bytes)
{
    throw FormatError(path, std::int64_t(max_bytes),
                      std::string(what) + " larger than " + sizeText(max_bytes) +
                          ", the most its format allows (not read further)");
}

struct Descriptor {
    int fd = -1;
    ~Descriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

template <typename Container>
Container readBounded(const std::string& path, const char* what, std::size_t max_bytes)
{
    requireFile(path, what);
    Descriptor file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0)
        throw IoError(failure(path, what, systemMessage(errno)));
    struct stat info {};
    if (::fstat(file.fd, &info) != 0)
        throw IoError(failure(path, what, systemMessage(errno)));
    if (S_ISDIR(info.st_mode))  // replaced by a folder since requireFile
        throw IoError(failure(path, what, "is a directory, expected a file"));
    Container bytes;
    if (S_ISREG(info.st_mode)) {
        if (std::uint64_t(info.st_size) > max_bytes)
            throwTooLarge(path, what, max_bytes);
        bytes.resize(std::size_t(info.st_size));
    }
    // Read until end of file, but never more than max_bytes + 1: a file that grows while it is
    // read, a pipe or a character device (/dev/zero never ends) stops at the bound.
    const auto readSome = [&](void* into, std::size_t n) {
        for (;;) {
            const ssize_t got = ::read(file.fd, into, n);
            if (got >= 0)
                return std::size_t(got);
            if (errno != EINTR)
                throw IoError(failure(path, what, systemMessage(errno)));
        }
    };
    std::size_t used = 0;
    for (;;) {
        if (used == bytes.size()) {  // full (or size unknown): is there more?
            char probe[4096];
            const std::size_t got = readSome(probe, sizeof probe);
            if (got == 0)
                break;
            if (used + got > max_bytes)
                throwTooLarge(path, what, max_bytes);
            bytes.resize(std::min(max_bytes, std::max(used + got, used * 2)));
            std::memcpy(bytes.data() + used, probe, got);
            used += got;
            continue;
        }
        const std::size_t got = readSome(bytes.data() + used, bytes.size() - used);
        if (got == 0)
            break;
        used += got;
    }
    bytes.resize(used);
    return bytes;
}

} // namespace

void requireFile(const std::string& path, const char* what)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int error = errno;
        throw IoError(failure(path, what, error == ENOENT ? std::string("no such file") : systemMessage(error)));
    }
    if (S_ISDIR(info.st_mode))
        throw IoError(failure(path, what, "is a directory, expected a file"));
}

std::string readFileText(const std::string& path, const char* what, std::size_t max_bytes)
{
    return readBounded<std::string>(path, what, max_bytes);
}

std::vector<std::uint8_t> readFileBytes(const std::string& path, const char* what, std::size_t max_bytes)
{
    return readBounded<std::vector<std::uint8_t>>(path, what, max_bytes);
}

} // namespace tp
