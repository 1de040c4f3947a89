#include "io/machine_info.h"

#include <fstream>
#include <thread>

#include <sys/utsname.h>

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <oneapi/tbb/version.h>

#include "io/h5.h"
#include "nn/kernels.h"

namespace tp {

namespace {

/// The value after "key" and the separator of the first line starting with `key` (trimmed).
std::string lookup(const std::string& file, const std::string& key, char separator)
{
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key, 0) != 0)
            continue;
        const auto sep = line.find(separator);
        if (sep == std::string::npos)
            continue;
        std::string value = line.substr(sep + 1);
        const auto first = value.find_first_not_of(" \t\"");
        const auto last = value.find_last_not_of(" \t\"\r");
        return first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    }
    return {};
}

std::string compilerName()
{
#if defined(__clang__)
    return "Clang " __clang_version__;
#elif defined(__GNUC__)
    return "GCC " __VERSION__;
#else
    return "unknown compiler";
#endif
}

} // namespace

MachineInfo currentMachine()
{
    MachineInfo m;
    m.cpu = lookup("/proc/cpuinfo", "model name", ':');
    if (m.cpu.empty())
        m.cpu = "unknown";
    m.cores = int(std::thread::hardware_concurrency());
    m.os = lookup("/etc/os-release", "PRETTY_NAME", '=');
    utsname u{};
    if (uname(&u) == 0)
        m.os += (m.os.empty() ? "" : ", ") + std::string(u.sysname) + " " + u.release + " " + u.machine;
    m.compiler = compilerName();
    m.kernels = kern::activeDescription();
    m.libraries = "TraceProp " + std::string(TP_VERSION) + ", Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
                  std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) + ", oneTBB " +
                  std::to_string(TBB_VERSION_MAJOR) + "." + std::to_string(TBB_VERSION_MINOR) + ", HDF5 " +
                  h5::libraryVersion() + ", nlohmann-json " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                  std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH);
    return m;
}

} // namespace tp
