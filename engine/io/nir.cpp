#include "io/nir.h"

#include <algorithm>

#include "core/errors.h"
#include "io/h5.h"

namespace tp::nir {

Value Value::reals(std::vector<std::size_t> dims, std::vector<double> values, bool float32)
{
    Value v;
    v.type = float32 ? Type::Float32 : Type::Float64;
    v.dims = std::move(dims);
    v.numbers = std::move(values);
    return v;
}

Value Value::integers(std::vector<std::size_t> dims, const std::vector<std::int64_t>& values)
{
    Value v;
    v.type = Type::Int64;
    v.dims = std::move(dims);
    v.numbers.assign(values.begin(), values.end());
    return v;
}

Value Value::string(std::string text)
{
    Value v;
    v.type = Type::String;
    v.text = std::move(text);
    return v;
}

namespace {

/// The datasets of a group, as paths relative to it ("type", "nodes/lif1/tau", ...).
using Paths = std::vector<std::string>;

/// The paths of `paths` under `prefix` + "/", relative to it.
Paths under(const Paths& paths, const std::string& prefix)
{
    Paths out;
    for (const auto& p : paths)
        if (p.size() > prefix.size() + 1 && p.compare(0, prefix.size(), prefix) == 0 && p[prefix.size()] == '/')
            out.push_back(p.substr(prefix.size() + 1));
    return out;
}

Value readValue(const h5::File& f, const std::string& dataset)
{
    if (f.holdsStrings(dataset))
        return Value::string(f.readString(dataset));
    auto a = f.readDoubles(dataset);
    return Value::reals(std::move(a.dims), std::move(a.data));
}

std::map<std::string, Value> readValues(const h5::File& f, const std::string& group, const Paths& paths)
{
    std::map<std::string, Value> values;
    for (const auto& p : paths)
        values[p] = readValue(f, group + "/" + p);
    return values;
}

/// Nested graphs deeper than this are refused (a hostile file could nest without end).
constexpr int kMaxDepth = 32;

Graph readGraph(const h5::File& f, const std::string& group, const Paths& paths, int depth);

Node readNode(const h5::File& f, const std::string& group, const Paths& paths, int depth = 0)
{
    Node node;
    if (std::find(paths.begin(), paths.end(), "type") == paths.end())
        throw FormatError(f.path(), "group /" + group, "has no 'type' dataset (every NIR node names its type)");
    node.type = f.readString(group + "/type");
    if (node.type == "NIRGraph") {
        if (depth > kMaxDepth)
            throw FormatError(f.path(), "group /" + group, "NIRGraph nodes nested more than " + std::to_string(kMaxDepth) + " deep");
        node.graph = std::make_shared<Graph>(readGraph(f, group, paths, depth + 1));
    }
    for (const auto& p : paths) {
        const bool graphPart = node.graph && (p == "edges" || p.rfind("nodes/", 0) == 0);
        if (p != "type" && !graphPart && p.rfind("metadata/", 0) != 0)
            node.params[p] = readValue(f, group + "/" + p);
    }
    node.metadata = readValues(f, group + "/metadata", under(paths, "metadata"));
    return node;
}

Graph readGraph(const h5::File& f, const std::string& group, const Paths& paths, int depth)
{
    Graph g;
    std::map<std::string, Paths> byNode;
    for (const auto& p : under(paths, "nodes")) {
        const auto slash = p.find('/');
        if (slash != std::string::npos)
            byNode[p.substr(0, slash)].push_back(p.substr(slash + 1));
        else
            throw FormatError(f.path(), "dataset /" + group + "/nodes/" + p,
                              "a dataset where a node's group belongs (each node of /" + group + "/nodes is a group)");
    }
    for (const auto& [name, nodePaths] : byNode)
        g.nodes[name] = readNode(f, group + "/nodes/" + name, nodePaths, depth);

    const std::string edges = group + "/edges";
    if (!f.exists(edges))
        throw FormatError(f.path(), "dataset /" + edges, "missing (a NIRGraph lists its edges there)");
    if (!f.holdsStrings(edges)) {
        if (!f.readDoubles(edges).data.empty())  // h5py stores an empty list as an empty float array
            throw FormatError(f.path(), "dataset /" + edges, "expected (N, 2) strings (source and target node names)");
    } else {
        const auto names = f.readStrings(edges);
        if (names.size() % 2)
            throw FormatError(f.path(), "dataset /" + edges,
                              "holds " + std::to_string(names.size()) + " strings, expected (N, 2) source/target pairs");
        for (std::size_t i = 0; i < names.size(); i += 2) {
            for (const auto& n : {names[i], names[i + 1]})
                if (!g.nodes.count(n))
                    throw FormatError(f.path(), "dataset /" + edges,
                                      "edge " + std::to_string(i / 2) + " (" + names[i] + " -> " + names[i + 1] +
                                          ") names '" + n + "', which /" + group + "/nodes does not hold");
            g.edges.emplace_back(names[i], names[i + 1]);
        }
    }
    g.metadata = readValues(f, group + "/metadata", under(paths, "metadata"));
    return g;
}

void writeValue(h5::File& f, const std::string& path, const Value& v)
{
    switch (v.type) {
    case Value::Type::String: f.writeStrings(path, {}, {v.text}); break;
    case Value::Type::Float32: {
        const std::vector<float> x(v.numbers.begin(), v.numbers.end());
        f.write(path, v.dims, x.data());
        break;
    }
    case Value::Type::Float64: f.write(path, v.dims, v.numbers.data()); break;
    case Value::Type::Int64: {
        const std::vector<std::int64_t> x(v.numbers.begin(), v.numbers.end());
        f.write(path, v.dims, x.data());
        break;
    }
    }
}

void writeValues(h5::File& f, const std::string& group, const std::map<std::string, Value>& values)
{
    for (const auto& [key, value] : values)
        writeValue(f, group + "/" + key, value);
}

void writeGraph(h5::File& f, const std::string& group, const Graph& g);

void writeNode(h5::File& f, const std::string& group, const Node& node)
{
    if (node.graph)
        writeGraph(f, group, *node.graph);
    else
        f.writeStrings(group + "/type", {}, {node.type});
    writeValues(f, group, node.params);
    if (!node.graph)  // a nested graph wrote its own
        writeValues(f, group + "/metadata", node.metadata);
}

void writeGraph(h5::File& f, const std::string& group, const Graph& g)
{
    f.writeStrings(group + "/type", {}, {"NIRGraph"});
    for (const auto& [name, node] : g.nodes)
        writeNode(f, group + "/nodes/" + name, node);
    std::vector<std::string> names;
    for (const auto& [from, to] : g.edges) {
        names.push_back(from);
        names.push_back(to);
    }
    if (names.empty()) {
        const double none = 0;
        f.write(group + "/edges", {0}, &none);  // as h5py writes an empty list
    } else {
        f.writeStrings(group + "/edges", {g.edges.size(), 2}, names);
    }
    writeValues(f, group + "/metadata", g.metadata);
}

} // namespace

File read(const std::string& path)
{
    const h5::File f = h5::File::openRead(path);
    File out;
    if (!f.exists("node"))
        throw FormatError(path, "group /node", "missing: not a NIR file (nir.write puts the graph there)");
    if (f.exists("version"))
        out.version = f.readString("version");
    const Node top = readNode(f, "node", f.datasets("node"));
    if (!top.graph)
        throw FormatError(path, "dataset /node/type", "is '" + top.type + "', expected NIRGraph (the top node of a NIR file)");
    out.graph = *top.graph;
    return out;
}

void write(const std::string& path, const Graph& graph)
{
    h5::writeAtomically(path, [&](h5::File& f) {
        f.writeStrings("version", {}, {kFormatVersion});
        writeGraph(f, "node", graph);
    });
}

Graph flatten(const Graph& g)
{
    Graph out;
    out.metadata = g.metadata;
    std::map<std::string, std::vector<std::string>> entry, exit;  // of each nested graph
    for (const auto& [name, node] : g.nodes) {
        if (!node.graph) {
            out.nodes[name] = node;
            continue;
        }
        const Graph inner = flatten(*node.graph);
        std::vector<std::string> inputs, outputs;
        for (const auto& [n, sub] : inner.nodes) {
            if (sub.type == "Input")
                inputs.push_back(n);
            else if (sub.type == "Output")
                outputs.push_back(n);
        }
        if (inputs.size() != 1 || outputs.size() != 1)
            throw ConfigError("node '" + name + "' (NIRGraph): a nested graph needs exactly one Input and one Output node, "
                              "it has " + std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
        const std::string in = inputs[0], outNode = outputs[0];
        for (const auto& [n, sub] : inner.nodes)
            if (n != in && n != outNode) {
                const std::string full = name + "." + n;
                if (g.nodes.count(full))
                    throw ConfigError("node '" + full + "' of nested graph '" + name + "' has the name of a node outside it");
                out.nodes[full] = sub;
            }
        for (const auto& [a, b] : inner.edges) {
            if (a == in && b == outNode)
                throw ConfigError("node '" + name + "' (NIRGraph): its Input feeds its Output directly");
            if (a == in)
                entry[name].push_back(name + "." + b);
            else if (b == outNode)
                exit[name].push_back(name + "." + a);
            else if (b == in || a == outNode)
                throw ConfigError("node '" + name + "' (NIRGraph): an edge into its Input or out of its Output");
            else
                out.edges.emplace_back(name + "." + a, name + "." + b);
        }
    }
    for (const auto& [a, b] : g.edges) {
        const auto sources = exit.count(a) ? exit[a] : std::vector<std::string>{a};
        const auto targets = entry.count(b) ? entry[b] : std::vector<std::string>{b};
        for (const auto& s : sources)
            for (const auto& t : targets)
                out.edges.emplace_back(s, t);
    }
    return out;
}

} // namespace tp::nir
