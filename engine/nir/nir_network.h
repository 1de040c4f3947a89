#pragma once
/// Our networks as NIR graphs (io/nir.h) and NIR graphs as our networks: `traceprop-cli
/// export-nir` / `import-nir`, File > Export > NIR and File > Import NIR.
///
/// Time. NIR's neurons are continuous-time ODEs; ours is the discrete step of tp-algorithm.md
/// 1.1. A step lasts dt seconds, written into the graph's metadata as "dt", and every node is
/// mapped by the forward-Euler step of its ODE over dt, the convention of snnTorch's exporter
/// (tau = dt / (1 - beta), r = tau / dt) and importer (beta = 1 - dt / tau, input scale
/// r dt / tau):
///   LIF     tau dv/dt = (v_leak - v) + r I   ->  v <- (1 - dt/tau) v + (r dt / tau) I
///   IF      dv/dt = r I                      ->  v <- v + (r dt) I
///   LI, I   the same without spikes (the readout)
///   CubaLIF tau_syn dI/dt = -I + w_in S, then LIF: with tau_syn = dt its current is w_in S of
///           the same step, a LIF with input scale (r dt / tau_mem) w_in; other tau_syn keep a
///           synaptic current our neurons do not have (refused)
/// Ours, per hidden layer: u^t = alpha m^{t-1} + I^t, I^t = W x^t (+ R s^{t-1}), s^t = [u^t >=
/// v_th], soft reset m^t = u^t - v_th s^t or hard reset m^t = u^t (1 - s^t); readout m_out^t =
/// lambda m_out^{t-1} + W_out s_L^t, prediction argmax m_out^T.
///
///   ours                          NIR (export; import reverses it)
///   dense layer l                 Linear(W_l) -> LIF(tau = dt/(1-alpha), r = tau/dt, v_leak 0,
///                                 v_threshold v_th, v_reset 0); alpha = 1: IF(r = 1/dt, ...)
///   recurrent layer l             + Linear(R_l) on its own edges LIF -> rec -> LIF (the
///                                 recurrent input is the previous step's spikes)
///   reset                         node metadata reset_mechanism "subtract" (soft) or "zero"
///                                 (hard = NIR's reset to v_reset 0); the spike test u >= v_th
///                                 (NIR's text says v > v_threshold) as metadata spike_test ">="
///   conv block l                  Conv2d(W_l as (C_out, C_in, 3, 3), stride 1, padding 1,
///                                 dilation 1, groups 1, bias 0) -> LIF on the (C, H, W) map
///     pool max2                   SumPool2d(kernel 2, stride 2, padding 0) -> Threshold(0.5):
///                                 the max of binary spikes over a window is [their sum > 0.5]
///     pool avgpool2x2             AvgPool2d(kernel ceil(H/2) x ceil(W/2), stride floor(H/2) x
///                                 floor(W/2)): the windows of the adaptive average to 2x2
///   conv -> readout               Flatten(start 0, end -1; (C, H, W) in C order)
///   readout                       Linear(W_out) -> LI(tau = dt/(1-lambda), r = tau/dt,
///                                 v_leak 0) -> Output; lambda = 1: I(r = 1/dt)
///   network.norm "weight"         the standardised weights the forward pass uses (conv blocks
///                                 and readout), computed by the network's own function
///
/// Import also takes: Affine with a zero bias (Conv2d too), Scale (folded into the weights next
/// to it), a neuron's input scale g != 1 and per-layer or per-neuron thresholds (the incoming
/// rows scaled by g * v_th / v_threshold: the same spikes, v_th = the first layer's threshold),
/// CubaLIF / CubaLI with tau_syn = dt, nested NIRGraph nodes (flattened), and a spiking layer that
/// feeds Output (argmax of its spike counts: an identity readout I with lambda = 1, whose value
/// at the last step is the count). dt: the import's option, else the graph's metadata "dt", else
/// tau / r (1 / r for IF and I) of the neuron nodes when they all agree (the convention above).
/// Refused, each problem naming its node and type, all in one error: unknown types, Delay,
/// Conv1d; non-zero biases, v_leak, or v_reset with the reset to zero; tau < dt; leaks or resets
/// that differ between layers; conv kernels other than 3x3 / stride 1 / padding 1 / dilation 1 /
/// groups 1; SumPool2d without Threshold(0.5) after it, other average poolings; dense spiking
/// layers after conv blocks; branches and merges; a readout other than LI / I.
/// An imported network has network.norm "none" (its weights are the ones the forward pass uses).
/// A graph this writes carries the experiment it was trained with as metadata
/// "traceprop_experiment" (JSON): import takes the dataset, rule and run settings from there, and
/// alpha and lambda when they agree with tau and dt to 1e-9 (so a round trip keeps every bit).
#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "io/nir.h"

namespace tp {

/// One of a network's matrices: (rows = outputs, cols = inputs), row-major, as checkpoints store
/// it ("weights/W1" ...); conv blocks (C_out, C_in * 9).
struct NetworkMatrix {
    std::size_t rows = 0, cols = 0;
    std::vector<double> values;
};

/// A network's own matrices by checkpoint name (isNetworkMatrix: W1.., R1.., W_out).
using NetworkWeights = std::map<std::string, NetworkMatrix>;

/// The network of a run file: the experiment it ran (/config), its precision, its matrices.
struct TrainedNetwork {
    Experiment experiment;
    Precision precision = Precision::Float32;
    NetworkWeights weights;
};

/// Reads /config and the network's matrices of a results.h5 or checkpoint.h5 (isolated HDF5
/// read). FormatError names the file and dataset (a matrix missing or of the wrong shape).
TrainedNetwork readTrainedNetwork(const std::string& runFile);

/// The step length export uses by default: binning.time_window_us when the experiment bins by
/// time (the real duration of a step), else 1 ms.
double defaultNirDt(const Experiment& experiment);

struct NirExportOptions {
    double dt_s = 0;                          ///< seconds per step; <= 0: defaultNirDt
    std::array<int, 3> input_shape = {0, 0, 0};  ///< (C, H, W) of a frame; conv networks need it
};

/// The graph of a trained network (mapping above). ConfigError for what NIR cannot express:
/// a conv network without its input shape, adaptive average pooling of a 1-pixel-wide map.
nir::Graph toNir(const TrainedNetwork& network, const NirExportOptions& options);

/// What export-nir wrote.
struct NirExport {
    std::string run_file;   ///< the results.h5 / checkpoint.h5 read
    double dt_s = 0;
    bool default_dt = false;  ///< dt from defaultNirDt (no --dt)
    nir::Graph graph;
};

/// export-nir: the network of a run folder or run file (train/run_files.h runWeightsFile) written to `nirFile`
/// atomically. `inputShape` gives the frame shape of a conv network's experiment (the dataset
/// registry's plannedDatasetShape; dense networks do not ask). dt_s <= 0: defaultNirDt.
NirExport exportNir(const std::string& run, const std::string& nirFile, double dt_s,
                    const std::function<std::array<int, 3>(const Experiment&)>& inputShape);

/// What import made of a graph.
struct ImportedNetwork {
    Experiment experiment;        ///< network, neuron, and (from our metadata) the rest
    Precision precision = Precision::Float32;
    NetworkWeights weights;       ///< folded scales applied
    double dt_s = 0;
    std::string dt_source;        ///< "--dt", "the graph's metadata", "tau / r of its neuron nodes"
    std::vector<std::string> notes;  ///< what was folded or assumed, one line each
};

/// Our network of a NIR graph (flattened first). ConfigError listing every problem, each naming
/// the node and its type: unknown or unsupported node types, topologies other than the chains
/// above, parameters our neurons cannot take. `dt_s` overrides the graph's step.
ImportedNetwork fromNir(const nir::Graph& graph, const std::string& file, std::optional<double> dt_s = std::nullopt);

/// Writes `weights` as an initial-weights file (weights/<name>, float32 or float64 as
/// `precision`, root attributes format "traceprop-weights", format_version, precision, source)
/// atomically. IoError on failure.
void writeNetworkWeights(const std::string& path, const NetworkWeights& weights, Precision precision,
                         const std::string& source);

/// import-nir: reads `nirFile`, writes the initial weights beside `experimentFile` (EXP.json ->
/// EXP.weights.h5) and the experiment naming them (network.init_weights, absolute), after the
/// `key.path=value` overrides and validation (`validateDataset` as parseExperiment's).
ImportedNetwork importNir(const std::string& nirFile, const std::string& experimentFile, std::optional<double> dt_s,
                          const std::vector<std::string>& overrides = {},
                          const DatasetValidator& validateDataset = {});

} // namespace tp
