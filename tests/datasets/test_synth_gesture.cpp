#include <QtTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "dvsgesture.h"
#include "synth_gesture.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Bytes readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A small set: 3 users (2 train, 1 test), 300 ms trials.
tp::SyntheticGestureParams smallParams(std::uint64_t seed = 7)
{
    tp::SyntheticGestureParams p;
    p.users = 3;
    p.test_users = 1;
    p.trial_us = 300'000;
    p.gap_us = 50'000;
    p.seed = seed;
    return p;
}

/// One trial read back through the real reader path.
struct Trial {
    tp::Events events;
    int cls;
    tp::GestureLabel label;
};

std::vector<Trial> readTrials(const tp::GestureRecording& rec)
{
    const tp::Events events = tp::readAedat31(rec.aedat);
    const std::vector<tp::GestureLabel> labels = tp::readGestureLabels(rec.labels);
    auto cut = tp::cutTrials(events, labels);
    std::vector<Trial> trials;
    for (std::size_t i = 0; i < cut.size(); ++i)
        trials.push_back({std::move(cut[i].first), cut[i].second, labels[i]});
    return trials;
}

std::vector<Trial> readAllTrials(const std::string& root)
{
    std::vector<Trial> all;
    for (bool train : {true, false})
        for (const auto& rec : tp::scanDvsGesture(root, train))
            for (auto& t : readTrials(rec))
                all.push_back(std::move(t));
    return all;
}

/// Mean x and y of the events with start + a * len <= t < start + b * len.
std::pair<double, double> centroid(const Trial& trial, double a, double b)
{
    const double len = double(trial.label.end_us - trial.label.start_us);
    double sx = 0, sy = 0;
    int n = 0;
    for (const auto& e : trial.events) {
        const double f = double(e.t_us - trial.label.start_us) / len;
        if (f >= a && f < b) {
            sx += e.x;
            sy += e.y;
            ++n;
        }
    }
    return n ? std::pair{sx / n, sy / n} : std::pair{-1.0, -1.0};
}

} // namespace

class TestSynthGesture : public QObject {
    Q_OBJECT

private slots:
    void readsBackThroughTheRealReaders();
    void everyEventInsideATrialWithoutNoise();
    void deterministicForASeed();
    void motionDirections();
    void rotationAndRings();
    void eventCountsFollowTheRate();
    void rejectsBadParams();
    void repeatsClassesPerRecording();
};

void TestSynthGesture::readsBackThroughTheRealReaders()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    const auto p = smallParams();
    tp::writeSyntheticGestures(root, p);

    const auto train = tp::scanDvsGesture(root, true);
    const auto test = tp::scanDvsGesture(root, false);
    QCOMPARE(train.size(), std::size_t(2));
    QCOMPARE(test.size(), std::size_t(1));
    QCOMPARE(fs::path(train[0].aedat).filename().string(), std::string("user01_fluorescent.aedat"));
    QCOMPARE(fs::path(train[1].aedat).filename().string(), std::string("user02_led.aedat"));
    QCOMPARE(fs::path(test[0].aedat).filename().string(), std::string("user03_lab.aedat"));
    QCOMPARE(fs::path(test[0].labels).filename().string(), std::string("user03_lab_labels.csv"));

    std::vector<tp::GestureRecording> recs = train;
    recs.insert(recs.end(), test.begin(), test.end());
    for (const auto& rec : recs) {
        const tp::Events events = tp::readAedat31(rec.aedat);
        QVERIFY(!events.empty());
        QVERIFY(std::is_sorted(events.begin(), events.end(),
                               [](const tp::Event& a, const tp::Event& b) { return a.t_us < b.t_us; }));
        for (const auto& e : events) {
            QVERIFY(e.x >= 0 && e.x < 128 && e.y >= 0 && e.y < 128);
            QVERIFY(e.p <= 1);
        }
        const auto labels = tp::readGestureLabels(rec.labels);
        QCOMPARE(labels.size(), std::size_t(tp::kDvsGestureClasses));
        std::array<int, tp::kDvsGestureClasses> seen{};
        for (std::size_t i = 0; i < labels.size(); ++i) {
            QVERIFY(labels[i].cls >= 0 && labels[i].cls < tp::kDvsGestureClasses);
            ++seen[std::size_t(labels[i].cls)];
            QCOMPARE(labels[i].end_us - labels[i].start_us, p.trial_us);
            if (i > 0)
                QCOMPARE(labels[i].start_us, labels[i - 1].end_us + p.gap_us);
        }
        for (int c = 0; c < tp::kDvsGestureClasses; ++c)
            QCOMPARE(seen[std::size_t(c)], 1);
        // the labels share the events' clock: the recording spans the trials
        QVERIFY(events.front().t_us < labels.front().start_us);
        QVERIFY(events.back().t_us >= labels.back().end_us);

        for (const auto& trial : readTrials(rec)) {
            QVERIFY(trial.cls >= 0 && trial.cls <= 10);
            QVERIFY2(trial.events.size() > 100, qPrintable(QString("class %1").arg(trial.cls)));
            const auto on = std::count_if(trial.events.begin(), trial.events.end(),
                                          [](const tp::Event& e) { return e.p == 1; });
            // ON at leading edges, OFF at trailing edges: about as many of each
            const double on_share = double(on) / double(trial.events.size());
            QVERIFY2(on_share > 0.3 && on_share < 0.7,
                     qPrintable(QString("class %1: ON share %2").arg(trial.cls).arg(on_share)));
        }
    }
    // the classes are not all in the same order
    const auto a = tp::readGestureLabels(train[0].labels), b = tp::readGestureLabels(train[1].labels);
    bool differs = false;
    for (std::size_t i = 0; i < a.size(); ++i)
        differs = differs || a[i].cls != b[i].cls;
    QVERIFY(differs);
}

void TestSynthGesture::everyEventInsideATrialWithoutNoise()
{
    auto p = smallParams();
    p.users = 1;
    p.test_users = 0;
    p.noise_rate_hz = 0;
    const auto rec = tp::generateSyntheticGestureRecording(p, 0);
    QCOMPARE(rec.stem, std::string("user01_fluorescent"));
    std::size_t inside = 0;
    for (const auto& l : rec.labels)
        inside += std::size_t(std::count_if(rec.events.begin(), rec.events.end(), [&](const tp::Event& e) {
            return e.t_us >= l.start_us && e.t_us < l.end_us;
        }));
    QCOMPARE(inside, rec.events.size());

    // with noise, events also fall in the gaps
    p.noise_rate_hz = 5'000;
    const auto noisy = tp::generateSyntheticGestureRecording(p, 0);
    const auto gap = std::count_if(noisy.events.begin(), noisy.events.end(), [&](const tp::Event& e) {
        return e.t_us >= noisy.labels[0].end_us && e.t_us < noisy.labels[1].start_us;
    });
    QVERIFY(gap > 100);  // 5 kHz x 50 ms = 250 expected
    QVERIFY(gap < 500);
}

void TestSynthGesture::deterministicForASeed()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string a = dir.path().toStdString() + "/a", b = dir.path().toStdString() + "/b",
                      c = dir.path().toStdString() + "/c";
    tp::writeSyntheticGestures(a, smallParams(7));
    tp::writeSyntheticGestures(b, smallParams(7));
    tp::writeSyntheticGestures(c, smallParams(8));
    int files = 0;
    for (const auto& entry : fs::directory_iterator(a)) {
        const std::string name = entry.path().filename().string();
        const Bytes bytes = readBytes(entry.path().string());
        QVERIFY(!bytes.empty());
        QVERIFY2(bytes == readBytes(b + "/" + name), name.c_str());
        ++files;
    }
    QCOMPARE(files, 3 * 2 + 2);
    for (const char* name : {"user01_fluorescent.aedat", "user02_led.aedat", "user03_lab.aedat"})
        QVERIFY2(readBytes(a + "/" + name) != readBytes(c + "/" + name), name);
}

void TestSynthGesture::motionDirections()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    tp::writeSyntheticGestures(root, smallParams());
    int checked = 0;
    for (const auto& trial : readAllTrials(root)) {
        if (trial.cls > 3)
            continue;
        const auto [x0, y0] = centroid(trial, 0.0, 0.25);
        const auto [x1, y1] = centroid(trial, 0.75, 1.0);
        const QString what = QString("class %1: (%2, %3) -> (%4, %5)").arg(trial.cls).arg(x0).arg(y0).arg(x1).arg(y1);
        switch (trial.cls) {
        case 0: QVERIFY2(x1 > x0 + 15 && std::abs(y1 - y0) < 8, qPrintable(what)); break;
        case 1: QVERIFY2(x1 < x0 - 15 && std::abs(y1 - y0) < 8, qPrintable(what)); break;
        case 2: QVERIFY2(y1 < y0 - 15 && std::abs(x1 - x0) < 8, qPrintable(what)); break;  // up: y decreases
        case 3: QVERIFY2(y1 > y0 + 15 && std::abs(x1 - x0) < 8, qPrintable(what)); break;
        }
        // a bright blob fires ON at its leading edge and OFF at its trailing edge
        double on = 0, off = 0;
        int n_on = 0, n_off = 0;
        for (const auto& e : trial.events) {
            const double v = trial.cls < 2 ? e.x : e.y;
            (e.p ? on : off) += v;
            ++(e.p ? n_on : n_off);
        }
        on /= n_on;
        off /= n_off;
        const bool forward = trial.cls == 0 || trial.cls == 3;  // towards larger x or y
        QVERIFY2(forward ? on > off + 5 : off > on + 5,
                 qPrintable(QString("class %1: ON mean %2, OFF mean %3").arg(trial.cls).arg(on).arg(off)));
        ++checked;
    }
    QCOMPARE(checked, 3 * 4);
}

void TestSynthGesture::rotationAndRings()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    auto p = smallParams();
    p.noise_rate_hz = 0;  // centroids of a single blob
    tp::writeSyntheticGestures(root, p);
    int checked = 0;
    for (const auto& trial : readAllTrials(root)) {
        if (trial.cls == 4 || trial.cls == 5) {
            // centre of the orbit = centroid of the whole trial; sum the unwrapped angle steps
            const auto [cx, cy] = centroid(trial, 0.0, 1.0);
            double turned = 0, prev = 0;
            constexpr int bins = 16;
            for (int k = 0; k < bins; ++k) {
                const auto [x, y] = centroid(trial, double(k) / bins, double(k + 1) / bins);
                const double a = std::atan2(y - cy, x - cx);
                if (k > 0) {
                    double d = a - prev;
                    d -= 2 * std::numbers::pi * std::round(d / (2 * std::numbers::pi));
                    turned += d;
                }
                prev = a;
            }
            // clockwise on screen with y down = increasing atan2 angle; about 0.8..1.4 turns
            const double sign = trial.cls == 4 ? 1.0 : -1.0;
            QVERIFY2(sign * turned > 3.0, qPrintable(QString("class %1 turned %2").arg(trial.cls).arg(turned)));
            ++checked;
        } else if (trial.cls == 6 || trial.cls == 7) {
            const auto [cx, cy] = centroid(trial, 0.0, 1.0);
            const auto spread = [&, cx = cx, cy = cy](double a, double b) {
                const double len = double(trial.label.end_us - trial.label.start_us);
                double s = 0;
                int n = 0;
                for (const auto& e : trial.events) {
                    const double f = double(e.t_us - trial.label.start_us) / len;
                    if (f >= a && f < b) {
                        s += std::hypot(e.x - cx, e.y - cy);
                        ++n;
                    }
                }
                return n ? s / n : 0.0;
            };
            const double r0 = spread(0.0, 0.25), r1 = spread(0.75, 1.0);
            const QString what = QString("class %1: radius %2 -> %3").arg(trial.cls).arg(r0).arg(r1);
            QVERIFY2(trial.cls == 6 ? r1 > r0 + 10 : r0 > r1 + 10, qPrintable(what));
            ++checked;
        }
    }
    QCOMPARE(checked, 3 * 4);
}

void TestSynthGesture::eventCountsFollowTheRate()
{
    auto p = smallParams();
    p.users = 1;
    p.test_users = 0;
    p.noise_rate_hz = 0;
    const auto rec = tp::generateSyntheticGestureRecording(p, 0);
    const double expected = p.event_rate_hz * double(p.trial_us) * 1e-6;  // 6000
    // user factor 0.8..1.25, trial factor 0.9..1.1
    const double lo = 0.8 * 0.9 * expected * 0.95, hi = 1.25 * 1.1 * expected * 1.05;
    for (const auto& [events, cls] : tp::cutTrials(rec.events, rec.labels)) {
        const double n = double(events.size());
        QVERIFY2(n > lo && n < hi, qPrintable(QString("class %1: %2 events").arg(cls).arg(n)));
    }
    p.event_rate_hz = 2'000;
    const auto sparse = tp::generateSyntheticGestureRecording(p, 0);
    QVERIFY(sparse.events.size() * 5 < rec.events.size());
}

void TestSynthGesture::rejectsBadParams()
{
    const auto rejects = [](auto change) {
        auto p = smallParams();
        change(p);
        try {
            tp::generateSyntheticGestureRecording(p, 0);
        } catch (const tp::ConfigError&) {
            return true;
        }
        return false;
    };
    QVERIFY(!rejects([](tp::SyntheticGestureParams&) {}));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.users = 0; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.users = 100; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.test_users = 4; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.trials_per_class = 0; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.trial_us = 0; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.gap_us = -1; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.render_step_us = 0; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.event_rate_hz = -1; }));
    QVERIFY(rejects([](tp::SyntheticGestureParams& p) { p.noise_rate_hz = std::nan(""); }));
    QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::generateSyntheticGestureRecording(smallParams(), 3));
    QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::generateSyntheticGestureRecording(smallParams(), -1));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto bad = smallParams();
    bad.users = 0;
    const std::string root = dir.path().toStdString() + "/never";
    QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::writeSyntheticGestures(root, bad));
    QVERIFY(!fs::exists(root));
}

void TestSynthGesture::repeatsClassesPerRecording()
{
    auto two = smallParams();
    two.users = 1;
    two.test_users = 0;
    two.trials_per_class = 2;
    const auto rec = tp::generateSyntheticGestureRecording(two, 0);
    QCOMPARE(rec.labels.size(), std::size_t(22));
    for (int c = 0; c < tp::kDvsGestureClasses; ++c)
        QCOMPARE(std::count_if(rec.labels.begin(), rec.labels.end(), [c](const auto& l) { return l.cls == c; }), 2);
}

QTEST_APPLESS_MAIN(TestSynthGesture)
#include "test_synth_gesture.moc"
