#pragma once
/// Dataset factory: turns the "dataset"/"binning" part of an experiment (tp::DatasetSpec) into a
/// tp::Dataset, and validates it with JSON paths for the experiment parser
/// (pass validateDatasetSpec as parseExperiment's DatasetValidator).
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"
#include "core/errors.h"
#include "randman.h"

namespace tp {

/// Every dataset kind an experiment may name, built-in generators first.
std::vector<std::string> datasetKinds();

/// Human-readable name of a kind ("shd" -> "SHD"); the kind itself when unknown.
std::string datasetDisplayName(const std::string& kind);

/// Appends every problem of `spec` to `issues`, each with its JSON path ("dataset.classes",
/// "binning.steps", "dataset.kind"): unknown kinds, unknown keys, wrong types, out-of-range
/// values. randman has a fixed key set; the file-backed kinds only need dataset.path (a string,
/// may be empty here) and leave their other keys and the binning to their readers.
void validateDatasetSpec(const DatasetSpec& spec, std::vector<ConfigIssue>& issues);

/// The generator parameters of a valid randman spec (missing keys keep RandmanParams' defaults).
/// Throws ConfigError with every issue when the spec is not a valid randman spec.
RandmanParams randmanParams(const DatasetSpec& spec);

/// Input frame shape (C, H, W) and class count of a dataset.
struct DatasetShape {
    std::array<int, 3> input{0, 0, 0};  ///< as Dataset::inputShape gives it (frameShape of the binned sensor)
    int classes = 0;                     ///< 0 = unknown
    bool operator==(const DatasetShape&) const = default;
};

/// The shape the reader of `spec` gives, without opening anything: randman from its parameters,
/// each recorded format from its sensor and the binning the reader applies (Downsample, resize:
/// binnedSensor, as EventDataset). Classes: the format's own (N-MNIST 10, DVS128 Gesture 11,
/// CIFAR10-DVS 10), or the published release's where the reader counts them in the files (SHD
/// 20, SSC 35, Speech Commands 35). nullopt when the spec does not validate.
std::optional<DatasetShape> nominalDatasetShape(const DatasetSpec& spec);

/// The shape to plan with before the data is there (`traceprop-cli memory`): nominalDatasetShape,
/// when dataset.path holds nothing yet (empty, missing, an empty folder) or a dataset of
/// dataset.kind (found by its layout or first bytes; no reader runs). Throws ConfigError: every
/// issue of an invalid spec, or one at dataset.path for data of another or of no known format,
/// whose shape is unknown here (the message asks for --set network.inputs=N).
DatasetShape plannedDatasetShape(const DatasetSpec& spec);

/// Opens (or generates) the dataset to train or evaluate on. Validates first and throws
/// ConfigError with every issue. Kinds whose reader is not in this build throw ConfigError
/// saying so (or asking for dataset.path when it is empty). dataset.path is a dataset folder,
/// or one file of the kind's format (openFileDataset): that file is the training split and
/// dataset.test_path, a second file of the same format, the test split; without test_path, or
/// with a sample that has no label, ConfigError says so. May take seconds (randman generates
/// here).
std::unique_ptr<Dataset> openDataset(const DatasetSpec& spec);

/// openDataset for looking at a dataset (`dataset info|frames`): one file without
/// dataset.test_path is the single split "all" (EventDataset::singleSplit()), and samples
/// without a label are kept (label kUnlabelled).
std::unique_ptr<Dataset> inspectDataset(const DatasetSpec& spec);

} // namespace tp
