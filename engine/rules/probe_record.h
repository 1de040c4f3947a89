#pragma once
/// What every probed dense network records the same way (Model::trainProbed, rules/probe.h):
/// the row's input frame, its spikes per layer, the picked neurons' potential and surrogate, the
/// rule's named series, and the weight histograms of the batch. The rule fills its own series
/// through set()/setLayer(). Engine only (Eigen); the GUI sees the plain Probe.
#include <algorithm>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/sample.h"
#include "nn/lif.h"
#include "nn/network.h"
#include "rules/probe.h"

namespace tp {

/// The neuron count of every layer of a dense network.
template <typename Net>
std::vector<int> layerSizes(const Net& net)
{
    std::vector<int> sizes;
    for (const auto& l : net.layers())
        sizes.push_back(l.size);
    return sizes;
}

/// A series to record: its name and the quantity it shares a chart with (Probe::Series).
struct SeriesSpec {
    std::string name, axis;
};

class ProbeRecorder {
public:
    /// Starts `probe` for `request` on a network whose layers have `sizes` neurons: every picked
    /// neuron gets `neuronSeries`, every layer `layerSeries`, each of T zeros; `targetPath` adds
    /// TP's target-path rasters. The row and the layer are clamped to the batch and the network.
    ProbeRecorder(Probe& probe, const Batch& batch, const ProbeRequest& request, const TpConfig& config,
                  const std::vector<int>& sizes, const std::vector<SeriesSpec>& neuronSeries,
                  const std::vector<SeriesSpec>& layerSeries = {}, bool targetPath = false)
        : m_p(probe)
    {
        const int T = batch.steps;
        const std::size_t steps = std::size_t(T);
        auto zeros = [&](const std::vector<SeriesSpec>& specs) {
            std::vector<Probe::Series> out;
            for (const auto& s : specs)
                out.push_back({s.name, s.axis, std::vector<float>(steps)});
            return out;
        };
        probe = Probe{};
        probe.rule = config.rule.name;
        probe.steps = T;
        probe.row = std::clamp(request.row, 0, std::max(0, batch.size - 1));
        probe.label = batch.labels.empty() ? -1 : batch.labels[std::size_t(probe.row)];
        probe.layer = std::clamp(request.layer, 0, int(sizes.size()) - 1);
        probe.threshold = config.neuron.v_th;
        probe.surrogate_scale = config.neuron.surrogate_scale;
        probe.inputs = batch.channels;
        probe.input.assign(steps * std::size_t(batch.channels), 0);
        for (int t = 0; t < T; ++t) {
            const auto& off = batch.row_offsets[std::size_t(t)];
            for (std::int32_t i = off[std::size_t(probe.row)]; i < off[std::size_t(probe.row) + 1]; ++i)
                if (batch.values[std::size_t(t)][std::size_t(i)] != 0.0f)
                    probe.input[std::size_t(t) * std::size_t(batch.channels) +
                                std::size_t(batch.units[std::size_t(t)][std::size_t(i)])] = 1;
        }
        for (int size : sizes) {
            const std::size_t n = steps * std::size_t(size);
            probe.layers.push_back({size, std::vector<std::uint8_t>(n),
                                    std::vector<std::uint8_t>(targetPath ? n : 0), zeros(layerSeries)});
        }
        for (int n : request.neurons)
            if (n >= 0 && n < sizes[std::size_t(probe.layer)])
                probe.neurons.push_back({n, std::vector<float>(steps), std::vector<float>(steps), {},
                                         zeros(neuronSeries)});
    }

    int row() const { return m_p.row; }
    int layer() const { return m_p.layer; }
    Probe& probe() { return m_p; }

    /// Layer l's spikes of the row at step t; `s` holds one row per batch row (B x H).
    template <typename M>
    void spikes(int t, std::size_t l, const Eigen::DenseBase<M>& s) { mark(m_p.layers[l].in_spikes, t, s, m_p.row); }
    /// TP: the target path's spikes at step t, row `k` of `s` (the row's class).
    template <typename M>
    void targetSpikes(int t, std::size_t l, const Eigen::DenseBase<M>& s, int k) { mark(m_p.layers[l].tgt_spikes, t, s, k); }

    /// The picked neurons' pre-reset potential at step t (u: B x H of the picked layer) and its
    /// surrogate by the network's own neurons (the rule's psi, smooth-spike variants included).
    template <typename M, typename S>
    void potential(int t, const Eigen::DenseBase<M>& u, const LifNeurons<S>& lif)
    {
        for (auto& n : m_p.neurons) {
            const S v = u.derived()(m_p.row, n.neuron);
            S psi = 0;
            lif.surrogate(&v, 1, &psi, nullptr);
            n.potential[std::size_t(t)] = float(v);
            n.surrogate[std::size_t(t)] = float(psi);
        }
    }

    /// Series `i` of every picked neuron at step t: value(neuron id).
    template <typename F>
    void set(int t, std::size_t i, F&& value)
    {
        for (auto& n : m_p.neurons)
            n.series[i].values[std::size_t(t)] = float(value(n.neuron));
    }
    /// Layer l's series `i` at step t.
    void setLayer(int t, std::size_t l, std::size_t i, double v) { m_p.layers[l].series[i].values[std::size_t(t)] = float(v); }

    /// Histograms of every layer's W (weights after the batch, change over it): call before()
    /// ahead of the training pass and after() when it returned.
    template <typename Net>
    void before(const Net& net)
    {
        for (const auto& l : net.layers())
            m_before.emplace_back(l.W.w.data(), l.W.w.data() + l.W.w.size());
    }
    template <typename Net>
    void after(const Net& net)
    {
        for (std::size_t l = 0; l < net.layers().size(); ++l) {
            const auto& w = net.layers()[l].W.w;
            m_p.weights.push_back(makeHistogram(w.data(), std::size_t(w.size())));
            std::vector<double> change(m_before[l].size());
            for (std::size_t i = 0; i < change.size(); ++i)
                change[i] = double(w.data()[i]) - m_before[l][i];
            m_p.weight_change.push_back(makeHistogram(change.data(), change.size()));
        }
    }

private:
    template <typename M>
    void mark(std::vector<std::uint8_t>& dst, int t, const Eigen::DenseBase<M>& s, int r) const
    {
        const auto h = s.cols();
        for (Eigen::Index j = 0; j < h; ++j)
            dst[std::size_t(t) * std::size_t(h) + std::size_t(j)] = s.derived()(r, j) != 0;
    }

    Probe& m_p;
    std::vector<std::vector<double>> m_before;
};

} // namespace tp
