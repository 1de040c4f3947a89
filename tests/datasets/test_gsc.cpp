#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "gsc.h"

namespace {

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

void writeBytes(const std::string& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

Bytes readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put16(Bytes& b, std::uint32_t v) { b.push_back(v & 0xFF); b.push_back((v >> 8) & 0xFF); }
void put32(Bytes& b, std::uint32_t v) { put16(b, v & 0xFFFF); put16(b, v >> 16); }
void putTag(Bytes& b, const char* tag)
{
    for (int i = 0; i < 4; ++i)
        b.push_back(std::uint8_t(tag[i]));
}

/// A 16-bit PCM WAV by hand; `listChunk` inserts a 3-byte (odd, so padded) LIST chunk before data.
Bytes makeWav(int channels, int rate, const std::vector<std::int16_t>& pcm, bool listChunk = false)
{
    Bytes body;
    putTag(body, "WAVE");
    putTag(body, "fmt ");
    put32(body, 16);
    put16(body, 1);
    put16(body, channels);
    put32(body, rate);
    put32(body, rate * channels * 2);
    put16(body, channels * 2);
    put16(body, 16);
    if (listChunk) {
        putTag(body, "LIST");
        put32(body, 3);
        body.insert(body.end(), {'a', 'b', 'c', 0});
    }
    putTag(body, "data");
    put32(body, std::uint32_t(pcm.size() * 2));
    for (std::int16_t v : pcm)
        put16(body, std::uint16_t(v));
    Bytes file;
    putTag(file, "RIFF");
    put32(file, std::uint32_t(body.size()));
    file.insert(file.end(), body.begin(), body.end());
    return file;
}

template <typename F>
void expectFormatError(F f, const std::string& file, const std::string& fragment)
{
    try {
        f();
    } catch (const tp::FormatError& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(file) != std::string::npos, what.c_str());
        QVERIFY2(what.find(fragment) != std::string::npos, what.c_str());
        return;
    }
    QFAIL("no FormatError");
}

std::vector<float> sine(double hz, int samples, double amplitude = 0.5)
{
    std::vector<float> x(std::size_t(samples), 0.0f);
    for (int i = 0; i < samples; ++i)
        x[std::size_t(i)] = float(amplitude * std::sin(2.0 * std::numbers::pi * hz * i / tp::kGscSampleRate));
    return x;
}

/// Dense frames x 120 copy of a GSC sample.
std::vector<float> dense(const tp::Sample& s)
{
    std::vector<float> d(std::size_t(s.steps()) * s.channels, 0.0f);
    for (int t = 0; t < s.steps(); ++t)
        for (int i = s.step_offsets[t]; i < s.step_offsets[t + 1]; ++i)
            d[std::size_t(t) * s.channels + s.units[i]] = s.values[i];
    return d;
}

bool sameSample(const tp::Sample& a, const tp::Sample& b)
{
    return a.label == b.label && a.channels == b.channels && a.step_offsets == b.step_offsets &&
           a.units == b.units && a.values == b.values;
}

/// Unbiased std over time of column `col` of a frames x width matrix.
double columnStd(const std::vector<float>& m, int width, int col)
{
    const int frames = int(m.size()) / width;
    double mean = 0.0, ss = 0.0;
    for (int t = 0; t < frames; ++t)
        mean += m[std::size_t(t) * width + col];
    mean /= frames;
    for (int t = 0; t < frames; ++t)
        ss += std::pow(m[std::size_t(t) * width + col] - mean, 2);
    return std::sqrt(ss / (frames - 1));
}

} // namespace

class TestGsc : public QObject {
    Q_OBJECT

private slots:
    void wavRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("a.wav").toStdString();
        std::vector<float> x = {0.0f, 1.0f / 32768, -1.0f, 32767.0f / 32768, -12345.0f / 32768, 0.25f};
        tp::writeWav(path, x);
        int rate = 0;
        QCOMPARE(tp::readWav(path, &rate), x);
        QCOMPARE(rate, 16000);
        QVERIFY(!fs::exists(path + ".tmp"));

        // Out-of-range values clip instead of wrapping.
        tp::writeWav(path, std::vector<float>{1.5f, -2.0f});
        QCOMPARE(tp::readWav(path, nullptr), (std::vector<float>{32767.0f / 32768, -1.0f}));

        // 16,000 samples: the canonical 44-byte header of dataset-formats.md section 6.1.
        tp::writeWav(path, std::vector<float>(16000, 0.0f));
        const Bytes bytes = readBytes(path);
        const Bytes header = {0x52, 0x49, 0x46, 0x46, 0x24, 0x7D, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45,
                              0x66, 0x6D, 0x74, 0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                              0x80, 0x3E, 0x00, 0x00, 0x00, 0x7D, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00,
                              0x64, 0x61, 0x74, 0x61, 0x00, 0x7D, 0x00, 0x00};
        QCOMPARE(bytes.size(), std::size_t(44 + 32000));
        QVERIFY(std::equal(header.begin(), header.end(), bytes.begin()));

        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::writeWav(path, x, 0));
    }

    void wavHandMadeWithListChunk()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("list.wav").toStdString();
        writeBytes(path, makeWav(1, 16000, {16384, -32768, 1, 32767, -2}, true));
        QCOMPARE(tp::readWav(path, nullptr),
                 (std::vector<float>{0.5f, -1.0f, 1.0f / 32768, 32767.0f / 32768, -2.0f / 32768}));
    }

    void wavErrors()
    {
        QTemporaryDir dir;
        const std::string text = dir.filePath("notes.wav").toStdString();
        writeText(text, "this is not audio, just some text that is long enough to look like a header\n");
        expectFormatError([&] { tp::readWav(text, nullptr); }, text, "not readable as audio");

        const std::string stereo = dir.filePath("stereo.wav").toStdString();
        writeBytes(stereo, makeWav(2, 16000, {1, 2, 3, 4}));
        expectFormatError([&] { tp::readWav(stereo, nullptr); }, stereo, "mono");

        const std::string slow = dir.filePath("8k.wav").toStdString();
        tp::writeWav(slow, std::vector<float>(100, 0.1f), 8000);
        expectFormatError([&] { tp::readWav(slow, nullptr); }, slow, "8000 Hz");

        QVERIFY_THROWS_EXCEPTION(tp::IoError, tp::readWav(dir.filePath("missing.wav").toStdString(), nullptr));
    }

    void melFilterCentres()
    {
        QCOMPARE(tp::hzToMel(0.0), 0.0);
        QVERIFY(std::abs(tp::hzToMel(1000.0) - 999.98554) < 1e-4);  // HTK: 1 kHz ~ 1000 mel
        QVERIFY(std::abs(tp::melToHz(tp::hzToMel(3210.0)) - 3210.0) < 1e-9);

        const tp::MelFilterBank& bank = tp::gscMelFilterBank();
        QCOMPARE(bank.mels, 40);
        QCOMPARE(bank.bins, 241);
        QCOMPARE(bank.points_hz.size(), std::size_t(42));
        QVERIFY(std::abs(bank.points_hz.front() - 20.0) < 1e-9);
        QVERIFY(std::abs(bank.points_hz.back() - 4000.0) < 1e-9);
        // Centres computed by hand: melToHz(m20 + (m4000 - m20) * i / 41) for i = 1, 19, 40.
        QVERIFY(std::abs(bank.points_hz[1] - 53.710946) < 1e-5);    // band 0
        QVERIFY(std::abs(bank.points_hz[19] - 1017.539320) < 1e-5); // band 18
        QVERIFY(std::abs(bank.points_hz[40] - 3789.784870) < 1e-5); // band 39
        // Bin 30 is exactly 1000 Hz: on the rising edge of band 18, the falling edge of band 17.
        QVERIFY(std::abs(bank.weights[18 * 241 + 30] - 0.771682) < 1e-5);
        QVERIFY(std::abs(bank.weights[17 * 241 + 30] - 0.228318) < 1e-5);
        QCOMPARE(bank.weights[16 * 241 + 30], 0.0f);
        // No empty filter (torchaudio warns about those); no weight above the peak of 1.
        for (int m = 0; m < 40; ++m) {
            const auto row = bank.weights.begin() + m * 241;
            const float top = *std::max_element(row, row + 241);
            QVERIFY2(top > 0.0f && top <= 1.0f, qPrintable(QString::number(m)));
        }
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::melFilterBank(40, 480, 16000, 20, 9000));
    }

    void deltasByHand()
    {
        // A ramp x[t] = t: interior delta (1*2 + 2*4) / 10 = 1; replicate padding at the ends.
        std::vector<float> ramp = {0, 1, 2, 3, 4, 5};
        const std::vector<float> d = tp::computeDeltas(ramp, 6, 1);
        const std::vector<float> expected = {0.5f, 0.8f, 1.0f, 1.0f, 0.8f, 0.5f};
        for (int t = 0; t < 6; ++t)
            QVERIFY2(std::abs(d[t] - expected[t]) < 1e-6, qPrintable(QString::number(t)));
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::computeDeltas(ramp, 5, 1));
    }

    void sineFeatures()
    {
        const std::vector<float> x = sine(1000.0, 16000);
        const std::vector<float> logMel = tp::gscLogMel(x);
        QCOMPARE(logMel.size(), std::size_t(101 * 40));

        // The strongest band is the one with the largest filter weight at 1 kHz (band 18).
        const tp::MelFilterBank& bank = tp::gscMelFilterBank();
        int expectedBand = 0;
        for (int m = 1; m < 40; ++m)
            if (bank.weights[m * 241 + 30] > bank.weights[expectedBand * 241 + 30])
                expectedBand = m;
        QCOMPARE(expectedBand, 18);
        // Interior frames only: frames 0, 1, 99, 100 reach into the reflect padding, whose phase
        // jump smears the spectrum (band 17 wins at frame 100).
        for (int t : {2, 50, 98}) {
            const auto row = logMel.begin() + t * 40;
            QCOMPARE(int(std::max_element(row, row + 40) - row), expectedBand);
        }
        QVERIFY(std::abs(*std::max_element(logMel.begin(), logMel.end()) - std::log(2.0f)) < 1e-6);

        // Stationary signal: deltas vanish where the window never reaches the reflect padding
        // (log-mel frames 2..98 are identical; delta needs t +- 2, delta-delta t +- 4).
        const std::vector<float> delta = tp::computeDeltas(logMel, 101, 40);
        const std::vector<float> delta2 = tp::computeDeltas(delta, 101, 40);
        for (int t = 4; t <= 96; ++t)
            for (int m = 0; m < 40; ++m) {
                QVERIFY2(std::abs(delta[t * 40 + m]) < 1e-5, qPrintable(QString("%1 %2").arg(t).arg(m)));
                if (t >= 6 && t <= 94)
                    QVERIFY(std::abs(delta2[t * 40 + m]) < 1e-5);
            }

        const tp::Sample s = tp::gscFeatures(x, 7);
        QCOMPARE(s.label, 7);
        QCOMPARE(s.steps(), 101);
        QCOMPARE(s.channels, 120);
        QCOMPARE(s.units.size(), s.values.size());
        for (int t = 0; t < 101; ++t)
            for (int i = s.step_offsets[t]; i < s.step_offsets[t + 1]; ++i) {
                QVERIFY(s.units[i] >= 0 && s.units[i] < 120);
                QVERIFY(i == s.step_offsets[t] || s.units[i] > s.units[i - 1]);
                QVERIFY(std::isfinite(s.values[i]) && s.values[i] != 0.0f);
            }
        const std::vector<float> f = dense(s);
        for (int ch = 0; ch < 120; ++ch) {
            // Before normalisation: channel c * 40 + mel is static / delta / delta-delta.
            const std::vector<float>& raw = ch < 40 ? logMel : ch < 80 ? delta : delta2;
            const double rawStd = columnStd(raw, 40, ch % 40);
            const double sd = columnStd(f, 120, ch);
            if (rawStd > 0.0) {
                QVERIFY2(std::abs(sd - 1.0) < 1e-3, qPrintable(QString("%1: %2").arg(ch).arg(sd)));
                // Divided, not standardised: the ratio to the raw value is 1 / rawStd.
                for (int t = 0; t < 101; ++t)
                    QVERIFY(std::abs(f[t * 120 + ch] - raw[t * 40 + ch % 40] / rawStd) <=
                            1e-4 * (1.0 + std::abs(f[t * 120 + ch])));
            }
        }
    }

    void reflectPadding()
    {
        // center=True, reflect: frame 0 is centred on sample 0 and sees x[-k] = x[k]. A cosine
        // peaking at sample 0 continues exactly, so frame 0 matches an interior frame (zero
        // padding would lose about half its energy). Same at the end with the time-reversed tone.
        std::vector<float> cosine(16000), reversed(16000);
        for (int i = 0; i < 16000; ++i) {
            cosine[i] = float(0.5 * std::cos(2.0 * std::numbers::pi * 1000.0 * i / 16000));
            reversed[15999 - i] = cosine[i];
        }
        const std::vector<float> a = tp::gscLogMel(cosine), b = tp::gscLogMel(reversed);
        for (int m = 0; m < 40; ++m) {
            QVERIFY2(std::abs(a[m] - a[50 * 40 + m]) < 1e-5, qPrintable(QString::number(m)));
            QVERIFY2(std::abs(b[100 * 40 + m] - b[50 * 40 + m]) < 1e-5, qPrintable(QString::number(m)));
        }
    }

    void silenceIsZero()
    {
        const std::vector<float> logMel = tp::gscLogMel(std::vector<float>(16000, 0.0f));
        QVERIFY(std::all_of(logMel.begin(), logMel.end(), [](float v) { return v == 0.0f; }));
        const tp::Sample s = tp::gscFeatures(std::vector<float>(12000, 0.0f), 1);
        QCOMPARE(s.steps(), 101);
        QCOMPARE(s.channels, 120);
        QCOMPARE(s.nonZeros(), std::size_t(0));
        const tp::Sample empty = tp::gscFeatures({}, 2);
        QCOMPARE(empty.steps(), 101);
        QCOMPARE(empty.nonZeros(), std::size_t(0));
    }

    void padAndTrim()
    {
        // 0.5 s clip: same as the clip zero-padded by hand; differs from the full 1 s tone.
        const std::vector<float> half = sine(440.0, 8000);
        std::vector<float> padded = half;
        padded.resize(16000, 0.0f);
        const tp::Sample a = tp::gscFeatures(half, 0);
        QCOMPARE(a.steps(), 101);
        QVERIFY(sameSample(a, tp::gscFeatures(padded, 0)));
        QVERIFY(!sameSample(a, tp::gscFeatures(sine(440.0, 16000), 0)));
        // The second half is silent before normalisation.
        const std::vector<float> logMel = tp::gscLogMel(half);
        for (int t = 53; t < 101; ++t)
            for (int m = 0; m < 40; ++m)
                QCOMPARE(logMel[t * 40 + m], 0.0f);

        // 1.5 s clip: only the first 16,000 samples count.
        std::vector<float> longer = sine(440.0, 16000);
        const std::vector<float> noise = sine(3000.0, 8000, 0.9);
        longer.insert(longer.end(), noise.begin(), noise.end());
        const tp::Sample b = tp::gscFeatures(longer, 0);
        QCOMPARE(b.steps(), 101);
        QVERIFY(sameSample(b, tp::gscFeatures(std::span<const float>(longer).first(16000), 0)));
    }

    void threadsAndThroughput()
    {
        std::vector<std::vector<float>> clips;
        for (int i = 0; i < 64; ++i) {
            std::vector<float> c = sine(200.0 + 50.0 * i, 16000);
            for (std::size_t j = 0; j < c.size(); ++j)
                c[j] *= float(0.5 + 0.5 * std::sin(0.001 * double(j) * (1 + i % 5)));  // vary over time
            clips.push_back(std::move(c));
        }
        const auto start = std::chrono::steady_clock::now();
        std::vector<tp::Sample> serial;
        for (const auto& c : clips)
            serial.push_back(tp::gscFeatures(c, 3));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        qInfo("gscFeatures: %.0f clips/s on one thread", clips.size() / seconds);

        std::vector<tp::Sample> parallel(clips.size());
        {
            std::vector<std::jthread> threads;
            for (int w = 0; w < 4; ++w)
                threads.emplace_back([&, w] {
                    for (std::size_t i = w; i < clips.size(); i += 4)
                        parallel[i] = tp::gscFeatures(clips[i], 3);
                });
        }
        for (std::size_t i = 0; i < clips.size(); ++i)
            QVERIFY2(sameSample(serial[i], parallel[i]), qPrintable(QString::number(i)));
        QVERIFY(!sameSample(serial[0], serial[1]));
    }

    void scanTree()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        auto touch = [&](const std::string& rel) { writeText((root / rel).string(), "x"); };
        for (const char* d : {"yes", "no", "bed", "_background_noise_", ".hidden"})
            fs::create_directories(root / d);
        for (const char* f : {"yes/aa11_nohash_0.wav", "yes/aa11_nohash_1.wav", "yes/bb22_nohash_0.wav",
                              "yes/cc33_nohash_0.wav", "no/aa11_nohash_0.wav", "no/dd44_nohash_2.wav",
                              "bed/ee55_nohash_0.wav", "bed/readme.txt", "_background_noise_/white_noise.wav",
                              ".hidden/zz_nohash_0.wav"})
            touch(f);
        QVERIFY_THROWS_EXCEPTION(tp::IoError, tp::scanGsc(root.string()));  // no list files yet
        writeText((root / "validation_list.txt").string(), "yes/bb22_nohash_0.wav\r\nno/dd44_nohash_2.wav\n\n");
        QVERIFY_THROWS_EXCEPTION(tp::IoError, tp::scanGsc(root.string()));  // testing list missing
        writeText((root / "testing_list.txt").string(), "  yes/cc33_nohash_0.wav\nno/gone_nohash_0.wav\n");

        const tp::GscSplit split = tp::scanGsc(root.string());
        QCOMPARE(split.classes, (std::vector<std::string>{"bed", "no", "yes"}));
        QCOMPARE(split.train.size(), std::size_t(4));
        QCOMPARE(split.validation.size(), std::size_t(2));
        QCOMPARE(split.test.size(), std::size_t(1));
        // Train sorted by class folder then name: bed/ee55, no/aa11, yes/aa11_0, yes/aa11_1.
        QCOMPARE(split.train[0].label, 0);
        QCOMPARE(split.train[0].speaker, std::string("ee55"));
        QCOMPARE(split.train[1].label, 1);
        QCOMPARE(split.train[1].file, (root / "no" / "aa11_nohash_0.wav").string());
        QCOMPARE(split.train[2].speaker, std::string("aa11"));
        QCOMPARE(split.train[3].file, (root / "yes" / "aa11_nohash_1.wav").string());
        QCOMPARE(split.validation[0].label, 1);
        QCOMPARE(split.validation[0].speaker, std::string("dd44"));
        QCOMPARE(split.validation[1].speaker, std::string("bb22"));
        QCOMPARE(split.test[0].label, 2);
        QCOMPARE(split.test[0].speaker, std::string("cc33"));

        QVERIFY_THROWS_EXCEPTION(tp::IoError, tp::scanGsc((root / "nowhere").string()));
    }
};

QTEST_APPLESS_MAIN(TestGsc)
#include "test_gsc.moc"
