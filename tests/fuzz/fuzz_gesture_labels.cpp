// readGestureLabels (DVS128 Gesture labels CSV) on arbitrary bytes; cutTrials on the result.
#include <algorithm>

#include "dvsgesture.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("gesture_labels", "_labels.csv", data, size);
    std::vector<tp::GestureLabel> labels;
    if (!tp::fuzz::expectInput("readGestureLabels", [&] { labels = tp::readGestureLabels(path); }))
        return 0;
    for (const auto& l : labels)
        if (l.cls < 0 || l.cls >= tp::kDvsGestureClasses || l.start_us < 0 || l.end_us < l.start_us)
            tp::fuzz::fail("readGestureLabels returned a row outside its documented range");
    // A small sorted recording spanning the label range: exercises cutTrials' binary search.
    tp::Events rec;
    for (std::size_t i = 0; i < labels.size() && i < 16; ++i) {
        rec.push_back({labels[i].start_us, 1, 2, 1});
        rec.push_back({labels[i].end_us, 3, 4, 0});
    }
    std::sort(rec.begin(), rec.end(), [](const tp::Event& a, const tp::Event& b) { return a.t_us < b.t_us; });
    std::vector<std::pair<tp::Events, int>> trials;
    tp::fuzz::expectInput("cutTrials", [&] { trials = tp::cutTrials(rec, labels); });
    if (trials.size() != labels.size())
        tp::fuzz::fail("cutTrials returned a trial count different from the label rows");
    return 0;
}
