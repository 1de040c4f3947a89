#pragma once
/// What a dataset path is: a dataset folder of one kind (found from its layout) or one file of a
/// supported format (found from its first bytes; N-MNIST .bin files have no header and are known
/// by their name). Used by `dataset info|frames` and by openDataset for a dataset.path that is
/// a file.
#include <string>

namespace tp {

/// How a single file is stored (FileFormat::None for a folder).
enum class FileFormat { None, NmnistBin, Hdf5, Aedat31, Aedat2, Npy, Wav };

struct DatasetPath {
    std::string kind;                     ///< "nmnist", "shd", "ssc", "dvsgesture", "cifar10dvs", "gsc"
    FileFormat format = FileFormat::None; ///< the file's format; None: a dataset folder
    bool isFile() const { return format != FileFormat::None; }
};

/// Every layout and file format detectDatasetPath knows, one indented line per dataset kind,
/// each with what it looks for (for error messages).
std::string datasetFormatsTried();

/// The dataset at `path`. Folders by layout: Train/ + Test/ (N-MNIST), shd_train.h5 or
/// ssc_train.h5, trials_to_train.txt or ibmGestureTrain/ (DVS128 Gesture), airplane/
/// (CIFAR10-DVS), testing_list.txt (Speech Commands). Files by content: the HDF5 signature ->
/// SHD (SSC when the file name starts with "ssc"), "#!AER-DAT3.1" -> DVS128 Gesture,
/// "#!AER-DAT2.0" -> CIFAR10-DVS, the NPY magic -> DVS128 Gesture (tonic's trials), RIFF/WAVE ->
/// Speech Commands; a name ending in ".bin" -> N-MNIST. No reader is run here, so a file is
/// handed to exactly one reader (whose errors are the file's errors). Throws IoError for a
/// path that does not exist, and otherwise one saying what was found (a gzip or zip archive to
/// unpack, an AEDAT version not read) and listing datasetFormatsTried().
DatasetPath detectDatasetPath(const std::string& path);

} // namespace tp
