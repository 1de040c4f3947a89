// Sweeps without MPI (engine/train/sweep.h): grid/list expansion, run names and groups, bad
// sweep files, the paper's statistics against tp-algorithm.md 7.1/7.2, resume of a run
// folder, the summary files; and the few-shot support/query split (engine/train/finetune.h).
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.h"
#include "core/rng.h"
#include "train/data_parallel.h"
#include "train/finetune.h"
#include "train/sweep.h"
#include "../learning.h"

using namespace tp;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kClasses = 4, kChannels = 32, kSteps = 12;

/// Class k fires mostly in channels [8k, 8k + 8), over sparse noise.
class BlockEvents : public Dataset {
public:
    BlockEvents(int train, int test)
    {
        Rng rng(7);
        auto make = [&](int label) {
            Sample s;
            s.label = label;
            s.channels = kChannels;
            s.step_offsets.push_back(0);
            for (int t = 0; t < kSteps; ++t) {
                for (int c = 0; c < kChannels; ++c)
                    if (rng.uniform() < (c / 8 == label ? 0.4 : 0.04)) {
                        s.units.push_back(c);
                        s.values.push_back(1.0f);
                    }
                s.step_offsets.push_back(std::int32_t(s.units.size()));
            }
            return s;
        };
        for (int i = 0; i < train; ++i)
            m_train.push_back(make(i % kClasses));
        for (int i = 0; i < test; ++i)
            m_test.push_back(make(i % kClasses));
    }
    std::string name() const override { return "blocks"; }
    int classes() const override { return kClasses; }
    int channels() const override { return kChannels; }
    std::size_t size(Split split) const override { return (split == Split::Train ? m_train : m_test).size(); }
    const Sample& sample(Split split, std::size_t i) const override
    {
        return (split == Split::Train ? m_train : m_test).at(i);
    }

private:
    std::vector<Sample> m_train, m_test;
};

const json kExperiment = json::parse(R"({
  "schema_version": 1, "name": "blocks",
  "network": {"inputs": 0, "layers": [{"type": "lif", "size": 24}]},
  "dataset": {"kind": "randman"},
  "run": {"epochs": 2, "batch": 16, "lr": 0.005, "seed": 3, "threads": 1}
})");

void writeFile(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

QString configErrorOf(const json& doc)
{
    try {
        parseSweep(doc, "bad.json", "/base");
    } catch (const ConfigError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void expandsListTimesGridWithTheSeedFastest()
    {
        const json doc = json::parse(R"({"experiment": "exp.json", "set": ["run.epochs=1"],
            "list": [{"rule.name": "tp"}, {"rule.name": "bptt"}],
            "grid": {"run.seed": [1, 2, 3], "run.lr": [0.001, 0.002]}})");
        const SweepSpec s = parseSweep(doc, "s.json", "/base");
        QCOMPARE(s.experiment_file, std::string("/base/exp.json"));
        QCOMPARE(s.base_overrides, std::vector<std::string>{"run.epochs=1"});
        QCOMPARE(s.runs.size(), std::size_t(12));
        QCOMPARE(s.runs[0].values, json::parse(R"({"rule.name": "tp", "run.lr": 0.001, "run.seed": 1})"));
        QCOMPARE(s.runs[1].values["run.seed"].get<int>(), 2);  // seed fastest
        QCOMPARE(s.runs[3].values["run.lr"].get<double>(), 0.002);
        QCOMPARE(s.runs[6].values["rule.name"].get<std::string>(), std::string("bptt"));
        QCOMPARE(s.runs[0].name, std::string("000_name-tp_lr-0.001_seed-1"));
        QCOMPARE(s.runs[11].name, std::string("011_name-bptt_lr-0.002_seed-3"));
        QCOMPARE(s.runs[0].overrides,
                 (std::vector<std::string>{"rule.name=\"tp\"", "run.lr=0.001", "run.seed=1"}));
        std::set<std::string> groups, names;
        for (const auto& r : s.runs) {
            groups.insert(r.group);
            names.insert(r.name);
            QVERIFY(r.group.find("run.seed") == std::string::npos);
        }
        QCOMPARE(groups.size(), std::size_t(4));
        QCOMPARE(names.size(), std::size_t(12));
        // Without a seed key in the grid there is one group per combination; a custom key works too.
        const SweepSpec c = parseSweep(json::parse(R"({"experiment": "/abs/e.json", "seed_key": "dataset.seed",
            "grid": {"dataset.seed": [5, 6]}})"), "s.json", "/base");
        QCOMPARE(c.experiment_file, std::string("/abs/e.json"));
        QCOMPARE(c.runs.size(), std::size_t(2));
        QCOMPARE(c.runs[0].group, c.runs[1].group);
    }

    void shippedSweepsLoad()
    {
        const SweepSpec s = loadSweep(TP_RESOURCES_DIR "/sweeps/randman-seeds.json");
        QCOMPARE(s.runs.size(), std::size_t(20));
        QCOMPARE(sweepExperiment(s, s.runs[19]).run.epochs, 10);
        QCOMPARE(summarize(s, {}).size(), std::size_t(2));  // two learning rates, ten seeds each
    }

    void badSweepFilesNameTheField()
    {
        QVERIFY(configErrorOf(json::parse(R"({"grid": {"run.seed": [1]}})")).contains("experiment"));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json"})")).contains("grid"));
        const QString unknown = configErrorOf(json::parse(R"({"experiment": "e.json", "grdi": {}, "grid": {"a": [1]}})"));
        QVERIFY2(unknown.contains("grdi") && unknown.contains("bad.json"), qPrintable(unknown));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json", "grid": {"run.lr": []}})")).contains("grid.run.lr"));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json", "grid": {"run.lr": 3}})")).contains("grid.run.lr"));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json", "list": [{"run.lr": 1}],
            "grid": {"run.lr": [2]}})")).contains("also set by"));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json", "list": [3]})")).contains("list[0]"));
        QVERIFY(configErrorOf(json::parse(R"({"experiment": "e.json", "set": [1], "grid": {"a": [1]}})")).contains("set[0]"));
        QVERIFY_THROWS_EXCEPTION(IoError, loadSweep("/nonexistent/sweep.json"));
    }

    void paperStatisticsMatchTheReference()
    {
        // tp-algorithm.md 7.1/7.2: NMNIST TP best per seed -> top-5 97.33 +- 0.06, mean best 97.26.
        const std::vector<double> nmnist{97.27, 97.18, 97.21, 97.33, 97.31, 97.44, 97.12, 97.32, 97.24, 97.18};
        const auto [top, topStd] = topKMeanStd(nmnist, 5);
        QCOMPARE(QString::number(top, 'f', 2), QString("97.33"));
        QCOMPARE(QString::number(topStd, 'f', 2), QString("0.06"));
        QCOMPARE(QString::number(meanStd(nmnist).first, 'f', 2), QString("97.26"));
        // CIFAR10-DVS: 71.62 +- 0.31 over the top 5.
        const std::vector<double> cifar{71.88, 71.46, 70.94, 71.25, 71.25, 71.46, 70.73, 70.73, 70.83, 72.08};
        const auto [ctop, cstd] = topKMeanStd(cifar, 5);
        QVERIFY(std::abs(ctop - 71.626) < 1e-9);  // the table rounds to 71.62 (values rounded in the doc)
        QCOMPARE(QString::number(cstd, 'f', 2), QString("0.31"));
        // Population std (divide by n): {1, 3} -> 1; k larger than the count uses them all.
        QCOMPARE(meanStd({1.0, 3.0}).second, 1.0);
        QCOMPARE(topKMeanStd({1.0, 3.0}, 5).first, 2.0);
        QCOMPARE(topKMeanStd({}, 5).first, 0.0);
    }

    void summaryGroupsRunsAndSkipsFailedOnes()
    {
        const SweepSpec s = parseSweep(json::parse(R"({"experiment": "e.json",
            "grid": {"run.lr": [0.1, 0.2], "run.seed": [1, 2, 3]}})"), "s.json", ".");
        std::vector<std::optional<RunOutcome>> outcomes(s.runs.size());
        auto outcome = [](double best, double final) {
            RunOutcome o;
            o.best = best;
            o.final = final;
            o.test_accuracy = {final, best};
            o.best_epoch = 2;
            return o;
        };
        outcomes[0] = outcome(0.5, 0.4);
        outcomes[1] = outcome(0.7, 0.6);
        outcomes[2] = RunOutcome{};
        outcomes[2]->error = "diverged";
        outcomes[3] = outcome(0.9, 0.9);  // group lr 0.2: runs 4 and 5 missing
        const auto g = summarize(s, outcomes);
        QCOMPARE(g.size(), std::size_t(2));
        QCOMPARE(g[0].values, json::parse(R"({"run.lr": 0.1})"));
        QCOMPARE(g[0].runs, 2);
        QCOMPARE(g[0].top_k, 2);
        QCOMPARE(g[0].top_mean_pct, 60.0);
        QVERIFY(std::abs(g[0].top_std_pct - 10.0) < 1e-9);
        QVERIFY(std::abs(g[0].final_mean_pct - 50.0) < 1e-9);
        QCOMPARE(g[1].runs, 1);
        QCOMPARE(g[1].best_mean_pct, 90.0);
        QCOMPARE(g[1].best_std_pct, 0.0);

        QTemporaryDir tmp;
        writeSummary(tmp.path().toStdString(), s, outcomes);
        std::ifstream in(tmp.filePath("summary.json").toStdString());
        const json doc = json::parse(in);
        QCOMPARE(doc["runs_done"].get<int>(), 3);
        QCOMPARE(doc["runs_failed"].get<int>(), 1);
        QCOMPARE(doc["groups"][0]["top_mean_pct"].get<double>(), 60.0);
        QCOMPARE(doc["runs"][2]["outcome"]["error"].get<std::string>(), std::string("diverged"));
        QVERIFY(!doc["runs"][4].contains("outcome"));
        QFile csv(tmp.filePath("summary.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QCOMPARE(lines[0], QByteArray("group,runs,top_k,top_mean_pct,top_std_pct,best_mean_pct,best_std_pct,"
                                      "final_mean_pct,final_std_pct"));
        QVERIFY2(lines[1].startsWith("\"{\"\"run.lr\"\":0.1}\",2,2,60,10"), lines[1].constData());
        QFile md(tmp.filePath("summary.md"));
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QByteArray report = md.readAll();
        QVERIFY(report.contains("| {\"run.lr\":0.1} | 2 | 60.00 +- 10.00 (k=2) |"));
        QVERIFY(report.contains("failed: diverged"));
        QVERIFY(!fs::exists(tmp.filePath("summary.json.tmp").toStdString()));
    }

    void runFoldersAreCompleteOrResumedBitIdentically()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeFile(root / "exp.json", kExperiment.dump());
        const std::uint64_t seed = tp_test::runSeed(3);
        writeFile(root / "sweep.json", R"({"experiment": "exp.json", "grid": {"run.seed": [)" + std::to_string(seed) +
                                           ", " + std::to_string(seed + 1) + "]}}");
        const SweepSpec spec = loadSweep((root / "sweep.json").string());
        QCOMPARE(spec.runs.size(), std::size_t(2));
        const BlockEvents data(96, 48);
        const DatasetProvider provider = [&](const Experiment&) -> const Dataset& { return data; };
        const SweepRun& run = spec.runs[0];
        const Experiment exp = sweepExperiment(spec, run);
        QCOMPARE(exp.run.seed, seed);

        const std::string full = (root / "full").string();
        const RunOutcome a = executeRun(exp, run, full, provider);
        QVERIFY2(a.error.empty(), a.error.c_str());
        QCOMPARE(a.test_accuracy.size(), std::size_t(2));
        TP_VERIFY_LEARNED("sweep run best (chance 0.25)", a.best, 0.5);
        QCOMPARE(a.weights_fnv1a.size(), std::size_t(16));
        QCOMPARE(a.weights_fnv1a, weightsChecksum(full + "/results.h5"));
        const auto again = completedRun(full, exp);
        QVERIFY(again.has_value());
        QCOMPARE(again->weights_fnv1a, a.weights_fnv1a);
        QCOMPARE(again->test_accuracy, a.test_accuracy);
        // Another thread count is the same run; another learning rate is not.
        QVERIFY(completedRun(full, sweepExperiment(spec, run, {}, {"run.threads=2"})).has_value());
        QVERIFY(!completedRun(full, sweepExperiment(spec, run, {}, {"run.lr=0.001"})).has_value());

        // An attempt that died after epoch 1 left a checkpoint and no run.json: the retry resumes
        // it and ends bit-identical to the uninterrupted run.
        const std::string part = (root / "part").string();
        executeRun(sweepExperiment(spec, run, {}, {"run.epochs=1"}), run, part, provider);
        fs::remove(fs::path(part) / "run.json");
        fs::remove(fs::path(part) / "results.h5");
        QVERIFY(!completedRun(part, exp).has_value());
        const RunOutcome b = executeRun(exp, run, part, provider);
        QCOMPARE(b.weights_fnv1a, a.weights_fnv1a);
        QCOMPARE(b.test_accuracy, a.test_accuracy);
        // A different seed gives different weights (the checksum sees the change).
        const RunOutcome c = executeRun(sweepExperiment(spec, spec.runs[1]), spec.runs[1], (root / "c").string(), provider);
        QVERIFY(c.weights_fnv1a != a.weights_fnv1a);
    }

    void fewShotSplitIsPerClassDisjointAndSeeded()
    {
        std::vector<int> labels;
        for (int i = 0; i < 120; ++i)
            labels.push_back(i % 4);
        std::vector<std::size_t> pool;
        for (std::size_t i = 0; i < 120; i += 2)  // classes 0 and 2 only: 30 each
            pool.push_back(i);
        for (int shots : {1, 5, 0}) {
            const FewShotSplit s = makeFewShotSplit(labels, pool, shots, 0.2, 11);
            QCOMPARE(s.query.size(), std::size_t(12));  // round(30 * 0.2) per class
            QCOMPARE(s.support.size(), std::size_t(shots > 0 ? 2 * shots : 48));
            std::set<std::size_t> seen(s.query.begin(), s.query.end());
            for (auto i : s.support) {
                QVERIFY(seen.insert(i).second);  // disjoint
                QVERIFY(i % 2 == 0);             // from the pool
            }
            int perClass[4] = {};
            for (auto i : s.support)
                ++perClass[labels[i]];
            QCOMPARE(perClass[0], perClass[2]);
            QVERIFY(s.dropped_classes.empty());
        }
        // The query set does not depend on k (same seed), and the seed changes it.
        QCOMPARE(makeFewShotSplit(labels, pool, 1, 0.2, 11).query, makeFewShotSplit(labels, pool, 0, 0.2, 11).query);
        QVERIFY(makeFewShotSplit(labels, pool, 1, 0.2, 11).query != makeFewShotSplit(labels, pool, 1, 0.2, 12).query);
        // A class with fewer than k candidates is dropped from the support set only.
        const std::vector<std::size_t> small{0, 4, 8, 1, 5, 9, 13, 17, 21, 25};  // class 0: 3, class 1: 7
        const FewShotSplit d = makeFewShotSplit(labels, small, 5, 0.2, 1);
        QCOMPARE(d.dropped_classes, std::vector<int>{0});
        QCOMPARE(d.support.size(), std::size_t(5));
        QCOMPARE(d.query.size(), std::size_t(2));  // one of class 0 (round 0.6), one of class 1 (round 1.4)
    }

    void batchSlicesPartitionEveryGlobalBatch()
    {
        const BlockEvents data(70, 8);  // 70 rows: 4 whole batches of 16, 6 rows dropped
        for (const int ranks : {1, 2, 4}) {
            std::vector<std::unique_ptr<BatchSliceDataset>> views;
            for (int r = 0; r < ranks; ++r)
                views.push_back(std::make_unique<BatchSliceDataset>(data, ranks, r, 16, 9, true));
            const std::size_t slice = std::size_t(16 / ranks);
            QCOMPARE(views[0]->size(Split::Train), std::size_t(4) * slice);
            QCOMPARE(views[0]->size(Split::Test), std::size_t(8));
            for (int epoch : {0, 3}) {
                const auto order = epochOrder(70, 9, epoch, true);
                for (std::size_t b = 0; b < 4; ++b)
                    for (int r = 0; r < ranks; ++r)
                        for (std::size_t k = 0; k < slice; ++k)  // rank r holds rows [r*slice, (r+1)*slice) of batch b
                            QCOMPARE(views[std::size_t(r)]->baseIndex(b * slice + k, epoch),
                                     order[b * 16 + std::size_t(r) * slice + k]);
            }
            const Sample s = views[ranks - 1]->trainingSample(1, 9, 2);
            QCOMPARE(s.units, data.sample(Split::Train, views[ranks - 1]->baseIndex(1, 2)).units);
        }
        QVERIFY_THROWS_EXCEPTION(ConfigError, BatchSliceDataset(data, 3, 0, 16, 9, true));  // 16 % 3
        QVERIFY_THROWS_EXCEPTION(ConfigError, BatchSliceDataset(data, 16, 0, 16, 9, true)); // 1 row each
        QVERIFY_THROWS_EXCEPTION(ConfigError, BatchSliceDataset(data, 2, 2, 16, 9, true));  // no rank 2
    }

    void finetuningLearnsNewClassesFromTheSupportSet()
    {
        // Pre-train on classes 0 and 1 only, then fine-tune on a few shots of all four classes:
        // the query accuracy on the unseen classes must rise.
        QTemporaryDir tmp;
        const BlockEvents all(160, 160);
        class TwoClasses : public Dataset {
        public:
            explicit TwoClasses(const Dataset& b) : m_b(b)
            {
                for (std::size_t i = 0; i < b.size(Split::Train); ++i)
                    if (b.sample(Split::Train, i).label < 2)
                        m_idx.push_back(i);
            }
            std::string name() const override { return "two"; }
            int classes() const override { return m_b.classes(); }
            int channels() const override { return m_b.channels(); }
            std::size_t size(Split s) const override { return s == Split::Train ? m_idx.size() : 0; }
            const Sample& sample(Split, std::size_t i) const override { return m_b.sample(Split::Train, m_idx.at(i)); }

        private:
            const Dataset& m_b;
            std::vector<std::size_t> m_idx;
        } two(all);
        Experiment exp = parseExperiment(kExperiment, "exp.json");
        exp.run.seed = tp_test::runSeed(exp.run.seed);
        Trainer pre(exp, two);
        TrainOptions to;
        to.out_dir = tmp.path().toStdString();
        pre.run(to);
        std::vector<std::size_t> pool(all.size(Split::Test));
        for (std::size_t i = 0; i < pool.size(); ++i)
            pool[i] = i;
        FinetuneOptions fo;
        fo.shots = 5;
        fo.epochs = 4;
        fo.lr = 0.02;
        fo.seed = tp_test::runSeed(3);
        int progressCalls = 0;
        fo.on_progress = [&](const Progress&) { ++progressCalls; };
        const FinetuneResult r = finetune(exp, all, Split::Test, pool, to.out_dir + "/results.h5", fo);
        QCOMPARE(r.support_size, std::size_t(20));
        QCOMPARE(r.query_size, std::size_t(32));
        QCOMPARE(r.query_accuracy.size(), std::size_t(fo.epochs));
        QCOMPARE(progressCalls, fo.epochs);  // one batch per epoch (the whole support set)
        TP_VERIFY_LEARNED("engine fine-tuning: 0.6 - accuracy before", 0.6 - r.before_accuracy, 0);
        TP_VERIFY_LEARNED("engine fine-tuning gain (accuracy)", r.after_accuracy - r.before_accuracy, 0.3);
        // Bad pools are input errors.
        QVERIFY_THROWS_EXCEPTION(ConfigError, finetune(exp, all, Split::Test, {0}, to.out_dir + "/results.h5", fo));
        QVERIFY_THROWS_EXCEPTION(IoError, finetune(exp, all, Split::Test, pool, "/nonexistent.h5", fo));
    }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
