#pragma once
/// NIR (Neuromorphic Intermediate Representation) graphs in memory, and their HDF5 files in the
/// layout of the Python reference library `nir` (nir.write / nir.read, neuromorphs/NIR
/// nir/serialization.py, which writes a node's to_dict() recursively with h5py):
///
///   /version              string: the nir version whose layout the file follows
///   /node                 the top graph, a node of type "NIRGraph":
///     type                "NIRGraph"
///     nodes/<name>/       one group per node: `type` (a string) and the fields of its class as
///                         datasets (numpy arrays with their dtype; Python ints and tuples as
///                         int64; Python str, e.g. Conv2d padding "same", as strings; a
///                         dict-valued field as a sub-group: input_type/input, which to_dict
///                         drops in current versions, Flatten's input_type excepted);
///                         `metadata/` only when not empty; a node of type NIRGraph nests
///                         its own nodes/, edges and metadata/
///     edges               (N, 2) strings: source and target node names (h5py stores a list of
///                         str pairs as variable-length UTF-8 strings)
///     metadata/           optional, one dataset per key
///
/// Every string is read in any HDF5 string form (variable or fixed length, ASCII or UTF-8) and
/// written as h5py writes Python str (variable-length UTF-8). Files are untrusted: read() goes
/// through h5::File::openRead, i.e. HDF5 runs in the isolated helper (io/h5_isolated.h), so a
/// corrupt file is a FormatError naming the file and HDF5 object, never a crash here. This
/// layer knows NIR's file layout only; engine/nir/ maps graphs to and from our networks.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tp::nir {

/// The nir version written into /version: the newest release whose layout this follows (the
/// v_reset field of IF, LIF and CubaLIF included).
inline constexpr const char* kFormatVersion = "1.0.8";

/// One dataset of a node: numbers with their dimensions (slowest first; none for a scalar), or
/// one string.
struct Value {
    enum class Type { Float64, Float32, Int64, String };
    Type type = Type::Float64;
    std::vector<std::size_t> dims;
    std::vector<double> numbers;  ///< product(dims) values (one for a scalar); integers exact up to 2^53
    std::string text;             ///< Type::String

    static Value reals(std::vector<std::size_t> dims, std::vector<double> values, bool float32 = false);
    static Value integers(std::vector<std::size_t> dims, const std::vector<std::int64_t>& values);
    static Value scalar(double value) { return reals({}, {value}); }
    static Value string(std::string text);
    bool isString() const { return type == Type::String; }
    std::size_t size() const { return numbers.size(); }
};

struct Graph;

/// One node: its NIR type ("LIF", "Affine", ...), its datasets by path inside the node's group
/// ("weight", "input_type/input"), its metadata, and for type "NIRGraph" the nested graph.
struct Node {
    std::string type;
    std::map<std::string, Value> params;
    std::map<std::string, Value> metadata;
    std::shared_ptr<Graph> graph;  ///< type "NIRGraph" only
};

struct Graph {
    std::map<std::string, Node> nodes;
    std::vector<std::pair<std::string, std::string>> edges;  ///< (source, target) node names
    std::map<std::string, Value> metadata;
};

/// A NIR file: its /version ("" when absent) and its top graph.
struct File {
    std::string version;
    Graph graph;
};

/// Reads a NIR file. FormatError names the file and the HDF5 object for anything that is not a
/// NIR graph: no /node group, a node without a `type` string, edges that are not (N, 2) strings
/// or name a node the graph does not hold, a corrupt file (found by HDF5 in the isolated
/// helper); IoError when the file cannot be read. Nodes of any type are kept as they are
/// (deciding what a type means is the caller's).
File read(const std::string& path);

/// Writes `graph` to `path` atomically (h5::writeAtomically), /version = kFormatVersion.
/// IoError on failure (the previous file stays whole).
void write(const std::string& path, const Graph& graph);

/// The graph with every nested NIRGraph node replaced by its nodes (named "<outer>.<inner>"):
/// an edge into the nested node goes to what its Input node feeds, an edge out of it comes from
/// what feeds its Output node. ConfigError naming the node when a nested graph has not exactly
/// one Input and one Output.
Graph flatten(const Graph& graph);

} // namespace tp::nir
