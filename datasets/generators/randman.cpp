#include "randman.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/rng.h"

namespace tp {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kStandardiseEpsilon = 1e-7;  // the reference's standardize()
constexpr std::uint64_t kShuffleStream = 999;
// Samples per task. Work is split into fixed chunks and every value is computed by one task
// in a fixed order, so the result does not depend on the thread count or the scheduling.
constexpr std::size_t kChunk = 16;

/// One Fourier term of g_{m,d}: amp = theta0 * s_i, freq = i * theta1, phase = theta2.
struct Term {
    double amp;
    double freq;
    double phase;
};

/// Parameters of one manifold, terms[(m * dim + d) * F + i], drawn as theta[m][d][j][i] row-major.
std::vector<Term> makeManifold(const RandmanParams& params, const std::vector<double>& spectrum,
                               std::uint64_t seed)
{
    const auto terms = spectrum.size();
    std::vector<Term> manifold(std::size_t(params.units) * std::size_t(params.dim) * terms);
    Rng rng(seed, 0);
    for (std::size_t row = 0; row < manifold.size(); row += terms) {
        Term* term = manifold.data() + row;
        for (std::size_t i = 0; i < terms; ++i)
            term[i].amp = rng.uniform();
        for (std::size_t i = 0; i < terms; ++i)
            term[i].freq = rng.uniform();
        for (std::size_t i = 0; i < terms; ++i)
            term[i].phase = rng.uniform();
        term[0].amp = 0.0;  // use_bias = false: term 0 would be a constant offset
        for (std::size_t i = 0; i < terms; ++i) {
            term[i].amp *= spectrum[i];
            term[i].freq *= double(i);
        }
    }
    return manifold;
}

/// Nearest integer (ties to even) of |a| < 2^51 with two additions, which vectorise without
/// -fno-trapping-math (std::floor/std::nearbyint loops do not).
inline double roundNearest(double a)
{
    constexpr double kMagic = 0x1.8p52;
    return (a + kMagic) - kMagic;
}

/// sin(2 pi a) for |a| < 2^50, branch-free so that loops over it vectorise. Reduces exactly to
/// f = a - round(a) in [-1/2, 1/2], then to z = f - q/4 in [-1/8, 1/8] with q = round(4f)
/// (exact by Sterbenz), and evaluates the fdlibm/musl kernels on x = 2 pi z in [-pi/4, pi/4].
/// Max error about 4e-16, against about 7e-13 for std::sin(2 pi a) with a up to F = 1000,
/// whose argument already carries a rounding error of ulp(2 pi F); and several times faster.
inline double sinTwoPi(double a)
{
    const double f = a - roundNearest(a);
    const double q = roundNearest(4.0 * f);  // nearest quarter turn, -2..2
    const double x = kTwoPi * (f - 0.25 * q);
    const double z = x * x;
    const double sinX =
        x + z * x * (-1.66666666666666324348e-01
                     + z * (8.33333333332248946124e-03
                            + z * (-1.98412698298579493134e-04
                                   + z * (2.75573137070700676789e-06
                                          + z * (-2.50507602534068634195e-08
                                                 + z * 1.58969099521155010221e-10)))));
    const double r = z * (4.16666666666666019037e-02
                          + z * (-1.38888888888741095749e-03
                                 + z * (2.48015872894767294178e-05
                                        + z * (-2.75573143513906633035e-07
                                               + z * (2.08757232129817482790e-09
                                                      + z * -1.13596475577881948265e-11)))));
    const double hz = 0.5 * z;
    const double w = 1.0 - hz;
    const double cosX = w + (((1.0 - w) - hz) + z * r);
    // Quarter turns 0: sin x; 1: cos x; -1: -cos x; 2 and -2: -sin x.
    const double q2 = q * q;
    const double value = q2 == 1.0 ? cosX : sinX;
    return (q == -1.0 || q2 == 4.0) ? -value : value;
}

/// f_m(x) = prod_d g_{m,d}(x_d) of one unit m for the kChunk samples of one chunk.
/// `unitTerms` points at the unit's dim * F terms, `x` holds the chunk's points as
/// x[d * kChunk + n]. The loop over samples is the inner one so that it vectorises; every
/// sample still sums its terms in ascending order, and every chunk is full (padded), so each
/// value comes out of the same instructions whichever task computes it.
///
/// Nearly all of the generation's time is here (1.6e9 sines for randman.json). A default build
/// compiles for any x86-64 CPU, where this loop stays scalar (no SSE4 blend): it is cloned for
/// AVX2 and AVX-512 and picked at load time. datasets/CMakeLists.txt compiles this file with
/// -ffp-contract=off, so no clone fuses a multiply-add and every clone, and the TP_NATIVE build,
/// computes the same bits (the lanes run over samples; each sample's terms are summed in order).
#if defined(__x86_64__) && !defined(TP_NATIVE_BUILD)
[[gnu::target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")]]
#endif
void evalUnitChunk(const Term* unitTerms, const double* x, int dim, std::size_t terms, double* out)
{
    double product[kChunk];
    std::fill(product, product + kChunk, 1.0);
    for (int d = 0; d < dim; ++d) {
        const Term* term = unitTerms + std::size_t(d) * terms;
        const double* u = x + std::size_t(d) * kChunk;
        double sum[kChunk] = {};
        for (std::size_t i = 0; i < terms; ++i) {
            const double amp = term[i].amp;
            const double freq = term[i].freq;
            const double phase = term[i].phase;
            for (std::size_t n = 0; n < kChunk; ++n)
                sum[n] += amp * sinTwoPi(u[n] * freq + phase);
        }
        for (std::size_t n = 0; n < kChunk; ++n)
            product[n] *= sum[n];
    }
    std::copy(product, product + kChunk, out);
}

void throwIfUnusable(const RandmanParams& params)
{
    std::vector<ConfigIssue> issues;
    checkRandmanParams(params, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues), "randman");
}

} // namespace

int randmanTerms(double alpha)
{
    const double wanted = std::ceil(std::pow(kRandmanPrecision, -1.0 / alpha));
    return int(std::min(wanted, double(kRandmanMaxTerms)));
}

void checkRandmanParams(const RandmanParams& params, std::vector<ConfigIssue>& issues)
{
    auto atLeast = [&](const char* path, long long value, long long minimum) {
        if (value < minimum)
            issues.push_back({path, "must be at least " + std::to_string(minimum) + " (got "
                                        + std::to_string(value) + ")"});
    };
    atLeast("dataset.classes", params.classes, 1);
    atLeast("dataset.units", params.units, 1);
    atLeast("dataset.dim", params.dim, 1);
    atLeast("dataset.spikes", params.spikes, 1);
    atLeast("dataset.samples_per_class", params.samples_per_class, 1);
    atLeast("binning.steps", params.steps, 1);
    if (params.classes >= 1 && params.samples_per_class >= 1
        && std::int64_t(params.classes) * params.samples_per_class < 2)
        issues.push_back({"dataset.samples_per_class",
                          "need at least 2 samples in all to make a train and a test split"});
    // Written as negations so that NaN fails too.
    if (!(params.alpha > 0.0 && std::isfinite(params.alpha)))
        issues.push_back({"dataset.alpha", "must be a finite number > 0"});
    if (!(params.train_fraction > 0.0 && params.train_fraction < 1.0))
        issues.push_back({"dataset.train_fraction", "must be in (0, 1)"});
    if (!(params.step_frac > 0.0 && params.step_frac <= 1.0))
        issues.push_back({"binning.step_frac", "must be in (0, 1]"});
    if (!(params.offset_frac >= 0.0 && params.offset_frac < 1.0))
        issues.push_back({"binning.offset_frac", "must be in [0, 1)"});
}

std::vector<double> randmanTimes(const RandmanParams& params)
{
    throwIfUnusable(params);
    const auto classes = std::size_t(params.classes);
    const auto spikes = std::size_t(params.spikes);
    const auto samples = std::size_t(params.samples_per_class);
    const auto units = std::size_t(params.units);
    const auto dim = std::size_t(params.dim);

    std::vector<double> spectrum(std::size_t(randmanTerms(params.alpha)));
    for (std::size_t i = 0; i < spectrum.size(); ++i)
        spectrum[i] = 1.0 / (std::pow(double(i + 1), params.alpha) + 1.0);

    Rng master(params.seed, 0);
    std::vector<std::uint64_t> manifoldSeeds(classes * spikes);
    for (auto& seed : manifoldSeeds)
        seed = master.next();

    std::vector<double> times(classes * spikes * samples * units);
    const std::size_t chunks = (samples + kChunk - 1) / kChunk;
    std::vector<double> x(samples * dim);
    std::vector<std::vector<Term>> manifolds(spikes);
    for (std::size_t k = 0; k < classes; ++k) {
        // One set of points per class, shared by its `spikes` sub-manifolds.
        Rng pointRng(params.seed, 1 + k);
        for (auto& coordinate : x)
            coordinate = pointRng.uniform();
        tbb::parallel_for(std::size_t(0), spikes, [&](std::size_t s) {
            manifolds[s] = makeManifold(params, spectrum, manifoldSeeds[k * spikes + s]);
        });

        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, spikes * chunks, 1),
            [&](const tbb::blocked_range<std::size_t>& range) {
                std::vector<double> chunkX(dim * kChunk, 0.0);  // lanes past `count`: computed, discarded
                double chunkY[kChunk];
                for (std::size_t task = range.begin(); task != range.end(); ++task) {
                    const std::size_t s = task / chunks;
                    const std::size_t first = (task % chunks) * kChunk;
                    const std::size_t count = std::min(samples - first, kChunk);
                    for (std::size_t n = 0; n < count; ++n)
                        for (std::size_t d = 0; d < dim; ++d)
                            chunkX[d * kChunk + n] = x[(first + n) * dim + d];
                    const Term* terms = manifolds[s].data();
                    double* out = times.data() + ((k * spikes + s) * samples + first) * units;
                    for (std::size_t m = 0; m < units; ++m) {
                        evalUnitChunk(terms + m * dim * spectrum.size(), chunkX.data(), params.dim,
                                      spectrum.size(), chunkY);
                        for (std::size_t n = 0; n < count; ++n)
                            out[n * units + m] = chunkY[n];
                    }
                }
            },
            tbb::simple_partitioner());

        // Min-max standardise each column (s, u) over the class's samples.
        tbb::parallel_for(std::size_t(0), spikes * units, [&](std::size_t column) {
            const std::size_t s = column / units;
            const std::size_t u = column % units;
            double* out = times.data() + (k * spikes + s) * samples * units + u;
            double lo = out[0];
            double hi = out[0];
            for (std::size_t n = 1; n < samples; ++n) {
                lo = std::min(lo, out[n * units]);
                hi = std::max(hi, out[n * units]);
            }
            const double scale = hi - lo + kStandardiseEpsilon;
            for (std::size_t n = 0; n < samples; ++n)
                out[n * units] = (out[n * units] - lo) / scale;
        });
    }
    return times;
}

int randmanStep(double time, const RandmanParams& params)
{
    const double position =
        double(params.steps) * (params.step_frac * (1.0 - params.offset_frac) * time + params.offset_frac);
    // The clamp only guards against rounding at the edges: time in [0, 1) already lands inside.
    return std::clamp(int(position), 0, params.steps - 1);
}

std::vector<Sample> generateRandman(const RandmanParams& params)
{
    const std::vector<double> times = randmanTimes(params);
    const auto spikes = std::size_t(params.spikes);
    const auto samples = std::size_t(params.samples_per_class);
    const auto units = std::size_t(params.units);

    std::vector<Sample> result(std::size_t(params.classes) * samples);
    tbb::parallel_for(std::size_t(0), result.size(), [&](std::size_t index) {
        const std::size_t k = index / samples;
        const std::size_t n = index % samples;
        // Sort key step * units + unit orders the events by step, then unit.
        std::vector<std::int64_t> keys;
        keys.reserve(spikes * units);
        for (std::size_t s = 0; s < spikes; ++s) {
            const double* row = times.data() + ((k * spikes + s) * samples + n) * units;
            for (std::size_t u = 0; u < units; ++u)
                keys.push_back(std::int64_t(randmanStep(row[u], params)) * std::int64_t(units)
                               + std::int64_t(u));
        }
        std::sort(keys.begin(), keys.end());

        Sample& sample = result[index];
        sample.label = std::int32_t(k);
        sample.channels = params.units;
        sample.step_offsets.assign(std::size_t(params.steps) + 1, 0);
        sample.units.reserve(keys.size());
        sample.values.reserve(keys.size());
        for (std::size_t e = 0; e < keys.size(); ++e) {
            if (e > 0 && keys[e] == keys[e - 1]) {
                sample.values.back() += 1.0f;  // several spikes of one unit in one step
                continue;
            }
            const auto step = std::size_t(keys[e] / std::int64_t(units));
            sample.units.push_back(std::int32_t(keys[e] % std::int64_t(units)));
            sample.values.push_back(1.0f);
            ++sample.step_offsets[step + 1];
        }
        std::partial_sum(sample.step_offsets.begin(), sample.step_offsets.end(),
                         sample.step_offsets.begin());
    });
    return result;
}

std::vector<std::size_t> randmanOrder(const RandmanParams& params)
{
    const std::size_t total = std::size_t(std::max(params.classes, 0))
                              * std::size_t(std::max(params.samples_per_class, 0));
    std::vector<std::size_t> order(total);
    std::iota(order.begin(), order.end(), std::size_t(0));
    if (params.shuffle && total > 1) {
        Rng rng(params.seed, kShuffleStream);
        for (std::size_t i = total - 1; i > 0; --i)
            std::swap(order[i], order[rng.below(i + 1)]);
    }
    return order;
}

std::size_t randmanTrainSize(const RandmanParams& params)
{
    const std::size_t total = std::size_t(std::max(params.classes, 0))
                              * std::size_t(std::max(params.samples_per_class, 0));
    if (total < 2)
        return total;
    const auto wanted = std::llround(params.train_fraction * double(total));
    return std::size_t(std::clamp<long long>(wanted, 1, static_cast<long long>(total) - 1));
}

RandmanDataset::RandmanDataset(const RandmanParams& params) : m_params(params)
{
    std::vector<Sample> all = generateRandman(params);
    const std::vector<std::size_t> order = randmanOrder(params);
    const std::size_t trainSize = randmanTrainSize(params);
    m_train.reserve(trainSize);
    m_test.reserve(all.size() - trainSize);
    for (std::size_t i = 0; i < order.size(); ++i)
        (i < trainSize ? m_train : m_test).push_back(std::move(all[order[i]]));
}

std::size_t RandmanDataset::size(Split split) const
{
    return split == Split::Train ? m_train.size() : m_test.size();
}

const Sample& RandmanDataset::sample(Split split, std::size_t index) const
{
    const auto& samples = split == Split::Train ? m_train : m_test;
    if (index >= samples.size())
        throw std::out_of_range("RandmanDataset::sample: index " + std::to_string(index)
                                + " is outside [0, " + std::to_string(samples.size()) + ")");
    return samples[index];
}

} // namespace tp
