#include "train/memory_budget.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

#include "core/errors.h"
#include "rules/registry.h"
#include "train/memory_model.h"

namespace tp {

namespace {

/// memory.max of this process's cgroup v2 ("0::/path" in /proc/self/cgroup), 0 when unset ("max").
std::size_t cgroupLimitBytes()
{
    std::ifstream cg("/proc/self/cgroup");
    std::string line, path;
    while (std::getline(cg, line))
        if (line.rfind("0::", 0) == 0)
            path = line.substr(3);
    if (path.empty())
        return 0;
    std::size_t best = 0;
    // A parent's limit binds too: walk up to the root of the hierarchy.
    for (std::string p = path;; p = p.substr(0, p.rfind('/'))) {
        std::ifstream f("/sys/fs/cgroup" + p + (p.empty() || p.back() != '/' ? "/" : "") + "memory.max");
        std::string value;
        if (f >> value && value != "max") {
            try {
                const std::size_t v = std::stoull(value);
                best = best ? std::min(best, v) : v;
            } catch (const std::exception&) {
            }
        }
        if (p.empty() || p == "/")
            break;
    }
    return best;
}

std::string gb(std::size_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GB", double(bytes) / 1e9);
    return buf;
}

} // namespace

MemoryLimit availableMemory()
{
    MemoryLimit limit;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        limit = {std::size_t(pages) * std::size_t(page), "physical RAM"};
    if (const std::size_t cg = cgroupLimitBytes(); cg && (!limit.bytes || cg < limit.bytes))
        limit = {cg, "cgroup memory.max"};
    rlimit as{};
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY && (!limit.bytes || as.rlim_cur < limit.bytes))
        limit = {std::size_t(as.rlim_cur), "RLIMIT_AS (ulimit -v)"};
    return limit;
}

MemoryEstimate estimateRunMemory(const TpConfig& config, int steps, std::size_t value_bytes)
{
    const NetShape net = NetShape::fromConfig(config);
    const std::size_t vb = value_bytes, B = std::size_t(std::max(1, config.max_batch)), C = net.classes;
    MemoryEstimate e;
    auto add = [&](std::size_t bytes, const std::string& field, const std::string& part) {
        e.bytes += bytes;
        if (bytes > e.largest_bytes) {
            e.largest_bytes = bytes;
            e.field = field;
            e.part = part;
        }
    };
    // Per trainable matrix: weights, gradient and Adam's m and v.
    constexpr std::size_t kPerWeight = 4;
    std::size_t sumNeurons = 0, largest = 0, largestLayer = 0;
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        const auto& layer = net.layers[l];
        const std::string at = "network.layers[" + std::to_string(l) + "]";
        add(kPerWeight * layer.ff_weights * vb, at + ".size",
            "weights, gradient and Adam state of layer " + std::to_string(l + 1));
        if (layer.recurrent)
            add(kPerWeight * layer.neurons * layer.neurons * vb, at + ".recurrent",
                "recurrent weights, gradient and Adam state of layer " + std::to_string(l + 1) + " (size^2)");
        sumNeurons += layer.neurons;
        if (layer.neurons > largest)
            largest = layer.neurons, largestLayer = l;
    }
    const std::string largestField = "network.layers[" + std::to_string(largestLayer) + "].size";
    if (!net.layers.empty())
        add(kPerWeight * C * net.layers.back().traced * vb, "dataset.classes",
            "readout weights, gradient and Adam state (classes x last layer)");
    add(C * C * sizeof(std::int64_t), "dataset.classes", "confusion matrix (classes x classes)");
    std::vector<MemoryTerm> terms;
    ruleOf(config.rule.name).plan({config, net, B, std::size_t(std::max(0, steps)), vb, largestField, largest}, terms);
    for (const auto& t : terms)
        add(t.bytes, t.field, t.what);
    return e;
}

void requireMemoryFits(const MemoryEstimate& e, const MemoryLimit& limit)
{
    if (!limit.bytes || e.bytes <= limit.bytes)
        return;
    const std::string rec = ".recurrent";
    const std::string fix = e.field.ends_with(rec)
                                ? "turn " + e.field + " off or make " + e.field.substr(0, e.field.size() - rec.size()) +
                                      ".size smaller"
                                : "make " + e.field + " smaller";
    throw ConfigError({{e.field, "this run needs about " + gb(e.bytes) + " of memory, more than the " + gb(limit.bytes) +
                                     " available (" + limit.source + "); the largest part is " + e.part + ", " +
                                     gb(e.largest_bytes) + ": " + fix}});
}

} // namespace tp
