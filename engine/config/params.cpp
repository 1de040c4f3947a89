#include "config/params.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace tp {

namespace {

std::string formatLimit(double x)
{
    if (x == std::floor(x) && std::abs(x) < 1e15)
        return std::to_string(static_cast<long long>(x));
    return nlohmann::json(x).dump();
}

const char* typeName(ParamType t)
{
    switch (t) {
    case ParamType::Int: return "integer";
    case ParamType::Seed: return "seed";
    case ParamType::Number: return "number";
    case ParamType::Bool: return "boolean";
    case ParamType::String: return "string";
    case ParamType::Choice: return "choice";
    case ParamType::Size2: return "[w, h]";
    }
    return "";
}

std::string choiceList(const ParamSpec& spec)
{
    std::string text;
    for (const char* c : spec.choices)
        text += (text.empty() ? "" : ", ") + std::string(c);
    return text;
}

} // namespace

std::string paramRange(const ParamSpec& spec)
{
    if (spec.type == ParamType::Choice)
        return choiceList(spec);
    if (spec.type == ParamType::Size2)
        return "1..4096 each";
    if (spec.type != ParamType::Int && spec.type != ParamType::Number)
        return "";
    if (std::isinf(spec.lo) && std::isinf(spec.hi))
        return "any";
    if (std::isinf(spec.hi))
        return std::string(spec.lo_open ? "> " : ">= ") + formatLimit(spec.lo);
    if (std::isinf(spec.lo))
        return std::string(spec.hi_open ? "< " : "<= ") + formatLimit(spec.hi);
    return std::string(spec.lo_open ? "(" : "[") + formatLimit(spec.lo) + ", " + formatLimit(spec.hi) +
           (spec.hi_open ? ")" : "]");
}

std::string describeJson(const nlohmann::json& value)
{
    if (value.is_number_float())
        return "the number " + value.dump();
    if (value.is_number_integer())
        return "the integer " + value.dump();
    if (value.is_string())
        return "a string";
    if (value.is_boolean())
        return "a boolean";
    if (value.is_null())
        return "null";
    if (value.is_array())
        return "an array";
    return "an object";
}

void checkParam(const ParamSpec& spec, const nlohmann::json& value, const std::string& path,
                std::vector<ConfigIssue>& issues)
{
    switch (spec.type) {
    case ParamType::Size2: {
        auto side = [&](std::size_t i) {
            return value[i].is_number_integer() && value[i].get<std::int64_t>() >= 1 &&
                   value[i].get<std::int64_t>() <= 4096;
        };
        if (!(value.is_array() && value.size() == 2 && side(0) && side(1)))
            issues.push_back({path, "expected [width, height], integers in 1..4096, got " + value.dump()});
        return;
    }
    case ParamType::String:
        if (!value.is_string())
            issues.push_back({path, "expected a string, got " + describeJson(value)});
        return;
    case ParamType::Choice:
        if (!value.is_string())
            issues.push_back({path, "expected a string, got " + describeJson(value)});
        else if (std::none_of(spec.choices.begin(), spec.choices.end(),
                              [&](const char* c) { return value.get<std::string>() == c; }))
            issues.push_back({path, "unknown value '" + value.get<std::string>() + "' (known: " + choiceList(spec) +
                                        ")"});
        return;
    case ParamType::Bool:
        if (!value.is_boolean())
            issues.push_back({path, "expected a boolean (true or false), got " + describeJson(value)});
        return;
    case ParamType::Seed:
        if (!value.is_number_integer())
            issues.push_back({path, "expected a non-negative integer, got " + describeJson(value)});
        else if (!value.is_number_unsigned() && value.get<std::int64_t>() < 0)
            issues.push_back({path, "must be a non-negative integer (got " + value.dump() + ")"});
        return;
    case ParamType::Int: {
        if (!value.is_number_integer()) {
            issues.push_back({path, "expected an integer, got " + describeJson(value)});
            return;
        }
        const bool tooBig = value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(spec.hi);
        const bool outside = tooBig || value.get<std::int64_t>() < std::int64_t(spec.lo) ||
                             value.get<std::int64_t>() > std::int64_t(spec.hi);
        if (outside)
            issues.push_back({path, "must be an integer in " + paramRange(spec) + " (got " + value.dump() + ")"});
        return;
    }
    case ParamType::Number: {
        if (!value.is_number()) {
            issues.push_back({path, "expected a number, got " + describeJson(value)});
            return;
        }
        const double x = value.get<double>();
        const bool aboveLo = spec.lo_open ? x > spec.lo : x >= spec.lo;
        const bool belowHi = std::isinf(spec.hi) ? std::isfinite(x) : (spec.hi_open ? x < spec.hi : x <= spec.hi);
        if (!(aboveLo && belowHi))
            issues.push_back({path, "must be " + std::string(std::isinf(spec.hi) ? "" : "in ") + paramRange(spec) +
                                        " (got " + value.dump() + ")"});
        return;
    }
    }
}

const ParamSpec* findParam(std::span<const ParamSpec> specs, const std::string& key)
{
    const auto it = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& s) { return key == s.key; });
    return it == specs.end() ? nullptr : &*it;
}

std::string paramKeys(std::span<const ParamSpec> specs)
{
    std::string text;
    for (const auto& spec : specs)
        text += (text.empty() ? "" : ", ") + std::string(spec.key);
    return text;
}

void checkParams(const nlohmann::json& object, const std::string& section, std::span<const ParamSpec> specs,
                 std::vector<ConfigIssue>& issues)
{
    if (!object.is_object()) {
        issues.push_back({section, "expected an object, got " + describeJson(object)});
        return;
    }
    for (const auto& [key, value] : object.items()) {
        const std::string path = section + "." + key;
        if (const ParamSpec* spec = findParam(specs, key))
            checkParam(*spec, value, path, issues);
        else
            issues.push_back({path, "unknown key (known: " + paramKeys(specs) + ")"});
    }
}

std::string paramTableText(const std::string& section, std::span<const ParamSpec> specs)
{
    std::size_t width = 0;
    for (const auto& spec : specs)
        width = std::max(width, section.size() + 1 + std::string(spec.key).size());
    std::string text;
    for (const auto& spec : specs) {
        std::string name = section + "." + spec.key;
        name.resize(width, ' ');
        std::string line = "  " + name + "  " + typeName(spec.type);
        if (*spec.def)
            line += std::string(", default ") + spec.def;
        if (const std::string range = paramRange(spec); !range.empty())
            line += (spec.type == ParamType::Choice ? ", one of " : ", ") + range;
        if (*spec.unit)
            line += std::string(" ") + spec.unit;
        if (*spec.help)
            line += std::string(": ") + spec.help;
        text += line + "\n";
    }
    return text;
}

} // namespace tp
