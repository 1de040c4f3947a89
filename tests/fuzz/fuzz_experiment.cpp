// Experiment files: nlohmann::json::parse of the input (its parse errors are expected), then
// parseExperiment without a dataset validator (the dataset formats are fuzzed by their own
// targets). A parsed experiment must serialise back (toJson) to a document that parses to the
// same experiment.
#include <nlohmann/json.hpp>

#include "config/experiment.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(data, data + size);
    } catch (const nlohmann::json::exception&) {
        return 0;  // not JSON: loadExperiment turns this into a ConfigError
    }
    tp::Experiment e;
    if (!tp::fuzz::expectInput("parseExperiment",
                               [&] { e = tp::parseExperiment(doc, "fuzz.json"); }))
        return 0;
    nlohmann::json back;
    if (!tp::fuzz::expectInput("toJson", [&] { back = tp::toJson(e); }))
        tp::fuzz::fail("toJson threw on a parsed experiment");
    tp::Experiment again;
    if (!tp::fuzz::expectInput("parseExperiment(toJson)",
                               [&] { again = tp::parseExperiment(back, "back.json"); }))
        tp::fuzz::fail("parseExperiment rejects toJson of an experiment it accepted: " + back.dump());
    if (tp::toJson(again) != back)
        tp::fuzz::fail("parseExperiment(toJson(e)) != e: " + back.dump());
    return 0;
}
