#pragma once
/// A dataset format as a plug-in: everything the workbench knows about one dataset kind (its
/// names, its parameters, how to recognise its data, its shape, how to open it) is one
/// DatasetFormat, defined in the format's own file (formats/ for recorded datasets, generators/
/// for built-in synthetic ones) and listed once in registry.cpp (or added at run time with
/// registerDatasetFormat). registry.h's functions are loops over that list.
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "config/params.h"
#include "core/dataset.h"
#include "dataset_path.h"

namespace tp {

/// Input frame shape (C, H, W) and class count of a dataset.
struct DatasetShape {
    std::array<int, 3> input{0, 0, 0};  ///< as Dataset::inputShape gives it (frameShape of the binned sensor)
    int classes = 0;                     ///< 0 = unknown
    bool operator==(const DatasetShape&) const = default;
};

/// Where a recorded format's open() finds its data: the registry has checked that `path` (and
/// `test_path`) is data of the format (detect()), or `path` does not exist (the reader's error
/// then says what it looks for there).
struct DatasetSource {
    std::string path;                          ///< a dataset folder, or one file ("" for a generator)
    FileType format;                           ///< how the file is stored; empty: `path` is a folder
    std::string test_path;                     ///< with a file: a second file of the format (test split), or ""
    FileType test_format;
    std::string cache_dir;                     ///< binned-sample cache folder; "" = no cache
    bool training = true;                      ///< false: inspection (one file is split "all", unlabelled kept)
    bool isFile() const { return !format.empty(); }
};

struct DatasetFormat {
    const char* kind = "";         ///< dataset.kind in experiment files: "nmnist"
    const char* display = "";      ///< "N-MNIST"
    const char* description = "";  ///< one line for lists and tooltips
    bool recorded = false;         ///< read from the user's files (dataset.path); false: a built-in generator
    std::span<const ParamSpec> params = {};   ///< the "dataset" section (a "kind" key there is tolerated)
    std::span<const ParamSpec> binning = {};  ///< the "binning" section (empty: no binning keys)
    /// The binning section the paper uses for this kind, as JSON text: what `dataset info|frames`
    /// bin with where no option overrides it ("{}": no binning keys).
    const char* paper_binning = "{}";
    /// Checks a spec beyond its tables (a rule between keys); may be null.
    void (*check)(const DatasetSpec& spec, std::vector<ConfigIssue>& issues) = nullptr;
    /// The shape a valid spec gives, without opening anything (memory planning, the designer).
    DatasetShape (*shape)(const DatasetSpec& spec) = nullptr;
    /// Whether a path holds data of this format: a folder by its layout (an empty FileType), a
    /// file by its first bytes or name (the FileType the format names it by); nullopt: not this
    /// format. Null for a generator. Must not run the reader.
    std::optional<FileType> (*detect)(const PathProbe& probe) = nullptr;
    /// What detect() looks for, one line for error messages ("a folder with Train/ and Test/ ...").
    const char* look_for = "";
    /// Formats of one family store their data alike (SHD and SSC: one HDF5 format): a path found
    /// to be one is taken for the other, and datasetFormatsTried() gives them one line. "" = none.
    const char* family = "";
    /// Opens (or generates) a valid spec. Throws IoError / FormatError as the format's reader,
    /// ConfigError for settings the data contradicts.
    std::unique_ptr<Dataset> (*open)(const DatasetSpec& spec, const DatasetSource& source) = nullptr;
};

} // namespace tp
