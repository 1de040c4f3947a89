#include "synth_digits.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numbers>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/rng.h"

extern char** environ;

namespace tp {

namespace {

std::uint32_t le32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}

std::uint16_t le16(const std::uint8_t* p) { return std::uint16_t(p[0] | p[1] << 8); }

std::string commandLine(const std::vector<std::string>& args)
{
    std::string line;
    for (const auto& a : args) {
        if (!line.empty())
            line += ' ';
        if (a.find_first_of(" \t\"'") != std::string::npos)
            line += '"' + a + '"';
        else
            line += a;
    }
    return line;
}

struct ChildResult {
    std::vector<std::uint8_t> out;
    std::string err;
    int status = 0;
};

/// Run argv[0] (PATH lookup, no shell) and collect its stdout and stderr. The pipes are
/// O_CLOEXEC so children spawned by other threads at the same time do not inherit them (which
/// would hold a write end open and delay EOF); dup2 in the child clears the flag on 1 and 2.
ChildResult runChild(const std::vector<std::string>& args)
{
    const std::string line = commandLine(args);
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0)
        throw IoError("cannot create a pipe for `" + line + "`: " + std::strerror(errno));
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        const int e = errno;
        close(outPipe[0]);
        close(outPipe[1]);
        throw IoError("cannot create a pipe for `" + line + "`: " + std::strerror(e));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(outPipe[1]);
    close(errPipe[1]);
    if (rc != 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        throw IoError("cannot run `" + line + "`: " + std::strerror(rc) +
                      (rc == ENOENT ? " (is espeak-ng installed? see .ci/install-deps)" : ""));
    }
    ChildResult result;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    std::uint8_t buffer[65536];
    while (open > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            } else if (i == 0) {
                result.out.insert(result.out.end(), buffer, buffer + n);
            } else {
                result.err.append(reinterpret_cast<const char*>(buffer), std::size_t(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0)
            close(f.fd);
    while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

double erb_hz(double f) { return 24.7 * (4.37 * f / 1000.0 + 1.0); }
double erbNumber(double f) { return 21.4 * std::log10(4.37e-3 * f + 1.0); }
double erbNumberToHz(double e) { return (std::pow(10.0, e / 21.4) - 1.0) / 4.37e-3; }

} // namespace

WavAudio parseWav(const std::vector<std::uint8_t>& bytes, const std::string& source)
{
    const std::size_t size = bytes.size();
    if (size < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
        std::memcmp(bytes.data() + 8, "WAVE", 4) != 0)
        throw FormatError(source, 0, "not a RIFF/WAVE file");
    bool haveFmt = false;
    WavAudio audio;
    std::size_t pos = 12;
    while (pos + 8 <= size) {
        const std::uint8_t* chunk = bytes.data() + pos;
        const std::uint64_t chunkSize = le32(chunk + 4);
        const std::size_t body = pos + 8;
        if (std::memcmp(chunk, "fmt ", 4) == 0) {
            if (chunkSize < 16 || body + 16 > size)
                throw FormatError(source, std::int64_t(pos), "fmt chunk shorter than 16 bytes");
            const std::uint16_t format = le16(bytes.data() + body);
            const std::uint16_t channels = le16(bytes.data() + body + 2);
            const std::uint32_t rate = le32(bytes.data() + body + 4);
            const std::uint16_t bits = le16(bytes.data() + body + 14);
            if (format != 1)
                throw FormatError(source, std::int64_t(body),
                                  "format tag " + std::to_string(format) + ", expected 1 (PCM)");
            if (channels != 1)
                throw FormatError(source, std::int64_t(body + 2),
                                  std::to_string(channels) + " channels, expected mono");
            if (bits != 16)
                throw FormatError(source, std::int64_t(body + 14),
                                  std::to_string(bits) + " bits per sample, expected 16");
            if (rate == 0 || rate > 1000000)
                throw FormatError(source, std::int64_t(body + 4),
                                  "sample rate " + std::to_string(rate) + " Hz");
            audio.sample_rate_hz = int(rate);
            haveFmt = true;
        } else if (std::memcmp(chunk, "data", 4) == 0) {
            if (!haveFmt)
                throw FormatError(source, std::int64_t(pos), "data chunk before fmt chunk");
            // espeak-ng --stdout cannot seek back, so it writes a huge placeholder size.
            const std::size_t available = std::min<std::uint64_t>(chunkSize, size - body);
            const std::size_t n = available / 2;
            audio.samples.resize(n);
            const std::uint8_t* p = bytes.data() + body;
            for (std::size_t i = 0; i < n; ++i)
                audio.samples[i] = float(std::int16_t(le16(p + 2 * i))) * (1.0f / 32768.0f);
            return audio;
        }
        pos = body + chunkSize + (chunkSize & 1);
    }
    throw FormatError(source, std::int64_t(std::min(pos, size)),
                      haveFmt ? "no data chunk" : "no fmt chunk");
}

WavAudio synthesizeSpeech(const std::string& text, const SpeechVoice& voice,
                          const std::string& program)
{
    const std::vector<std::string> args = {program,
                                           "-v", voice.voice,
                                           "-s", std::to_string(voice.speed_wpm),
                                           "-p", std::to_string(voice.pitch),
                                           "-a", std::to_string(voice.amplitude),
                                           "-z", "--stdout", text};
    const ChildResult r = runChild(args);
    const std::string line = commandLine(args);
    std::string detail = r.err;
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
        detail.pop_back();
    if (WIFSIGNALED(r.status))
        throw IoError("`" + line + "` was killed by signal " + std::to_string(WTERMSIG(r.status)) +
                      (detail.empty() ? "" : ": " + detail));
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
        throw IoError("`" + line + "` failed with exit code " +
                      std::to_string(WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1) +
                      (detail.empty() ? "" : ": " + detail));
    if (r.out.empty())
        throw IoError("`" + line + "` wrote no audio" + (detail.empty() ? "" : ": " + detail));
    WavAudio audio = parseWav(r.out, "stdout of `" + line + "`");
    if (audio.samples.empty())
        throw IoError("`" + line + "` wrote a WAV without samples");
    return audio;
}

std::vector<double> cochleaCentreFrequencies(const CochleaParams& params, int sampleRate_hz)
{
    if (sampleRate_hz <= 0 || params.channels <= 0)
        throw std::invalid_argument("cochlea: sample rate and channel count must be positive");
    const double top = std::min(params.f_max_hz, 0.45 * sampleRate_hz);
    if (!(params.f_min_hz > 0.0) || !(top > params.f_min_hz))
        throw std::invalid_argument("cochlea: need 0 < f_min_hz < min(f_max_hz, 0.45 fs)");
    std::vector<double> fc(std::size_t(params.channels));
    const double eLow = erbNumber(params.f_min_hz), eHigh = erbNumber(top);
    const int n = params.channels;
    for (int c = 0; c < n; ++c) {
        const double frac = n == 1 ? 0.0 : double(c) / double(n - 1);
        fc[std::size_t(c)] = erbNumberToHz(eHigh + (eLow - eHigh) * frac);
    }
    return fc;
}

Events cochleaSpikes(const std::vector<float>& audio, int sampleRate_hz, const CochleaParams& params)
{
    const std::vector<double> fc = cochleaCentreFrequencies(params, sampleRate_hz);
    const std::size_t C = fc.size();
    const double fs = double(sampleRate_hz);
    std::vector<float> b0(C), a1(C), a2(C), y1(C, 0.f), y2(C, 0.f), env(C, 0.f), v(C, 0.f),
        refr(C, 0.f);
    std::vector<float> spiked(C, 0.f);
    for (std::size_t c = 0; c < C; ++c) {
        const double w0 = 2.0 * std::numbers::pi * fc[c] / fs;
        const double q = fc[c] / erb_hz(fc[c]);
        const double alpha = std::sin(w0) / (2.0 * q);
        const double a0 = 1.0 + alpha;
        b0[c] = float(alpha / a0);
        a1[c] = float(-2.0 * std::cos(w0) / a0);
        a2[c] = float((1.0 - alpha) / a0);
    }
    // Pre-emphasis (outer/middle-ear stand-in), then RMS normalisation of the emphasised signal.
    std::vector<float> emphasised(audio.size());
    const float pre = float(params.pre_emphasis);
    for (std::size_t i = 0; i < audio.size(); ++i)
        emphasised[i] = audio[i] - (i > 0 ? pre * audio[i - 1] : 0.f);
    double sumSq = 0.0;
    for (float s : emphasised)
        sumSq += double(s) * double(s);
    Events events;
    if (audio.empty() || sumSq <= 0.0)
        return events;
    const float scale = float(params.rms / std::sqrt(sumSq / double(audio.size())));
    const float ke = float(-std::expm1(-1.0 / (fs * params.env_tau_s)));
    const float km = float(-std::expm1(-1.0 / (fs * params.mem_tau_s)));
    const float gain = float(params.gain);
    const float deadSamples = float(std::max(0.0, std::round(params.refractory_s * fs)));
    float x1 = 0.f, x2 = 0.f;
    const std::size_t n = emphasised.size();
    // Restrict-qualified locals let the compiler vectorise across channels (no aliasing).
    const float* __restrict pb0 = b0.data();
    const float* __restrict pa1 = a1.data();
    const float* __restrict pa2 = a2.data();
    float* __restrict py1 = y1.data();
    float* __restrict py2 = y2.data();
    float* __restrict penv = env.data();
    float* __restrict pv = v.data();
    float* __restrict prefr = refr.data();
    float* __restrict pspk = spiked.data();
    for (std::size_t t = 0; t < n; ++t) {
        const float x = emphasised[t] * scale;
        const float dx = x - x2;  // band-pass numerator b0 (x[n] - x[n-2])
        x2 = x1;
        x1 = x;
        int any = 0;
        for (std::size_t c = 0; c < C; ++c) {
            const float y = pb0[c] * dx - pa1[c] * py1[c] - pa2[c] * py2[c];
            py2[c] = py1[c];
            py1[c] = y;
            const float e = penv[c] + ke * (std::max(y, 0.f) - penv[c]);
            penv[c] = e;
            const float r = prefr[c];
            const float integrated = pv[c] + km * (gain * std::sqrt(e) - pv[c]);
            const float vn = r > 0.f ? 0.f : integrated;
            const float spike = vn >= 1.f ? 1.f : 0.f;
            pv[c] = vn >= 1.f ? 0.f : vn;
            prefr[c] = vn >= 1.f ? deadSamples : std::max(r - 1.f, 0.f);
            pspk[c] = spike;
            any += int(spike);  // a sum: GCC 12 does not vectorise |= of a compare here
        }
        if (any == 0)
            continue;
        const auto t_us = std::int64_t(double(t) * 1e6 / fs);
        for (std::size_t c = 0; c < C; ++c)
            if (pspk[c] != 0.f)
                events.push_back(Event{t_us, std::int16_t(c), 0, 0});
    }
    return events;
}

const std::vector<SyntheticSpeaker>& syntheticDigitSpeakers()
{
    static const std::vector<SyntheticSpeaker> speakers = [] {
        const std::pair<const char*, const char*> table[] = {
            {"en-us", "m1"},          {"en", "f1"},          {"en-gb-scotland", "m2"},
            {"en-gb-x-rp", "f2"},     {"en-029", "m3"},      {"en-us-nyc", "f3"},
            {"en-gb-x-gbclan", "m4"}, {"en", "f4"},          {"en-gb-x-gbcwmd", "m5"},
            {"en-us", "f5"},          {"en-gb-x-rp", "m6"},  {"en-us", "m7"},
        };
        std::vector<SyntheticSpeaker> out;
        for (const auto& [accent, variant] : table)
            out.push_back({std::string(accent) + "+" + variant, std::string("de+") + variant});
        return out;
    }();
    return speakers;
}

const std::vector<std::string>& syntheticDigitKeys()
{
    static const std::vector<std::string> keys = {
        "zero", "one",  "two",  "three", "four", "five",   "six",    "seven", "eight", "nine",
        "null", "eins", "zwei", "drei",  "vier", "fuenf",  "sechs",  "sieben", "acht", "neun"};
    return keys;
}

SyntheticDigitsSplit makeSyntheticDigits(const SyntheticDigitsParams& p)
{
    const auto& speakers = syntheticDigitSpeakers();
    const auto& keys = syntheticDigitKeys();
    std::vector<ConfigIssue> issues;
    if (p.utterances_per_class < 1)
        issues.push_back({"utterances_per_class", "must be at least 1"});
    if (!(p.test_fraction >= 0.0 && p.test_fraction <= 1.0))
        issues.push_back({"test_fraction", "must be in [0, 1]"});
    if (p.held_out_speakers < 0 || p.held_out_speakers >= int(speakers.size()))
        issues.push_back({"held_out_speakers",
                          "must be in 0.." + std::to_string(speakers.size() - 1)});
    if (p.speed_min_wpm < 80 || p.speed_max_wpm > 450 || p.speed_min_wpm > p.speed_max_wpm)
        issues.push_back({"speed_min_wpm", "speeds must satisfy 80 <= min <= max <= 450"});
    if (p.pitch_min < 0 || p.pitch_max > 99 || p.pitch_min > p.pitch_max)
        issues.push_back({"pitch_min", "pitches must satisfy 0 <= min <= max <= 99"});
    if (!issues.empty())
        throw ConfigError(std::move(issues), "synthetic digits");

    const std::size_t perClass = std::size_t(p.utterances_per_class);
    const std::size_t total = keys.size() * perClass;
    struct Utterance {
        Events spikes;
        int speaker = 0;
        bool test = false;
    };
    std::vector<Utterance> utterances(total);
    // Draws happen here, not in the workers, so they cannot depend on scheduling.
    std::vector<SpeechVoice> voices(total);
    const int firstHeldOut = int(speakers.size()) - p.held_out_speakers;
    std::size_t heldOut = 0;
    for (std::size_t i = 0; i < total; ++i) {
        utterances[i].speaker = int((i / perClass + i % perClass) % speakers.size());
        heldOut += utterances[i].speaker >= firstHeldOut ? 1 : 0;
    }
    // Other utterances fill the test split up to test_fraction of the whole, in expectation.
    const double randomShare =
        heldOut == total ? 0.0
                         : std::clamp((p.test_fraction * double(total) - double(heldOut)) /
                                          double(total - heldOut),
                                      0.0, 1.0);
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t label = i / perClass;
        Rng rng(p.seed, i);
        Utterance& utt = utterances[i];
        const SyntheticSpeaker& s = speakers[std::size_t(utt.speaker)];
        SpeechVoice& voice = voices[i];
        voice.voice = label < 10 ? s.english_voice : s.german_voice;
        voice.speed_wpm =
            p.speed_min_wpm + int(rng.below(std::uint64_t(p.speed_max_wpm - p.speed_min_wpm + 1)));
        voice.pitch = p.pitch_min + int(rng.below(std::uint64_t(p.pitch_max - p.pitch_min + 1)));
        const bool randomTest = rng.uniform() < randomShare;
        utt.test = utt.speaker >= firstHeldOut || randomTest;
    }
    tbb::parallel_for(std::size_t(0), total, [&](std::size_t i) {
        const WavAudio audio =
            synthesizeSpeech(keys[i / perClass], voices[i], p.espeak_program);
        utterances[i].spikes = cochleaSpikes(audio.samples, audio.sample_rate_hz, p.cochlea);
    });

    SyntheticDigitsSplit split;
    split.train.keys = keys;
    split.test.keys = keys;
    for (std::size_t i = 0; i < total; ++i) {
        ShdContents& out = utterances[i].test ? split.test : split.train;
        out.samples.push_back(std::move(utterances[i].spikes));
        out.labels.push_back(std::int32_t(i / perClass));
        out.speakers.push_back(utterances[i].speaker);
    }
    return split;
}

void writeSyntheticDigits(const std::string& folder, const SyntheticDigitsParams& params)
{
    SyntheticDigitsSplit split = makeSyntheticDigits(params);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec)
        throw IoError("cannot create folder " + folder + ": " + ec.message());
    const std::filesystem::path dir(folder);
    writeShd((dir / "shd_train.h5").string(), split.train, true);
    writeShd((dir / "shd_test.h5").string(), split.test, true);
}

} // namespace tp
