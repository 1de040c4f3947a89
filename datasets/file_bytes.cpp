#include "file_bytes.h"

#include <string_view>

#include "io/atomic_file.h"

namespace tp {

void writeFileAtomically(const std::string& path, const void* data, std::size_t size, const char* what)
{
    (void)what;  // the engine's message names the file, which says what it is
    writeFileAtomically(path, std::string_view(static_cast<const char*>(data), size));
}

} // namespace tp
