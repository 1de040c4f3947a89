#pragma once
/// What a probed training pass records of one sample (Model::trainProbed), for the live views:
/// spikes per layer (and, under TP, of the target path), potentials and surrogates of picked
/// neurons, and each rule's own per-step signals as named series (TP's traces, e-prop's
/// eligibility trace and learning signal, DECOLLE's local loss, OTTT's presynaptic trace, BPTT's
/// error through time). Plain data, no Eigen (the GUI includes it).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace tp {

/// Which batch row and neurons a probed training pass records (see Model::trainProbed).
struct ProbeRequest {
    int row = 0;                  ///< batch row on show (clamped to the batch)
    int layer = 0;                ///< 0-based layer of the picked neurons
    std::vector<int> neurons;     ///< picked neurons of `layer` (out-of-range ones are skipped)
    bool similarity = false;      ///< also record z, y and E_l of every layer at every step (T x B x K each)
};

/// The recorded per-time-step state of one batch row during one training pass.
struct Probe {
    /// One of a rule's own signals at every time step. Series of one neuron (or layer) with the
    /// same `axis` are one quantity and share a chart; a different axis gets a chart of its own.
    struct Series {
        std::string name;           ///< what it is, as a legend or chart title says it
        std::string axis;           ///< the quantity (y-axis label), e.g. "trace"
        std::vector<float> values;  ///< [steps]
    };
    struct Layer {
        int size = 0;
        std::vector<std::uint8_t> in_spikes;   ///< [steps x size] row-major, input path (every rule)
        std::vector<std::uint8_t> tgt_spikes;  ///< [steps x size] row-major, TP's target (label) path; empty otherwise
        std::vector<Series> series;            ///< the rule's per-layer signals (DECOLLE: its local loss)
    };
    struct Neuron {
        int neuron = 0;
        std::vector<float> potential;  ///< pre-reset membrane potential u_t (spike when u_t >= threshold)
        std::vector<float> surrogate;  ///< psi = sigma'(u_t) = kappa / (1 + (pi (u_t - v_th))^2)
        /// TP only (empty otherwise): L2 norm over the neuron's incoming weights (row j of W_l) of
        /// this step's local gradient dE_l/dW_l[j,:] (Eq. 18, whole batch, both paths), before Adam.
        std::vector<float> update;
        /// The rule's own signals of this neuron (every picked neuron lists the same names in the
        /// same order). TP: its input-path and target-path traces.
        std::vector<Series> series;
        const Series* seriesNamed(const std::string& name) const
        {
            for (const Series& s : series)
                if (s.name == name)
                    return &s;
            return nullptr;
        }
    };
    /// One layer's contrastive loss at every time step of the batch. The engine folds the
    /// target path to one row per class present, so z is B x K (K <= C class rows) per step;
    /// column k stands for count[k] batch rows of class label[k].
    struct Similarity {
        int rows = 0, cols = 0;            ///< B, K
        std::vector<float> z;              ///< [T x B x K] logits eps_l[b] . eps~_l[k]
        std::vector<float> y;              ///< [T x B x K] soft target of row b towards ONE row of class k
        std::vector<double> loss;          ///< [T] E_l at each step
        std::vector<int> row_label;        ///< [B] class of each batch row
        std::vector<int> col_label;        ///< [K] class of each class row
        std::vector<int> col_count;        ///< [K] batch rows of that class
        /// Offset of step t's B x K matrix in z and y.
        std::size_t at(int t) const { return std::size_t(t) * std::size_t(rows) * std::size_t(cols); }
    };
    /// Histogram of a layer's weights W_l after the batch, and of their change over the batch.
    struct Histogram {
        double lo = 0, hi = 0;             ///< range of the bins ([lo, hi], bins of equal width)
        std::vector<std::int64_t> counts;
        double min = 0, max = 0;           ///< of the values themselves
    };
    static constexpr int kHistogramBins = 40;
    std::int64_t step = 0;        ///< training step (batch) of the run, 1-based (set by the trainer)
    int epoch = 0;                ///< 1-based (set by the trainer)
    int steps = 0;                ///< time steps T; 0 = nothing recorded (model cannot probe)
    std::string rule;             ///< registry name of the rule that trained (set even when empty)
    int row = 0, label = -1;      ///< batch row recorded and its class
    int layer = 0;                ///< layer of `neurons`
    double threshold = 0;         ///< v_th
    int inputs = 0;
    std::vector<std::uint8_t> input;  ///< [steps x inputs] row-major, 1 where the input frame is non-zero
    std::vector<Layer> layers;
    std::vector<Neuron> neurons;
    double surrogate_scale = 1;   ///< kappa
    std::vector<Similarity> similarity;   ///< per layer, every time step (only when requested)
    std::vector<Histogram> weights;       ///< per layer
    std::vector<Histogram> weight_change; ///< per layer: W after the batch - W before it
    bool empty() const { return steps == 0; }
    /// Identifies the pick (layer and neuron ids) so a view can tell when to rebuild its series.
    /// Unsigned 64-bit, wrapping by definition (the int version overflowed: undefined).
    std::uint64_t pickKey() const
    {
        std::uint64_t key = std::uint64_t(layer) * 1000003u;
        for (const Neuron& nr : neurons)
            key = key * 31u + std::uint64_t(std::int64_t(nr.neuron) + 1);
        return key;
    }
};

/// Histogram of n values in `bins` equal bins over [min, max] (widened by 0.5 each side when
/// all values are equal); the maximum falls in the last bin. Non-finite values are skipped.
template <typename T>
Probe::Histogram makeHistogram(const T* v, std::size_t n, int bins = Probe::kHistogramBins)
{
    Probe::Histogram h;
    h.counts.assign(std::size_t(bins), 0);
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(double(v[i]))) {
            lo = std::min(lo, double(v[i]));
            hi = std::max(hi, double(v[i]));
        }
    if (lo > hi)
        return h;
    h.min = lo;
    h.max = hi;
    h.lo = lo == hi ? lo - 0.5 : lo;
    h.hi = lo == hi ? hi + 0.5 : hi;
    const double scale = bins / (h.hi - h.lo);
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(double(v[i])))
            ++h.counts[std::size_t(std::clamp(int((double(v[i]) - h.lo) * scale), 0, bins - 1))];
    return h;
}

} // namespace tp
