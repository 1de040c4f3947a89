#pragma once
/// Whole-file byte I/O shared by the binary readers and writers (N-MNIST, AEDAT, NPY, CSV).
#include <cstdint>
#include <string>
#include <vector>

namespace tp {

/// The whole file in one unbuffered read. IoError naming the file and `what` ("N-MNIST file")
/// when it cannot be opened or read.
std::vector<std::uint8_t> readFileBytes(const std::string& path, const char* what);

/// tp::writeFileAtomically (io/atomic_file.h) of `size` bytes: PATH.tmp, every write checked,
/// fsync, rename; a failure leaves the previous file. `what` ("AEDAT file") is not used: the
/// message names the file.
void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what);

} // namespace tp
