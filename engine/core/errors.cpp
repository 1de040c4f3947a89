#include "core/errors.h"

namespace tp {

static std::string joinIssues(const std::vector<ConfigIssue>& issues, const std::string& source)
{
    std::string text = source.empty() ? std::string("invalid configuration")
                                      : source + ": invalid configuration";
    text += " (" + std::to_string(issues.size()) + (issues.size() == 1 ? " error)" : " errors)");
    for (const auto& issue : issues)
        text += "\n  " + (issue.path.empty() ? std::string("<root>") : issue.path) + ": " + issue.message;
    return text;
}

ConfigError::ConfigError(std::vector<ConfigIssue> issues, std::string source)
    : InputError(joinIssues(issues, source)), m_issues(std::move(issues))
{
}

ConfigError::ConfigError(const std::string& message)
    : InputError(message), m_issues{{"", message}}
{
}

FormatError::FormatError(const std::string& file, std::int64_t offset, const std::string& what)
    : InputError(file + " (byte offset " + std::to_string(offset) + "): " + what)
{
}

FormatError::FormatError(const std::string& file, const std::string& where, const std::string& what)
    : InputError(file + " (" + where + "): " + what)
{
}

FormatError::FormatError(const std::string& message) : InputError(message) {}

} // namespace tp
