#include "speakers.h"

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
        const std::string file =
            (std::filesystem::path(path) / (spec.kind + (split == Split::Train ? "_train.h5" : "_test.h5"))).string();
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

} // namespace tp
