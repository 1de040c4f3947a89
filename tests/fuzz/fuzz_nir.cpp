// nir::read (HDF5 in the isolated helper), then the mapping to our networks (fromNir) on
// arbitrary bytes: each either returns or throws tp::InputError; an imported network's
// matrices hold rows x cols values and name every layer of its experiment.
#include "fuzz_common.h"
#include "io/nir.h"
#include "nir/nir_network.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("nir", ".nir", data, size);
    tp::nir::File file;
    if (!tp::fuzz::expectInput("nir::read", [&] { file = tp::nir::read(path); }))
        return 0;
    tp::ImportedNetwork net;
    if (!tp::fuzz::expectInput("fromNir", [&] { net = tp::fromNir(file.graph, path); }))
        return 0;
    for (const auto& [name, m] : net.weights)
        if (m.values.size() != m.rows * m.cols)
            tp::fuzz::fail("fromNir returned " + name + " with " + std::to_string(m.values.size()) + " values for " +
                           std::to_string(m.rows) + " x " + std::to_string(m.cols));
    const auto& layers = net.experiment.network.layers;
    for (std::size_t l = 0; l < layers.size(); ++l)
        if (!net.weights.count("W" + std::to_string(l + 1)) ||
            net.weights.at("W" + std::to_string(l + 1)).rows != std::size_t(layers[l].size))
            tp::fuzz::fail("fromNir returned layer " + std::to_string(l + 1) + " without matching weights");
    if (!net.weights.count("W_out"))
        tp::fuzz::fail("fromNir returned a network without W_out");
    return 0;
}
