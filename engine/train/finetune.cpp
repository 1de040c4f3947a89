#include "train/finetune.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/errors.h"
#include "core/rng.h"

namespace tp {

namespace {

/// The support set as the training split and the query set as the test split of `base`.
class FewShotDataset final : public Dataset {
public:
    FewShotDataset(const Dataset& base, Split split, const FewShotSplit& s)
        : m_base(base), m_split(split), m_support(s.support), m_query(s.query)
    {
    }
    std::string name() const override { return m_base.name() + " (few-shot)"; }
    int classes() const override { return m_base.classes(); }
    int channels() const override { return m_base.channels(); }
    std::array<int, 3> inputShape() const override { return m_base.inputShape(); }
    std::size_t size(Split s) const override { return (s == Split::Train ? m_support : m_query).size(); }
    const Sample& sample(Split s, std::size_t i) const override
    {
        return m_base.sample(m_split, (s == Split::Train ? m_support : m_query).at(i));
    }
    std::vector<std::string> classNames() const override { return m_base.classNames(); }

private:
    const Dataset& m_base;
    Split m_split;
    std::vector<std::size_t> m_support, m_query;
};

} // namespace

FewShotSplit makeFewShotSplit(const std::vector<int>& labels, const std::vector<std::size_t>& pool, int shots,
                              double queryFraction, std::uint64_t seed)
{
    std::map<int, std::vector<std::size_t>> byClass;
    for (std::size_t i : pool)
        byClass[labels.at(i)].push_back(i);
    FewShotSplit out;
    for (auto& [label, members] : byClass) {
        Rng rng(seed, std::uint64_t(label));
        for (std::size_t i = members.size(); i > 1; --i)  // Fisher-Yates
            std::swap(members[i - 1], members[rng.below(i)]);
        const std::size_t n = members.size();
        const std::size_t nq =
            n < 2 ? 0 : std::clamp<std::size_t>(std::size_t(std::lround(double(n) * queryFraction)), 1, n - 1);
        out.query.insert(out.query.end(), members.begin(), members.begin() + std::ptrdiff_t(nq));
        const std::size_t rest = n - nq;
        if (shots > 0 && rest < std::size_t(shots)) {
            out.dropped_classes.push_back(label);
            continue;
        }
        const std::size_t k = shots > 0 ? std::size_t(shots) : rest;
        out.support.insert(out.support.end(), members.begin() + std::ptrdiff_t(nq),
                           members.begin() + std::ptrdiff_t(nq + k));
    }
    return out;
}

FinetuneResult finetune(const Experiment& experiment, const Dataset& data, Split split,
                        const std::vector<std::size_t>& pool, const std::string& weightsFile,
                        const FinetuneOptions& opt)
{
    std::vector<int> labels(data.size(split));
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = data.sample(split, i).label;
    const FewShotSplit fs = makeFewShotSplit(labels, pool, opt.shots, opt.query_fraction, opt.seed);
    if (fs.query.empty())
        throw ConfigError("fine-tuning: the query set is empty (the pool has " + std::to_string(pool.size()) +
                          " samples; every class needs at least 2)");
    if (fs.support.size() < 2)
        throw ConfigError("fine-tuning: the support set has " + std::to_string(fs.support.size()) +
                          " samples; TP needs at least 2 per batch (fewer shots, or a larger pool)");
    const FewShotDataset fewShot(data, split, fs);
    Experiment e = experiment;
    e.run.epochs = opt.epochs;
    e.run.lr = opt.lr;
    e.run.seed = opt.seed;
    e.run.threads = opt.threads;
    e.run.batch = opt.batch > 0 ? opt.batch : int(std::min<std::size_t>(1024, fs.support.size()));
    Trainer trainer(e, fewShot);
    loadWeights(trainer.model(), weightsFile);  // weights only: the Adam state stays fresh
    FinetuneResult r;
    r.support_size = fs.support.size();
    r.query_size = fs.query.size();
    r.dropped_classes = fs.dropped_classes;
    r.before_accuracy = trainer.evaluate(Split::Test, opt.threads);
    TrainOptions to;
    to.on_progress = opt.on_progress;
    to.on_epoch = opt.on_epoch;
    to.stop = opt.stop;
    const TrainResult t = trainer.run(to);
    r.stopped = t.stopped;
    for (const auto& m : t.history)
        r.query_accuracy.push_back(m.test_accuracy);
    r.after_accuracy = r.query_accuracy.empty() ? r.before_accuracy : r.query_accuracy.back();
    return r;
}

} // namespace tp
