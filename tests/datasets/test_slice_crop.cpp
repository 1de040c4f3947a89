// SliceByTime (tonic semantics, start at the first event, incomplete last window dropped unless
// asked) and the training-time RandomCrop(padding) + horizontal flip of binned frames.
#include <QtTest>

#include "core/errors.h"
#include "core/rng.h"
#include "transforms.h"

using namespace tp;

namespace {

Events at(std::initializer_list<std::int64_t> times)
{
    Events ev;
    for (auto t : times)
        ev.push_back({t, 0, 0, 0});
    return ev;
}

std::vector<std::vector<std::int64_t>> times(const std::vector<Events>& slices)
{
    std::vector<std::vector<std::int64_t>> out;
    for (const auto& s : slices) {
        out.emplace_back();
        for (const auto& e : s)
            out.back().push_back(e.t_us);
    }
    return out;
}

/// One step, one event per listed (p, y, x) with value 1, on a W x H x 2 sensor.
Sample frame(const SensorSize& s, std::initializer_list<std::array<int, 3>> pyx)
{
    Sample f;
    f.channels = s.channels();
    f.step_offsets = {0};
    for (const auto& [p, y, x] : pyx) {
        f.units.push_back((p * s.height + y) * s.width + x);
        f.values.push_back(1.0f);
    }
    f.step_offsets.push_back(std::int32_t(f.units.size()));
    return f;
}

} // namespace

class TestSliceCrop : public QObject {
    Q_OBJECT

private slots:
    void sliceByTimeWindows()
    {
        // t0 = 100, t_last = 1050, window 300: n = floor((950 - 300) / 300) + 1 = 3 windows
        // [100,400) [400,700) [700,1000); 1000 and 1050 fall in the dropped incomplete window.
        const Events ev = at({100, 250, 399, 400, 699, 700, 999, 1000, 1050});
        QCOMPARE(times(sliceEventsByTime(ev, 300)),
                 (std::vector<std::vector<std::int64_t>>{{100, 250, 399}, {400, 699}, {700, 999}}));
        // include_incomplete: ceil(650 / 300) + 1 = 4 windows, the last [1000, 1300).
        QCOMPARE(times(sliceEventsByTime(ev, 300, 0, true)).back(), (std::vector<std::int64_t>{1000, 1050}));
        // overlap 100: stride 200, n = floor(650 / 200) + 1 = 4: [100,400) [300,600) [500,800) [700,1000).
        const auto overlapped = times(sliceEventsByTime(ev, 300, 100));
        QCOMPARE(overlapped.size(), std::size_t(4));
        QCOMPARE(overlapped[1], (std::vector<std::int64_t>{399, 400}));
        // A recording shorter than the window: one (partial) slice, as tonic's max(n, 1).
        QCOMPARE(times(sliceEventsByTime(at({5, 6}), 1000)), (std::vector<std::vector<std::int64_t>>{{5, 6}}));
        QVERIFY(sliceEventsByTime(Events{}, 1000).empty());
        QVERIFY_THROWS_EXCEPTION(ConfigError, sliceEventsByTime(ev, 300, 300));
        QVERIFY_THROWS_EXCEPTION(ConfigError, sliceEventsByTime(ev, 0));
    }

    void flipWithoutPaddingMirrorsX()
    {
        const SensorSize s{8, 4, 2};
        const Sample in = frame(s, {{0, 1, 0}, {1, 3, 5}});
        // Find a seed whose draw flips (probability 1/2), then check the exact geometry.
        for (std::uint64_t seed = 0; seed < 64; ++seed) {
            Rng probe(seed);
            if (!(probe.uniform() < 0.5))
                continue;
            Rng rng(seed);
            const Sample out = randomCropFlip(in, s, 0, true, rng);
            QCOMPARE(out.units, (std::vector<std::int32_t>{(0 * 4 + 1) * 8 + 7, (1 * 4 + 3) * 8 + 2}));
            return;
        }
        QFAIL("no flipping seed in 64 draws");
    }

    void cropShiftsByTheDrawnOffsetAndDropsWhatLeaves()
    {
        const SensorSize s{10, 10, 1};
        const Sample in = frame(s, {{0, 0, 0}, {0, 5, 5}, {0, 9, 9}});
        for (std::uint64_t seed = 0; seed < 20; ++seed) {
            Rng draws(seed);
            const int ox = int(draws.below(9)), oy = int(draws.below(9));  // padding 4: offsets in [0, 8]
            Rng rng(seed);
            const Sample out = randomCropFlip(in, s, 4, false, rng);
            std::vector<std::int32_t> expect;
            for (const auto& [y, x] : {std::pair{0, 0}, {5, 5}, {9, 9}}) {
                const int nx = x + 4 - ox, ny = y + 4 - oy;
                if (nx >= 0 && nx < 10 && ny >= 0 && ny < 10)
                    expect.push_back(ny * 10 + nx);
            }
            std::sort(expect.begin(), expect.end());
            QCOMPARE(out.units, expect);
            QCOMPARE(out.steps(), 1);
        }
    }

    void bilinearResizeAlignCorners()
    {
        // 3x3 -> 2x2 with align_corners: outputs sample the four corners exactly.
        const SensorSize from{3, 3, 1}, to{2, 2, 1};
        Sample in = frame(from, {{0, 0, 0}, {0, 0, 2}, {0, 2, 0}, {0, 1, 1}});
        in.values = {1.0f, 2.0f, 3.0f, 8.0f};
        const Sample out = resizeFramesBilinear(in, from, to);
        QCOMPARE(out.units, (std::vector<std::int32_t>{0, 1, 2}));  // (2,2) is 0: not stored
        QCOMPARE(out.values, (std::vector<float>{1.0f, 2.0f, 3.0f}));
        // 2x1 -> 3x1: the middle output is the mean of the two inputs; polarities stay apart.
        const SensorSize a{2, 1, 2}, b{3, 1, 2};
        Sample two = frame(a, {{0, 0, 0}, {0, 0, 1}, {1, 0, 1}});
        two.values = {2.0f, 4.0f, 6.0f};
        const Sample wide = resizeFramesBilinear(two, a, b);
        QCOMPARE(wide.units, (std::vector<std::int32_t>{0, 1, 2, 4, 5}));
        QCOMPARE(wide.values, (std::vector<float>{2.0f, 3.0f, 4.0f, 3.0f, 6.0f}));
        QCOMPARE(wide.channels, 6);
    }
};

QTEST_APPLESS_MAIN(TestSliceCrop)
#include "test_slice_crop.moc"
