#pragma once
/// Whole-file byte I/O (bounds of the reads, the atomic write) shared by the binary readers and writers (N-MNIST, AEDAT, NPY, CSV).
#include <cstdint>
#include <string>
#include <vector>

#include "core/file_read.h"

namespace tp {

/// Upper bounds of the files the readers load whole (core/file_read.h readFileBytes refuses
/// anything larger, and reads a pipe or device no further).
constexpr std::size_t kMaxListFileBytes = std::size_t(16) << 20;        ///< label CSVs, trial lists
constexpr std::size_t kMaxNmnistFileBytes = std::size_t(64) << 20;      ///< one N-MNIST sample
constexpr std::size_t kMaxRecordingFileBytes = std::size_t(2) << 30;    ///< one AEDAT / NPY recording

/// tp::writeFileAtomically (io/atomic_file.h) of `size` bytes: PATH.tmp, every write checked,
/// fsync, rename; a failure leaves the previous file. `what` ("AEDAT file") is not used: the
/// message names the file.
void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what);

} // namespace tp
