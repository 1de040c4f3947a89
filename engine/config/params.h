#pragma once
/// The parameter table: every setting a layer kind, a learning rule or a dataset format takes is
/// declared once as a ParamSpec (key, type, default, range, unit, one line of help). The
/// experiment parser validates against it, `--set` and `traceprop-cli help params` read it, and
/// the GUI's properties panel builds its fields, ranges and tooltips from it.
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.h"

namespace tp {

enum class ParamType {
    Int,     ///< an integer in [lo, hi]
    Seed,    ///< a non-negative 64-bit integer
    Number,  ///< a real in lo..hi, each end open or closed
    Bool,
    String,
    Choice,  ///< one of `choices`
    Size2,   ///< [width, height], integers in 1..4096
};

inline constexpr double kNoLimit = std::numeric_limits<double>::infinity();

struct ParamSpec {
    const char* key = "";
    ParamType type = ParamType::Number;
    double lo = -kNoLimit, hi = kNoLimit;
    bool lo_open = false, hi_open = false;
    const char* def = "";   ///< the default as JSON text ("0.95", "true", "\"soft\""); "" = none
    const char* unit = "";  ///< "steps", "us", ... ("" = none)
    const char* help = "";  ///< one line
    std::span<const char* const> choices = {};
};

/// "[0, 1]", "(0, 1)", "> 0", "any" (a Number's or an Int's range as messages and tooltips say it).
std::string paramRange(const ParamSpec& spec);

/// A short description of a JSON value for "expected X, got Y" messages.
std::string describeJson(const nlohmann::json& value);

/// Appends at most one issue (at `path`) when `value` does not fit `spec`.
void checkParam(const ParamSpec& spec, const nlohmann::json& value, const std::string& path,
                std::vector<ConfigIssue>& issues);

/// Checks every key of `object` (the JSON at `section`) against `specs`: unknown keys and bad
/// values each give one issue, named by its JSON path ("dataset.denoise_us").
void checkParams(const nlohmann::json& object, const std::string& section, std::span<const ParamSpec> specs,
                 std::vector<ConfigIssue>& issues);

/// The spec of `key` in `specs`, or null.
const ParamSpec* findParam(std::span<const ParamSpec> specs, const std::string& key);

/// The keys of `specs`, comma separated.
std::string paramKeys(std::span<const ParamSpec> specs);

/// `section` with one line per spec: "  key  type  default  range  unit  help" (help params).
std::string paramTableText(const std::string& section, std::span<const ParamSpec> specs);

} // namespace tp
