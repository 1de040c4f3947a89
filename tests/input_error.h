#pragma once
/// The text of the tp::InputError a call throws, for tests that assert what an error names.
#include <string>

#include "core/errors.h"

namespace tp_test {

/// The message of the InputError `f` throws; "" when it throws none.
template <typename F>
std::string errorOf(F&& f)
{
    try {
        f();
    } catch (const tp::InputError& e) {
        return e.what();
    }
    return {};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace tp_test
