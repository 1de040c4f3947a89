#pragma once
/// Synthetic "moving shapes" gestures written in the real DVS128 Gesture layout (IBM folder,
/// dataset-formats.md section 4.1): userNN_<lighting>.aedat (AEDAT 3.1), userNN_<lighting>_labels.csv
/// and trials_to_train.txt / trials_to_test.txt, so the real reader path (scanDvsGesture,
/// readAedat31, readGestureLabels, cutTrials) runs without any download.
///
/// Rendering: every trial moves bright shapes over a dark 128 x 128 sensor. The scene is rendered
/// every render_step_us (anti-aliased edges, brightness in [0, 1]); a pixel whose brightness rises
/// between two consecutive frames emits ON events (p = 1), one whose brightness falls emits OFF
/// events (p = 0), so a moving blob fires ON at its leading edge and OFF at its trailing edge.
/// The number of events of a change is proportional to |delta brightness| (stochastic rounding),
/// scaled so that each trial holds on average event_rate_hz * trial duration events whatever its
/// class (the count alone does not tell the class); their times are uniform inside the render step.
///
/// Choices:
/// - Image coordinates: x grows to the right, y grows downwards (row 0 is the top), so "up" is
///   decreasing y and "clockwise" is clockwise as seen on the screen.
/// - Trajectories are parametrised by the phase s = (t - start) / trial_us in [0, 1], so shorter
///   trials show the same motion, faster.
/// - Per-user variation (drawn from Rng(seed, user stream)): speed (travel distance / revolutions)
///   x U[0.8, 1.25], shape size x U[0.8, 1.25], scene centre offset U[-10, 10] px in x and y, event
///   rate x U[0.8, 1.25], clock start U[1, 2) s. Per trial on top: speed and size x U[0.9, 1.1],
///   centre U[-6, 6] px, event count x U[0.9, 1.1], plus the class's own random choices (start
///   angle, converging axis, flicker patches).
/// - Recording layout: the clock starts at the user's start time t0; trial i covers
///   [t0 + gap + i (trial + gap), ... + trial); the recording ends one gap after the last trial.
///   Background noise (uniform pixel, polarity and time) covers the whole recording, gaps included.
/// - Random streams: user u (0-based) owns streams ((u + 1) << 32) + 0 (user parameters and trial
///   order), + 1 (noise) and + 2 + i (trial i). Events are sorted by (t, x, y, p). Output is
///   byte-identical for a seed on a given build (the renderer uses std::sin / std::cos / std::sqrt).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "dvsgesture.h"
#include "events.h"

namespace tp {

/// Class names of the synthetic set, index 0..10 (the labels CSV holds index + 1).
inline constexpr std::array<std::string_view, kDvsGestureClasses> kSyntheticGestureClassNames = {
    "blob moving right",        "blob moving left",
    "blob moving up",           "blob moving down",
    "clockwise circle",         "counter-clockwise circle",
    "expanding ring",           "contracting ring",
    "diagonal zig-zag",         "two blobs converging",
    "random flicker (other)"};

/// Generator parameters. The defaults give 12 users (9 train, 3 test), one 1.5 s trial per class
/// and user, about 20 k signal events/s and 2 k noise events/s: about 4.6 M events, 37 MB of files, written in about 1.3 s.
struct SyntheticGestureParams {
    int users = 12;                       ///< recordings user01..userNN (1..99)
    int test_users = 3;                   ///< the last test_users users go to trials_to_test.txt
    int trials_per_class = 1;             ///< trials of every class in each user's recording
    std::int64_t trial_us = 1'500'000;    ///< duration of one trial (labels end - start)
    std::int64_t gap_us = 200'000;        ///< pause before, between and after the trials
    std::int64_t render_step_us = 5'000;  ///< time between two rendered frames (upper bound)
    double event_rate_hz = 20'000.0;      ///< mean signal events per second of trial (before factors)
    double noise_rate_hz = 2'000.0;       ///< background noise events per second, whole sensor
    std::uint64_t seed = 1;
};

/// One generated recording, in memory.
struct SyntheticGestureRecording {
    std::string stem;                   ///< "userNN_<lighting>" (files stem + ".aedat", stem + "_labels.csv")
    Events events;                      ///< sorted by (t, x, y, p); x, y in 0..127
    std::vector<GestureLabel> labels;   ///< in time order, cls 0..10, [start_us, end_us)
};

/// Appends what makes `params` unusable (paths "synth_gesture.<field>"): users outside 1..99,
/// test_users outside 0..users, trials_per_class outside 1..1000, trial_us or render_step_us < 1,
/// gap_us < 0, a rate that is negative or not finite.
void checkSyntheticGestureParams(const SyntheticGestureParams& params, std::vector<ConfigIssue>& issues);

/// File stem of user `user` (0-based): "user" + two digits of user + 1 + "_" + lighting, the
/// lighting cycling through fluorescent, led, lab, natural.
std::string syntheticGestureStem(int user);

/// Generates the recording of user `user` (0-based, < params.users): every class
/// trials_per_class times in a random order. Throws ConfigError for unusable params or user.
SyntheticGestureRecording generateSyntheticGestureRecording(const SyntheticGestureParams& params, int user);

/// Writes the whole set under `root` (created if missing; existing files of the same names are
/// replaced): per user the .aedat recording and its labels CSV, then trials_to_train.txt (users
/// 1..users - test_users) and trials_to_test.txt (the rest), one file name per line. Throws
/// ConfigError for unusable params (before touching the disk) and IoError when writing fails.
void writeSyntheticGestures(const std::string& root, const SyntheticGestureParams& params);

} // namespace tp
