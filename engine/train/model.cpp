#include "train/model.h"

#include "core/errors.h"
#include "io/h5.h"

namespace tp {

namespace {

template <typename S>
class TpModel final : public Model {
public:
    using Net = TpNetwork<S>;
    explicit TpModel(const TpConfig& c) : m_net(c) {}

    void initWeights(std::uint64_t seed) override { m_net.initWeights(seed); }
    BatchStats train(const Batch& batch, double lr) override { return m_net.trainBatch(batch, lr); }
    BatchStats evaluate(const Batch& batch) override { return m_net.evaluateBatch(batch); }
    std::vector<MemoryRow> memory() const override { return m_net.memory(); }
    const TpConfig& config() const override { return m_net.config(); }
    void scaleWeights(double gain) override
    {
        forEach(m_net, [gain](const std::string&, typename Net::WMat& w, typename Net::Param*) { w *= S(gain); });
    }
    Precision precision() const override { return sizeof(S) == 8 ? Precision::Float64 : Precision::Float32; }
    std::pair<std::int64_t, std::int64_t> pathCounts() const override
    {
        return {m_net.denseProducts(), m_net.eventProducts()};
    }

    void save(h5::File& f, bool withOptimizer) const override
    {
        auto& net = const_cast<Net&>(m_net);
        forEach(net, [&](const std::string& name, typename Net::WMat& w, typename Net::Param* p) {
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
        forEach(m_net, [&](const std::string& name, typename Net::WMat& w, typename Net::Param* p) {
            readMatrix(f, "weights/" + name, w);
            if (withOptimizer && p) {
                readMatrix(f, "optimizer/" + name + "/m", p->m);
                readMatrix(f, "optimizer/" + name + "/v", p->v);
                p->step = f.readInts("optimizer/" + name + "/step").data.at(0);
            }
        });
    }

private:
    /// Every stored matrix with its name; Param is null for frozen ones (S unless trained, S_rec).
    template <typename Fn>
    static void forEach(Net& net, Fn&& fn)
    {
        for (std::size_t l = 0; l < net.layers().size(); ++l) {
            auto& layer = net.layers()[l];
            fn("W" + std::to_string(l + 1), layer.W.w, &layer.W);
            if (layer.recurrent)
                fn("R" + std::to_string(l + 1), layer.R.w, &layer.R);
        }
        const bool trainS = net.config().rule.train_s;
        fn("S", net.targetProjection(), trainS ? const_cast<typename Net::Param*>(&net.targetProjectionParam()) : nullptr);
        if (net.targetRecurrent().size())
            fn("S_rec", net.targetRecurrent(), nullptr);
        fn("W_out", net.readout().w, &net.readout());
    }

    // Stored row-major (out, in) as in the golden files, in the network's own precision so a
    // checkpoint restores bit-identically.
    static void writeMatrix(h5::File& f, const std::string& name, const typename Net::WMat& w)
    {
        const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = w;
        f.write(name, {std::size_t(w.rows()), std::size_t(w.cols())}, rm.data());
    }

    static void readMatrix(const h5::File& f, const std::string& name, typename Net::WMat& w)
    {
        const auto a = f.readDoubles(name);
        if (a.dims.size() != 2 || a.dims[0] != std::size_t(w.rows()) || a.dims[1] != std::size_t(w.cols()))
            throw FormatError(f.path(), "dataset /" + name,
                              "shape does not match the network (" + std::to_string(w.rows()) + ", " +
                                  std::to_string(w.cols()) + ")");
        for (Eigen::Index o = 0; o < w.rows(); ++o)
            for (Eigen::Index i = 0; i < w.cols(); ++i)
                w(o, i) = S(a.data[std::size_t(o * w.cols() + i)]);
    }

    Net m_net;
};

} // namespace

std::unique_ptr<Model> makeModel(const TpConfig& config, Precision precision)
{
    if (precision == Precision::Float64)
        return std::make_unique<TpModel<double>>(config);
    return std::make_unique<TpModel<float>>(config);
}

} // namespace tp
