#pragma once
/// Typed errors of the engine and datasets. The CLI maps ConfigError/FormatError/IoError to
/// exit code 2 (bad input) and everything else (DivergenceError included) to exit code 1.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp {

/// One problem found in an experiment file or override, with its JSON path ("run.batch").
struct ConfigIssue {
    std::string path;
    std::string message;
};

/// Bad input of any kind (configuration, file content, file access): exit code 2 in the CLI.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bad configuration: carries every problem found, not just the first.
class ConfigError : public InputError {
public:
    explicit ConfigError(std::vector<ConfigIssue> issues, std::string source = {});
    explicit ConfigError(const std::string& message);
    const std::vector<ConfigIssue>& issues() const { return m_issues; }

private:
    std::vector<ConfigIssue> m_issues;
};

/// A file whose content is not what its format requires; names the file and byte offset
/// (or the dataset/attribute for structured formats such as HDF5).
class FormatError : public InputError {
public:
    FormatError(const std::string& file, std::int64_t offset, const std::string& what);
    FormatError(const std::string& file, const std::string& where, const std::string& what);
    /// A message already naming the file (e.g. from an isolated reader, io/h5_isolated.h).
    explicit FormatError(const std::string& message);
};

/// A file that cannot be opened, read or written.
class IoError : public InputError {
public:
    using InputError::InputError;
};

/// NaN or Inf in a loss or a weight: the run stops (exit code 1).
class DivergenceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace tp
