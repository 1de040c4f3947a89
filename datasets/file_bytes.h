#pragma once
/// Whole-file byte I/O shared by the binary readers and writers (N-MNIST, AEDAT, NPY, CSV).
#include <cstdint>
#include <string>
#include <vector>

namespace tp {

/// The whole file in one unbuffered read. IoError naming the file and `what` ("N-MNIST file")
/// when it cannot be opened or read.
std::vector<std::uint8_t> readFileBytes(const std::string& path, const char* what);

/// Write `size` bytes to path + ".tmp", then rename it over `path`: readers never see a partial
/// file and a failure leaves the previous one (the temporary is removed). IoError on failure.
void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what);

} // namespace tp
