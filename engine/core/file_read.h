#pragma once
/// Whole-file reads bounded by what the format allows, shared by every reader that slurps a
/// file (experiment and sweep files, the binary dataset formats, list and label files).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tp {

/// IoError unless `path` can be opened as a file: "cannot read PATH (WHAT): no such file",
/// "...: is a directory, expected a file". `what` names the expected file ("experiment file").
/// Pipes and character devices pass: readFileText/readFileBytes read them with their bound.
void requireFile(const std::string& path, const char* what);

/// The whole file as text, at most `max_bytes` bytes. A regular file's size is checked before
/// anything is read; any other file (a pipe, /dev/zero) is read up to `max_bytes` + 1 bytes
/// and no further. IoError when it cannot be opened or read (see requireFile), FormatError
/// when it is larger than `max_bytes`.
std::string readFileText(const std::string& path, const char* what, std::size_t max_bytes);

/// As readFileText, as bytes.
std::vector<std::uint8_t> readFileBytes(const std::string& path, const char* what, std::size_t max_bytes);

} // namespace tp
