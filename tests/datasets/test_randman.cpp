// oneTBB before Qt: Qt's `emit` macro breaks oneTBB headers (architecture.md).
#include <tbb/global_control.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numbers>
#include <set>

#include "core/errors.h"
#include "core/rng.h"
#include "randman.h"
#include "registry.h"

namespace {

/// Small and quick (alpha = 2: 32 Fourier terms), with an offset and several spikes.
tp::RandmanParams smallParams()
{
    tp::RandmanParams p;
    p.classes = 3;
    p.units = 6;
    p.steps = 47;  // window [9, 31.96): no edge falls on an integer
    p.step_frac = 0.6;
    p.offset_frac = 0.2;
    p.dim = 2;
    p.alpha = 2.0;
    p.spikes = 3;
    p.samples_per_class = 30;
    p.seed = 7;
    p.shuffle = false;
    return p;
}

/// The paper's smoothness (alpha = 1: 1000 Fourier terms) at a size a test can afford.
tp::RandmanParams paperLikeParams()
{
    tp::RandmanParams p;
    p.classes = 2;
    p.units = 5;
    p.spikes = 2;
    p.samples_per_class = 40;
    p.seed = 11;
    return p;
}

/// The algorithm of dataset-formats.md 8.1 written plainly (std::sin, no chunks, no threads),
/// with the random streams documented in randman.h.
std::vector<double> referenceTimes(const tp::RandmanParams& p)
{
    const int terms = std::min(int(std::ceil(std::pow(1e-3, -1.0 / p.alpha))), 1000);
    const std::size_t K = std::size_t(p.classes), S = std::size_t(p.spikes),
                      N = std::size_t(p.samples_per_class), M = std::size_t(p.units),
                      D = std::size_t(p.dim), F = std::size_t(terms);
    tp::Rng master(p.seed, 0);
    std::vector<std::uint64_t> seeds(K * S);
    for (auto& seed : seeds)
        seed = master.next();
    std::vector<double> times(K * S * N * M);
    for (std::size_t k = 0; k < K; ++k) {
        tp::Rng pointRng(p.seed, 1 + k);
        std::vector<double> x(N * D);
        for (auto& v : x)
            v = pointRng.uniform();
        for (std::size_t s = 0; s < S; ++s) {
            tp::Rng rng(seeds[k * S + s], 0);
            std::vector<double> theta(M * D * 3 * F);  // theta[m][d][j][i]
            for (auto& v : theta)
                v = rng.uniform();
            for (std::size_t md = 0; md < M * D; ++md)
                theta[md * 3 * F] = 0.0;  // no bias
            std::vector<double> y(N * M);
            for (std::size_t n = 0; n < N; ++n) {
                for (std::size_t m = 0; m < M; ++m) {
                    double product = 1.0;
                    for (std::size_t d = 0; d < D; ++d) {
                        const double* th = theta.data() + (m * D + d) * 3 * F;
                        double g = 0.0;
                        for (std::size_t i = 0; i < F; ++i) {
                            const double spect = 1.0 / (std::pow(double(i + 1), p.alpha) + 1.0);
                            g += th[i] * spect
                                 * std::sin(2.0 * std::numbers::pi * (double(i) * x[n * D + d] * th[F + i] + th[2 * F + i]));
                        }
                        product *= g;
                    }
                    y[n * M + m] = product;
                }
            }
            for (std::size_t m = 0; m < M; ++m) {
                double lo = y[m], hi = y[m];
                for (std::size_t n = 0; n < N; ++n) {
                    lo = std::min(lo, y[n * M + m]);
                    hi = std::max(hi, y[n * M + m]);
                }
                for (std::size_t n = 0; n < N; ++n)
                    times[((k * S + s) * N + n) * M + m] = (y[n * M + m] - lo) / (hi - lo + 1e-7);
            }
        }
    }
    return times;
}

bool sameSamples(const std::vector<tp::Sample>& a, const std::vector<tp::Sample>& b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].label != b[i].label || a[i].channels != b[i].channels
            || a[i].step_offsets != b[i].step_offsets || a[i].units != b[i].units
            || a[i].values != b[i].values)
            return false;
    }
    return true;
}

bool hasIssue(const std::vector<tp::ConfigIssue>& issues, const std::string& path,
              const std::string& fragment = {})
{
    return std::any_of(issues.begin(), issues.end(), [&](const tp::ConfigIssue& issue) {
        return issue.path == path && issue.message.find(fragment) != std::string::npos;
    });
}

std::string issuesText(const std::vector<tp::ConfigIssue>& issues)
{
    std::string text;
    for (const auto& issue : issues)
        text += issue.path + ": " + issue.message + "\n";
    return text;
}

} // namespace

class TestRandman : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fourierTerms();
    void matchesAStraightforwardReference();
    void sameBitsOnEveryCpuAndBuild();
    void samplesHaveTheDeclaredShape();
    void everyUnitFiresExactlySpikesTimes();
    void stepsLieInTheSpikeWindow();
    void standardisationPutsAZeroInEveryColumn();
    void classMinimumAndMaximumReachTheWindowEdges();
    void classesDiffer();
    void sameSeedSameSamples();
    void differentSeedDifferentSamples();
    void threadCountDoesNotChangeTheResult();
    void datasetSplitSizesAndBalance();
    void unshuffledSplitKeepsGenerationOrder();
    void shuffleOrderIsASeededPermutation();
    void unusableParamsThrow();

    void validatorAcceptsDefaultsAndAllKeys();
    void validatorCollectsEveryError();
    void validatorRejectsWrongTypes();
    void validatorRejectsUnknownKind();
    void validatorChecksBenchmarkPath();
    void openDatasetGeneratesRandman();
    void openDatasetRejectsInvalidSpec();
    void openDatasetBenchmarkKinds();
};

void TestRandman::fourierTerms()
{
    QCOMPARE(tp::randmanTerms(1.0), 1000);
    QCOMPARE(tp::randmanTerms(2.0), 32);
    QCOMPARE(tp::randmanTerms(0.5), 1000);  // capped at max_f_cutoff
}

void TestRandman::matchesAStraightforwardReference()
{
    for (double alpha : {1.0, 2.0}) {
        tp::RandmanParams p;
        p.classes = 2;
        p.units = 3;
        p.dim = 2;
        p.spikes = 2;
        p.samples_per_class = 21;  // one full chunk and a partial one
        p.alpha = alpha;
        p.seed = 5;
        const auto times = tp::randmanTimes(p);
        const auto expected = referenceTimes(p);
        QCOMPARE(times.size(), expected.size());
        double worst = 0.0;
        for (std::size_t i = 0; i < times.size(); ++i)
            worst = std::max(worst, std::abs(times[i] - expected[i]));
        // Observed ~2.5e-14: std::sin(2 pi a) with a up to F loses ~1e-13 per term.
        QVERIFY2(worst < 1e-10, qPrintable(QString("alpha %1: max difference %2").arg(alpha).arg(worst)));
    }
}

// randman.cpp's evalUnitChunk runs as a baseline, AVX2 or AVX-512 clone (or native), compiled
// without fused multiply-adds: every one gives these bits. The checksum was taken with the
// AVX-512 clone; a machine whose clone or build differs fails here.
void TestRandman::sameBitsOnEveryCpuAndBuild()
{
    tp::RandmanParams p;
    p.classes = 3;
    p.units = 5;
    p.dim = 2;
    p.spikes = 2;
    p.samples_per_class = 37;
    p.alpha = 1.0;  // 1000 terms, the default's
    p.seed = 11;
    const auto times = tp::randmanTimes(p);
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the bytes
    for (const double t : times) {
        unsigned char bytes[sizeof t];
        std::memcpy(bytes, &t, sizeof t);
        for (const unsigned char b : bytes)
            h = (h ^ b) * 1099511628211ull;
    }
    QCOMPARE(QString::number(h, 16), QStringLiteral("f2db17c11a5ae04b"));
}

void TestRandman::samplesHaveTheDeclaredShape()
{
    const auto p = smallParams();
    const auto samples = tp::generateRandman(p);
    QCOMPARE(samples.size(), std::size_t(p.classes * p.samples_per_class));
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& s = samples[i];
        QCOMPARE(s.label, std::int32_t(i / std::size_t(p.samples_per_class)));
        QCOMPARE(s.channels, p.units);
        QCOMPARE(s.steps(), p.steps);
        QCOMPARE(s.step_offsets.front(), 0);
        QCOMPARE(std::size_t(s.step_offsets.back()), s.units.size());
        QCOMPARE(s.values.size(), s.units.size());
        for (int t = 0; t < s.steps(); ++t) {
            QVERIFY(s.step_offsets[t] <= s.step_offsets[t + 1]);
            // Sorted by step then unit: strictly increasing units inside a frame.
            for (int e = s.step_offsets[t]; e < s.step_offsets[t + 1]; ++e) {
                QVERIFY(s.units[e] >= 0 && s.units[e] < p.units);
                QVERIFY(s.values[e] >= 1.0f);
                if (e > s.step_offsets[t])
                    QVERIFY(s.units[e] > s.units[e - 1]);
            }
        }
    }
}

void TestRandman::everyUnitFiresExactlySpikesTimes()
{
    for (const auto& p : {smallParams(), paperLikeParams()}) {
        const auto samples = tp::generateRandman(p);
        for (const auto& s : samples) {
            std::vector<float> perUnit(std::size_t(p.units), 0.0f);
            for (std::size_t e = 0; e < s.units.size(); ++e)
                perUnit[std::size_t(s.units[e])] += s.values[e];
            for (float count : perUnit)
                QCOMPARE(count, float(p.spikes));
        }
    }
}

void TestRandman::stepsLieInTheSpikeWindow()
{
    auto p = smallParams();
    for (double offset : {0.0, 0.2}) {
        p.offset_frac = offset;
        const int first = int(p.steps * p.offset_frac);
        const double end = p.steps * (p.offset_frac + p.step_frac * (1.0 - p.offset_frac));
        if (offset == 0.0)
            QCOMPARE(end, p.steps * p.step_frac);
        for (const auto& s : tp::generateRandman(p)) {
            for (int t = 0; t < s.steps(); ++t) {
                if (s.step_offsets[t + 1] > s.step_offsets[t]) {
                    QVERIFY2(t >= first && t < end, qPrintable(QString("step %1").arg(t)));
                }
            }
        }
    }
}

void TestRandman::standardisationPutsAZeroInEveryColumn()
{
    for (const auto& p : {smallParams(), paperLikeParams()}) {
        const auto times = tp::randmanTimes(p);
        const std::size_t n = std::size_t(p.samples_per_class), m = std::size_t(p.units);
        QCOMPARE(times.size(), std::size_t(p.classes * p.spikes) * n * m);
        for (std::size_t column = 0; column < std::size_t(p.classes * p.spikes) * m; ++column) {
            const std::size_t block = column / m, u = column % m;
            double lo = 2.0, hi = -1.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double t = times[(block * n + i) * m + u];
                lo = std::min(lo, t);
                hi = std::max(hi, t);
            }
            QVERIFY(lo == 0.0);  // exact, not fuzzy
            QVERIFY(hi < 1.0);
            QVERIFY(hi > 0.99);  // the range is O(1), far above the 1e-7 guard
        }
    }
}

void TestRandman::classMinimumAndMaximumReachTheWindowEdges()
{
    auto p = smallParams();
    p.spikes = 1;
    const auto samples = tp::generateRandman(p);
    const int first = int(p.steps * p.offset_frac);
    const int last = int(std::floor(p.steps * (p.offset_frac + p.step_frac * (1.0 - p.offset_frac))));
    QCOMPARE(first, 9);
    QCOMPARE(last, 31);
    // [class][unit] -> min and max step over the class's samples
    std::map<std::pair<int, int>, std::pair<int, int>> range;
    for (const auto& s : samples) {
        for (int t = 0; t < s.steps(); ++t) {
            for (int e = s.step_offsets[t]; e < s.step_offsets[t + 1]; ++e) {
                auto [it, inserted] = range.try_emplace({s.label, s.units[e]}, t, t);
                it->second.first = std::min(it->second.first, t);
                it->second.second = std::max(it->second.second, t);
            }
        }
    }
    QCOMPARE(range.size(), std::size_t(p.classes * p.units));
    for (const auto& [key, minMax] : range) {
        QCOMPARE(minMax.first, first);
        QCOMPARE(minMax.second, last);
    }
}

void TestRandman::classesDiffer()
{
    auto p = smallParams();
    p.spikes = 1;
    const auto times = tp::randmanTimes(p);
    const std::size_t block = std::size_t(p.samples_per_class * p.units);
    QVERIFY(!std::equal(times.begin(), times.begin() + block, times.begin() + block));
}

void TestRandman::sameSeedSameSamples()
{
    const auto p = paperLikeParams();
    QVERIFY(sameSamples(tp::generateRandman(p), tp::generateRandman(p)));
    QVERIFY(tp::randmanTimes(p) == tp::randmanTimes(p));
}

void TestRandman::differentSeedDifferentSamples()
{
    auto p = paperLikeParams();
    const auto a = tp::randmanTimes(p);
    p.seed += 1;
    const auto b = tp::randmanTimes(p);
    QCOMPARE(a.size(), b.size());
    std::size_t equal = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        equal += a[i] == b[i] ? 1 : 0;
    // Only the per-column zeros may coincide.
    QVERIFY2(equal <= std::size_t(p.classes * p.spikes * p.units), qPrintable(QString::number(equal)));
    p.seed -= 1;
    const auto sa = tp::generateRandman(p);
    p.seed += 1;
    QVERIFY(!sameSamples(sa, tp::generateRandman(p)));
}

void TestRandman::threadCountDoesNotChangeTheResult()
{
    auto p = paperLikeParams();
    p.samples_per_class = 70;  // several chunks per (class, spike)
    std::vector<double> single, dual;
    std::vector<tp::Sample> singleSamples, dualSamples;
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        single = tp::randmanTimes(p);
        singleSamples = tp::generateRandman(p);
    }
    {
        tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
        dual = tp::randmanTimes(p);
        dualSamples = tp::generateRandman(p);
    }
    QCOMPARE(single.size(), dual.size());
    QVERIFY(std::memcmp(single.data(), dual.data(), single.size() * sizeof(double)) == 0);
    QVERIFY(sameSamples(singleSamples, dualSamples));
}

void TestRandman::datasetSplitSizesAndBalance()
{
    auto p = smallParams();
    p.classes = 4;
    p.samples_per_class = 25;
    p.shuffle = true;
    const tp::RandmanDataset data(p);
    QCOMPARE(data.name(), std::string("randman"));
    QVERIFY(data.classNames().empty());
    QCOMPARE(data.classes(), 4);
    QCOMPARE(data.channels(), p.units);
    QCOMPARE(data.size(tp::Split::Train), std::size_t(80));
    QCOMPARE(data.size(tp::Split::Test), std::size_t(20));

    std::vector<int> perClass(4, 0);
    std::set<int> testClasses;
    for (auto split : {tp::Split::Train, tp::Split::Test}) {
        for (std::size_t i = 0; i < data.size(split); ++i) {
            const auto& s = data.sample(split, i);
            QVERIFY(s.label >= 0 && s.label < 4);
            QCOMPARE(s.channels, p.units);
            ++perClass[std::size_t(s.label)];
            if (split == tp::Split::Test)
                testClasses.insert(s.label);
        }
    }
    for (int count : perClass)
        QCOMPARE(count, 25);
    QVERIFY(testClasses.size() > 1);  // shuffled before the split
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, data.sample(tp::Split::Test, 20));

    p.train_fraction = 0.333;  // round(33.3) = 33
    QCOMPARE(tp::randmanTrainSize(p), std::size_t(33));
}

void TestRandman::unshuffledSplitKeepsGenerationOrder()
{
    auto p = smallParams();
    p.classes = 4;
    p.samples_per_class = 25;
    p.shuffle = false;
    const tp::RandmanDataset data(p);
    const auto all = tp::generateRandman(p);
    QCOMPARE(data.size(tp::Split::Train), std::size_t(80));
    for (std::size_t i = 0; i < 80; ++i) {
        QCOMPARE(data.sample(tp::Split::Train, i).label, std::int32_t(i / 25));
        QVERIFY(data.sample(tp::Split::Train, i).units == all[i].units);
    }
    for (std::size_t i = 0; i < 20; ++i)
        QCOMPARE(data.sample(tp::Split::Test, i).label, 3);
}

void TestRandman::shuffleOrderIsASeededPermutation()
{
    auto p = smallParams();
    p.shuffle = true;
    const auto order = tp::randmanOrder(p);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i)
        QCOMPARE(sorted[i], i);
    QVERIFY(order != sorted);
    QVERIFY(order == tp::randmanOrder(p));
    p.seed += 1;
    QVERIFY(order != tp::randmanOrder(p));
    p.shuffle = false;
    QVERIFY(tp::randmanOrder(p) == sorted);
}

void TestRandman::unusableParamsThrow()
{
    auto p = smallParams();
    p.units = 0;
    p.step_frac = 0.0;
    try {
        tp::generateRandman(p);
        QFAIL("expected ConfigError");
    } catch (const tp::ConfigError& e) {
        QVERIFY(hasIssue(e.issues(), "dataset.units"));
        QVERIFY(hasIssue(e.issues(), "binning.step_frac"));
    }
}

void TestRandman::validatorAcceptsDefaultsAndAllKeys()
{
    std::vector<tp::ConfigIssue> issues;
    tp::DatasetSpec spec;
    tp::validateDatasetSpec(spec, issues);
    QVERIFY2(issues.empty(), issuesText(issues).c_str());

    spec.params = {{"classes", 5},  {"units", 40},  {"dim", 2},   {"alpha", 1.5},
                   {"spikes", 4},   {"samples_per_class", 200},   {"train_fraction", 0.9},
                   {"seed", 123456789012345ull}, {"shuffle", false}};
    spec.binning = {{"steps", 200}, {"step_frac", 1.0}, {"offset_frac", 0.1}};
    tp::validateDatasetSpec(spec, issues);
    QVERIFY2(issues.empty(), issuesText(issues).c_str());

    const auto p = tp::randmanParams(spec);
    QCOMPARE(p.classes, 5);
    QCOMPARE(p.units, 40);
    QCOMPARE(p.dim, 2);
    QCOMPARE(p.alpha, 1.5);
    QCOMPARE(p.spikes, 4);
    QCOMPARE(p.samples_per_class, 200);
    QCOMPARE(p.train_fraction, 0.9);
    QCOMPARE(p.seed, std::uint64_t(123456789012345ull));
    QCOMPARE(p.shuffle, false);
    QCOMPARE(p.steps, 200);
    QCOMPARE(p.step_frac, 1.0);
    QCOMPARE(p.offset_frac, 0.1);

    // Missing keys keep the paper defaults.
    const auto d = tp::randmanParams(tp::DatasetSpec{});
    QCOMPARE(d.classes, 10);
    QCOMPARE(d.units, 20);
    QCOMPARE(d.steps, 100);
    QCOMPARE(d.step_frac, 0.5);
    QCOMPARE(d.samples_per_class, 1000);
}

void TestRandman::validatorCollectsEveryError()
{
    tp::DatasetSpec spec;
    spec.params = {{"classes", 1},  {"units", 100001}, {"dim", 9},        {"alpha", 0},
                   {"spikes", 0},   {"samples_per_class", 1},  {"train_fraction", 1.0},
                   {"seed", -1},    {"foo", 3}};
    spec.binning = {{"steps", 0}, {"step_frac", 0.0}, {"offset_frac", 1.0}, {"bar", true}};
    std::vector<tp::ConfigIssue> issues;
    tp::validateDatasetSpec(spec, issues);
    const auto text = issuesText(issues);
    QCOMPARE(issues.size(), std::size_t(13));
    QVERIFY2(hasIssue(issues, "dataset.classes", "[2, 1000]"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.units", "[1, 100000]"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.dim", "[1, 8]"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.alpha", "> 0"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.spikes"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.samples_per_class"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.train_fraction", "(0, 1)"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.seed", "non-negative"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.foo", "unknown key (known: classes, units"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.steps"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.step_frac", "(0, 1]"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.offset_frac", "[0, 1)"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.bar", "unknown key (known: steps, step_frac, offset_frac)"),
             text.c_str());

    // Appends to what is already there.
    tp::validateDatasetSpec(spec, issues);
    QCOMPARE(issues.size(), std::size_t(26));
    QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::randmanParams(spec));
}

void TestRandman::validatorRejectsWrongTypes()
{
    tp::DatasetSpec spec;
    spec.params = {{"classes", 10.0}, {"units", "20"}, {"alpha", "1"}, {"shuffle", 1},
                   {"seed", 1.5},     {"train_fraction", nullptr}};
    spec.binning = {{"steps", true}, {"step_frac", nlohmann::json::array()}};
    std::vector<tp::ConfigIssue> issues;
    tp::validateDatasetSpec(spec, issues);
    const auto text = issuesText(issues);
    QCOMPARE(issues.size(), std::size_t(8));
    QVERIFY2(hasIssue(issues, "dataset.classes", "expected an integer"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.units", "expected an integer, got a string"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.alpha", "expected a number"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.shuffle", "expected a boolean"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.seed", "expected a non-negative integer"), text.c_str());
    QVERIFY2(hasIssue(issues, "dataset.train_fraction", "expected a number, got null"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.steps", "expected an integer"), text.c_str());
    QVERIFY2(hasIssue(issues, "binning.step_frac", "expected a number, got an array"), text.c_str());

    issues.clear();
    spec.params = nlohmann::json::array();
    spec.binning = 3;
    tp::validateDatasetSpec(spec, issues);
    QVERIFY2(hasIssue(issues, "dataset", "expected an object"), issuesText(issues).c_str());
    QVERIFY2(hasIssue(issues, "binning", "expected an object"), issuesText(issues).c_str());
}

void TestRandman::validatorRejectsUnknownKind()
{
    tp::DatasetSpec spec;
    spec.kind = "mnist";
    std::vector<tp::ConfigIssue> issues;
    tp::validateDatasetSpec(spec, issues);
    QCOMPARE(issues.size(), std::size_t(1));
    QCOMPARE(issues[0].path, std::string("dataset.kind"));
    QVERIFY(issues[0].message.find("mnist") != std::string::npos);
    for (const auto& kind : tp::datasetKinds())
        QVERIFY2(issues[0].message.find(kind) != std::string::npos, kind.c_str());
    QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::openDataset(spec));
}

void TestRandman::validatorChecksBenchmarkPath()
{
    for (const char* kind : {"nmnist", "shd", "ssc", "dvsgesture", "cifar10dvs", "gsc"}) {
        tp::DatasetSpec spec;
        spec.kind = kind;
        std::vector<tp::ConfigIssue> issues;
        tp::validateDatasetSpec(spec, issues);
        QVERIFY2(hasIssue(issues, "dataset.path"), kind);

        issues.clear();
        spec.params = {{"path", 5}};
        tp::validateDatasetSpec(spec, issues);
        QVERIFY2(hasIssue(issues, "dataset.path", "expected a string"), kind);

        // Empty path allowed here; unknown keys of the kind and of its binning are not.
        issues.clear();
        spec.params = {{"path", ""}, {"variant", "whatever"}, {"classes", "x"}};
        spec.binning = {{"time_window_us", 1000}, {"anything", nlohmann::json::array()}};
        tp::validateDatasetSpec(spec, issues);
        QVERIFY2(hasIssue(issues, "dataset.variant", "unknown key"), kind);
        QVERIFY2(hasIssue(issues, "binning.anything", "unknown key"), kind);
    }
}

void TestRandman::openDatasetGeneratesRandman()
{
    tp::DatasetSpec spec;
    spec.params = {{"classes", 3}, {"units", 4}, {"samples_per_class", 10}, {"alpha", 2.0},
                   {"train_fraction", 0.7}};
    spec.binning = {{"steps", 30}};
    const auto data = tp::openDataset(spec);
    QVERIFY(data);
    QCOMPARE(data->name(), std::string("randman"));
    QCOMPARE(data->classes(), 3);
    QCOMPARE(data->channels(), 4);
    QCOMPARE(data->size(tp::Split::Train), std::size_t(21));
    QCOMPARE(data->size(tp::Split::Test), std::size_t(9));
    QCOMPARE(data->sample(tp::Split::Train, 0).steps(), 30);
}

void TestRandman::openDatasetRejectsInvalidSpec()
{
    tp::DatasetSpec spec;
    spec.params = {{"classes", 0}, {"colour", "red"}};
    try {
        tp::openDataset(spec);
        QFAIL("expected ConfigError");
    } catch (const tp::ConfigError& e) {
        QCOMPARE(e.issues().size(), std::size_t(2));
        QVERIFY(hasIssue(e.issues(), "dataset.classes"));
        QVERIFY(hasIssue(e.issues(), "dataset.colour", "unknown key"));
    }
}

void TestRandman::openDatasetBenchmarkKinds()
{
    tp::DatasetSpec spec;
    spec.kind = "shd";
    spec.params = {{"path", ""}};
    spec.binning = {{"time_window_us", 10000}};
    try {
        tp::openDataset(spec);
        QFAIL("expected ConfigError");
    } catch (const tp::ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("dataset.path: set it to your copy of SHD (e.g. --set dataset.path=")
                     != std::string::npos,
                 e.what());
        QCOMPARE(e.issues().size(), std::size_t(1));
        QCOMPARE(e.issues()[0].path, std::string("dataset.path"));
    }

    spec.kind = "dvsgesture";
    spec.params = {{"path", "/nonexistent/DvsGesture"}};
    spec.binning = {{"time_window_us", 75000}};
    try {
        tp::openDataset(spec);
        QFAIL("expected IoError");
    } catch (const tp::IoError& e) {
        QVERIFY2(std::string(e.what()).find("trials_to_train.txt") != std::string::npos, e.what());
    }
    QCOMPARE(tp::datasetDisplayName("nmnist"), std::string("N-MNIST"));
    QCOMPARE(tp::datasetDisplayName("nope"), std::string("nope"));
}

QTEST_APPLESS_MAIN(TestRandman)
#include "test_randman.moc"
