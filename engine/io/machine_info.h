#pragma once
/// The machine and software a run was trained on (written into results.h5 by RunFiles) or a
/// report was written on. Plain C++ (no Qt), Linux /proc and /etc files where present.
#include <string>

namespace tp {

struct MachineInfo {
    std::string cpu;        ///< "model name" of /proc/cpuinfo, "unknown" when it has none
    int cores = 0;          ///< logical cores (std::thread::hardware_concurrency)
    std::string os;         ///< PRETTY_NAME of /etc/os-release and the kernel release
    std::string compiler;   ///< the compiler that built this program, e.g. "GCC 12.2.0"
    std::string kernels;    ///< the kernel level the hot loops ran with (nn/kernels.h), e.g. "avx512 (x86-64-v4: ...)"
    std::string libraries;  ///< "TraceProp 0.1.0, Eigen 3.4.0, oneTBB 2021.8, HDF5 1.10.8, nlohmann-json 3.11.2"
};

/// The machine this process runs on and the versions it was built with.
MachineInfo currentMachine();

} // namespace tp
