#include "io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// A count this process may still write before the injected ENOSPC, from the environment
/// variable `name` (a whole number); negative: no limit.
long long budgetFrom(const char* name)
{
    const char* text = std::getenv(name);
    if (!text || !*text)
        return -1LL;
    char* end = nullptr;
    const long long n = std::strtoll(text, &end, 10);
    return (end && *end == '\0' && n >= 0) ? n : -1LL;
}

/// Bytes this process may still write (TP_FAIL_WRITES_AFTER_BYTES).
std::atomic<long long>& writeBudget()
{
    static std::atomic<long long> budget = budgetFrom("TP_FAIL_WRITES_AFTER_BYTES");
    return budget;
}

/// Files this process may still write (TP_FAIL_WRITES_AFTER_FILES).
std::atomic<long long>& fileBudget()
{
    static std::atomic<long long> budget = budgetFrom("TP_FAIL_WRITES_AFTER_FILES");
    return budget;
}

/// How much of `wanted` a budget allows now (all of it without a limit).
std::size_t allowance(std::atomic<long long>& budget, std::size_t wanted)
{
    long long left = budget.load();
    while (left >= 0) {
        const long long take = std::min<long long>(left, static_cast<long long>(wanted));
        if (budget.compare_exchange_weak(left, left - take))
            return static_cast<std::size_t>(take);
    }
    return wanted;
}

/// Whether writes to `path` count against that budget: all of them, or with
/// TP_FAIL_WRITES_TO=NAME only those to files named NAME (e.g. results.h5).
bool counted(const std::string& path)
{
    static const std::string only = [] {
        const char* name = std::getenv("TP_FAIL_WRITES_TO");
        return std::string(name ? name : "");
    }();
    return only.empty() || fs::path(path).filename() == only;
}

bool diskFull(int error) { return error == ENOSPC || error == EDQUOT || error == EFBIG; }

[[noreturn]] void fail(const std::string& path, const std::string& tmp, int fd, int error, const std::string& kept)
{
    if (fd >= 0)
        ::close(fd);
    ::unlink(tmp.c_str());
    const std::string rest = "; " + kept;
    if (diskFull(error))
        throw IoError("disk full while writing " + path + rest);
    throw IoError("cannot write " + path + ": " + std::generic_category().message(error) + rest);
}

/// The rename is durable only once the folder's entry is on disk. Some file systems refuse
/// fsync on a folder (EINVAL): the file itself is already synced, so that is not an error.
void syncFolder(const std::string& path)
{
    const fs::path parent = fs::path(path).parent_path();
    const int dirFd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0)
        return;
    ::fsync(dirFd);
    ::close(dirFd);
}

} // namespace

std::string keptPrevious(const std::string& path)
{
    std::error_code ec;
    return fs::exists(path, ec) ? "the previous " + fs::path(path).filename().string() + " is kept"
                                : "nothing was written";
}

void writeFileAtomically(const std::string& path, std::string_view bytes, const std::string& keptText)
{
    const std::string kept = keptText.empty() ? keptPrevious(path) : keptText;
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        fail(path, tmp, -1, errno, kept);
    if (counted(path) && allowance(fileBudget(), 1) == 0)
        fail(path, tmp, fd, ENOSPC, kept);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const std::size_t wanted = std::min<std::size_t>(bytes.size() - done, std::size_t(1) << 30);
        const std::size_t allowed = counted(path) ? allowance(writeBudget(), wanted) : wanted;
        if (allowed == 0)
            fail(path, tmp, fd, ENOSPC, kept);
        const ssize_t n = ::write(fd, bytes.data() + done, allowed);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail(path, tmp, fd, n < 0 ? errno : EIO, kept);
        done += std::size_t(n);
    }
    if (::fsync(fd) != 0)
        fail(path, tmp, fd, errno, kept);
    if (::close(fd) != 0)
        fail(path, tmp, -1, errno, kept);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        fail(path, tmp, -1, errno, kept);
    syncFolder(path);
}

} // namespace tp
