// Event transforms (dataset-formats.md section 7). Every expectation below is computed by hand
// from the section-7 formulas; the arithmetic is written next to each case.
#include <QtTest>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "transforms.h"

namespace {

tp::Event ev(std::int64_t t, int x, int y = 0, int p = 0)
{
    return tp::Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(p)};
}

/// Events at the given times, x = index (so each event has its own channel on a 1-D sensor).
tp::Events atTimes(const std::vector<std::int64_t>& times)
{
    tp::Events out;
    for (std::size_t i = 0; i < times.size(); ++i)
        out.push_back(ev(times[i], int(i)));
    return out;
}

/// Total count per frame.
std::vector<int> frameSums(const tp::Sample& s)
{
    std::vector<int> sums;
    for (int k = 0; k < s.steps(); ++k) {
        float total = 0;
        for (int i = s.step_offsets[k]; i < s.step_offsets[k + 1]; ++i)
            total += s.values[std::size_t(i)];
        sums.push_back(int(total));
    }
    return sums;
}

/// (channel, count) entries of frame k.
std::vector<std::pair<int, int>> frame(const tp::Sample& s, int k)
{
    std::vector<std::pair<int, int>> out;
    for (int i = s.step_offsets[k]; i < s.step_offsets[k + 1]; ++i)
        out.emplace_back(s.units[std::size_t(i)], int(s.values[std::size_t(i)]));
    return out;
}

/// CSR invariants: offsets start at 0 and grow, units sorted ascending per step and < channels,
/// no zero values.
void checkCsr(const tp::Sample& s)
{
    QVERIFY(!s.step_offsets.empty());
    QCOMPARE(s.step_offsets.front(), 0);
    QCOMPARE(std::size_t(s.step_offsets.back()), s.units.size());
    QCOMPARE(s.units.size(), s.values.size());
    for (int k = 0; k < s.steps(); ++k) {
        QVERIFY(s.step_offsets[k] <= s.step_offsets[k + 1]);
        for (int i = s.step_offsets[k]; i < s.step_offsets[k + 1]; ++i) {
            QVERIFY(s.units[std::size_t(i)] >= 0 && s.units[std::size_t(i)] < s.channels);
            QVERIFY(s.values[std::size_t(i)] > 0);
            if (i > s.step_offsets[k])
                QVERIFY(s.units[std::size_t(i - 1)] < s.units[std::size_t(i)]);
        }
    }
}

tp::Sample frames(const tp::Events& events, const tp::SensorSize& sensor, const tp::ToFrameParams& p)
{
    tp::Sample s = tp::toFrame(events, sensor, p, 3);
    return s;
}

const tp::SensorSize kLine{20, 1, 1};  // 1-D sensor, channel == x

tp::ToFrameParams timeWindow(std::int64_t w, double overlap = 0, bool incomplete = false)
{
    tp::ToFrameParams p;
    p.time_window = w;
    p.overlap = overlap;
    p.include_incomplete = incomplete;
    return p;
}

/// Expects a ConfigError whose message names `param`.
void expectConfigError(const std::function<void()>& f, const QString& param)
{
    try {
        f();
        QFAIL(qPrintable("no ConfigError (expected one about " + param + ")"));
    } catch (const tp::ConfigError& e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.contains(param), qPrintable("message '" + what + "' does not name " + param));
    }
}

using Sums = std::vector<int>;

} // namespace

class TestTransforms : public QObject {
    Q_OBJECT

private slots:
    void timeWindowNoOverlap()
    {
        // t = 0 3 5 9 10 14, Δ = 5: D = 14, n = floor((14-5)/5)+1 = floor(1.8)+1 = 2.
        // [0,5): 0 3; [5,10): 5 9 (9 < 10, 10 excluded); 10 and 14 dropped.
        const auto events = atTimes({0, 3, 5, 9, 10, 14});
        tp::Sample s = frames(events, kLine, timeWindow(5));
        checkCsr(s);
        QCOMPARE(s.label, 3);
        QCOMPARE(s.channels, 20);
        QCOMPARE(frameSums(s), (Sums{2, 2}));
        QCOMPARE(frame(s, 1), (std::vector<std::pair<int, int>>{{2, 1}, {3, 1}}));
        // include_incomplete: n = ceil(1.8)+1 = 3, [10,15): 10 14.
        s = frames(events, kLine, timeWindow(5, 0, true));
        checkCsr(s);
        QCOMPARE(frameSums(s), (Sums{2, 2, 2}));
        QCOMPARE(frame(s, 2), (std::vector<std::pair<int, int>>{{4, 1}, {5, 1}}));
    }

    void timeWindowLargeTimestamps()
    {
        // Same as above shifted by an epoch-like offset: int64 arithmetic must stay exact.
        const std::int64_t base = 1'700'000'000'000'000;
        tp::Events events = atTimes({base, base + 3, base + 5, base + 9, base + 10, base + 14});
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(5))), (Sums{2, 2}));
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(5, 0, true))), (Sums{2, 2, 2}));
    }

    void timeWindowOverlap()
    {
        const auto events = atTimes({0, 3, 5, 9, 10, 14});
        // Δ = 6, o = 2: s = 4, (14-6)/4 = 2 exactly -> n = 3 with floor and with ceil.
        // [0,6): 0 3 5; [4,10): 5 9; [8,14): 9 10 (14 excluded).
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(6, 2))), (Sums{3, 2, 2}));
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(6, 2, true))), (Sums{3, 2, 2}));
        tp::Sample s = frames(events, kLine, timeWindow(6, 2));
        QCOMPARE(frame(s, 1), (std::vector<std::pair<int, int>>{{2, 1}, {3, 1}}));
        // Fractional overlap o = 2.5: s = 3.5, (14-6)/3.5 = 2.29 -> n = 3 (floor) / 4 (ceil).
        // [0,6): 0 3 5; [3.5,9.5): 5 9 (3 < 3.5 excluded); [7,13): 9 10; [10.5,16.5): 14.
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(6, 2.5))), (Sums{3, 2, 2}));
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(6, 2.5, true))), (Sums{3, 2, 2, 1}));
        // Negative overlap (a gap): Δ = 3, o = -2, s = 5: (14-3)/5 = 2.2 -> n = 3.
        // [0,3): 0; [5,8): 5; [10,13): 10.
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(3, -2))), (Sums{1, 1, 1}));
    }

    void timeWindowStartEnd()
    {
        const auto events = atTimes({0, 3, 5, 9, 10, 14});
        // start 2, end 20: D = 18, (18-5)/5 = 2.6 -> n = 3: [2,7): 3 5; [7,12): 9 10; [12,17): 14.
        tp::ToFrameParams p = timeWindow(5);
        p.start_time = 2;
        p.end_time = 20;
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{2, 2, 1}));
        // start -10 (t0 would be 0): D = 24, Δ = 10, (24-10)/10 = 1.4 -> n = 2:
        // [-10,0): nothing; [0,10): 0 3 5 9.
        p = timeWindow(10);
        p.start_time = -10;
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{0, 4}));
        // Only end_time: start = t0 = 0, end 4: (4-5)/5 = -0.2 -> n = floor+1 = 0 -> max 1.
        // The single window [0,5) still holds 0 3 (events past end_time inside a window count).
        p = timeWindow(5);
        p.end_time = 4;
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{2}));
        // D < Δ: (14-100)/100 = -0.86 -> floor+1 = 0, ceil+1 = 1 -> max(n,1) = 1 frame [0,100).
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(100))), (Sums{6}));
        QCOMPARE(frameSums(frames(events, kLine, timeWindow(100, 0, true))), (Sums{6}));
        // Single event: D = 0, one frame.
        QCOMPARE(frameSums(frames(atTimes({42}), kLine, timeWindow(5))), (Sums{1}));
    }

    void nTimeBins()
    {
        tp::ToFrameParams p;
        p.n_time_bins = 3;
        // t = 0 2 4 6 8 10 11: D = 11, Δ = 11 // 3 = 3, s = 3.
        // [0,3): 0 2; [3,6): 4; [6,9): 6 8; 10 and 11 dropped.
        const auto events = atTimes({0, 2, 4, 6, 8, 10, 11});
        tp::Sample s = frames(events, kLine, p);
        checkCsr(s);
        QCOMPARE(frameSums(s), (Sums{2, 1, 2}));
        QCOMPARE(frame(s, 2), (std::vector<std::pair<int, int>>{{3, 1}, {4, 1}}));
        // D divisible by B: t = 0 3 6 9, Δ = 3: [0,3) [3,6) [6,9); the last event (t = 9) is dropped.
        QCOMPARE(frameSums(frames(atTimes({0, 3, 6, 9}), kLine, p)), (Sums{1, 1, 1}));
        // Overlap 0.5: Δ = 3 * 1.5 = 4.5, s = 2.25.
        // [0,4.5): 0 2 4; [2.25,6.75): 4 6; [4.5,9): 6 8.
        p.overlap = 0.5;
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{3, 2, 2}));
    }

    void nTimeBinsIntegerDivision()
    {
        // t = 0 3 7, B = 2: Δ = 7 // 2 = 3 (not 3.5): [0,3): 0; [3,6): 3; 7 dropped.
        // With a float Δ = 3.5 it would be [0,3.5): 0 3 and [3.5,7): nothing.
        tp::ToFrameParams p;
        p.n_time_bins = 2;
        QCOMPARE(frameSums(frames(atTimes({0, 3, 7}), kLine, p)), (Sums{1, 1}));
        // D < B: t = 100 101 102, B = 5: Δ = 2 // 5 = 0, all five windows are empty.
        p.n_time_bins = 5;
        tp::Sample s = frames(atTimes({100, 101, 102}), kLine, p);
        checkCsr(s);
        QCOMPARE(frameSums(s), (Sums{0, 0, 0, 0, 0}));
        QCOMPARE(s.nonZeros(), std::size_t(0));
    }

    void eventCount()
    {
        const auto events = atTimes({0, 1, 2, 3, 4, 5, 6});  // N = 7
        tp::ToFrameParams p;
        p.event_count = 3;
        // n = floor((7-3)/3)+1 = 2: [0,3) [3,6); event 6 dropped.
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{3, 3}));
        // include_incomplete: n = ceil(4/3)+1 = 3, [6,9) clamped to [6,7).
        p.include_incomplete = true;
        tp::Sample s = frames(events, kLine, p);
        QCOMPARE(frameSums(s), (Sums{3, 3, 1}));
        QCOMPARE(frame(s, 2), (std::vector<std::pair<int, int>>{{6, 1}}));
        // overlap 1: s = 2, n = floor(4/2)+1 = 3: [0,3) [2,5) [4,7).
        p.include_incomplete = false;
        p.overlap = 1;
        s = frames(events, kLine, p);
        QCOMPARE(frameSums(s), (Sums{3, 3, 3}));
        QCOMPARE(frame(s, 1), (std::vector<std::pair<int, int>>{{2, 1}, {3, 1}, {4, 1}}));
        // Fractional overlap 0.5: s = 2.5, n = floor(4/2.5)+1 = 2; starts int(k*2.5) = 0, 2:
        // [0,3) [2,5). include_incomplete: n = ceil(1.6)+1 = 3, third start int(5.0) = 5: [5,7).
        p.overlap = 0.5;
        s = frames(events, kLine, p);
        QCOMPARE(frameSums(s), (Sums{3, 3}));
        QCOMPARE(frame(s, 1), (std::vector<std::pair<int, int>>{{2, 1}, {3, 1}, {4, 1}}));
        p.include_incomplete = true;
        QCOMPARE(frameSums(frames(events, kLine, p)), (Sums{3, 3, 2}));
        // N < C: C' = min(5, 2) = 2, n = floor(0/5)+1 = 1: one slice with both events.
        tp::ToFrameParams q;
        q.event_count = 5;
        QCOMPARE(frameSums(frames(atTimes({10, 20}), kLine, q)), (Sums{2}));
        q.include_incomplete = true;
        QCOMPARE(frameSums(frames(atTimes({10, 20}), kLine, q)), (Sums{2}));
    }

    void nEventBins()
    {
        tp::ToFrameParams p;
        p.n_event_bins = 3;
        // N = 10, B = 3: c = floor(10/3) = 3, s = 3: [0,3) [3,6) [6,9); event 9 dropped.
        std::vector<std::int64_t> t10;
        for (int i = 0; i < 10; ++i)
            t10.push_back(i);
        QCOMPARE(frameSums(frames(atTimes(t10), kLine, p)), (Sums{3, 3, 3}));
        // N = 12, B = 4, o = 0.25: c = floor(3 * 1.25) = 3, s = floor(3 * 0.75) = 2:
        // [0,3) [2,5) [4,7) [6,9); events 9..11 dropped.
        std::vector<std::int64_t> t12;
        for (int i = 0; i < 12; ++i)
            t12.push_back(100 * i);
        p.n_event_bins = 4;
        p.overlap = 0.25;
        tp::Sample s = frames(atTimes(t12), kLine, p);
        QCOMPARE(frameSums(s), (Sums{3, 3, 3, 3}));
        QCOMPARE(frame(s, 3), (std::vector<std::pair<int, int>>{{6, 1}, {7, 1}, {8, 1}}));
        // N = 12, B = 3, o = 0.5: c = floor(4 * 1.5) = 6, s = floor(6 * 0.5) = 3:
        // [0,6) [3,9) [6,12).
        p.n_event_bins = 3;
        p.overlap = 0.5;
        s = frames(atTimes(t12), kLine, p);
        QCOMPARE(frameSums(s), (Sums{6, 6, 6}));
        QCOMPARE(frame(s, 1).front(), (std::pair<int, int>{3, 1}));
        // N < B: N = 2, B = 4: c = floor(0.5) = 0 -> four empty frames.
        p.n_event_bins = 4;
        p.overlap = 0;
        QCOMPARE(frameSums(frames(atTimes({1, 2}), kLine, p)), (Sums{0, 0, 0, 0}));
    }

    void emptyInputShapes()
    {
        const tp::SensorSize sensor{3, 2, 2};
        const tp::Events none;
        tp::ToFrameParams p = timeWindow(1000);
        tp::Sample s = frames(none, sensor, p);
        QCOMPARE(s.steps(), 1);
        QCOMPARE(s.channels, 12);
        QCOMPARE(s.nonZeros(), std::size_t(0));
        p.start_time = 0;
        p.end_time = 10'000;  // ignored for empty input: still one frame
        QCOMPARE(frames(none, sensor, p).steps(), 1);
        tp::ToFrameParams c;
        c.event_count = 5;
        QCOMPARE(frames(none, sensor, c).steps(), 1);
        tp::ToFrameParams tb;
        tb.n_time_bins = 4;
        QCOMPARE(frames(none, sensor, tb).steps(), 4);
        tp::ToFrameParams eb;
        eb.n_event_bins = 3;
        s = frames(none, sensor, eb);
        checkCsr(s);
        QCOMPARE(s.steps(), 3);
        QCOMPARE(s.step_offsets, (std::vector<std::int32_t>{0, 0, 0, 0}));
    }

    void audioSensor()
    {
        // (700, 1, 1): channel = x. Entries sorted by channel, duplicates summed.
        const tp::SensorSize shd{700, 1, 1};
        const tp::Events events{ev(0, 699), ev(1, 0), ev(2, 350), ev(3, 699)};
        tp::ToFrameParams p;
        p.event_count = 4;
        tp::Sample s = frames(events, shd, p);
        checkCsr(s);
        QCOMPARE(s.channels, 700);
        QCOMPARE(s.steps(), 1);
        QCOMPARE(frame(s, 0), (std::vector<std::pair<int, int>>{{0, 1}, {350, 1}, {699, 2}}));
    }

    void sensor2dLayout()
    {
        // (W, H, P) = (4, 3, 2): channel = (p*H + y)*W + x.
        const tp::SensorSize sensor{4, 3, 2};
        const tp::Events events{ev(0, 1, 2, 1),   // (1*3 + 2)*4 + 1 = 21
                                ev(1, 3, 0, 0),   // (0*3 + 0)*4 + 3 = 3
                                ev(2, 0, 1, 1),   // (1*3 + 1)*4 + 0 = 16
                                ev(3, 2, 2, 0)};  // (0*3 + 2)*4 + 2 = 10
        tp::ToFrameParams p;
        p.n_event_bins = 1;
        tp::Sample s = frames(events, sensor, p);
        checkCsr(s);
        QCOMPARE(s.channels, 24);
        QCOMPARE(frame(s, 0), (std::vector<std::pair<int, int>>{{3, 1}, {10, 1}, {16, 1}, {21, 1}}));
    }

    void singlePolarity()
    {
        // P == 1: p is set to 0, so an all-ON stream lands on channel x.
        const tp::SensorSize sensor{4, 1, 1};
        tp::ToFrameParams p;
        p.event_count = 10;
        tp::Sample s = frames({ev(0, 2, 0, 1), ev(1, 3, 0, 1)}, sensor, p);
        QCOMPARE(frame(s, 0), (std::vector<std::pair<int, int>>{{2, 1}, {3, 1}}));
        // Mixed polarities with P == 1 are an error.
        expectConfigError([&] { frames({ev(0, 2, 0, 1), ev(1, 3, 0, 0)}, sensor, p); }, "polarit");
    }

    void parameterErrors()
    {
        const auto events = atTimes({0, 1, 2});
        expectConfigError([&] { frames(events, kLine, tp::ToFrameParams{}); }, "time_window");
        tp::ToFrameParams two = timeWindow(5);
        two.n_time_bins = 2;
        expectConfigError([&] { frames(events, kLine, two); }, "n_time_bins");
        expectConfigError([&] { frames(events, kLine, timeWindow(0)); }, "time_window");
        expectConfigError([&] { frames(events, kLine, timeWindow(5, 5)); }, "overlap");
        expectConfigError([&] { frames(events, kLine, timeWindow(5, 7.5)); }, "stride");
        tp::ToFrameParams c;
        c.event_count = 3;
        c.overlap = 3;
        expectConfigError([&] { frames(events, kLine, c); }, "event_count");
        c.event_count = 0;
        c.overlap = 0;
        expectConfigError([&] { frames(events, kLine, c); }, "event_count");
        tp::ToFrameParams tb;
        tb.n_time_bins = 0;
        expectConfigError([&] { frames(events, kLine, tb); }, "n_time_bins");
        tb.n_time_bins = 2;
        tb.overlap = 1.0;
        expectConfigError([&] { frames(events, kLine, tb); }, "overlap");
        tp::ToFrameParams eb;
        eb.n_event_bins = 0;
        expectConfigError([&] { frames(events, kLine, eb); }, "n_event_bins");
        eb.n_event_bins = 2;
        eb.overlap = -0.1;
        expectConfigError([&] { frames(events, kLine, eb); }, "overlap");
        // Parameters are checked even when there are no events.
        expectConfigError([&] { frames({}, kLine, timeWindow(-1)); }, "time_window");
        // Events outside the sensor.
        const tp::SensorSize sensor{4, 3, 2};
        expectConfigError([&] { frames({ev(0, 4, 0)}, sensor, timeWindow(5)); }, "x");
        expectConfigError([&] { frames({ev(0, -1, 0)}, sensor, timeWindow(5)); }, "x");
        expectConfigError([&] { frames({ev(0, 0, 3)}, sensor, timeWindow(5)); }, "y");
        expectConfigError([&] { frames({ev(0, 0, 0, 2)}, sensor, timeWindow(5)); }, "polarity");
        expectConfigError([&] { frames(events, tp::SensorSize{0, 1, 1}, timeWindow(5)); }, "sensor_size");
    }

    void denoise()
    {
        // τ = 10, 1-D row (H = max y + 1 = 1, W = max x + 1 = 6). M starts at 10 everywhere.
        const tp::Events events{
            ev(1, 0),   // M[1] = 10 > 1: kept (initial-memory quirk)
            ev(2, 5),   // M[4] = 10 > 2: kept (quirk)
            ev(50, 3),  // M[2] = 10, M[4] = 10, not > 50: dropped
            ev(55, 4),  // M[3] = 60 > 55: kept
            ev(70, 4),  // M[3] = 60, M[5] = 12: dropped
            ev(72, 4),  // own pixel M[4] = 82 > 72 does not count; neighbours 60, 12: dropped
        };
        const tp::Events kept = tp::denoise(events, 10);
        QCOMPARE(kept, (tp::Events{ev(1, 0), ev(2, 5), ev(55, 4)}));
        // A 1x1 image has no in-bounds neighbour: dropped even at t < τ.
        QVERIFY(tp::denoise(tp::Events{ev(0, 0)}, 10).empty());
        // Vertical neighbours (W = 2, H = 3): (1,1) at 100 has neighbours at 10: dropped;
        // (1,2) at 105 sees M(1,1) = 110 > 105: kept.
        const tp::Events vertical{ev(100, 1, 1), ev(105, 1, 2)};
        QCOMPARE(tp::denoise(vertical, 10), (tp::Events{ev(105, 1, 2)}));
        // Strict inequality: neighbour at 100 with τ = 5 gives M = 105, event at 105 is dropped.
        QVERIFY(tp::denoise(tp::Events{ev(100, 0), ev(105, 1)}, 5).empty());
        QVERIFY(tp::denoise(tp::Events{}, 10).empty());
    }

    void downsample()
    {
        const tp::Events events{ev(1001, 7, 3, 1), ev(1002, 6, 2, 0), ev(-3, 0, 0, 0), ev(5, -3, 1, 1)};
        const tp::Events out = tp::downsample(events, 0.5, 0.5, 0.5);
        // 1001*0.5 = 500.5 -> 500, 7*0.5 = 3.5 -> 3, 3*0.5 -> 1; 6*0.5 = 3 and 2*0.5 = 1: the
        // first two events now share a pixel (no merging); -3*0.5 = -1.5 -> -1 (toward zero);
        // x = -3 -> -1; 1*0.5 = 0.5 -> 0.
        const tp::Events expected{ev(500, 3, 1, 1), ev(501, 3, 1, 0), ev(-1, 0, 0, 0), ev(2, -1, 0, 1)};
        QCOMPARE(out, expected);
        // Separate factors for x and y.
        QCOMPARE(tp::downsample(tp::Events{ev(10, 9, 9)}, 1.0, 1.0 / 3.0, 0.25),
                 (tp::Events{ev(10, 3, 2)}));
    }
};

QTEST_APPLESS_MAIN(TestTransforms)
#include "test_transforms.moc"
