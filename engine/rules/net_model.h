#pragma once
/// The Model implementation shared by every learning rule: a template over the network type.
/// A network type provides trainBatch, evaluateBatch, initWeights, memory, config,
/// denseProducts/eventProducts, the nested WMat and Param (w, m, v, step) types, and a free
/// function forEachMatrix(Net&, fn) found by argument-dependent lookup that calls
/// fn(name, WMat& w, Param* p) for every stored matrix (p null for frozen ones). Checkpoints of
/// all rules then have the same layout: "weights/<name>" and "optimizer/<name>/{m,v,step}".
#include <cmath>
#include <cstdint>
#include <string>

#include "core/errors.h"
#include "io/h5.h"
#include "rules/model.h"

namespace tp {

template <typename Net>
class NetModel : public Model {
public:
    using WMat = typename Net::WMat;
    using Param = typename Net::Param;
    using Scalar = typename WMat::Scalar;

    template <typename... Args>
    explicit NetModel(Args&&... args) : m_net(std::forward<Args>(args)...)
    {
    }

    void initWeights(std::uint64_t seed) override { m_net.initWeights(seed); }
    BatchStats train(const Batch& batch, double lr) override { return m_net.trainBatch(batch, lr); }
    BatchStats evaluate(const Batch& batch) override { return m_net.evaluateBatch(batch); }
    std::vector<MemoryRow> memory() const override { return m_net.memory(); }
    const TpConfig& config() const override { return m_net.config(); }
    void scaleWeights(double gain) override
    {
        forEachMatrix(m_net, [gain](const std::string&, WMat& w, Param*) { w *= Scalar(gain); });
    }
    void forEachTrainable(const std::function<void(void*, std::size_t)>& fn) override
    {
        forEachMatrix(m_net, [&](const std::string&, WMat& w, Param* p) {
            if (!p)
                return;
            fn(w.data(), std::size_t(w.size()));
            fn(p->m.data(), std::size_t(p->m.size()));
            fn(p->v.data(), std::size_t(p->v.size()));
        });
    }
    std::optional<NonFiniteArray> firstNonFinite() const override
    {
        std::optional<NonFiniteArray> bad;
        auto check = [&](const std::string& array, const std::string& name, const WMat& a) {
            if (bad || a.allFinite())
                return;
            const auto count = std::size_t((!a.array().isFinite()).count());
            bad = NonFiniteArray{array, layerOf(name), count, std::size_t(a.size())};
        };
        forEachMatrix(const_cast<Net&>(m_net), [&](const std::string& name, WMat& w, Param* p) {
            check("weights/" + name, name, w);
            if (p) {
                check("optimizer/" + name + "/m", name, p->m);
                check("optimizer/" + name + "/v", name, p->v);
            }
        });
        return bad;
    }
    Precision precision() const override { return sizeof(Scalar) == 8 ? Precision::Float64 : Precision::Float32; }
    std::pair<std::int64_t, std::int64_t> pathCounts() const override
    {
        return {m_net.denseProducts(), m_net.eventProducts()};
    }

    void save(h5::File& f, bool withOptimizer) const override
    {
        auto& net = const_cast<Net&>(m_net);
        forEachMatrix(net, [&](const std::string& name, WMat& w, Param* p) {
            writeMatrix(f, "weights/" + name, w);
            if (withOptimizer && p) {
                writeMatrix(f, "optimizer/" + name + "/m", p->m);
                writeMatrix(f, "optimizer/" + name + "/v", p->v);
                const std::int64_t step = p->step;
                f.write("optimizer/" + name + "/step", {}, &step);
            }
        });
    }

    void load(const h5::File& f, bool withOptimizer) override
    {
        forEachMatrix(m_net, [&](const std::string& name, WMat& w, Param* p) {
            readMatrix(f, "weights/" + name, w);
            if (withOptimizer && p) {
                readMatrix(f, "optimizer/" + name + "/m", p->m);
                readMatrix(f, "optimizer/" + name + "/v", p->v);
                if ((p->v.array() < Scalar(0)).any())  // a mean of squares; its square root is taken
                    throw FormatError(f.path(), "dataset /optimizer/" + name + "/v",
                                      "the file is corrupt: /optimizer/" + name + "/v holds a negative value");
                p->step = readStep(f, "optimizer/" + name + "/step");
            }
        });
    }

    void loadNetwork(const h5::File& f) override
    {
        forEachMatrix(m_net, [&](const std::string& name, WMat& w, Param*) {
            if (isNetworkMatrix(name))
                readMatrix(f, "weights/" + name, w);
        });
    }

    Net& network() { return m_net; }
    const Net& network() const { return m_net; }

private:
    /// "W3" -> "layer 3", "R2" -> "layer 2 (recurrent)", "W_out" -> "readout", "S"/"S_rec" -> target projection.
    static std::string layerOf(const std::string& name)
    {
        if (name == "W_out")
            return "readout";
        if (name == "S" || name == "S_rec")
            return "target projection " + name;
        if (name.size() > 1 && (name[0] == 'W' || name[0] == 'R'))
            return "layer " + name.substr(1) + (name[0] == 'R' ? " (recurrent)" : "");
        return name;
    }

    // Stored row-major (out, in) as in the golden files, in the network's own precision so a
    // checkpoint restores bit-identically.
    static void writeMatrix(h5::File& f, const std::string& name, const WMat& w)
    {
        const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = w;
        f.write(name, {std::size_t(w.rows()), std::size_t(w.cols())}, rm.data());
    }

    static void readMatrix(const h5::File& f, const std::string& name, WMat& w)
    {
        const auto a = f.readDoubles(name);
        if (a.dims.size() != 2 || a.dims[0] != std::size_t(w.rows()) || a.dims[1] != std::size_t(w.cols()))
            throw FormatError(f.path(), "dataset /" + name,
                              "shape does not match the network (" + std::to_string(w.rows()) + ", " +
                                  std::to_string(w.cols()) + ")");
        // A run that goes NaN stops before it writes (finite_check.h): a non-finite value here is
        // damage to the file, not a diverged run.
        for (Eigen::Index o = 0; o < w.rows(); ++o)
            for (Eigen::Index i = 0; i < w.cols(); ++i) {
                const Scalar v = Scalar(a.data[std::size_t(o * w.cols() + i)]);
                if (!std::isfinite(v))
                    throw FormatError(f.path(), "dataset /" + name,
                                      std::string("the file is corrupt: /") + name + " holds " +
                                          (std::isnan(v) ? "NaN" : "Inf") + " at row " + std::to_string(o) +
                                          ", column " + std::to_string(i));
                w(o, i) = v;
            }
    }

    /// Adam's step count: one per batch, so never negative, and below 2^53 (exact as a double,
    /// which the bias correction beta^step uses).
    static std::int64_t readStep(const h5::File& f, const std::string& name)
    {
        const auto a = f.readInts(name);
        if (a.data.size() != 1)
            throw FormatError(f.path(), "dataset /" + name, "the file is corrupt: expected one step count");
        const std::int64_t step = a.data[0];
        constexpr std::int64_t kMaxStep = std::int64_t(1) << 53;
        if (step < 0 || step > kMaxStep)
            throw FormatError(f.path(), "dataset /" + name,
                              "the file is corrupt: step " + std::to_string(step) + " out of range [0, 2^53]");
        return step;
    }

    Net m_net;
};

} // namespace tp
