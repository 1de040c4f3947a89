#include "recorded_format.h"

namespace tp {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

bool naturalLess(const std::string& l, const std::string& r)
{
    std::size_t i = 0, j = 0;
    while (i < l.size() && j < r.size()) {
        if (isDigit(l[i]) && isDigit(r[j])) {
            std::size_t ie = i, je = j;
            while (ie < l.size() && isDigit(l[ie])) ++ie;
            while (je < r.size() && isDigit(r[je])) ++je;
            std::size_t is = i, js = j;  // skip leading zeros
            while (is + 1 < ie && l[is] == '0') ++is;
            while (js + 1 < je && r[js] == '0') ++js;
            if (ie - is != je - js)
                return ie - is < je - js;
            const int cmp = l.compare(is, ie - is, r, js, je - js);
            if (cmp != 0)
                return cmp < 0;
            i = ie;
            j = je;
        } else {
            if (l[i] != r[j])
                return static_cast<unsigned char>(l[i]) < static_cast<unsigned char>(r[j]);
            ++i;
            ++j;
        }
    }
    if ((i < l.size()) != (j < r.size()))
        return j < r.size();
    return l < r;
}

void checkFrameMode(const DatasetSpec& spec, std::vector<ConfigIssue>& issues)
{
    if (!spec.binning.is_object())
        return;
    int modes = 0;
    for (const char* mode : kFrameModes)
        modes += spec.binning.contains(mode);
    if (modes != 1)
        issues.push_back({"binning", std::string(modes ? "set only one" : "set one") +
                                         " of time_window_us, event_count, n_time_bins, n_event_bins"});
}

EventPipeline eventPipeline(const DatasetSpec& spec)
{
    const auto& b = spec.binning;
    EventPipeline pipe;
    pipe.denoise_us = spec.params.value("denoise_us", std::int64_t(0));
    pipe.spatial_factor = b.value("spatial_factor", 1.0);
    if (b.contains("resize")) {
        pipe.resize_width = b["resize"][0].get<int>();
        pipe.resize_height = b["resize"][1].get<int>();
    }
    pipe.crop_padding = spec.params.value("random_crop_padding", 0);
    pipe.random_flip = spec.params.value("random_flip", false);
    ToFrameParams& f = pipe.frame;
    if (b.contains("time_window_us"))
        f.time_window = b["time_window_us"].get<std::int64_t>();
    if (b.contains("event_count"))
        f.event_count = b["event_count"].get<std::int64_t>();
    if (b.contains("n_time_bins"))
        f.n_time_bins = b["n_time_bins"].get<int>();
    if (b.contains("n_event_bins"))
        f.n_event_bins = b["n_event_bins"].get<int>();
    f.overlap = b.value("overlap", 0.0);
    f.include_incomplete = b.value("include_incomplete", false);
    return pipe;
}

DatasetShape binnedShape(const SensorSize& sensor, const EventPipeline& pipeline, int classes)
{
    return {frameShape(binnedSensor(sensor, pipeline)), classes};
}

std::vector<Loaded> oneSample(Events events, int label)
{
    std::vector<Loaded> out(1);
    out[0].events = std::move(events);
    out[0].label = label;
    return out;
}

int unlabelled(FileSource& source, const std::string& file, const std::string& why)
{
    source.note = file + ": " + why + ", so it is unlabelled (dataset info and frames show it; train refuses it)";
    return kUnlabelled;
}

std::unique_ptr<EventDataset> openFileDataset(const DatasetSpec& spec, const DatasetSource& source, FileReader read)
{
    const bool single = source.test_path.empty();
    if (source.training && single)
        throw ConfigError(std::vector<ConfigIssue>{
            {"dataset.test_path", source.path + " is one file, so it is one split (\"all\"), and training also needs a "
                                  "test split: set dataset.test_path to a second file of the same format (e.g. "
                                  "shd_test.h5 beside shd_train.h5), or set dataset.path to the folder holding "
                                  "both splits"}});
    FileSource train = read(spec, source.path, source.format, single ? FileRole::All : FileRole::Train);
    auto data = std::make_unique<EventDataset>(train.display, train.sensor, train.classes, train.names, train.pipeline,
                                               spec.params.value("drop_last", false));
    data->setSingleSplit(single);
    auto fill = [&](Split split, FileSource& s) {
        if (!s.note.empty())
            data->addNote(s.note);
        data->fill(split, s.groups, s.loader, true, source.cache_dir, sourceIdentity(s.files) + s.extra);
        s.release();
    };
    fill(Split::Train, train);
    if (!single) {
        FileSource test = read(spec, source.test_path, source.test_format, FileRole::Test);
        fill(Split::Test, test);
    }
    if (source.training)
        for (const Split split : {Split::Train, Split::Test})
            if (const std::size_t n = data->stats(split).unlabelled)
                throw ConfigError(std::vector<ConfigIssue>{
                    {split == Split::Train ? "dataset.path" : "dataset.test_path",
                     std::to_string(n) + " sample(s) without a label, which training cannot use: " +
                         (data->notes().empty() ? std::string("no label found") : data->notes().back())}});
    return data;
}

} // namespace tp
