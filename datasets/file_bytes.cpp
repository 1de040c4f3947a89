#include "file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "core/errors.h"
#include "io/atomic_file.h"

namespace tp {

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string systemMessage(int error) { return std::generic_category().message(error); }

} // namespace

std::vector<std::uint8_t> readFileBytes(const std::string& path, const char* what)
{
    File file(std::fopen(path.c_str(), "rb"));
    if (!file)
        throw IoError(path + ": cannot open " + what + ": " + systemMessage(errno));
    if (std::fseek(file.get(), 0, SEEK_END) != 0)
        throw IoError(path + ": cannot read " + what + ": " + systemMessage(errno));
    const long size = std::ftell(file.get());
    if (size < 0 || std::fseek(file.get(), 0, SEEK_SET) != 0)
        throw IoError(path + ": cannot read " + what + ": " + systemMessage(errno));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    if (size > 0) {
        // Unbuffered: glibc would otherwise allocate a stdio buffer we never need.
        std::setvbuf(file.get(), nullptr, _IONBF, 0);
        if (std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
            throw IoError(path + ": cannot read " + what + ": " +
                          (std::ferror(file.get()) ? systemMessage(errno) : "file shrank while reading"));
    }
    return bytes;
}

void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what)
{
    (void)what;  // the engine's message names the file, which says what it is
    writeFileAtomically(path, std::string_view(static_cast<const char*>(data), size));
}

} // namespace tp
