#include "file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "core/errors.h"

namespace tp {

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string systemMessage(int error) { return std::generic_category().message(error); }

} // namespace

void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what)
{
    const std::string tmp = path + ".tmp";
    {
        File file(std::fopen(tmp.c_str(), "wb"));
        if (!file)
            throw IoError(tmp + ": cannot create " + what + ": " + systemMessage(errno));
        const bool written = size == 0 || std::fwrite(data, 1, size, file.get()) == size;
        const int writeError = errno;
        const bool closed = std::fclose(file.release()) == 0;
        if (!written || !closed) {
            const int error = written ? errno : writeError;
            std::remove(tmp.c_str());
            throw IoError(tmp + ": cannot write " + what + ": " + systemMessage(error));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw IoError(path + ": cannot replace " + what + ": " + ec.message());
    }
}

} // namespace tp
