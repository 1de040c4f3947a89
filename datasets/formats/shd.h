#pragma once
/// SHD / SSC files (Spiking Heidelberg Digits, Spiking Speech Commands; dataset-formats.md
/// section 3): HDF5 with ragged (H5T_VLEN) /spikes/times (seconds) and /spikes/units
/// (channels 0..699), /labels, and optional /extra/speaker and /extra/keys.
///
/// Choices (where the doc leaves room):
/// - times are read as double whatever the stored base (float, double, integer; HDF5 converts), so
///   t_us = int64(trunc(time_s * 1e6)) is computed in double; non-finite times are rejected. A
///   little-endian float16 base (the SHD/SSC files) is read as raw bits and decoded exactly through
///   a 65,536-entry table: same result as HDF5's conversion, about 10x faster;
/// - events are x = unit, y = 0, p = 0 (events.h convention for audio; tonic uses p = 1);
/// - units may have any integer or float base (HDF5 converts to int32; out-of-range values are
///   clamped by HDF5 and then rejected by the 0..699 check); labels and speakers must be integers;
/// - /extra/speaker and /extra/keys are optional (empty when absent); if /extra/speaker is present
///   it must hold one value per sample. Keys are not checked against the labels;
/// - /extra/keys may have any HDF5 string form (fixed NULLTERM / NULLPAD / SPACEPAD or variable
///   length, ASCII or UTF-8: h5::readStrings); the bytes are kept as they are (UTF-8 names intact);
/// - the writer stores float32 times as the float nearest t_us / 1e6 that still decodes to t_us
///   under truncation (so a float32 round trip is exact for |t| < 8 s), and float16 times as
///   t_us / 1e6 rounded to nearest by HDF5. Empty /extra datasets are not written.
///
/// Reading is isolated (io/h5_isolated.h): HDF5 reads the file in a child process and hands back
/// the checked contents, so a file that makes HDF5 1.10 crash, abort or hang gives FormatError
/// "FILE is corrupt (the HDF5 library failed while reading /spikes/times: ...)" instead of taking
/// the program down. Writing holds h5::libraryMutex() (HDF5 1.10 is serial).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events.h"

namespace tp::h5 {
struct IsolatedReader;  // io/h5_isolated.h
}

namespace tp {

inline constexpr int kShdChannels = 700;  ///< units 0..699 (Lauscher cochlea model)
inline constexpr SensorSize kShdSensor{kShdChannels, 1, 1};  ///< (W, H, P): one row of channels
/// Classes of the published releases; a reader takes them from the file's /extra/keys and labels.
inline constexpr int kShdClasses = 20;
inline constexpr int kSscClasses = 35;
inline constexpr std::size_t kMaxClassNameBytes = 4096;  ///< longest /extra/keys entry readShd accepts

/// Whether a file name is one of the published SHD / SSC files' (shd_train.h5, ssc_valid.h5, ...:
/// it starts with "shd" or "ssc"). Other readers of HDF5 files (recordings/h5_events.cpp) leave
/// these to SHD / SSC, since the first bytes of an HDF5 file do not tell its layout.
bool isShdFileName(std::string_view name);

/// Everything readShd returns and writeShd stores; all per-sample vectors have samples.size()
/// entries (speakers: or none).
struct ShdContents {
    std::vector<Events> samples;          ///< one event list per sample, in file order
    std::vector<std::int32_t> labels;     ///< class index per sample (>= 0)
    std::vector<std::int32_t> speakers;   ///< speaker id per sample; empty if /extra/speaker is absent
    std::vector<std::string> keys;        ///< class names, keys[label]; empty if /extra/keys is absent
};

/// Read a whole SHD/SSC file. Throws IoError when the file is missing or unreadable, and
/// FormatError (naming the dataset, and the sample where one is at fault) when it is not HDF5,
/// truncated, or its content breaks section 3: missing dataset, times not VLEN of a numeric
/// base, times and units of different lengths, a unit outside 0..699, labels count different
/// from the sample count, a negative label, /extra/keys not 1-D strings, holding a NULL
/// variable-length string or a name longer than kMaxClassNameBytes.
ShdContents readShd(const std::string& path);

/// Number of samples (elements of /spikes/times) without reading them. Same errors as readShd
/// for a missing, non-HDF5 or truncated file, or a missing /spikes/times.
std::size_t shdSampleCount(const std::string& path);

/// The helper's readers behind readShd and shdSampleCount (app/h5read/).
extern const h5::IsolatedReader kShdReader;
extern const h5::IsolatedReader kShdCountReader;

/// Write `contents` as an SHD-style file: /spikes/times as vlen of float16 (h5py layout) when
/// `halfFloatTimes`, else vlen of float32, in seconds (t_us / 1e6); /spikes/units as vlen uint16;
/// /labels uint16; /extra/speaker int32 and /extra/keys fixed-length byte strings when non-empty.
/// Written to `path + ".tmp"` and renamed over `path`. Throws std::invalid_argument for contents
/// that would not make a valid file (counts, units outside 0..699, labels outside 0..65535) and
/// IoError when the file cannot be written.
void writeShd(const std::string& path, const ShdContents& contents, bool halfFloatTimes);

} // namespace tp
