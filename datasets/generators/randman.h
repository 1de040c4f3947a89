#pragma once
/// Spiking Randman (Zenke & Vogels 2021; fzenke/randman, stork make_tempo_randman): a built-in
/// synthetic classification task whose information lies only in spike timing. Each class k and
/// spike index s owns a smooth random manifold R_{k,s} from [0,1)^dim into R^units; every sample
/// of class k is a point x on it, and unit u fires its s-th spike at the min-max standardised
/// coordinate u of R_{k,s}(x). See docs/dataset-formats.md section 8.1.
///
/// Choices (the doc asks to pick and document them):
/// - spectral weights of the torch backend, s_i = 1 / ((i+1)^alpha + 1), F = min(ceil(prec^(-1/alpha)),
///   1000) terms with prec = 1e-3, no bias term (theta[m][d][0][0] = 0);
/// - our own random streams (tp::Rng), not numpy/torch ones: a master Rng(seed, 0) draws one seed per
///   (class, spike), in class-major order; the manifold of that seed draws its parameters
///   theta[m][d][j][i] ~ U[0,1) from Rng(that seed, 0) in row-major order; class k draws its points
///   x[n][d] from Rng(seed, 1 + k); the joint shuffle uses Rng(seed, 999) (Fisher-Yates);
/// - evaluation in double; the result is bit-identical whatever the oneTBB thread count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/errors.h"
#include "core/sample.h"

namespace tp {

/// Generator parameters. Defaults are the paper's task (10 classes, 20 units, D = 1, alpha = 1,
/// one spike per unit, spikes in the first half of 100 steps, 1000 samples per class).
struct RandmanParams {
    int classes = 10;
    int units = 20;                 ///< embedding dimension M = input channels
    int steps = 100;                ///< time steps of every sample
    double step_frac = 0.5;         ///< fraction of the steps that can hold spikes
    double offset_frac = 0.0;       ///< fraction of the steps before the first possible spike
    int dim = 1;                    ///< manifold dimension D
    double alpha = 1.0;             ///< smoothness (larger = smoother, fewer Fourier terms)
    int spikes = 1;                 ///< spikes per unit and sample
    int samples_per_class = 1000;
    double train_fraction = 0.8;    ///< share of the (shuffled) samples that go to the train split
    std::uint64_t seed = 1;
    bool shuffle = true;            ///< shuffle all samples jointly before the split
};

inline constexpr double kRandmanPrecision = 1e-3;   ///< prec of the reference code
inline constexpr int kRandmanMaxTerms = 1000;       ///< max_f_cutoff of the reference code

/// Number of Fourier terms F = min(ceil(prec^(-1/alpha)), 1000): 1000 for alpha = 1, 32 for alpha = 2.
int randmanTerms(double alpha);

/// Appends what makes `params` unusable for the generator (paths "dataset.<key>"/"binning.<key>").
/// Only hard requirements; the experiment-file limits live in randman_format.cpp.
void checkRandmanParams(const RandmanParams& params, std::vector<ConfigIssue>& issues);

/// Standardised spike times in [0, 1), before discretisation, class-major:
/// times[((k * spikes + s) * samples_per_class + n) * units + u] is the time of the s-th spike
/// of unit u in sample n of class k. Per (k, s, u) the minimum over n is exactly 0.
/// Runs on oneTBB (caller's arena). Throws ConfigError for unusable params.
std::vector<double> randmanTimes(const RandmanParams& params);

/// Time step of a standardised time: int(steps * (step_frac * (1 - offset_frac) * time + offset_frac)),
/// truncating, so in [int(steps * offset_frac), steps * (offset_frac + step_frac * (1 - offset_frac))).
int randmanStep(double time, const RandmanParams& params);

/// All samples in generation order (unshuffled): sample k * samples_per_class + n has label k.
/// Each has `units` channels and exactly `steps` steps; entries are sorted by step then unit
/// and the value is the number of that unit's spikes falling in that step (usually 1).
std::vector<Sample> generateRandman(const RandmanParams& params);

/// Order of the joint shuffle: Fisher-Yates with Rng(seed, 999) when shuffle, else identity.
std::vector<std::size_t> randmanOrder(const RandmanParams& params);

/// Number of train samples: round(train_fraction * classes * samples_per_class), kept within
/// [1, N - 1] so that neither split is empty.
std::size_t randmanTrainSize(const RandmanParams& params);

struct DatasetSpec;  // config/experiment.h

/// The generator parameters of a valid randman spec (missing keys keep RandmanParams' defaults).
/// Throws ConfigError with every issue when the spec is not a valid randman spec.
RandmanParams randmanParams(const DatasetSpec& spec);

/// The generated task as a Dataset: generateRandman, permuted by randmanOrder, then split in
/// order (first randmanTrainSize samples train, the rest test). Generates in the constructor;
/// immutable afterwards, so safe to read from several threads.
class RandmanDataset : public Dataset {
public:
    /// Generates now (seconds for the default task). Throws ConfigError for unusable params.
    explicit RandmanDataset(const RandmanParams& params);

    std::string name() const override { return "randman"; }
    int classes() const override { return m_params.classes; }
    int channels() const override { return m_params.units; }
    std::size_t size(Split split) const override;
    const Sample& sample(Split split, std::size_t index) const override;

    /// The parameters it was generated from.
    const RandmanParams& params() const { return m_params; }

private:
    RandmanParams m_params;
    std::vector<Sample> m_train;
    std::vector<Sample> m_test;
};

} // namespace tp
