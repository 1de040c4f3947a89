#pragma once
/// The dataset formats (format.h) and the factory over them: turns the "dataset"/"binning" part
/// of an experiment (tp::DatasetSpec) into a tp::Dataset, and validates it with JSON paths for
/// the experiment parser (pass validateDatasetSpec as parseExperiment's DatasetValidator).
/// Every function here is a loop over datasetFormats(); none knows a format by name.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "core/dataset.h"
#include "core/errors.h"
#include "format.h"
#include "randman.h"

namespace tp {

/// Every registered format, built-in generators first, in registration order. The list is
/// built on first use; registerDatasetFormat appends to it (not thread-safe: register before
/// any other thread uses the registry).
const std::vector<const DatasetFormat*>& datasetFormats();

/// The format of `kind`, or null.
const DatasetFormat* findDatasetFormat(const std::string& kind);

/// Adds a format at run time (a plug-in outside the built-in list, a test's format). `format`
/// must outlive every use of the registry. Throws ConfigError when its kind is taken.
void registerDatasetFormat(const DatasetFormat& format);

/// Every dataset kind an experiment may name, built-in generators first.
std::vector<std::string> datasetKinds();

/// Human-readable name of a kind ("shd" -> "SHD"); the kind itself when unknown.
std::string datasetDisplayName(const std::string& kind);

/// Appends every problem of `spec` to `issues`, each with its JSON path ("dataset.classes",
/// "binning.steps", "dataset.kind"): unknown kinds, unknown keys, wrong types, out-of-range
/// values (the format's parameter tables and its check()). A recorded format's dataset.path must
/// be there (a string; it may be empty here).
void validateDatasetSpec(const DatasetSpec& spec, std::vector<ConfigIssue>& issues);

/// The shape the reader of `spec` gives, without opening anything: the format's shape() (a
/// recorded format's sensor after the binning its reader applies; classes the format's own, or
/// the published release's where the reader counts them in the files). nullopt when the spec
/// does not validate.
std::optional<DatasetShape> nominalDatasetShape(const DatasetSpec& spec);

/// The shape to plan with before the data is there (`traceprop-cli memory`): nominalDatasetShape,
/// when dataset.path holds nothing yet (empty, missing, an empty folder) or a dataset of
/// dataset.kind (found by its layout or first bytes; no reader runs). Throws ConfigError: every
/// issue of an invalid spec, or one at dataset.path for data of another or of no known format,
/// whose shape is unknown here (the message asks for --set network.inputs=N).
DatasetShape plannedDatasetShape(const DatasetSpec& spec);

/// Opens (or generates) the dataset to train or evaluate on. Validates first and throws
/// ConfigError with every issue, or asking for dataset.path when it is empty. dataset.path is a
/// dataset folder or one file, either of which must be data of dataset.kind (detectDatasetPath):
/// data of another kind is an error naming both, data of no known kind one listing every format
/// tried; a path that does not exist gets the kind's reader's error (what it looks for there).
/// One file is the training split and dataset.test_path, a second file of the same format, the
/// test split; without test_path, or with a sample that has no label, ConfigError
/// says so. May take seconds (randman generates here).
std::unique_ptr<Dataset> openDataset(const DatasetSpec& spec);

/// openDataset for looking at a dataset (`dataset info|frames`): one file without
/// dataset.test_path is the single split "all" (EventDataset::singleSplit()), and samples
/// without a label are kept (label kUnlabelled).
std::unique_ptr<Dataset> inspectDataset(const DatasetSpec& spec);

} // namespace tp
