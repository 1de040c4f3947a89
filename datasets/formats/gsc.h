#pragma once
/// Google Speech Commands v2 (Warden 2018; dataset-formats.md section 6, tp-algorithm.md
/// section 6.5): WAV reading/writing (libsndfile), the s2net/TP log-mel + delta features, and
/// the split given by validation_list.txt / testing_list.txt.
///
/// Feature conventions (torchaudio defaults, because the reference pipeline is PyTorch):
/// - audio zero-padded at the end / trimmed to the first 16,000 samples (1 s at 16 kHz);
/// - Spectrogram: periodic Hann window of 480 samples, n_fft 480, hop 160, center=True with
///   reflect padding of 240 samples on each side (so 16,000 samples give 1 + 16000/160 = 101
///   frames), power 2, no normalisation; FFT by FFTW in single precision;
/// - MelScale: HTK mel scale mel(f) = 2595 log10(1 + f/700) (the formula the doc gives, and
///   torchaudio's default), 40 triangles between 42 mel-spaced points over 20-4000 Hz, peak 1,
///   norm=None (no Slaney area normalisation), evaluated at the 241 FFT bin frequencies k*sr/480;
/// - log(1 + S / max S), max over the whole clip's mel spectrogram (silence, max S == 0: all 0);
/// - delta and delta-delta: torchaudio ComputeDeltas, win_length 5 (N = 2), replicate padding
///   in time: d[t] = sum_{n=1..2} n (x[t+n] - x[t-n]) / 10; delta-delta = deltas of the delta;
/// - per-sample normalisation: each of the 120 (channel, mel) rows divided by its own std over
///   the 101 frames, unbiased (n - 1, torch.std's default); rows with std == 0 are left as they
///   are (no mean subtraction: the doc says divided, not standardised).
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/sample.h"
#include "events.h"

namespace tp {

inline constexpr int kGscSampleRate = 16000;  ///< Hz; readWav rejects anything else
inline constexpr int kGscClipSamples = 16000; ///< 1 s: clips are padded/trimmed to this
inline constexpr int kGscFftSize = 480;       ///< n_fft = window length (30 ms)
inline constexpr int kGscHop = 160;           ///< hop length (10 ms)
inline constexpr int kGscBins = kGscFftSize / 2 + 1;  ///< 241 one-sided FFT bins
inline constexpr int kGscMels = 40;           ///< mel bands
inline constexpr double kGscMinHz = 20.0;     ///< lowest mel point
inline constexpr double kGscMaxHz = 4000.0;   ///< highest mel point
inline constexpr int kGscFrames = 1 + kGscClipSamples / kGscHop;  ///< 101 time steps
inline constexpr int kGscChannels = 3 * kGscMels;                 ///< 120: static, delta, delta-delta
inline constexpr SensorSize kGscSensor{kGscChannels, 1, 1};       ///< (W, H, P): features as one row
/// Word folders of Speech Commands v2 (the classes gscClasses finds in a full copy).
inline constexpr int kGscClasses = 35;

/// Reads a mono 16 kHz audio file (WAV, or any format libsndfile recognises) as floats in
/// [-1, 1) (16-bit PCM scaled by 1/32768). Stores the sample rate in *sampleRate when it is not
/// null. Throws IoError when the file cannot be opened for reading, FormatError naming the file
/// when it is not readable as audio, not mono, not 16 kHz, or shorter than its header says.
/// Thread-safe.
std::vector<float> readWav(const std::string& path, int* sampleRate);

/// Writes mono 16-bit PCM WAV (canonical 44-byte header) atomically (path + ".tmp", then
/// rename). Samples are scaled by 32768, rounded and clipped to [-32768, 32767], so values
/// k/32768 read back exactly. Throws ConfigError for sampleRate <= 0 and IoError when the file
/// cannot be written. Thread-safe.
void writeWav(const std::string& path, std::span<const float> samples, int sampleRate = kGscSampleRate);

/// HTK mel scale: 2595 log10(1 + hz/700).
double hzToMel(double hz);
/// Inverse of hzToMel: 700 (10^(mel/2595) - 1).
double melToHz(double mel);

/// A triangular mel filter bank as torchaudio.functional.melscale_fbanks(mel_scale="htk",
/// norm=None) builds it.
struct MelFilterBank {
    int mels = 0;                   ///< number of filters
    int bins = 0;                   ///< one-sided FFT bins (n_fft/2 + 1)
    std::vector<double> points_hz;  ///< mels + 2 edges; filter m: points_hz[m] < centre points_hz[m+1] < points_hz[m+2]
    std::vector<float> weights;     ///< mels x bins, row-major, peak 1 at the centre
};

/// Builds the filter bank for `mels` bands over [minHz, maxHz] and FFT size `fftSize` at
/// `sampleRate`. Throws ConfigError for non-positive sizes or 0 <= minHz < maxHz <= sr/2 failing.
MelFilterBank melFilterBank(int mels, int fftSize, int sampleRate, double minHz, double maxHz);

/// The GSC filter bank (40 mels, 20-4000 Hz, n_fft 480, 16 kHz); built once, shared, immutable.
const MelFilterBank& gscMelFilterBank();

/// Pads/trims `audio` to 16,000 samples and returns log(1 + S / max S) of its mel power
/// spectrogram: kGscFrames x kGscMels, frame-major. Thread-safe (the FFTW plan is created once
/// under a mutex and executed with the new-array interface).
std::vector<float> gscLogMel(std::span<const float> audio);

/// torchaudio ComputeDeltas (win_length 5, replicate padding) along time of a frames x bands
/// frame-major matrix; returns the same shape. Throws ConfigError when x.size() != frames * bands.
std::vector<float> computeDeltas(std::span<const float> x, int frames, int bands);

/// The 120 x 101 TP/s2net input of one clip (see the conventions above) as a Sample:
/// steps = 101, channels = 120, channel = c * 40 + mel with c = 0 static, 1 delta, 2 delta-delta;
/// every non-zero feature is an entry, in channel order. Thread-safe.
Sample gscFeatures(std::span<const float> audio, std::int32_t label);

/// One utterance: label (index into GscSplit::classes), full file path, speaker id.
struct GscEntry {
    std::int32_t label;
    std::string file;
    std::string speaker;  ///< file name before "_nohash_" (the whole stem when absent)
};

/// The official split of a GSC tree and its classes.
struct GscSplit {
    std::vector<GscEntry> train, validation, test;
    std::vector<std::string> classes;  ///< word folder names, sorted byte-wise
};

/// The word folders of a GSC root (direct sub-folders except _background_noise_ and hidden
/// ones), sorted byte-wise: the class names, index = label. Throws IoError when root cannot be
/// listed.
std::vector<std::string> gscClasses(const std::string& root);

/// Scans root/<word>/*.wav (direct sub-folders except _background_noise_ and hidden ones;
/// regular files ending in ".wav"). A file whose "<word>/<name>" is listed in
/// root/validation_list.txt goes to validation, else in root/testing_list.txt to test, else to
/// train. List lines are trimmed (CR and blanks), empty lines skipped, entries naming files that
/// are not on disk ignored. Each split is sorted by class folder, then file name. Throws IoError
/// when root or either list file is missing or unreadable.
GscSplit scanGsc(const std::string& root);

} // namespace tp
