#pragma once
/// Synthetic spoken digits in the SHD layout (dataset-formats.md sections 3 and 6.4), made
/// without any download: espeak-ng speaks "zero".."nine" (English, classes 0-9) and
/// "null".."neun" (German, classes 10-19), and a small cochlea-like model turns each utterance
/// into spikes on 700 channels, written with writeShd as shd_train.h5 / shd_test.h5.
///
/// Cochlea model (a cheap stand-in for Lauscher, section 6.4), per utterance:
/// 1. pre-emphasis x[n] - 0.9 x[n-1] (a crude outer/middle-ear tilt, so fricatives reach the
///    high channels), then RMS normalisation to `rms` (0.3, as Lauscher);
/// 2. 700 second-order band-pass filters (RBJ biquad, 0 dB peak gain at the centre), centre
///    frequencies ERB-number spaced (Glasberg & Moore) from f_min_hz to
///    min(f_max_hz, 0.45 * sample rate), channel 0 at the HIGHEST frequency (SHD order, 3.1),
///    Q = fc / ERB(fc) with ERB(f) = 24.7 (4.37 f / 1000 + 1) Hz;
/// 3. half-wave rectification, then a one-pole low-pass with time constant env_tau_s (envelope);
/// 4. square-root compression of the envelope (the cochlea's compressive gain), then one LIF
///    encoder per channel: tau_mem dv/dt = gain * sqrt(envelope) - v, spike and reset to 0 at
///    v >= 1, then refractory_s of silence (Euler steps of 1 / fs). Spike times are the sample
///    times n / fs in seconds. Defaults give about 5,000 spikes per utterance (SHD-like).
/// Spikes come out sorted by time, then by channel (as Lauscher's np.where order).
///
/// Speakers: 12 "speakers", each an espeak-ng voice variant (m1..m7, f1..f5) combined with an
/// English accent voice for the English words and with voice "de" for the German words (so, as
/// in SHD, one speaker says all 20 words). Utterance u of class k is said by speaker
/// (k + u) % 12 (so even tiny sets cover every speaker); its speed and pitch are drawn from
/// tp::Rng(seed, stream = k * utterances_per_class + u).
/// Split: the last `held_out_speakers` speakers appear only in the test file (as SHD's 2
/// test-only speakers); every other utterance goes to test with probability
/// q = clamp((test_fraction * N - H) / (N - H), 0, 1) (N utterances, H of held-out speakers;
/// drawn from the same per-utterance stream), else to train, so that test holds about
/// test_fraction of all utterances (defaults: 100 held out + ~20 more of 600).
///
/// Determinism: an utterance's spikes depend only on (seed, class, index) and espeak-ng's
/// output, never on the thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "events.h"
#include "shd.h"

namespace tp {

/// Decoded PCM audio, samples scaled to [-1, 1).
struct WavAudio {
    int sample_rate_hz = 0;
    std::vector<float> samples;  ///< mono
};

/// Parse a RIFF/WAVE file of 16-bit PCM mono. Skips unknown chunks; a data chunk whose size
/// runs past the end (as espeak-ng --stdout writes, 0x7ffff000) is clamped to the bytes present.
/// Throws FormatError (with `source` and the byte offset) for anything else.
WavAudio parseWav(const std::vector<std::uint8_t>& bytes, const std::string& source = "<wav>");

/// How espeak-ng speaks one word.
struct SpeechVoice {
    std::string voice = "en";   ///< -v, e.g. "en-us+f3", "de+m2"
    int speed_wpm = 175;        ///< -s, words per minute (80..450)
    int pitch = 50;             ///< -p, 0..99
    int amplitude = 100;        ///< -a, 0..200
};

/// Run `program` (looked up in PATH; no shell) as
/// `program -v voice -s speed -p pitch -a amplitude -z --stdout text` and parse the WAV it
/// writes. Throws IoError naming the command line when the program is missing, fails, or
/// writes nothing; FormatError when its output is not a WAV parseWav accepts. Thread-safe.
WavAudio synthesizeSpeech(const std::string& text, const SpeechVoice& voice,
                          const std::string& program = "espeak-ng");

/// The cochlea-like filter bank and spike encoder (model in the file comment).
struct CochleaParams {
    int channels = kShdChannels;   ///< channel 0 = highest centre frequency
    double f_min_hz = 100.0;       ///< centre of the last channel
    double f_max_hz = 10000.0;     ///< centre of channel 0 (capped at 0.45 * sample rate)
    double pre_emphasis = 0.9;     ///< x[n] - k x[n-1] before normalising (0 = off)
    double rms = 0.3;              ///< RMS the audio is normalised to
    double env_tau_s = 1e-3;       ///< envelope low-pass time constant
    double mem_tau_s = 5e-3;       ///< LIF membrane time constant
    double gain = 6.0;             ///< sqrt(envelope) -> LIF input current (threshold 1)
    double refractory_s = 1e-3;    ///< dead time after each spike
};

/// Centre frequencies in Hz, one per channel, decreasing (channel 0 highest).
std::vector<double> cochleaCentreFrequencies(const CochleaParams& params, int sampleRate_hz);

/// Spikes of `audio` (sample rate `sampleRate_hz`): events with t_us = trunc(n / fs * 1e6),
/// x = channel, y = 0, p = 0, sorted by (t, channel). Silent audio gives no spikes. Throws
/// std::invalid_argument for a non-positive rate or channel count, or no channels below Nyquist.
Events cochleaSpikes(const std::vector<float>& audio, int sampleRate_hz,
                     const CochleaParams& params = {});

/// One synthetic speaker: the voice for English words and the one for German words.
struct SyntheticSpeaker {
    std::string english_voice;  ///< e.g. "en-us+m1"
    std::string german_voice;   ///< e.g. "de+m1"
};

/// The 12 speakers, index = speaker id stored in /extra/speaker.
const std::vector<SyntheticSpeaker>& syntheticDigitSpeakers();

/// The 20 class names: "zero".."nine", "null".."neun" (keys[label]).
const std::vector<std::string>& syntheticDigitKeys();

struct SyntheticDigitsParams {
    int utterances_per_class = 30;   ///< per class, train and test together
    double test_fraction = 0.2;      ///< expected share of all utterances in test (see above)
    std::uint64_t seed = 1;
    int held_out_speakers = 2;       ///< last speakers only in test (0..11)
    int speed_min_wpm = 140, speed_max_wpm = 200;  ///< drawn uniformly, inclusive
    int pitch_min = 25, pitch_max = 75;            ///< drawn uniformly, inclusive
    std::string espeak_program = "espeak-ng";
    CochleaParams cochlea;
};

/// Generated samples, in (class, utterance) order within each split.
struct SyntheticDigitsSplit {
    ShdContents train;
    ShdContents test;
};

/// Synthesise and encode every utterance (tbb::parallel_for over utterances, in the caller's
/// arena). Throws ConfigError for bad parameters and IoError when espeak-ng is missing or fails.
SyntheticDigitsSplit makeSyntheticDigits(const SyntheticDigitsParams& params);

/// makeSyntheticDigits, then writeShd (float16 times, as SHD) to folder/shd_train.h5 and
/// folder/shd_test.h5; the folder is created if missing. Throws as makeSyntheticDigits, and
/// IoError when the files cannot be written.
void writeSyntheticDigits(const std::string& folder, const SyntheticDigitsParams& params);

} // namespace tp
