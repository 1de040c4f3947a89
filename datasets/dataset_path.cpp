#include "dataset_path.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/errors.h"
#include "registry.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// The first bytes as text for a message: printable ASCII as is, the rest as \xNN.
std::string shown(std::string_view bytes)
{
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            out += hex;
        }
    }
    return out;
}

[[noreturn]] void unknown(const std::string& path, const std::string& found)
{
    throw IoError(path + ": not a dataset this build can read (" + found + "). Tried:\n" + datasetFormatsTried());
}

/// What a file no format claims is, where that helps.
std::string whatFileIs(const PathProbe& probe)
{
    if (probe.startsWith("\x1f\x8b"))
        return "a gzip-compressed file: decompress it first, e.g. gunzip " + probe.name;
    if (probe.startsWith("PK\x03\x04"))
        return "a zip archive: unpack it first";
    if (probe.startsWith("#!AER-DAT")) {
        const std::string line = probe.head.substr(0, probe.head.find_first_of("\r\n"));
        return "AEDAT version '" + line.substr(9) + "', which none of the formats below reads";
    }
    if (probe.head.empty())
        return "an empty file";
    return "a file starting with \"" + shown(std::string_view(probe.head).substr(0, 16)) + "\"";
}

} // namespace

std::string datasetFormatsTried()
{
    std::string text;
    std::vector<std::string> families;  // written already
    for (const DatasetFormat* f : datasetFormats()) {
        const std::string family = f->family;
        if (!f->detect || std::find(families.begin(), families.end(), family) != families.end())
            continue;
        std::string names = f->display;
        if (!family.empty()) {
            families.push_back(family);
            for (const DatasetFormat* g : datasetFormats())
                if (g != f && g->detect && family == g->family)
                    names += std::string(" / ") + g->display;
        }
        text += (text.empty() ? "  " : "\n  ") + names + ": " + f->look_for;
    }
    return text;
}

DatasetPath detectDatasetPath(const std::string& path)
{
    const PathProbe probe = probePath(path);
    for (const DatasetFormat* format : datasetFormats())
        if (format->detect)
            if (const auto found = format->detect(probe))
                return {format->kind, *found};
    unknown(path, probe.folder ? "a folder with none of the layouts below" : whatFileIs(probe));
}

} // namespace tp
