// Your own event recordings as a dataset format (format.h), in any RecordingFormat (recording.h):
// one file (inspection; or a train file + dataset.test_path), or a labelled folder in one of three
// layouts:
//   root/<class>/...            one subfolder per class (recordings anywhere below it)
//   root/train/<class>/..., root/test/<class>/...   the split given by the folders
//   root/labels.csv             rows "file,class[,split]" (file relative to root; split train|test)
// Without a given split, the test split is dataset.test_list (a file naming the test recordings),
// else a seeded, per-class dataset.test_fraction. Classes are the folder or class names in
// natural order. The sensor is dataset.sensor_size, else what the files state (their headers),
// else one past the largest x and y of their events (a pass over every file).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include <tbb/parallel_for.h>

#include "core/errors.h"
#include "core/rng.h"
#include "file_bytes.h"
#include "recorded_format.h"
#include "recording.h"

namespace tp {

namespace {

namespace fs = std::filesystem;

constexpr ParamSpec kParams[] = {
    kPathParam,
    kTestPathParam,
    kCacheDirParam,
    {.key = "sensor_size", .type = ParamType::Size2, .unit = "px",
     .help = "[width, height] of the sensor (default: what the files state, else one past their largest x and y)"},
    {.key = "test_fraction", .type = ParamType::Number, .lo = 0, .hi = 1, .hi_open = true, .def = "0.2",
     .help = "without a given split: the fraction of each class's recordings held out for testing"},
    {.key = "split_seed", .type = ParamType::Int, .lo = 0, .hi = 1e15, .def = "0",
     .help = "seed of the held-out choice (the same seed always holds out the same recordings)"},
    {.key = "test_list", .type = ParamType::String, .def = "\"\"",
     .help = "a text file naming the test recordings, one path per line relative to dataset.path (instead of test_fraction)"},
    kDenoiseParam,
    kDropLastParam,
    kCropPaddingParam,
    kRandomFlipParam,
};

constexpr const char* kLabelsFile = "labels.csv";

struct Entry {
    std::string file;
    int label = kUnlabelled;
};

/// The labelled recordings of a folder and how they were found.
struct Layout {
    std::vector<std::string> classes;
    std::vector<Entry> train, test;
    std::vector<std::string> notes;
};

bool isRecording(const fs::path& p)
{
    try {
        return detectRecording(probePath(p.string())) != nullptr;
    } catch (const InputError&) {
        return false;  // unreadable: not one of ours
    }
}

/// The recordings under `folder` (recursively), in natural order of their paths; the others counted.
std::vector<std::string> recordingsUnder(const fs::path& folder, std::size_t& others)
{
    std::vector<std::string> files;
    try {
        for (const auto& item : fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied)) {
            if (!item.is_regular_file())
                continue;
            if (isRecording(item.path()))
                files.push_back(item.path().string());
            else
                ++others;
        }
    } catch (const fs::filesystem_error& e) {
        throw IoError(folder.string() + ": cannot list the folder: " + e.what());
    }
    std::sort(files.begin(), files.end(), naturalLess);
    return files;
}

std::vector<std::string> subfolders(const fs::path& root)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& item : fs::directory_iterator(root, ec))
        if (item.is_directory(ec) && !item.path().filename().string().starts_with('.'))
            names.push_back(item.path().filename().string());
    std::sort(names.begin(), names.end(), naturalLess);
    return names;
}

std::vector<std::string> splitCsvLine(std::string line)
{
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == ',') {
            std::string f = line.substr(start, i - start);
            f.erase(0, f.find_first_not_of(" \t\""));
            f.erase(f.find_last_not_of(" \t\"") + 1);
            fields.push_back(f);
            start = i + 1;
        }
    return fields;
}

/// Lines of a small text file (labels.csv, a test list) with their 1-based numbers.
std::vector<std::pair<std::size_t, std::string>> textLines(const std::string& path, const char* what)
{
    std::vector<std::pair<std::size_t, std::string>> lines;
    std::size_t number = 0, start = 0;
    const std::string text = readFileText(path, what, kMaxListFileBytes);
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string line = text.substr(start, end - start);
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos)
            lines.emplace_back(number, line);
        start = end + 1;
    }
    return lines;
}

/// A path of a list file as the same string the folder scan gives (root / relative, normalised).
std::string underRoot(const fs::path& root, const std::string& relative)
{
    return (root / fs::path(relative)).lexically_normal().string();
}

/// root/labels.csv: file,class[,split]; a header row naming "file" first is skipped.
void readLabels(const fs::path& root, Layout& layout, std::vector<Entry>& unsplit)
{
    const std::string csv = (root / kLabelsFile).string();
    struct Row {
        std::string file, name, split;
    };
    std::vector<Row> rows;  // in the file's order
    std::set<std::string> names;
    for (const auto& [number, line] : textLines(csv, "labels file")) {
        const auto f = splitCsvLine(line);
        const std::string where = csv + " line " + std::to_string(number);
        if (number == 1 && !f.empty() && (f[0] == "file" || f[0] == "path" || f[0] == "filename"))
            continue;
        if (f.size() < 2 || f.size() > 3 || f[0].empty() || f[1].empty())
            throw FormatError(where + ": expected \"file,class\" or \"file,class,split\", got \"" + line.substr(0, 80) + "\"");
        if (f.size() == 3 && f[2] != "train" && f[2] != "test")
            throw FormatError(where + ": split is \"" + f[2] + "\", expected train or test");
        const std::string file = underRoot(root, f[0]);
        std::error_code ec;
        if (!fs::is_regular_file(file, ec))
            throw IoError(where + ": " + file + " does not exist");
        if (!isRecording(file))
            throw FormatError(where + ": " + file + " is not an event recording this build reads");
        rows.push_back({file, f[1], f.size() == 3 ? f[2] : ""});
        names.insert(f[1]);
    }
    if (rows.empty())
        throw FormatError(csv + ": no rows (expected \"file,class\" per recording)");
    layout.classes.assign(names.begin(), names.end());
    std::sort(layout.classes.begin(), layout.classes.end(), naturalLess);
    bool given = false, missing = false;
    for (const Row& r : rows) {
        given = given || !r.split.empty();
        missing = missing || r.split.empty();
        (r.split == "test" ? layout.test : r.split == "train" ? layout.train : unsplit).push_back({r.file, indexOf(layout.classes, r.name)});
    }
    if (given && missing)
        throw FormatError(csv + ": some rows name a split and some do not (give train or test on every row, or on none)");
    layout.notes.push_back("labels from " + csv);
}

/// Splits `entries` into train and test: by the test list when given, else per class by a seeded
/// shuffle holding out round(test_fraction * n) recordings of each class.
void splitEntries(const fs::path& root, const DatasetSpec& spec, std::vector<Entry> entries, Layout& layout)
{
    const std::string list = spec.params.value("test_list", std::string());
    if (!list.empty()) {
        const std::string path = fs::path(list).is_absolute() ? list : (root / list).string();
        std::set<std::string> wanted;
        std::map<std::string, std::size_t> lineOf;
        for (const auto& [number, line] : textLines(path, "test list")) {
            std::string name = line;
            name.erase(name.find_last_not_of(" \t") + 1);
            const std::string file = underRoot(root, name);
            wanted.insert(file);
            lineOf[file] = number;
        }
        for (Entry& e : entries) {
            const std::string file = fs::path(e.file).lexically_normal().string();
            (wanted.erase(file) ? layout.test : layout.train).push_back(std::move(e));
        }
        if (!wanted.empty())
            throw FormatError(path + " line " + std::to_string(lineOf[*wanted.begin()]) + ": " + *wanted.begin() +
                              " is not one of the dataset's recordings");
        layout.notes.push_back("test split from " + path);
        return;
    }
    const double fraction = spec.params.value("test_fraction", 0.2);
    Rng rng(spec.params.value("split_seed", std::uint64_t(0)), 0x5EC0);
    // Per class, a seeded Fisher-Yates shuffle of its recordings (the same on every platform)
    // picks the round(test_fraction * n) held out; both splits keep the scan order.
    std::vector<std::vector<std::size_t>> byClass(layout.classes.size());
    for (std::size_t i = 0; i < entries.size(); ++i)
        byClass[std::size_t(entries[i].label)].push_back(i);
    std::vector<bool> held(entries.size(), false);
    for (auto& members : byClass) {
        for (std::size_t i = members.size(); i > 1; --i)
            std::swap(members[i - 1], members[std::size_t(rng.below(i))]);
        const auto n = std::size_t(std::llround(fraction * double(members.size())));
        for (std::size_t i = 0; i < n; ++i)
            held[members[i]] = true;
    }
    for (std::size_t i = 0; i < entries.size(); ++i)
        (held[i] ? layout.test : layout.train).push_back(std::move(entries[i]));
    layout.notes.push_back("test split: " + std::to_string(layout.test.size()) + " of " +
                           std::to_string(layout.train.size() + layout.test.size()) + " recordings held out, per class (test_fraction " +
                           nlohmann::json(fraction).dump() + ", split_seed " +
                           std::to_string(spec.params.value("split_seed", std::uint64_t(0))) + ")");
}

/// The class-folder entries of `root` (each subfolder a class named in `classes`).
std::vector<Entry> classFolders(const fs::path& root, const std::vector<std::string>& classes, std::size_t& others)
{
    std::vector<Entry> entries;
    for (const std::string& name : subfolders(root)) {
        const int label = indexOf(classes, name);
        for (std::string& file : recordingsUnder(root / name, others))
            entries.push_back({std::move(file), label});
    }
    return entries;
}

Layout scan(const DatasetSpec& spec, const std::string& path)
{
    const fs::path root(path);
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw IoError(path + ": not a folder of recordings (expected root/<class>/ folders of recordings, "
                             "root/train/ + root/test/, or root/labels.csv)");
    Layout layout;
    std::vector<Entry> unsplit;
    std::size_t others = 0;
    if (fs::exists(root / kLabelsFile, ec)) {
        readLabels(root, layout, unsplit);
    } else if (fs::is_directory(root / "train", ec) && fs::is_directory(root / "test", ec)) {
        std::set<std::string> names;
        for (const char* split : {"train", "test"})
            for (const std::string& name : subfolders(root / split))
                names.insert(name);
        layout.classes.assign(names.begin(), names.end());
        std::sort(layout.classes.begin(), layout.classes.end(), naturalLess);
        layout.train = classFolders(root / "train", layout.classes, others);
        layout.test = classFolders(root / "test", layout.classes, others);
        layout.notes.push_back("split given by the train/ and test/ folders");
    } else {
        layout.classes = subfolders(root);
        unsplit = classFolders(root, layout.classes, others);
        // A class folder without recordings is no class.
        std::vector<std::string> used;
        for (const std::string& name : layout.classes)
            if (std::any_of(unsplit.begin(), unsplit.end(),
                            [&](const Entry& e) { return e.label == indexOf(layout.classes, name); }))
                used.push_back(name);
        for (Entry& e : unsplit)
            e.label = indexOf(used, layout.classes[std::size_t(e.label)]);
        layout.classes = used;
    }
    if (others)
        layout.notes.push_back(std::to_string(others) + " file(s) in the class folders are not event recordings and were skipped");
    if (layout.train.empty() && layout.test.empty() && unsplit.empty())
        throw IoError(path + ": no event recordings found (expected root/<class>/ folders of AEDAT 4, Prophesee "
                             "RAW/.dat, .npy/.npz/.h5/.csv event files, or root/labels.csv)");
    if (!unsplit.empty())
        splitEntries(root, spec, std::move(unsplit), layout);
    return layout;
}

/// dataset.sensor_size, else the largest sensor the files state or their events reach (a
/// streaming pass over every file, in parallel); `note` says where it came from.
SensorSize sensorOf(const DatasetSpec& spec, const std::vector<std::string>& files, std::string& note)
{
    if (spec.params.contains("sensor_size"))
        return {spec.params["sensor_size"][0].get<int>(), spec.params["sensor_size"][1].get<int>(), 2};
    std::vector<SensorSize> each(files.size());
    std::vector<bool> stated(files.size());
    tbb::parallel_for(std::size_t(0), files.size(), [&](std::size_t i) {
        const RecordingSummary s = summarizeRecording(files[i]);
        each[i] = s.sensor();
        stated[i] = s.header.sensor.width > 0;
    });
    SensorSize sensor{1, 1, 2};
    for (const SensorSize& s : each) {
        sensor.width = std::max(sensor.width, s.width);
        sensor.height = std::max(sensor.height, s.height);
    }
    const auto n = std::size_t(std::count(stated.begin(), stated.end(), true));
    note = "sensor " + std::to_string(sensor.width) + "x" + std::to_string(sensor.height) + " from " +
           (n == files.size() ? "the files' headers" : n ? "the files' headers and events" : "the largest x and y of the events") +
           " (" + std::to_string(files.size()) + " file(s) read once; set dataset.sensor_size to skip that pass)";
    return sensor;
}

/// A recording as a sample, its events checked against the sensor (an event outside it names the
/// file and the setting to change).
Events readWithin(const std::string& file, const SensorSize& sensor)
{
    Events events = readRecording(file);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (e.x >= sensor.width || e.y >= sensor.height)
            throw FormatError(file, "event " + std::to_string(i),
                              "x = " + std::to_string(e.x) + ", y = " + std::to_string(e.y) + " lies outside the " +
                                  std::to_string(sensor.width) + "x" + std::to_string(sensor.height) +
                                  " sensor (set dataset.sensor_size to the camera's size)");
    }
    return events;
}

std::string sensorText(const SensorSize& s) { return " sensor " + std::to_string(s.width) + "x" + std::to_string(s.height); }

FileSource fileSource(const DatasetSpec& spec, const std::string& file, const FileType& format, FileRole)
{
    FileSource s;
    s.display = findRecordingFormat(format)->display;
    std::string note;
    s.sensor = sensorOf(spec, {file}, note);
    s.pipeline = eventPipeline(spec);
    s.files = {file};
    s.extra = sensorText(s.sensor);
    unlabelled(s, file, "one recording has no class (put recordings in class folders, or list them in labels.csv, to train)");
    const SensorSize sensor = s.sensor;
    s.loader = [file, sensor](std::size_t) { return oneSample(readWithin(file, sensor), kUnlabelled); };
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const Layout layout = scan(spec, source.path);
    std::vector<std::string> files;
    for (const auto* split : {&layout.train, &layout.test})
        for (const Entry& e : *split)
            files.push_back(e.file);
    std::string sensorNote;
    const SensorSize sensor = sensorOf(spec, files, sensorNote);
    auto data = std::make_unique<EventDataset>("Event recordings", sensor, int(layout.classes.size()), layout.classes,
                                               eventPipeline(spec), spec.params.value("drop_last", false));
    for (const std::string& note : layout.notes)
        data->addNote(note);
    if (!sensorNote.empty())
        data->addNote(sensorNote);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<Entry>>(split == Split::Train ? layout.train : layout.test);
        data->fill(split, entries->size(),
                   perFile(entries, [sensor](const std::string& f) { return readWithin(f, sensor); }), true,
                   source.cache_dir, filesIdentity(*entries, sensorText(sensor)));
    }
    return data;
}

/// A folder of recordings: labels.csv, or a subfolder (of root, or of root/train) holding a
/// recording among its first entries. Cheap: a few names and 64-byte heads.
bool holdsRecordings(const fs::path& folder)
{
    std::error_code ec;
    int looked = 0;
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator() && looked < 32; it.increment(ec))
        if (it->is_regular_file(ec)) {
            ++looked;
            if (isRecording(it->path()))
                return true;
        }
    return false;
}

std::optional<FileType> detect(const PathProbe& p)
{
    if (!p.folder) {
        const RecordingFormat* f = detectRecording(p);
        return f ? std::optional<FileType>(f->name) : std::nullopt;
    }
    if (p.has(kLabelsFile))
        return FileType();
    const fs::path root = p.hasFolder("train") && p.hasFolder("test") ? fs::path(p.path) / "train" : fs::path(p.path);
    for (const std::string& name : subfolders(root))
        if (holdsRecordings(root / name))
            return FileType();
    return std::nullopt;
}

DatasetShape shape(const DatasetSpec& spec)
{
    if (!spec.params.contains("sensor_size"))
        return {};  // known once the files are read
    const SensorSize sensor{spec.params["sensor_size"][0].get<int>(), spec.params["sensor_size"][1].get<int>(), 2};
    int classes = 0;
    const std::string path = spec.params.value("path", std::string());
    std::error_code ec;
    if (!path.empty() && fs::is_directory(path, ec)) {
        if (fs::exists(fs::path(path) / kLabelsFile, ec)) {
            std::set<std::string> names;
            try {
                for (const auto& [number, line] : textLines((fs::path(path) / kLabelsFile).string(), "labels file")) {
                    const auto f = splitCsvLine(line);
                    if (f.size() >= 2 && !(number == 1 && (f[0] == "file" || f[0] == "path" || f[0] == "filename")))
                        names.insert(f[1]);
                }
            } catch (const InputError&) {
            }
            classes = int(names.size());
        } else {
            const bool given = fs::is_directory(fs::path(path) / "train", ec) && fs::is_directory(fs::path(path) / "test", ec);
            classes = int(subfolders(given ? fs::path(path) / "train" : fs::path(path)).size());
        }
    }
    return binnedShape(sensor, eventPipeline(spec), classes);
}

} // namespace

extern const DatasetFormat kRecordingsFormat{
    .kind = "recordings",
    .display = "Event recordings",
    .description = "your own event recordings (AEDAT 4, Prophesee RAW/.dat, .npy/.npz/.h5/.csv x,y,t,p): one subfolder per "
                   "class, train/ + test/, or labels.csv",
    .recorded = true,
    .params = kParams,
    .binning = kEventBinningParams,
    .paper_binning = R"({"n_time_bins": 100})",
    .check = checkFrameMode,
    .shape = shape,
    .detect = detect,
    .look_for = "one event recording (AEDAT 4.0, Prophesee EVT 2.0/3.0 or .dat, x/y/t/p arrays as .npy, .npz, .h5 or "
                ".csv), or a folder of them: one subfolder per class, train/ and test/ of class subfolders, or labels.csv "
                "(file,class[,split])",
    .open = open,
};

} // namespace tp
