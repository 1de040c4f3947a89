// Google Speech Commands v2 as a dataset format (format.h): word folders of 16 kHz WAV clips with
// validation_list.txt and testing_list.txt, or one clip; log-mel features, no event binning.
#include <filesystem>

#include "gsc.h"
#include "recorded_format.h"

namespace tp {

namespace {

namespace fs = std::filesystem;

constexpr ParamSpec kParams[] = {kPathParam, kTestPathParam, kCacheDirParam};

/// One clip as a ready sample of log-mel + delta + delta-delta features.
std::vector<Loaded> clip(const std::string& file, int label)
{
    int rate = 0;
    const std::vector<float> audio = readWav(file, &rate);
    std::vector<Loaded> out(1);
    out[0].label = label;
    out[0].ready = gscFeatures(audio, label);
    out[0].duration_s = double(audio.size()) / kGscSampleRate;
    return out;
}

FileSource fileSource(const DatasetSpec&, const std::string& file, const FileType&, FileRole)
{
    const fs::path p(file);
    FileSource s;
    s.display = "Speech Commands";
    s.sensor = kGscSensor;
    s.files = {file};
    const fs::path root = p.parent_path().parent_path();
    std::error_code ec;
    int label = kUnlabelled;
    if (!root.empty() && (fs::exists(root / "testing_list.txt", ec) || fs::exists(root / "validation_list.txt", ec))) {
        s.names = gscClasses(root.string());
        s.classes = int(s.names.size());
        label = indexOf(s.names, p.parent_path().filename().string());
        if (label == kUnlabelled)
            unlabelled(s, file, "its folder is not a word folder of the Speech Commands tree " + root.string());
    } else {
        unlabelled(s, file, "not inside a Speech Commands tree (a word folder of a folder holding testing_list.txt), "
                   "so neither its class nor the class list is known");
    }
    s.loader = [file, label](std::size_t) { return clip(file, label); };
    s.extra = " gsc features";
    return s;
}

std::unique_ptr<Dataset> open(const DatasetSpec& spec, const DatasetSource& source)
{
    if (source.isFile())
        return openFileDataset(spec, source, fileSource);
    const GscSplit scan = scanGsc(source.path);
    auto data = std::make_unique<EventDataset>("Speech Commands", kGscSensor, int(scan.classes.size()), scan.classes,
                                               EventPipeline{}, false);
    for (const Split split : {Split::Train, Split::Test}) {
        auto entries = std::make_shared<std::vector<GscEntry>>(split == Split::Train ? scan.train : scan.test);
        EventDataset::GroupLoader loader = [entries](std::size_t i) {
            return clip((*entries)[i].file, (*entries)[i].label);
        };
        data->fill(split, entries->size(), loader, true, source.cache_dir, filesIdentity(*entries, " gsc features"));
    }
    return data;
}

std::optional<FileType> detect(const PathProbe& p)
{
    if (p.folder)
        return p.has("testing_list.txt") ? std::optional<FileType>("") : std::nullopt;
    const bool wave = p.startsWith("RIFF") && p.head.size() >= 12 && p.head.compare(8, 4, "WAVE") == 0;
    return wave ? std::optional<FileType>("wav") : std::nullopt;
}

} // namespace

extern const DatasetFormat kGscFormat{
    .kind = "gsc",
    .display = "Google Speech Commands",
    .description = "one-second clips of 35 spoken words (Warden 2018) as 101 x 120 log-mel + delta features",
    .recorded = true,
    .params = kParams,
    .shape = [](const DatasetSpec&) { return binnedShape(kGscSensor, EventPipeline{}, kGscClasses); },
    .detect = detect,
    .look_for = "a folder with testing_list.txt and word folders, or one WAV file (RIFF/WAVE, 16 kHz mono; label "
                "from its word folder in such a tree)",
    .open = open,
};

} // namespace tp
