#include "nn/conv_geometry.h"

#include "core/errors.h"

namespace tp {

PoolKind parsePoolKind(const std::string& name)
{
    if (name == "none")
        return PoolKind::None;
    if (name == "max2")
        return PoolKind::Max2;
    if (name == "avgpool2x2")
        return PoolKind::AvgPool2x2;
    throw ConfigError("unknown pool kind '" + name + "' (expected none, max2 or avgpool2x2)");
}

ConvTpConfig ConvTpConfig::fromExperiment(const Experiment& e, MapShape input, int classes)
{
    ConvTpConfig c;
    c.input = input;
    c.classes = classes;
    c.max_batch = e.run.batch;
    c.blocks = e.network.layers;
    c.neuron = e.neuron;
    c.readout_leak = e.network.readout_leak;
    c.weight_norm = e.network.norm == "weight";
    c.adam = {e.run.adam_beta1, e.run.adam_beta2, e.run.adam_eps};
    c.path = e.run.path;
    return c;
}

ConvGeometry ConvGeometry::make(const LayerSpec& spec, MapShape in, const std::string& where)
{
    if (spec.type != "conv")
        throw ConfigError(where + ": type '" + spec.type + "' in a conv network (expected conv)");
    if (spec.size < 1)
        throw ConfigError(where + ": needs >= 1 output channel");
    ConvGeometry g;
    g.in_shape = in;
    g.map_shape = {spec.size, in.h, in.w};
    g.pool = parsePoolKind(spec.pool);
    const int H = in.h, W = in.w;
    int Hp = H, Wp = W;
    if (g.pool == PoolKind::Max2) {
        if (H < 2 || W < 2)
            throw ConfigError(where + ": max2 pooling of a " + std::to_string(H) + "x" + std::to_string(W) + " map");
        Hp = H / 2;
        Wp = W / 2;
    } else if (g.pool == PoolKind::AvgPool2x2) {
        Hp = Wp = 2;
    }
    g.pooled_shape = {spec.size, Hp, Wp};
    g.win_off.push_back(0);
    for (int i = 0; i < Hp; ++i)
        for (int j = 0; j < Wp; ++j) {
            int r0 = i, r1 = i + 1, c0 = j, c1 = j + 1;
            if (g.pool == PoolKind::Max2) {
                r0 = 2 * i, r1 = 2 * i + 2, c0 = 2 * j, c1 = 2 * j + 2;
            } else if (g.pool == PoolKind::AvgPool2x2) {
                r0 = (i * H) / Hp, r1 = ((i + 1) * H + Hp - 1) / Hp;
                c0 = (j * W) / Wp, c1 = ((j + 1) * W + Wp - 1) / Wp;
            }
            for (int r = r0; r < r1; ++r)
                for (int c = c0; c < c1; ++c)
                    g.win_idx.push_back(r * W + c);
            g.win_off.push_back(int(g.win_idx.size()));
        }
    return g;
}

} // namespace tp
