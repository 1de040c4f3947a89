#include "nn/network.h"

#include "core/errors.h"
#include "core/sample.h"

namespace tp {

TpConfig TpConfig::fromExperiment(const Experiment& e, int inputs, int classes)
{
    TpConfig c;
    c.inputs = inputs;
    c.input_shape = {inputs, 1, 1};
    c.classes = classes;
    c.max_batch = e.run.batch;
    c.layers = e.network.layers;
    c.norm = e.network.norm;
    c.neuron = e.neuron;
    c.readout_leak = e.network.readout_leak;
    c.rule = e.rule;
    c.path = e.run.path;
    c.adam = {e.run.adam_beta1, e.run.adam_beta2, e.run.adam_eps};
    return c;
}

void checkBatch(const Batch& batch, int maxBatch, int inputs, int classes, const std::string& shape)
{
    if (batch.size < 1 || batch.size > maxBatch)
        throw ConfigError("batch of " + std::to_string(batch.size) + " rows (allowed 1.." + std::to_string(maxBatch) + ")");
    if (batch.channels != inputs)
        throw ConfigError("batch has " + std::to_string(batch.channels) + " inputs per step, the network expects " +
                          std::to_string(inputs) + shape);
    if (batch.steps < 1)
        throw ConfigError("batch has no time steps");
    for (int label : batch.labels)
        if (label < 0 || label >= classes)
            throw ConfigError("label " + std::to_string(label) + " outside [0, " + std::to_string(classes) + ")");
}

bool isConvConfig(const TpConfig& config)
{
    bool conv = false;
    for (std::size_t i = 0; i < config.layers.size(); ++i) {
        const bool c = config.layers[i].type == "conv";
        if (i == 0)
            conv = c;
        else if (c != conv)
            throw ConfigError({{"network.layers[" + std::to_string(i) + "].type",
                                "'" + config.layers[i].type + "' mixed with '" + config.layers[0].type +
                                    "' layers: a conv network has only conv layers (the readout is fully "
                                    "connected), a dense one only lif layers"}});
    }
    return conv;
}

} // namespace tp
