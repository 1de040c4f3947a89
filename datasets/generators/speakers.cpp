#include "speakers.h"

#include <algorithm>
#include <filesystem>

#include "core/errors.h"
#include "gsc.h"
#include "io/h5.h"

namespace tp {

std::vector<std::string> sampleSpeakers(const DatasetSpec& spec, Split split)
{
    const std::string path = spec.params.value("path", std::string());
    std::vector<std::string> out;
    if (spec.kind == "gsc") {
        const GscSplit scan = scanGsc(path);
        for (const auto& e : split == Split::Train ? scan.train : scan.test)
            out.push_back(e.speaker);
        return out;
    }
    if (spec.kind == "shd" || spec.kind == "ssc") {
        // One file as dataset.path is the training split, dataset.test_path the test split.
        std::error_code ec;
        const std::string file =
            std::filesystem::is_regular_file(path, ec)
                ? (split == Split::Train ? path : spec.params.value("test_path", std::string()))
                : (std::filesystem::path(path) / (spec.kind + (split == Split::Train ? "_train.h5" : "_test.h5"))).string();
        const h5::File f = h5::File::openRead(file);
        if (!f.exists("extra/speaker"))
            throw ConfigError(file + " has no /extra/speaker: its samples carry no speaker ids (use a class subset)");
        for (auto id : f.readInt32s("extra/speaker").data)
            out.push_back(std::to_string(id));
        return out;
    }
    throw ConfigError(std::vector<ConfigIssue>{
        {"dataset.kind", "'" + spec.kind + "' has no speaker ids (shd, ssc and gsc do); use a class subset"}});
}

std::vector<std::size_t> fewShotPool(const DatasetSpec& spec, const Dataset& data, Split split,
                                     const std::string& speaker, const std::vector<int>& classes)
{
    if (speaker.empty() && classes.empty())
        throw ConfigError("finetune needs a pool: a speaker and/or a list of classes");
    std::vector<std::string> speakers;
    if (!speaker.empty())
        speakers = sampleSpeakers(spec, split);
    if (!speakers.empty() && speakers.size() != data.size(split))
        throw FormatError(spec.params.value("path", std::string()), "speakers",
                          std::to_string(speakers.size()) + " speaker ids for " + std::to_string(data.size(split)) +
                              " samples");
    std::vector<std::size_t> pool;
    for (std::size_t i = 0; i < data.size(split); ++i) {
        if (!speakers.empty() && speakers[i] != speaker)
            continue;
        if (!classes.empty() && std::find(classes.begin(), classes.end(), data.sample(split, i).label) == classes.end())
            continue;
        pool.push_back(i);
    }
    if (pool.empty())
        throw ConfigError(std::string("finetune: no ") + (split == Split::Train ? "train" : "test") + " sample matches" +
                          (speaker.empty() ? "" : " speaker '" + speaker + "'") +
                          (classes.empty() ? "" : " and the list of classes"));
    return pool;
}

} // namespace tp
