#include "dataset_path.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "core/errors.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

/// The first bytes of a file (fewer when it is shorter); IoError when it cannot be read.
std::string head(const std::string& path, std::size_t n)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError("cannot read " + path + ": permission denied or unreadable");
    std::string bytes(n, '\0');
    in.read(bytes.data(), std::streamsize(n));
    bytes.resize(std::size_t(in.gcount()));
    return bytes;
}

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

/// The first line (without its line end) when the file starts with `#`.
std::string firstLine(const std::string& bytes)
{
    const std::size_t end = bytes.find_first_of("\r\n");
    return bytes.substr(0, end == std::string::npos ? bytes.size() : end);
}

[[noreturn]] void unknown(const std::string& path, const std::string& found)
{
    throw IoError(path + ": not a dataset this build can read (" + found + "). Tried:\n" + datasetFormatsTried());
}

DatasetPath detectFolder(const std::string& path)
{
    const fs::path p(path);
    std::error_code ec;
    if (fs::is_directory(p / "Train", ec) && fs::is_directory(p / "Test", ec))
        return {"nmnist"};
    for (const char* kind : {"shd", "ssc"})
        if (fs::exists(p / (std::string(kind) + "_train.h5"), ec))
            return {kind};
    if (fs::exists(p / "trials_to_train.txt", ec) || fs::is_directory(p / "ibmGestureTrain", ec))
        return {"dvsgesture"};
    if (fs::is_directory(p / "airplane", ec))
        return {"cifar10dvs"};
    if (fs::exists(p / "testing_list.txt", ec))
        return {"gsc"};
    unknown(path, "a folder with none of the layouts below");
}

DatasetPath detectFile(const std::string& path)
{
    const std::string bytes = head(path, 64);
    const std::string name = fs::path(path).filename().string();
    auto startsWith = [&](std::string_view magic) { return std::string_view(bytes).starts_with(magic); };
    if (startsWith("\x89HDF\r\n\x1a\n"))
        return {name.starts_with("ssc") ? "ssc" : "shd", FileFormat::Hdf5};
    if (startsWith("#!AER-DAT3.1"))
        return {"dvsgesture", FileFormat::Aedat31};
    if (startsWith("#!AER-DAT2.0"))
        return {"cifar10dvs", FileFormat::Aedat2};
    if (startsWith("\x93NUMPY"))
        return {"dvsgesture", FileFormat::Npy};
    if (startsWith("RIFF") && bytes.size() >= 12 && bytes.compare(8, 4, "WAVE") == 0)
        return {"gsc", FileFormat::Wav};
    if (name.size() > 4 && name.ends_with(".bin"))
        return {"nmnist", FileFormat::NmnistBin};
    if (startsWith("\x1f\x8b"))
        unknown(path, "a gzip-compressed file: decompress it first, e.g. gunzip " + name);
    if (startsWith("PK\x03\x04"))
        unknown(path, "a zip archive: unpack it first");
    if (startsWith("#!AER-DAT"))
        unknown(path, "AEDAT version '" + firstLine(bytes).substr(9) +
                          "': DVS128 Gesture files are read as AEDAT 3.1 and CIFAR10-DVS files as AEDAT 2.0");
    if (bytes.empty())
        unknown(path, "an empty file that does not end in .bin");
    unknown(path, "a file starting with \"" + shown(std::string_view(bytes).substr(0, 16)) + "\"");
}

} // namespace

std::string datasetFormatsTried()
{
    return "  N-MNIST: a folder with Train/ and Test/ (digit folders 0..9 of .bin files), or one .bin file "
           "(5-byte events; label from its digit folder)\n"
           "  SHD / SSC: a folder with shd_train.h5 and shd_test.h5 (or ssc_train.h5, ...), or one HDF5 file "
           "(signature \\x89HDF) with /spikes/times, /spikes/units and /labels\n"
           "  DVS128 Gesture: a folder with trials_to_train.txt or ibmGestureTrain/, or one AEDAT 3.1 recording "
           "(first line #!AER-DAT3.1; trials from <name>_labels.csv beside it), or one tonic .npy trial "
           "(\\x93NUMPY; label from its name 0..10)\n"
           "  CIFAR10-DVS: a folder with the class folders airplane/ ... truck/, or one AEDAT 2.0 recording "
           "(first line #!AER-DAT2.0; label from its class folder)\n"
           "  Speech Commands: a folder with testing_list.txt and word folders, or one WAV file (RIFF/WAVE, "
           "16 kHz mono; label from its word folder in such a tree)";
}

DatasetPath detectDatasetPath(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status))
        throw IoError(path + ": not a dataset: no such file or folder");
    if (fs::is_directory(status))
        return detectFolder(path);
    if (!fs::is_regular_file(status))
        unknown(path, "neither a regular file nor a folder");
    return detectFile(path);
}

} // namespace tp
