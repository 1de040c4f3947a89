#include <QtTest>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "core/dataset.h"
#include "core/errors.h"
#include "core/sample.h"
#include "randman.h"

namespace {

using Frame = std::vector<std::pair<int, float>>;

tp::Sample makeSample(int label, int channels, const std::vector<Frame>& frames)
{
    tp::Sample s;
    s.label = label;
    s.channels = channels;
    s.step_offsets.push_back(0);
    for (const auto& frame : frames) {
        for (const auto& [unit, value] : frame) {
            s.units.push_back(unit);
            s.values.push_back(value);
        }
        s.step_offsets.push_back(std::int32_t(s.units.size()));
    }
    return s;
}

/// The entries of row b in frame t of a batch.
Frame frameOf(const tp::Batch& batch, int t, int b)
{
    Frame frame;
    const auto& offsets = batch.row_offsets[std::size_t(t)];
    for (int e = offsets[std::size_t(b)]; e < offsets[std::size_t(b) + 1]; ++e)
        frame.emplace_back(batch.units[std::size_t(t)][std::size_t(e)],
                           batch.values[std::size_t(t)][std::size_t(e)]);
    return frame;
}

bool isPermutation(const std::vector<std::size_t>& order, std::size_t n)
{
    if (order.size() != n)
        return false;
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < n; ++i)
        if (sorted[i] != i)
            return false;
    return true;
}

} // namespace

class TestBatching : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void padsShortSamplesWithEmptyFrames();
    void followsTheIndexOrder();
    void densityCountsEntriesOverThePaddedBatch();
    void emptyBatch();
    void rejectsMismatchedChannels();
    void rejectsLabelsOutOfRange();
    void rejectsIndicesOutOfRange();
    void batchesRandmanSamples();

    void epochOrderIsAPermutation();
    void epochOrderDependsOnlyOnSeedAndEpoch();
    void epochOrderIdentityWithoutShuffle();
};

void TestBatching::padsShortSamplesWithEmptyFrames()
{
    const std::vector<tp::Sample> samples = {
        makeSample(1, 4, {{{0, 1.0f}}, {}, {{1, 2.0f}, {3, 1.0f}}}),
        makeSample(0, 4, {{}, {{2, 1.0f}}, {{0, 1.0f}}, {{3, 1.0f}}, {{1, 1.0f}, {2, 0.5f}}}),
    };
    const std::vector<std::size_t> indices = {0, 1};
    const tp::Batch batch = tp::makeBatch(samples, indices, 2);

    QCOMPARE(batch.size, 2);
    QCOMPARE(batch.steps, 5);
    QCOMPARE(batch.channels, 4);
    QCOMPARE(batch.labels, (std::vector<std::int32_t>{1, 0}));
    QCOMPARE(batch.lengths, (std::vector<std::int32_t>{3, 5}));
    QCOMPARE(batch.row_offsets.size(), std::size_t(5));
    QCOMPARE(batch.units.size(), std::size_t(5));
    QCOMPARE(batch.values.size(), std::size_t(5));
    for (int t = 0; t < 5; ++t) {
        const auto& offsets = batch.row_offsets[std::size_t(t)];
        QCOMPARE(offsets.size(), std::size_t(3));
        QCOMPARE(offsets[0], 0);
        QCOMPARE(std::size_t(offsets[2]), batch.units[std::size_t(t)].size());
        QCOMPARE(batch.values[std::size_t(t)].size(), batch.units[std::size_t(t)].size());
    }

    QCOMPARE(frameOf(batch, 0, 0), (Frame{{0, 1.0f}}));
    QCOMPARE(frameOf(batch, 1, 0), Frame{});
    QCOMPARE(frameOf(batch, 2, 0), (Frame{{1, 2.0f}, {3, 1.0f}}));
    QCOMPARE(frameOf(batch, 3, 0), Frame{});  // padding
    QCOMPARE(frameOf(batch, 4, 0), Frame{});  // padding
    QCOMPARE(frameOf(batch, 0, 1), Frame{});
    QCOMPARE(frameOf(batch, 1, 1), (Frame{{2, 1.0f}}));
    QCOMPARE(frameOf(batch, 2, 1), (Frame{{0, 1.0f}}));
    QCOMPARE(frameOf(batch, 3, 1), (Frame{{3, 1.0f}}));
    QCOMPARE(frameOf(batch, 4, 1), (Frame{{1, 1.0f}, {2, 0.5f}}));
}

void TestBatching::followsTheIndexOrder()
{
    const std::vector<tp::Sample> samples = {
        makeSample(0, 3, {{{0, 1.0f}}}),
        makeSample(1, 3, {{{1, 1.0f}}, {{2, 1.0f}}}),
        makeSample(2, 3, {{{2, 1.0f}}}),
    };
    const std::vector<std::size_t> indices = {2, 0, 2};  // repeats are allowed
    const tp::Batch batch = tp::makeBatch(samples, indices, 3);
    QCOMPARE(batch.size, 3);
    QCOMPARE(batch.steps, 1);
    QCOMPARE(batch.labels, (std::vector<std::int32_t>{2, 0, 2}));
    QCOMPARE(batch.units[0], (std::vector<std::int32_t>{2, 0, 2}));
    QCOMPARE(batch.row_offsets[0], (std::vector<std::int32_t>{0, 1, 2, 3}));
}

void TestBatching::densityCountsEntriesOverThePaddedBatch()
{
    const std::vector<tp::Sample> samples = {
        makeSample(0, 10, {{{0, 1.0f}, {5, 1.0f}}, {}}),
        makeSample(1, 10, {{{1, 1.0f}}, {}, {}, {{9, 3.0f}}}),
    };
    const std::vector<std::size_t> indices = {0, 1};
    const tp::Batch batch = tp::makeBatch(samples, indices, 2);
    // 4 entries over 2 rows x 4 steps x 10 channels.
    QCOMPARE(batch.density(), 4.0 / 80.0);
}

void TestBatching::emptyBatch()
{
    const std::vector<tp::Sample> samples = {makeSample(0, 3, {{{0, 1.0f}}})};
    const tp::Batch batch = tp::makeBatch(samples, std::span<const std::size_t>{}, 2);
    QCOMPARE(batch.size, 0);
    QCOMPARE(batch.steps, 0);
    QCOMPARE(batch.density(), 0.0);
    QCOMPARE(tp::Batch{}.density(), 0.0);

    // Samples with no steps at all: a batch of empty rows, density 0.
    const std::vector<tp::Sample> blank = {makeSample(0, 3, {})};
    const std::vector<std::size_t> one = {0};
    const tp::Batch zero = tp::makeBatch(blank, one, 1);
    QCOMPARE(zero.steps, 0);
    QCOMPARE(zero.lengths, (std::vector<std::int32_t>{0}));
    QCOMPARE(zero.density(), 0.0);
}

void TestBatching::rejectsMismatchedChannels()
{
    const std::vector<tp::Sample> samples = {
        makeSample(0, 4, {{{0, 1.0f}}}),
        makeSample(1, 5, {{{4, 1.0f}}}),
    };
    const std::vector<std::size_t> indices = {0, 1};
    try {
        tp::makeBatch(samples, indices, 2);
        QFAIL("expected ConfigError");
    } catch (const tp::ConfigError& e) {
        QCOMPARE(e.issues().size(), std::size_t(1));
        QVERIFY2(std::string(e.what()).find("channels") != std::string::npos, e.what());
    }
    // Same channels: fine.
    const std::vector<std::size_t> same = {1, 1};
    QCOMPARE(tp::makeBatch(samples, same, 2).channels, 5);
}

void TestBatching::rejectsLabelsOutOfRange()
{
    const std::vector<tp::Sample> samples = {
        makeSample(3, 4, {{{0, 1.0f}}}),
        makeSample(-1, 4, {{{0, 1.0f}}}),
        makeSample(2, 4, {{{0, 1.0f}}}),
    };
    const std::vector<std::size_t> indices = {0, 1, 2};
    try {
        tp::makeBatch(samples, indices, 3);
        QFAIL("expected ConfigError");
    } catch (const tp::ConfigError& e) {
        QCOMPARE(e.issues().size(), std::size_t(2));  // labels 3 and -1; 2 is fine
        QVERIFY2(std::string(e.what()).find("label 3") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("label -1") != std::string::npos, e.what());
    }
    const std::vector<std::size_t> good = {2};
    QCOMPARE(tp::makeBatch(samples, good, 3).labels, (std::vector<std::int32_t>{2}));
}

void TestBatching::rejectsIndicesOutOfRange()
{
    const std::vector<tp::Sample> samples = {makeSample(0, 4, {{{0, 1.0f}}})};
    const std::vector<std::size_t> indices = {0, 1};
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, tp::makeBatch(samples, indices, 2));
}

void TestBatching::batchesRandmanSamples()
{
    tp::RandmanParams p;
    p.classes = 3;
    p.units = 8;
    p.spikes = 2;
    p.steps = 40;
    p.alpha = 2.0;
    p.samples_per_class = 6;
    const auto samples = tp::generateRandman(p);
    std::vector<std::size_t> indices(samples.size());
    std::iota(indices.begin(), indices.end(), std::size_t(0));
    const tp::Batch batch = tp::makeBatch(samples, indices, p.classes);
    QCOMPARE(batch.size, 18);
    QCOMPARE(batch.steps, 40);
    QCOMPARE(batch.channels, 8);
    double spikes = 0.0;
    std::size_t entries = 0;
    for (int t = 0; t < batch.steps; ++t) {
        entries += batch.units[std::size_t(t)].size();
        for (float v : batch.values[std::size_t(t)])
            spikes += v;
    }
    QCOMPARE(spikes, double(18 * 8 * 2));
    QCOMPARE(batch.density(), double(entries) / double(18 * 40 * 8));
    QVERIFY(batch.density() > 0.0 && batch.density() <= 2.0 / 40.0);
}

void TestBatching::epochOrderIsAPermutation()
{
    for (std::size_t n : {0, 1, 2, 17, 1000}) {
        const auto order = tp::epochOrder(n, 42, 3, true);
        QVERIFY2(isPermutation(order, n), qPrintable(QString::number(n)));
    }
}

void TestBatching::epochOrderDependsOnlyOnSeedAndEpoch()
{
    const auto a = tp::epochOrder(500, 42, 0, true);
    QVERIFY(a == tp::epochOrder(500, 42, 0, true));
    // Epoch 5 computed directly equals epoch 5 computed after others (a resumed run).
    const auto e5 = tp::epochOrder(500, 42, 5, true);
    for (int epoch = 0; epoch < 5; ++epoch)
        tp::epochOrder(500, 42, epoch, true);
    QVERIFY(e5 == tp::epochOrder(500, 42, 5, true));

    QVERIFY(a != tp::epochOrder(500, 42, 1, true));
    QVERIFY(a != tp::epochOrder(500, 43, 0, true));
    std::vector<std::size_t> identity(500);
    std::iota(identity.begin(), identity.end(), std::size_t(0));
    QVERIFY(a != identity);
}

void TestBatching::epochOrderIdentityWithoutShuffle()
{
    std::vector<std::size_t> identity(37);
    std::iota(identity.begin(), identity.end(), std::size_t(0));
    QVERIFY(tp::epochOrder(37, 42, 0, false) == identity);
    QVERIFY(tp::epochOrder(37, 7, 9, false) == identity);
    QVERIFY(tp::epochOrder(0, 7, 9, false).empty());
}

QTEST_APPLESS_MAIN(TestBatching)
#include "test_batching.moc"
