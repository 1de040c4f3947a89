#pragma once
/// Reading untrusted HDF5 files in a separate process. HDF5 1.10 is not safe on hostile files (a
/// flipped byte can make it crash, abort or loop forever), so no check made from inside the
/// process can be enough: readIsolated starts the helper program `traceprop-h5read`
/// (app/h5read/), which runs one named reader on the file and sends back its result in our own
/// length-prefixed form over a pipe. A crash, a time-out or a malformed answer of the helper
/// becomes a FormatError "FILE is corrupt (the HDF5 library failed while reading /spikes/times:
/// ...)", naming the last object the helper announced with noteReading; a typed error the reader
/// throws there (ConfigError / FormatError / IoError) is thrown again, same type and message, in
/// the caller.
///
/// A fresh program (posix_spawn + exec), not a fork of the caller: a forked copy of a process with
/// other threads (TBB workers, Qt) inherits every lock those threads held at the fork, and an
/// allocator that is not fork-safe (ASan's in GCC 12) then deadlocks the copy in its first
/// malloc. The helper is found as $TRACEPROP_HDF5_HELPER, else beside the running program, else
/// at its build-tree path.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tp::h5 {

/// Appends values in a fixed little-endian layout (the child's side).
class ByteSink {
public:
    void u8(std::uint8_t v) { m_bytes.push_back(char(v)); }
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void i64(std::int64_t v) { raw(&v, sizeof v); }
    void f64(double v) { raw(&v, sizeof v); }
    void str(const std::string& s)
    {
        u64(s.size());
        raw(s.data(), s.size());
    }
    /// A count followed by the elements (trivially copyable T).
    template <typename T>
    void vec(const std::vector<T>& v)
    {
        u64(v.size());
        raw(v.data(), v.size() * sizeof(T));
    }
    void strings(const std::vector<std::string>& v)
    {
        u64(v.size());
        for (const auto& s : v)
            str(s);
    }
    void raw(const void* p, std::size_t n) { m_bytes.append(static_cast<const char*>(p), n); }
    std::string& bytes() { return m_bytes; }

private:
    std::string m_bytes;
};

/// Reads what a ByteSink wrote (the parent's side). Never trusts a count: every read is checked
/// against the bytes left, and a short or malformed stream throws FormatError naming `file`.
class ByteSource {
public:
    ByteSource(const std::string& bytes, std::string file) : m_bytes(bytes), m_file(std::move(file)) {}
    std::uint8_t u8() { return std::uint8_t(take(1)[0]); }
    std::uint64_t u64() { return get<std::uint64_t>(); }
    std::int64_t i64() { return get<std::int64_t>(); }
    double f64() { return get<double>(); }
    std::string str()
    {
        const std::uint64_t n = count(1);
        return std::string(take(n), n);
    }
    template <typename T>
    std::vector<T> vec()
    {
        const std::uint64_t n = count(sizeof(T));
        std::vector<T> v(n);
        if (n)
            std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
        return v;
    }
    std::vector<std::string> strings()
    {
        const std::uint64_t n = count(sizeof(std::uint64_t));
        std::vector<std::string> v;
        v.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i)
            v.push_back(str());
        return v;
    }
    /// A count of elements of at least `elementBytes` each that the bytes left can hold.
    std::uint64_t count(std::size_t elementBytes);
    bool atEnd() const { return m_pos == m_bytes.size(); }
    [[noreturn]] void malformed() const;

private:
    template <typename T>
    T get()
    {
        T v;
        std::memcpy(&v, take(sizeof v), sizeof v);
        return v;
    }
    const char* take(std::uint64_t n);
    const std::string& m_bytes;
    std::string m_file;
    std::size_t m_pos = 0;
};

/// The most data a file of `fileBytes` bytes can hold: deflate compresses at most ~1032:1, so
/// never more than ~1100x its size (plus 1 MiB). Sizes a corrupt file claims are checked with it.
inline double holdableBytes(double fileBytes) { return 1100.0 * fileBytes + double(1 << 20); }

/// The largest answer a reader of `file` can give: every byte the file can hold
/// (holdableBytes) widened to 8 in our form, plus 56 MiB for names and framing.
std::uint64_t answerBound(const std::string& file);

/// The time a child may take to read `fileBytes` bytes: $TRACEPROP_HDF5_TIMEOUT_S seconds when
/// set (> 0), else 60 s plus 1 s per 2 MB.
std::chrono::milliseconds isolationTimeout(std::uintmax_t fileBytes);

/// A reader the helper can run: `read` reads `file` with HDF5 (in the helper only) and puts its
/// result in the sink. Each is one constant beside the code it reads with (kSnapshotReader,
/// kShdReader, ...), listed in the helper's table (app/h5read/main.cpp) under its `name`.
/// A reader that reads a part of the file named by its caller (a range of rows: a long
/// recording read piece by piece) sets `readPart` instead of `read`; it gets readIsolated's
/// `argument`.
struct IsolatedReader {
    const char* name;
    void (*read)(const std::string& file, ByteSink& out) = nullptr;
    void (*readPart)(const std::string& file, const std::string& argument, ByteSink& out) = nullptr;
};

/// Runs `reader` on the file `file` (with `argument` for a readPart reader) in the helper and
/// returns what it put in the sink (in the helper itself: runs it here). The helper gets isolationTimeout(size of file) and 256 MiB +
/// 4 x `maxResultBytes` of address space beyond its start (a runaway allocation fails there); its
/// answer may hold at most `maxResultBytes` bytes. Throws the reader's ConfigError / FormatError /
/// IoError again, or FormatError "FILE is corrupt (the HDF5 library failed while reading OBJECT:
/// WHY)" when it crashed, hung, failed otherwise or answered malformed; IoError when the helper
/// cannot be started. Callable from any thread, concurrently.
std::string readIsolated(const std::string& file, const IsolatedReader& reader, std::uint64_t maxResultBytes,
                         const std::string& argument = {});

/// The helper's main: `traceprop-h5read READER FILE MEMORY_BUDGET [ARGUMENT]`, answer on file
/// descriptor 3.
/// Runs the reader of `readers` named READER; exits 0 once the answer is sent (a result or the
/// reader's error), 2 on a wrong command line (it is not meant to be run by hand).
int isolatedReaderMain(int argc, char** argv, const IsolatedReader* const* readers, std::size_t count);

/// Called by readers just before HDF5 reads `object` ("/spikes/times"): in the helper the name
/// goes to the caller at once (so a crash can be blamed on it); elsewhere a no-op.
void noteReading(const std::string& object);

/// True inside the helper (readers then read the file directly).
bool inIsolatedChild();

} // namespace tp::h5
