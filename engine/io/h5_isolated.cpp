#include "io/h5_isolated.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.h"

extern char** environ;

namespace tp::h5 {

namespace {

// The helper's end of the pipe to its caller (set only in the helper).
constexpr int kAnswerFd = 3;
int g_childFd = -1;
constexpr const char* kHelperName = "traceprop-h5read";

// Frames of the child's answer: one tag byte, a u64 length, the payload.
constexpr char kProgress = 'P', kResult = 'R', kError = 'E';
// Kinds of a kError payload's first byte.
enum : std::uint8_t { kOther = 0, kConfig = 1, kFormat = 2, kIo = 3 };

bool writeAll(int fd, const char* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

void writeFrame(int fd, char tag, const std::string& payload)
{
    std::string frame(1, tag);
    const std::uint64_t n = payload.size();
    frame.append(reinterpret_cast<const char*>(&n), sizeof n);
    frame += payload;
    if (!writeAll(fd, frame.data(), frame.size()))
        ::_exit(3);
}

/// Caps the child's address space at what it has now plus `budget` bytes (what it already maps,
/// e.g. a sanitizer's shadow memory, stays usable): corrupt sizes can make HDF5 allocate without
/// end, gigabytes per second, long before any time limit.
void limitMemory(std::uint64_t budget)
{
    std::uint64_t pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long vm = 0;
        if (std::fscanf(f, "%llu", &vm) == 1)
            pages = vm;
        std::fclose(f);
    }
    if (pages == 0)
        return;
    const std::uint64_t now = pages * std::uint64_t(::sysconf(_SC_PAGESIZE));
    const rlimit cap{rlim_t(now + budget), rlim_t(now + budget)};
    ::setrlimit(RLIMIT_AS, &cap);
}

/// The helper's work once its command line is checked: limits, then the reader, then the answer.
/// Runs `reader` on `file` (a readPart reader with `argument`).
void runHere(const IsolatedReader& reader, const std::string& file, const std::string& argument, ByteSink& sink)
{
    if (reader.readPart)
        reader.readPart(file, argument, sink);
    else
        reader.read(file, sink);
}

[[noreturn]] void runReader(const IsolatedReader& reader, const std::string& file, const std::string& argument,
                            std::uint64_t memoryBudget)
{
    g_childFd = kAnswerFd;
    // A crash ends the helper plainly: no sanitizer's handler turns HDF5's expected crash on a
    // hostile file into a report (the caller reports the file).
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS})
        ::signal(sig, SIG_DFL);
    limitMemory(memoryBudget);
    // A crash here is expected on hostile files: no core file, and no glibc message on the
    // terminal (glibc writes its "free(): invalid pointer" to /dev/tty unless told not to).
    const rlimit noCore{0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);
    ::setenv("LIBC_FATAL_STDERR_", "1", 1);
    std::uint8_t kind = kOther;
    std::string message;
    try {
        ByteSink sink;
        runHere(reader, file, argument, sink);
        writeFrame(g_childFd, kResult, sink.bytes());
        ::_exit(0);
    } catch (const ConfigError& e) {
        kind = kConfig;
        message = e.what();
    } catch (const FormatError& e) {
        kind = kFormat;
        message = e.what();
    } catch (const IoError& e) {
        kind = kIo;
        message = e.what();
    } catch (const std::exception& e) {
        message = e.what();
    } catch (...) {
        message = "a non-standard exception";
    }
    writeFrame(g_childFd, kError, std::string(1, char(kind)) + message);
    ::_exit(0);
}

/// Where the helper is: $TRACEPROP_HDF5_HELPER, else beside the running program (an installed or
/// copied set of programs), else where this build put it.
std::string helperPath()
{
    if (const char* env = std::getenv("TRACEPROP_HDF5_HELPER"); env && *env)
        return env;
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const std::filesystem::path sibling = self.parent_path() / kHelperName;
        if (std::filesystem::is_regular_file(sibling, ec))
            return sibling.string();
    }
#ifdef TP_H5READ_PATH
    return TP_H5READ_PATH;
#else
    return kHelperName;
#endif
}

/// Starts the helper on `file` with the answer pipe's write end on its descriptor 3, stdin and
/// stderr on /dev/null (HDF5 and glibc messages about a hostile file are not the user's to
/// read), every signal at its default. Returns its pid; throws IoError when it cannot start.
pid_t startHelper(const std::string& file, const IsolatedReader& reader, const std::string& argument, int writeFd,
                  std::uint64_t memoryBudget)
{
    const std::string helper = helperPath();
    const std::string budget = std::to_string(memoryBudget);
    const char* argv[] = {helper.c_str(), reader.name, file.c_str(), budget.c_str(),
                          reader.readPart ? argument.c_str() : nullptr, nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
    // Also when writeFd is already 3: glibc then clears its close-on-exec (POSIX.1-2024).
    ::posix_spawn_file_actions_adddup2(&actions, writeFd, kAnswerFd);
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    ::posix_spawnattr_setsigdefault(&attr, &all);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int err = ::posix_spawn(&pid, helper.c_str(), &actions, &attr, const_cast<char**>(argv), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    if (err != 0)
        throw IoError("cannot read " + file + ": cannot start the isolated HDF5 reader " + helper + " (" +
                      std::strerror(err) + "; set TRACEPROP_HDF5_HELPER to its path)");
    return pid;
}

struct ChildOutcome {
    std::string bytes;
    bool timedOut = false;
    bool tooLong = false;
    int status = 0;
};

ChildOutcome collect(pid_t pid, int fd, std::chrono::milliseconds timeout, std::uint64_t limit)
{
    ChildOutcome out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[1 << 16];
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            out.timedOut = true;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, int(std::min<long long>(left.count(), 1 << 30)));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue;  // the deadline check above ends the loop
        const ssize_t r = ready < 0 ? -1 : ::read(fd, buffer, sizeof buffer);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;  // end of the answer (or a broken pipe: the status tells)
        out.bytes.append(buffer, std::size_t(r));
        if (out.bytes.size() > limit) {
            out.tooLong = true;
            break;
        }
    }
    if (out.timedOut || out.tooLong)
        ::kill(pid, SIGKILL);
    while (::waitpid(pid, &out.status, 0) < 0 && errno == EINTR) {
    }
    return out;
}

[[noreturn]] void corrupt(const std::string& file, const std::string& object, const std::string& why)
{
    throw FormatError(file + " is corrupt (the HDF5 library failed while " +
                      (object.empty() ? std::string("opening the file") : "reading " + object) + ": " + why + ")");
}

} // namespace

std::uint64_t answerBound(const std::string& file)
{
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    return std::uint64_t(8 * holdableBytes(double(ec ? 0 : size))) + (std::uint64_t(56) << 20);
}

std::uint64_t ByteSource::count(std::size_t elementBytes)
{
    const std::uint64_t n = u64();
    if (elementBytes && n > (m_bytes.size() - m_pos) / elementBytes)
        malformed();
    return n;
}

const char* ByteSource::take(std::uint64_t n)
{
    if (n > m_bytes.size() - m_pos)
        malformed();
    const char* p = m_bytes.data() + m_pos;
    m_pos += std::size_t(n);
    return p;
}

void ByteSource::malformed() const
{
    corrupt(m_file, "", "its isolated reader's answer is malformed");
}

std::chrono::milliseconds isolationTimeout(std::uintmax_t fileBytes)
{
    if (const char* s = std::getenv("TRACEPROP_HDF5_TIMEOUT_S"); s && *s) {
        char* end = nullptr;
        const double seconds = std::strtod(s, &end);
        if (end != s && seconds > 0 && seconds < 1e7)
            return std::chrono::milliseconds(std::int64_t(seconds * 1000));
    }
    return std::chrono::milliseconds(60'000 + std::int64_t(fileBytes / 2000));
}

bool inIsolatedChild() { return g_childFd >= 0; }

void noteReading(const std::string& object)
{
    if (g_childFd >= 0)
        writeFrame(g_childFd, kProgress, object);
}

std::string readIsolated(const std::string& file, const IsolatedReader& reader, std::uint64_t maxResultBytes,
                         const std::string& argument)
{
    if (inIsolatedChild()) {  // already isolated: read here
        ByteSink sink;
        runHere(reader, file, argument, sink);
        return std::move(sink.bytes());
    }
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    const auto timeout = isolationTimeout(ec ? 0 : size);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw IoError("cannot read " + file + ": no pipe for the isolated HDF5 reader");
    pid_t pid = -1;
    try {
        // Room for HDF5's buffers, the values read and their encoded copy.
        pid = startHelper(file, reader, argument, fds[1], (std::uint64_t(256) << 20) + 4 * maxResultBytes);
    } catch (...) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw;
    }
    ::close(fds[1]);
    ChildOutcome out = collect(pid, fds[0], timeout, maxResultBytes + (std::uint64_t(1) << 20));
    ::close(fds[0]);

    // The frames the child managed to send, up to the first malformed one.
    std::string object, result, error;
    bool haveResult = false, haveError = false, broken = false;
    std::size_t pos = 0;
    while (pos < out.bytes.size()) {
        std::uint64_t n = 0;
        if (out.bytes.size() - pos < 1 + sizeof n) {
            broken = true;
            break;
        }
        const char tag = out.bytes[pos];
        std::memcpy(&n, out.bytes.data() + pos + 1, sizeof n);
        pos += 1 + sizeof n;
        if (n > out.bytes.size() - pos) {
            broken = true;
            break;
        }
        std::string payload = out.bytes.substr(pos, std::size_t(n));
        pos += std::size_t(n);
        if (tag == kProgress)
            object = std::move(payload);
        else if (tag == kResult && !haveResult && !haveError) {
            result = std::move(payload);
            haveResult = true;
        } else if (tag == kError && !haveResult && !haveError && !payload.empty()) {
            error = std::move(payload);
            haveError = true;
        } else {
            broken = true;
            break;
        }
    }
    const int seconds = int((timeout.count() + 999) / 1000);
    if (out.timedOut)
        corrupt(file, object, "no answer within " + std::to_string(seconds) + " s");
    if (out.tooLong)
        corrupt(file, object, "the answer is larger than the file can hold");
    if (WIFSIGNALED(out.status))
        corrupt(file, object, "crashed with signal " + std::to_string(WTERMSIG(out.status)) + " (" +
                                  ::strsignal(WTERMSIG(out.status)) + ")");
    if (!WIFEXITED(out.status) || WEXITSTATUS(out.status) != 0)
        corrupt(file, object, "the reader exited with status " + std::to_string(WEXITSTATUS(out.status)));
    if (broken || (!haveResult && !haveError))
        corrupt(file, object, "its answer is malformed or incomplete");
    if (haveResult)
        return result;
    const std::string message = error.substr(1);
    switch (std::uint8_t(error[0])) {
    case kConfig: throw ConfigError(message);
    case kFormat: throw FormatError(message);
    case kIo: throw IoError(message);
    default: corrupt(file, object, message);
    }
}

int isolatedReaderMain(int argc, char** argv, const IsolatedReader* const* readers, std::size_t count)
{
    char* end = nullptr;
    const unsigned long long budget = argc == 4 || argc == 5 ? std::strtoull(argv[3], &end, 10) : 0;
    if ((argc != 4 && argc != 5) || end == argv[3] || *end != '\0' || ::fcntl(kAnswerFd, F_GETFD) < 0) {
        std::fprintf(stderr, "%s: reads one HDF5 file for TraceProp Workbench's programs, which start it "
                             "(usage: %s READER FILE MEMORY_BUDGET [ARGUMENT], answer on descriptor 3)\n",
                     kHelperName, kHelperName);
        return 2;
    }
    for (std::size_t i = 0; i < count; ++i)
        if (std::strcmp(readers[i]->name, argv[1]) == 0)
            runReader(*readers[i], argv[2], argc == 5 ? argv[4] : "", budget);
    writeFrame(kAnswerFd, kError, std::string(1, char(kIo)) + "cannot read " + argv[2] + ": " + kHelperName +
                                      " has no reader \"" + argv[1] + "\" (is it from another version?)");
    return 0;
}

} // namespace tp::h5
