#pragma once
/// The shapes of conv LIF blocks shared by every rule's conv network: a map's (C, H, W), the
/// geometry and pooling windows of a 3x3 conv block, the non-zero inputs of a batch of maps,
/// and the conv network description (ConvTpConfig).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "config/experiment.h"
#include "core/errors.h"
#include "nn/adam.h"
#include "nn/param.h"

namespace tp {

enum class PoolKind { None, Max2, AvgPool2x2 };

/// "none", "max2", "avgpool2x2"; throws ConfigError for anything else.
PoolKind parsePoolKind(const std::string& name);

/// (channels, height, width) of a map.
struct MapShape {
    int c = 0, h = 0, w = 0;
    int plane() const { return h * w; }
    int size() const { return c * h * w; }
};

/// The shapes and pooling windows of one conv block: 3x3 conv (pad 1) of in_shape to map_shape
/// (full resolution, where the LIF neurons live), pooled to pooled_shape. Window q of a plane
/// covers the positions win_idx[win_off[q] .. win_off[q+1]) in row-major order (the max-pool
/// tie rule relies on that order).
struct ConvGeometry {
    MapShape in_shape, map_shape, pooled_shape;
    PoolKind pool = PoolKind::None;
    std::vector<int> win_off, win_idx;

    /// Throws ConfigError (naming `where`) for a bad spec or a map too small for its pooling.
    static ConvGeometry make(const LayerSpec& spec, MapShape in, const std::string& where);
    /// Bytes held by the pooling windows.
    std::size_t bytes() const { return (win_off.capacity() + win_idx.capacity()) * sizeof(int); }
};

/// The non-zero entries of a batch of maps, per row in (c, h, w) order, with the start of each
/// channel: row b, channel c holds [chan[b*(C+1)+c], chan[b*(C+1)+c+1]) of pos / val.
template <typename S>
struct ActiveInputs {
    std::vector<int> chan;  ///< rows*(C+1) offsets into pos / val
    std::vector<int> pos;   ///< h*W + w of each active entry
    std::vector<S> val;
    std::size_t active = 0, total = 0;

    double density() const { return total ? double(active) / double(total) : 0.0; }
    /// Bytes held (capacity) by the lists.
    std::size_t bytes() const { return (chan.capacity() + pos.capacity()) * sizeof(int) + val.capacity() * sizeof(S); }

    template <typename M>
    void build(const M& a, const MapShape& in)
    {
        const int C = in.c, HW = in.plane();
        const Eigen::Index rows = a.rows();
        chan.resize(std::size_t(rows) * std::size_t(C + 1));
        pos.clear();
        val.clear();
        for (Eigen::Index b = 0; b < rows; ++b) {
            const S* row = a.data() + b * a.cols();
            for (int c = 0; c < C; ++c) {
                chan[std::size_t(b) * std::size_t(C + 1) + std::size_t(c)] = int(pos.size());
                const S* plane = row + std::ptrdiff_t(c) * HW;
                for (int p = 0; p < HW; ++p)
                    if (plane[p] != S(0)) {
                        pos.push_back(p);
                        val.push_back(plane[p]);
                    }
            }
            chan[std::size_t(b) * std::size_t(C + 1) + std::size_t(C)] = int(pos.size());
        }
        active = pos.size();
        total = std::size_t(rows) * std::size_t(a.cols());
    }

    /// The active entries of row b, channels [c0, c1).
    std::pair<int, int> range(Eigen::Index b, int C, int c0, int c1) const
    {
        const std::size_t base = std::size_t(b) * std::size_t(C + 1);
        return {chan[base + std::size_t(c0)], chan[base + std::size_t(c1)]};
    }
};

/// Everything the conv engine needs to build a network.
struct ConvTpConfig {
    MapShape input;                 ///< C_in, H, W of an input frame (flattened (c, h, w) in a Batch)
    int classes = 0;
    int max_batch = 64;
    std::vector<LayerSpec> blocks;  ///< type "conv": size = output channels, pool = none/max2/avgpool2x2
    NeuronSpec neuron;
    double target_v_th = 1.0;       ///< threshold of target layer 1 (reference quirk: 1.0 whatever v_th is)
    double readout_leak = 1.0;
    bool weight_norm = true;        ///< scaled weight standardisation (norm "weight")
    double ws_gain = 1.8, ws_eps = 1e-5;
    AdamSettings adam;
    ComputePath path = ComputePath::Auto;  ///< conv inputs: event-driven, im2col + GEMM, or by density

    static ConvTpConfig fromExperiment(const Experiment& e, MapShape input, int classes);
};

/// The blocks of a conv network as every conv rule builds them: the geometry of each block
/// (a Block derives from ConvGeometry) and its weights W sized (C_out, C_in * 9). Returns the
/// readout's fan-in (the last pooled map). ConfigError for a network without blocks, classes or
/// an input shape.
template <typename Block>
int buildConvBlocks(const ConvTpConfig& config, std::vector<Block>& blocks)
{
    if (config.blocks.empty() || config.classes < 1 || config.input.c < 1 || config.input.h < 1 || config.input.w < 1)
        throw ConfigError("conv network needs >= 1 block, a positive input shape and classes > 0");
    MapShape in = config.input;
    for (std::size_t l = 0; l < config.blocks.size(); ++l) {
        Block blk;
        static_cast<ConvGeometry&>(blk) = ConvGeometry::make(config.blocks[l], in, "block " + std::to_string(l + 1));
        blk.W.resize(blk.map_shape.c, in.c * 9);
        blocks.push_back(std::move(blk));
        in = blocks.back().pooled_shape;
    }
    return in.size();
}

/// Kaiming-normal init of every block (stream 10+l) and of the readout (stream 3), Adam state and
/// gradients reset: every conv rule starts from the same weights for a seed.
template <typename Blocks, typename P>
void initConvWeights(Blocks& blocks, P& readout, std::uint64_t seed)
{
    for (std::size_t l = 0; l < blocks.size(); ++l) {
        blocks[l].W.resize(int(blocks[l].W.w.rows()), int(blocks[l].W.w.cols()));
        kaimingNormal(blocks[l].W.w, seed, 10 + l);
    }
    readout.resize(int(readout.w.rows()), int(readout.w.cols()));
    kaimingNormal(readout.w, seed, 3);
}

} // namespace tp
