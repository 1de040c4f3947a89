#pragma once
/// Shared helpers of the libFuzzer targets (tests/fuzz/CMakeLists.txt).
///
/// Contract checked by every target: a reader given arbitrary bytes either returns or throws a
/// tp::InputError (ConfigError / FormatError / IoError). Anything else (another exception, a
/// crash, a sanitizer report, a hang, a memory blow-up) is a finding. Targets call fail() for
/// broken properties so that libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include <unistd.h>

#include "core/errors.h"

namespace tp::fuzz {

[[noreturn]] inline void fail(const std::string& what)
{
    std::fprintf(stderr, "\n==FUZZ FINDING== %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

/// Runs fn(); InputError (the documented failure) returns false, success true; any other
/// exception is a finding.
template <typename Fn>
bool expectInput(const char* what, Fn&& fn)
{
    try {
        fn();
        return true;
    } catch (const tp::InputError&) {
        return false;
    } catch (const std::exception& e) {
        fail(std::string(what) + " threw " + typeid(e).name() + " (not tp::InputError): " + e.what());
    } catch (...) {
        fail(std::string(what) + " threw a non-std exception");
    }
}

/// A fixed per-process file under /tmp that holds the current input (for path-only readers).
/// `suffix` keeps the extension a reader may look at.
inline const std::string& inputPath(const char* target, const char* suffix)
{
    static const std::string path =
        "/tmp/tp_fuzz_" + std::string(target) + "_" + std::to_string(::getpid()) + suffix;
    static const bool cleanup = [] {
        std::atexit([] { std::remove(path.c_str()); });
        return true;
    }();
    (void)cleanup;
    return path;
}

/// HDF5-backed targets read in an isolated child (engine/io/h5_isolated.h): give it a time limit
/// well under libFuzzer's -timeout=10, so a hang inside HDF5 is reported as a FormatError.
/// Call from LLVMFuzzerInitialize.
inline void limitIsolatedReaders() { ::setenv("TRACEPROP_HDF5_TIMEOUT_S", "4", 0); }

inline const std::string& writeInput(const char* target, const char* suffix, const std::uint8_t* data,
                                     std::size_t size)
{
    const std::string& path = inputPath(target, suffix);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        fail("cannot create " + path);
    if (size && std::fwrite(data, 1, size, f) != size)
        fail("cannot write " + path);
    if (std::fclose(f) != 0)
        fail("cannot close " + path);
    return path;
}

} // namespace tp::fuzz
