#include "nn/network.h"

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

} // namespace tp
