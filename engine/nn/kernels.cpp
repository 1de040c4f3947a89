#include "nn/kernels.h"

#include <cstdlib>

// One declaration per compiled level (kernels_impl.h defines them). engine/CMakeLists.txt
// defines TP_KERNELS_X86_LEVELS when the avx2 and avx512 copies are built, TP_KERNELS_NATIVE when
// the whole build is -march=native (then only the baseline copy exists, compiled native).
#define TP_DECLARE_LEVEL(level)                   \
    namespace tp::kern::level {                   \
    const Ops<float>& floatOps();                 \
    const Ops<double>& doubleOps();               \
    }
TP_DECLARE_LEVEL(baseline)
#ifdef TP_KERNELS_X86_LEVELS
TP_DECLARE_LEVEL(avx2)
TP_DECLARE_LEVEL(avx512)
#endif
#undef TP_DECLARE_LEVEL

namespace tp::kern {

namespace {

bool always()
{
    return true;
}

#ifdef TP_KERNELS_X86_LEVELS
// libgcc's checks include the OS's support for the wider register state (XGETBV).
bool hasV3()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3");
}

bool hasV4()
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v4");
}
#endif

std::vector<Level> makeLevels()
{
    std::vector<Level> v;
#ifdef TP_KERNELS_NATIVE
    v.push_back({"native", "whole build, -march=" TP_NATIVE_ARCH, &always, &baseline::floatOps(),
                 &baseline::doubleOps()});
#else
    v.push_back({"baseline", "x86-64 baseline (SSE2), any x86-64 CPU", &always, &baseline::floatOps(),
                 &baseline::doubleOps()});
#endif
#ifdef TP_KERNELS_X86_LEVELS
    v.push_back({"avx2", "x86-64-v3: AVX2, FMA, BMI2", &hasV3, &avx2::floatOps(), &avx2::doubleOps()});
    v.push_back({"avx512", "x86-64-v4: AVX-512 F/BW/CD/DQ/VL, FMA", &hasV4, &avx512::floatOps(),
                 &avx512::doubleOps()});
#endif
    return v;
}

const Level& choose()
{
    const auto& all = levels();
    const char* forced = std::getenv("TP_KERNELS");
    if (forced && *forced) {
        std::string names;
        for (const auto& l : all) {
            if (l.name == std::string(forced)) {
                if (!l.supported())
                    throw KernelError(std::string("TP_KERNELS=") + forced + ": this CPU cannot run the " + l.name +
                                      " kernels (" + l.description + ")");
                return l;
            }
            names += std::string(names.empty() ? "" : ", ") + l.name;
        }
        throw KernelError(std::string("TP_KERNELS=") + forced + ": not a kernel level of this build (it has " + names +
                          ")");
    }
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->supported())
            return *it;
    return all.front();
}

} // namespace

const std::vector<Level>& levels()
{
    static const std::vector<Level> all = makeLevels();
    return all;
}

const Level& active()
{
    static const Level& level = choose();
    return level;
}

std::string activeDescription()
{
    const Level& l = active();
    return std::string(l.name) + " (" + l.description + ")";
}

} // namespace tp::kern
