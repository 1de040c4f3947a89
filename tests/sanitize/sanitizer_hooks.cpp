// Linked into every executable of the sanitizer build (TP_SANITIZE, .ci/sanitize).
// With GCC, UBSan is its own library (libubsan) beside libasan, and libubsan's call that applies
// UBSAN_OPTIONS=log_path binds to libasan's copy of __sanitizer_set_report_path: UBSan reports
// then always go to stderr, where a test that captures a traceprop-cli child's stderr can
// swallow them. This gives libubsan's own copy the path in TP_UBSAN_LOG_PATH before main().
//
// It also sets one ASan default (ASAN_OPTIONS still overrides it): allocator_may_return_null.
// The isolated HDF5 reader (engine/io/h5_isolated.h) caps its child's address space, and a
// corrupt size in a hostile file makes HDF5 ask for gigabytes: without a sanitizer malloc then
// returns NULL and HDF5 reports the failure, which the child passes on as "corrupt". ASan's
// allocator would instead abort with an out-of-memory report; this keeps the shipped behaviour.
#include <dlfcn.h>

#include <cstdlib>

namespace {

[[gnu::constructor]] void setUbsanReportPath()
{
    const char* path = std::getenv("TP_UBSAN_LOG_PATH");
    if (!path || !*path)
        return;
    void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!ubsan)
        return;
    using SetPath = void (*)(const char*);
    if (const auto set = reinterpret_cast<SetPath>(dlsym(ubsan, "__sanitizer_set_report_path")))
        set(path);
    dlclose(ubsan);
}

} // namespace

extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
