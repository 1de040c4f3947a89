// oneTBB before Qt: Qt's `emit` macro breaks oneTBB headers (architecture.md).
#include <tbb/global_control.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "core/errors.h"
#include "shd.h"
#include "synth_digits.h"

namespace {

void put32(std::vector<std::uint8_t>& b, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        b.push_back(std::uint8_t(v >> (8 * i)));
}

void put16(std::vector<std::uint8_t>& b, std::uint16_t v)
{
    b.push_back(std::uint8_t(v));
    b.push_back(std::uint8_t(v >> 8));
}

void putTag(std::vector<std::uint8_t>& b, const char* tag)
{
    for (int i = 0; i < 4; ++i)
        b.push_back(std::uint8_t(tag[i]));
}

/// RIFF header, an odd-sized LIST chunk (padded), fmt, then data with `dataSize` in its header.
std::vector<std::uint8_t> wavBytes(std::uint16_t channels, std::uint16_t bits,
                                   const std::vector<std::int16_t>& samples,
                                   std::uint32_t dataSize)
{
    std::vector<std::uint8_t> b;
    putTag(b, "RIFF");
    put32(b, 0);  // patched below
    putTag(b, "WAVE");
    putTag(b, "LIST");
    put32(b, 3);
    b.insert(b.end(), {'a', 'b', 'c', 0});  // 3 bytes + pad byte
    putTag(b, "fmt ");
    put32(b, 16);
    put16(b, 1);
    put16(b, channels);
    put32(b, 22050);
    put32(b, 22050u * channels * bits / 8);
    put16(b, std::uint16_t(channels * bits / 8));
    put16(b, bits);
    putTag(b, "data");
    put32(b, dataSize);
    for (auto s : samples)
        put16(b, std::uint16_t(s));
    const std::uint32_t riff = std::uint32_t(b.size() - 8);
    for (int i = 0; i < 4; ++i)
        b[4 + i] = std::uint8_t(riff >> (8 * i));
    return b;
}

/// Empty when espeak-ng runs; else why not. espeak-ng is a project dependency
/// (.ci/install-deps), so the tests that need it fail, with this reason, when it is missing.
std::string espeakProblem()
{
    static const std::string problem = [] {
        try {
            tp::synthesizeSpeech("seven", tp::SpeechVoice{});
            return std::string();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    }();
    return problem;
}

#define REQUIRE_ESPEAK()                                                                     \
    do {                                                                                     \
        const std::string why = espeakProblem();                                             \
        if (!why.empty())                                                                    \
            QFAIL(qPrintable(QString::fromStdString(                                         \
                "espeak-ng is required (a project dependency, see .ci/install-deps): " + why))); \
    } while (false)

std::vector<float> tone(double f_hz, double seconds, int rate)
{
    std::vector<float> x(std::size_t(seconds * rate));
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(0.5 * std::sin(2.0 * std::numbers::pi * f_hz * double(i) / rate));
    return x;
}

std::vector<int> countsPerChannel(const tp::Events& events)
{
    std::vector<int> counts(tp::kShdChannels, 0);
    for (const auto& e : events)
        ++counts[std::size_t(e.x)];
    return counts;
}

/// Count-weighted mean channel over the channels with at least half the peak count.
double peakCentroid(const std::vector<int>& counts)
{
    const int peak = *std::max_element(counts.begin(), counts.end());
    double sum = 0.0, weight = 0.0;
    for (std::size_t c = 0; c < counts.size(); ++c)
        if (peak > 0 && 2 * counts[c] >= peak) {
            sum += double(c) * counts[c];
            weight += counts[c];
        }
    return weight > 0 ? sum / weight : -1.0;
}

std::size_t nearestChannel(const std::vector<double>& fc, double f_hz)
{
    std::size_t best = 0;
    for (std::size_t c = 1; c < fc.size(); ++c)
        if (std::abs(fc[c] - f_hz) < std::abs(fc[best] - f_hz))
            best = c;
    return best;
}

bool sortedByTimeThenChannel(const tp::Events& ev)
{
    return std::is_sorted(ev.begin(), ev.end(), [](const tp::Event& a, const tp::Event& b) {
        return a.t_us != b.t_us ? a.t_us < b.t_us : a.x < b.x;
    });
}

void checkSplit(const tp::ShdContents& c, const char* which)
{
    QVERIFY2(!c.samples.empty(), which);
    QCOMPARE(c.keys, tp::syntheticDigitKeys());
    QCOMPARE(c.keys.size(), std::size_t(20));
    QCOMPARE(c.labels.size(), c.samples.size());
    QCOMPARE(c.speakers.size(), c.samples.size());
    for (std::size_t i = 0; i < c.samples.size(); ++i) {
        QVERIFY(c.labels[i] >= 0 && c.labels[i] < 20);
        QVERIFY(c.speakers[i] >= 0 && c.speakers[i] < 12);
        const auto& ev = c.samples[i];
        QVERIFY2(!ev.empty(), qPrintable(QString("%1 sample %2 has no spikes").arg(which).arg(i)));
        QVERIFY(std::is_sorted(ev.begin(), ev.end(),
                               [](const tp::Event& a, const tp::Event& b) { return a.t_us < b.t_us; }));
        for (const auto& e : ev) {
            QVERIFY(e.x >= 0 && e.x < tp::kShdChannels);
            QVERIFY(e.t_us >= 0 && e.t_us < 3000000);
        }
    }
}

} // namespace

class TestSynthDigits : public QObject {
    Q_OBJECT

private slots:
    void parsesHandBuiltWav()
    {
        const std::vector<std::int16_t> s = {0, 16384, -32768, 32767, -1};
        const tp::WavAudio a = tp::parseWav(wavBytes(1, 16, s, 10));
        QCOMPARE(a.sample_rate_hz, 22050);
        QCOMPARE(a.samples.size(), std::size_t(5));
        QCOMPARE(a.samples[0], 0.0f);
        QCOMPARE(a.samples[1], 0.5f);
        QCOMPARE(a.samples[2], -1.0f);
        QCOMPARE(a.samples[3], 32767.0f / 32768.0f);
        QCOMPARE(a.samples[4], -1.0f / 32768.0f);
        // espeak-ng --stdout's placeholder size: clamped to the bytes present.
        QCOMPARE(tp::parseWav(wavBytes(1, 16, s, 0x7ffff000u)).samples.size(), std::size_t(5));
        // A data size shorter than the bytes present is honoured.
        QCOMPARE(tp::parseWav(wavBytes(1, 16, s, 4)).samples.size(), std::size_t(2));
    }

    void rejectsUnsupportedWav()
    {
        const std::vector<std::int16_t> s = {1, 2};
        QVERIFY_THROWS_EXCEPTION(tp::FormatError, tp::parseWav(wavBytes(2, 16, s, 4)));
        QVERIFY_THROWS_EXCEPTION(tp::FormatError, tp::parseWav(wavBytes(1, 8, s, 4)));
        auto riffx = wavBytes(1, 16, s, 4);
        riffx[3] = 'X';
        QVERIFY_THROWS_EXCEPTION(tp::FormatError, tp::parseWav(riffx));
        auto noData = wavBytes(1, 16, {}, 0);
        noData.resize(noData.size() - 8);  // drop the data chunk header
        QVERIFY_THROWS_EXCEPTION(tp::FormatError, tp::parseWav(noData));
        QVERIFY_THROWS_EXCEPTION(tp::FormatError, tp::parseWav({'R', 'I', 'F', 'F'}));
    }

    void espeakSpeaksSeven()
    {
        REQUIRE_ESPEAK();
        tp::SpeechVoice voice;
        voice.voice = "en";
        const tp::WavAudio a = tp::synthesizeSpeech("seven", voice);
        QCOMPARE(a.sample_rate_hz, 22050);
        const double seconds = double(a.samples.size()) / a.sample_rate_hz;
        QVERIFY2(seconds > 0.2 && seconds < 2.0, qPrintable(QString::number(seconds)));
        double sumSq = 0.0;
        for (float x : a.samples)
            sumSq += double(x) * x;
        QVERIFY(std::sqrt(sumSq / double(a.samples.size())) > 0.01);
        // Every speaker's voices exist in the installed espeak-ng.
        for (const auto& s : tp::syntheticDigitSpeakers()) {
            voice.voice = s.english_voice;
            QVERIFY(!tp::synthesizeSpeech("seven", voice).samples.empty());
            voice.voice = s.german_voice;
            QVERIFY(!tp::synthesizeSpeech("sieben", voice).samples.empty());
        }
    }

    void espeakErrorsNameTheCommand()
    {
        tp::SpeechVoice voice;
        try {
            tp::synthesizeSpeech("seven", voice, "tp-no-such-espeak-program");
            QFAIL("no IoError for a missing program");
        } catch (const tp::IoError& e) {
            QVERIFY2(std::string(e.what()).find("tp-no-such-espeak-program -v en -s 175") !=
                         std::string::npos,
                     e.what());
        }
        REQUIRE_ESPEAK();
        voice.voice = "xx-no-such-voice";
        try {
            tp::synthesizeSpeech("seven", voice);
            QFAIL("no IoError for an unknown voice");
        } catch (const tp::IoError& e) {
            QVERIFY2(std::string(e.what()).find("-v xx-no-such-voice") != std::string::npos,
                     e.what());
        }
    }

    void centreFrequenciesFollowShdOrder()
    {
        const auto fc = tp::cochleaCentreFrequencies({}, 22050);
        QCOMPARE(fc.size(), std::size_t(700));
        QVERIFY(std::abs(fc.front() - 9922.5) < 1e-6);  // 0.45 * 22050 caps 10 kHz
        QVERIFY(std::abs(fc.back() - 100.0) < 1e-6);
        for (std::size_t c = 1; c < fc.size(); ++c)
            QVERIFY(fc[c] < fc[c - 1]);
    }

    void toneExcitesItsChannel()
    {
        const int rate = 22050;
        const auto fc = tp::cochleaCentreFrequencies({}, rate);
        const tp::Events e1k = tp::cochleaSpikes(tone(1000.0, 0.5, rate), rate);
        const tp::Events e5k = tp::cochleaSpikes(tone(5000.0, 0.5, rate), rate);
        QVERIFY(sortedByTimeThenChannel(e1k));
        QVERIFY(sortedByTimeThenChannel(e5k));
        const auto c1k = countsPerChannel(e1k), c5k = countsPerChannel(e5k);
        const double centroid1k = peakCentroid(c1k), centroid5k = peakCentroid(c5k);
        const double expect1k = double(nearestChannel(fc, 1000.0));
        const double expect5k = double(nearestChannel(fc, 5000.0));
        qInfo("1 kHz: centroid %.1f (expected %.0f), 5 kHz: centroid %.1f (expected %.0f)",
              centroid1k, expect1k, centroid5k, expect5k);
        QVERIFY2(std::abs(centroid1k - expect1k) < 10.0, qPrintable(QString::number(centroid1k)));
        QVERIFY2(std::abs(centroid5k - expect5k) < 10.0, qPrintable(QString::number(centroid5k)));
        QVERIFY(centroid5k < centroid1k);
        // Far-off channels stay quiet: 100 Hz and 10 kHz ends do not fire for a 1 kHz tone.
        QCOMPARE(c1k.front(), 0);
        QCOMPARE(c1k.back(), 0);
        // Silence gives no spikes.
        QVERIFY(tp::cochleaSpikes(std::vector<float>(rate / 10, 0.0f), rate).empty());
    }

    void smallSetReadsBack()
    {
        REQUIRE_ESPEAK();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        tp::SyntheticDigitsParams p;
        p.utterances_per_class = 2;
        p.seed = 5;
        tp::writeSyntheticDigits(dir.path().toStdString(), p);
        const auto train = tp::readShd(dir.filePath("shd_train.h5").toStdString());
        const auto test = tp::readShd(dir.filePath("shd_test.h5").toStdString());
        checkSplit(train, "train");
        checkSplit(test, "test");
        QCOMPARE(train.samples.size() + test.samples.size(), std::size_t(40));
        std::set<int> labels;
        for (auto l : train.labels)
            labels.insert(l);
        for (auto l : test.labels)
            labels.insert(l);
        QCOMPARE(labels.size(), std::size_t(20));
        // Held-out speakers 10 and 11 never appear in train, and do appear in test.
        for (auto s : train.speakers)
            QVERIFY(s < 10);
        QVERIFY(std::count_if(test.speakers.begin(), test.speakers.end(),
                              [](int s) { return s >= 10; }) > 0);
    }

    void sameSeedSameContents()
    {
        REQUIRE_ESPEAK();
        tp::SyntheticDigitsParams p;
        p.utterances_per_class = 1;
        p.seed = 9;
        QTemporaryDir a, b;
        QVERIFY(a.isValid() && b.isValid());
        tp::writeSyntheticDigits(a.path().toStdString(), p);
        {
            tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
            tp::writeSyntheticDigits(b.path().toStdString(), p);
        }
        for (const char* name : {"shd_train.h5", "shd_test.h5"}) {
            const auto x = tp::readShd(QDir(a.path()).filePath(name).toStdString());
            const auto y = tp::readShd(QDir(b.path()).filePath(name).toStdString());
            QVERIFY(x.samples == y.samples);
            QVERIFY(x.labels == y.labels);
            QVERIFY(x.speakers == y.speakers);
        }
        // A different seed changes the speeds and pitches, hence the spikes (all utterances in
        // train, in the same order, so sample i is the same word and speaker in both).
        p.test_fraction = 0.0;
        p.held_out_speakers = 0;
        const auto s9 = tp::makeSyntheticDigits(p);
        p.seed = 10;
        const auto s10 = tp::makeSyntheticDigits(p);
        QCOMPARE(s9.train.samples.size(), std::size_t(20));
        QCOMPARE(s10.train.samples.size(), std::size_t(20));
        QVERIFY(s9.train.speakers == s10.train.speakers);
        int differing = 0;
        for (std::size_t i = 0; i < 20; ++i)
            differing += s9.train.samples[i] == s10.train.samples[i] ? 0 : 1;
        QVERIFY2(differing >= 15, qPrintable(QString::number(differing)));
    }

    void rejectsBadParams()
    {
        tp::SyntheticDigitsParams p;
        p.utterances_per_class = 0;
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::makeSyntheticDigits(p));
        p = {};
        p.test_fraction = 1.5;
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::makeSyntheticDigits(p));
        p = {};
        p.pitch_max = 120;
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::makeSyntheticDigits(p));
    }
};

QTEST_APPLESS_MAIN(TestSynthDigits)
#include "test_synth_digits.moc"
