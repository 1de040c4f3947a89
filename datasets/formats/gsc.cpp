#include "gsc.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numbers>
#include <system_error>
#include <unordered_set>
#include <utility>

#include <fftw3.h>
#include <sndfile.h>

#include "core/errors.h"
#include "file_bytes.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

struct SndCloser {
    void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndFile = std::unique_ptr<SNDFILE, SndCloser>;

struct FftwFree {
    void operator()(void* p) const { fftwf_free(p); }
};
template <typename T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

/// One r2c plan doing all 101 frames of a clip in one call. FFTW's planner is not thread-safe,
/// so creation happens once under a mutex; fftwf_execute_dft_r2c on fresh arrays is. ESTIMATE
/// (not MEASURE) so that the chosen algorithm, and thus every rounding, is the same in every run.
/// Buffers come from fftwf_alloc_*, which gives the alignment the plan was made for.
class FramePlan {
public:
    static const FramePlan& instance()
    {
        static const FramePlan plan;
        return plan;
    }
    void execute(float* in, fftwf_complex* out) const { fftwf_execute_dft_r2c(m_plan, in, out); }

private:
    FramePlan()
    {
        static std::mutex planner;
        const std::lock_guard lock(planner);
        FftwBuffer<float> in(fftwf_alloc_real(std::size_t(kGscFrames) * kGscFftSize));
        FftwBuffer<fftwf_complex> out(fftwf_alloc_complex(std::size_t(kGscFrames) * kGscBins));
        int n = kGscFftSize;
        m_plan = fftwf_plan_many_dft_r2c(1, &n, kGscFrames, in.get(), nullptr, 1, kGscFftSize,
                                         out.get(), nullptr, 1, kGscBins, FFTW_ESTIMATE);
        if (!m_plan)
            throw std::runtime_error("FFTW could not create the GSC spectrogram plan");
    }
    ~FramePlan() { fftwf_destroy_plan(m_plan); }
    fftwf_plan m_plan = nullptr;
};

/// torch.hann_window(480) (periodic=True).
const std::array<float, kGscFftSize>& hannWindow()
{
    static const auto window = [] {
        std::array<float, kGscFftSize> w{};
        for (int n = 0; n < kGscFftSize; ++n)
            w[n] = float(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * n / kGscFftSize));
        return w;
    }();
    return window;
}

std::string trim(const std::string& s)
{
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::unordered_set<std::string> readList(const fs::path& file)
{
    std::error_code ec;
    if (!fs::exists(file, ec))
        throw IoError(file.string() + ": GSC list file missing");
    const std::string text = readFileText(file.string(), "GSC list file", kMaxListFileBytes);
    std::unordered_set<std::string> entries;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        if (std::string entry = trim(text.substr(begin, end - begin)); !entry.empty())
            entries.insert(std::move(entry));
        begin = end + 1;
    }
    return entries;
}

std::string speakerOf(const std::string& name)
{
    const auto pos = name.find("_nohash_");
    if (pos != std::string::npos)
        return name.substr(0, pos);
    return fs::path(name).stem().string();
}

} // namespace

std::vector<float> readWav(const std::string& path, int* sampleRate)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw IoError(path + ": is a directory, not an audio file");
    if (std::FILE* probe = std::fopen(path.c_str(), "rb"))
        std::fclose(probe);
    else
        throw IoError(path + ": cannot open audio file: " + std::generic_category().message(errno));

    SF_INFO info{};
    SndFile file(sf_open(path.c_str(), SFM_READ, &info));
    if (!file)
        throw FormatError(path, "header", std::string("not readable as audio: ") + sf_strerror(nullptr));
    if (info.channels != 1)
        throw FormatError(path, "fmt chunk", "expected mono audio, got " + std::to_string(info.channels) + " channels");
    if (info.samplerate != kGscSampleRate)
        throw FormatError(path, "fmt chunk", "expected " + std::to_string(kGscSampleRate) + " Hz, got " +
                                                 std::to_string(info.samplerate) + " Hz");
    std::vector<float> samples(std::size_t(std::max<sf_count_t>(info.frames, 0)));
    const sf_count_t got = sf_readf_float(file.get(), samples.data(), sf_count_t(samples.size()));
    if (got != sf_count_t(samples.size()))
        throw FormatError(path, "data chunk", "expected " + std::to_string(samples.size()) + " samples, read " +
                                                  std::to_string(got));
    if (sampleRate)
        *sampleRate = info.samplerate;
    return samples;
}

void writeWav(const std::string& path, std::span<const float> samples, int sampleRate)
{
    if (sampleRate <= 0)
        throw ConfigError("writeWav: sample rate must be positive, got " + std::to_string(sampleRate));
    std::vector<short> pcm(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        pcm[i] = short(std::clamp(std::lround(double(samples[i]) * 32768.0), -32768L, 32767L));

    const std::string tmp = path + ".tmp";
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    {
        SndFile file(sf_open(tmp.c_str(), SFM_WRITE, &info));
        if (!file)
            throw IoError(tmp + ": cannot create WAV file: " + sf_strerror(nullptr));
        if (sf_writef_short(file.get(), pcm.data(), sf_count_t(pcm.size())) != sf_count_t(pcm.size())) {
            const std::string why = sf_strerror(file.get());
            file.reset();
            std::error_code ignored;
            fs::remove(tmp, ignored);
            throw IoError(tmp + ": cannot write WAV file: " + why);
        }
        if (sf_close(file.release()) != 0) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            throw IoError(tmp + ": cannot finish WAV file");
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        throw IoError(path + ": cannot rename " + tmp + ": " + ec.message());
}

double hzToMel(double hz)
{
    return 2595.0 * std::log10(1.0 + hz / 700.0);
}

double melToHz(double mel)
{
    return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
}

MelFilterBank melFilterBank(int mels, int fftSize, int sampleRate, double minHz, double maxHz)
{
    if (mels <= 0 || fftSize <= 0 || sampleRate <= 0)
        throw ConfigError("melFilterBank: mels, fftSize and sampleRate must be positive");
    if (!(minHz >= 0.0 && minHz < maxHz && maxHz <= sampleRate / 2.0))
        throw ConfigError("melFilterBank: need 0 <= minHz < maxHz <= sampleRate / 2");
    MelFilterBank bank;
    bank.mels = mels;
    bank.bins = fftSize / 2 + 1;
    const double lo = hzToMel(minHz), hi = hzToMel(maxHz);
    for (int i = 0; i < mels + 2; ++i)
        bank.points_hz.push_back(melToHz(lo + (hi - lo) * i / (mels + 1)));
    bank.weights.assign(std::size_t(mels) * bank.bins, 0.0f);
    for (int m = 0; m < mels; ++m) {
        const double left = bank.points_hz[m], centre = bank.points_hz[m + 1], right = bank.points_hz[m + 2];
        for (int k = 0; k < bank.bins; ++k) {
            // torchaudio: all_freqs = linspace(0, sr/2, bins), i.e. k * sr / n_fft for even n_fft.
            const double f = double(sampleRate) / 2.0 * k / (bank.bins - 1);
            const double up = (f - left) / (centre - left), down = (right - f) / (right - centre);
            bank.weights[std::size_t(m) * bank.bins + k] = float(std::max(0.0, std::min(up, down)));
        }
    }
    return bank;
}

const MelFilterBank& gscMelFilterBank()
{
    static const MelFilterBank bank = melFilterBank(kGscMels, kGscFftSize, kGscSampleRate, kGscMinHz, kGscMaxHz);
    return bank;
}

std::vector<float> gscLogMel(std::span<const float> audio)
{
    constexpr int n = kGscClipSamples;
    constexpr int pad = kGscFftSize / 2;
    const auto& window = hannWindow();
    const FramePlan& plan = FramePlan::instance();
    FftwBuffer<float> frames(fftwf_alloc_real(std::size_t(kGscFrames) * kGscFftSize));
    FftwBuffer<fftwf_complex> spectra(fftwf_alloc_complex(std::size_t(kGscFrames) * kGscBins));
    if (!frames || !spectra)
        throw std::bad_alloc();

    const std::size_t available = std::min<std::size_t>(audio.size(), n);
    auto sample = [&](int j) -> float {  // padded/trimmed clip with torch's reflect padding
        if (j < 0)
            j = -j;
        else if (j >= n)
            j = 2 * (n - 1) - j;
        return std::size_t(j) < available ? audio[std::size_t(j)] : 0.0f;
    };
    for (int t = 0; t < kGscFrames; ++t) {
        float* frame = frames.get() + std::size_t(t) * kGscFftSize;
        const int start = t * kGscHop - pad;
        for (int i = 0; i < kGscFftSize; ++i)
            frame[i] = sample(start + i) * window[i];
    }
    plan.execute(frames.get(), spectra.get());

    const MelFilterBank& bank = gscMelFilterBank();
    // Each triangle covers a few bins: sum only over [first, end) of its non-zero weights.
    static const auto support = [&bank] {
        std::array<std::pair<int, int>, kGscMels> ranges{};
        for (int m = 0; m < kGscMels; ++m) {
            const float* w = bank.weights.data() + std::size_t(m) * kGscBins;
            int first = 0, end = kGscBins;
            while (first < kGscBins && w[first] == 0.0f)
                ++first;
            while (end > first && w[end - 1] == 0.0f)
                --end;
            ranges[m] = {first, end};
        }
        return ranges;
    }();
    std::vector<float> mel(std::size_t(kGscFrames) * kGscMels);
    std::vector<float> power(kGscBins);
    double peak = 0.0;
    for (int t = 0; t < kGscFrames; ++t) {
        const fftwf_complex* x = spectra.get() + std::size_t(t) * kGscBins;
        for (int k = 0; k < kGscBins; ++k)
            power[k] = x[k][0] * x[k][0] + x[k][1] * x[k][1];
        for (int m = 0; m < kGscMels; ++m) {
            const float* w = bank.weights.data() + std::size_t(m) * kGscBins;
            double s = 0.0;
            for (int k = support[m].first; k < support[m].second; ++k)
                s += double(w[k]) * power[k];
            mel[std::size_t(t) * kGscMels + m] = float(s);
            peak = std::max(peak, s);
        }
    }
    for (float& v : mel)
        v = peak > 0.0 ? float(std::log1p(double(v) / peak)) : 0.0f;
    return mel;
}

std::vector<float> computeDeltas(std::span<const float> x, int frames, int bands)
{
    if (frames < 0 || bands < 0 || x.size() != std::size_t(frames) * std::size_t(bands))
        throw ConfigError("computeDeltas: input size " + std::to_string(x.size()) + " is not " +
                          std::to_string(frames) + " x " + std::to_string(bands));
    constexpr int half = 2;            // win_length 5
    constexpr double denominator = 10;  // n (n + 1) (2n + 1) / 3 with n = 2
    std::vector<float> d(x.size());
    auto at = [&](int t, int b) { return double(x[std::size_t(std::clamp(t, 0, frames - 1)) * bands + b]); };
    for (int t = 0; t < frames; ++t)
        for (int b = 0; b < bands; ++b) {
            double s = 0.0;
            for (int k = 1; k <= half; ++k)
                s += k * (at(t + k, b) - at(t - k, b));
            d[std::size_t(t) * bands + b] = float(s / denominator);
        }
    return d;
}

Sample gscFeatures(std::span<const float> audio, std::int32_t label)
{
    const std::vector<float> stat = gscLogMel(audio);
    const std::vector<float> delta = computeDeltas(stat, kGscFrames, kGscMels);
    const std::vector<float> delta2 = computeDeltas(delta, kGscFrames, kGscMels);
    const std::array<const std::vector<float>*, 3> parts{&stat, &delta, &delta2};

    // features[t * 120 + c * 40 + mel], then each column divided by its std over t.
    std::vector<float> features(std::size_t(kGscFrames) * kGscChannels);
    for (int c = 0; c < 3; ++c)
        for (int t = 0; t < kGscFrames; ++t)
            for (int m = 0; m < kGscMels; ++m)
                features[std::size_t(t) * kGscChannels + c * kGscMels + m] = (*parts[c])[std::size_t(t) * kGscMels + m];
    for (int ch = 0; ch < kGscChannels; ++ch) {
        double mean = 0.0;
        for (int t = 0; t < kGscFrames; ++t)
            mean += features[std::size_t(t) * kGscChannels + ch];
        mean /= kGscFrames;
        double ss = 0.0;
        for (int t = 0; t < kGscFrames; ++t) {
            const double d = features[std::size_t(t) * kGscChannels + ch] - mean;
            ss += d * d;
        }
        const double sd = std::sqrt(ss / (kGscFrames - 1));
        if (sd > 0.0)
            for (int t = 0; t < kGscFrames; ++t)
                features[std::size_t(t) * kGscChannels + ch] = float(features[std::size_t(t) * kGscChannels + ch] / sd);
    }

    Sample s;
    s.label = label;
    s.channels = kGscChannels;
    s.step_offsets.reserve(kGscFrames + 1);
    s.step_offsets.push_back(0);
    s.units.reserve(features.size());
    s.values.reserve(features.size());
    for (int t = 0; t < kGscFrames; ++t) {
        for (int ch = 0; ch < kGscChannels; ++ch)
            if (const float v = features[std::size_t(t) * kGscChannels + ch]; v != 0.0f) {
                s.units.push_back(ch);
                s.values.push_back(v);
            }
        s.step_offsets.push_back(std::int32_t(s.units.size()));
    }
    return s;
}

std::vector<std::string> gscClasses(const std::string& root)
{
    std::error_code ec;
    fs::directory_iterator it(fs::path(root), ec);
    if (ec)
        throw IoError(root + ": cannot list GSC root folder: " + ec.message());
    std::vector<std::string> classes;
    for (const auto& entry : it) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory(ec) && name != "_background_noise_" && !name.starts_with('.'))
            classes.push_back(name);
    }
    std::sort(classes.begin(), classes.end());
    return classes;
}

GscSplit scanGsc(const std::string& root)
{
    std::error_code ec;
    const fs::path base(root);
    if (!fs::is_directory(base, ec))
        throw IoError(root + ": GSC root folder missing");
    const auto validation = readList(base / "validation_list.txt");
    const auto testing = readList(base / "testing_list.txt");

    GscSplit split;
    split.classes = gscClasses(root);

    for (std::size_t label = 0; label < split.classes.size(); ++label) {
        const std::string& word = split.classes[label];
        std::vector<std::string> names;
        fs::directory_iterator files(base / word, ec);
        if (ec)
            throw IoError((base / word).string() + ": cannot list GSC word folder: " + ec.message());
        for (const auto& entry : files) {
            const std::string name = entry.path().filename().string();
            if (entry.is_regular_file(ec) && name.size() > 4 && name.ends_with(".wav"))
                names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
            const std::string relative = word + "/" + name;
            GscEntry e{std::int32_t(label), (base / word / name).string(), speakerOf(name)};
            if (validation.count(relative))
                split.validation.push_back(std::move(e));
            else if (testing.count(relative))
                split.test.push_back(std::move(e));
            else
                split.train.push_back(std::move(e));
        }
    }
    return split;
}

} // namespace tp
