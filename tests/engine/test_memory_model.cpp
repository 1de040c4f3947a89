// The analytic memory model of TP, BPTT, e-prop and an aux-matrix rule (engine/train/memory_model.h)
// against what the engine measures after one training batch.
#include <QtTest>

#include <cstdio>

#include "core/errors.h"
#include "train/memory_model.h"

using namespace tp;

namespace {

TpConfig mlp(int inputs, std::vector<int> sizes, bool recurrent = false)
{
    TpConfig c;
    c.inputs = inputs;
    c.classes = 10;
    c.max_batch = 16;
    for (int h : sizes)
        c.layers.push_back(LayerSpec{"lif", h, recurrent, "none"});
    return c;
}

/// Conv blocks 4 (none) and 6 (max2) on 2x8x8 frames.
TpConfig conv(int classes)
{
    TpConfig c;
    c.inputs = 2 * 8 * 8;
    c.input_shape = {2, 8, 8};
    c.classes = classes;
    c.max_batch = 8;
    c.norm = "weight";
    c.layers = {LayerSpec{"conv", 4, false, "none"}, LayerSpec{"conv", 6, false, "max2"}};
    return c;
}

const MemoryTableRow& find(const std::vector<MemoryTableRow>& rows, const std::string& rule)
{
    for (const auto& r : rows)
        if (r.rule == rule)
            return r;
    throw std::runtime_error("no row " + rule);
}

double ratio(std::size_t a, std::size_t b) { return double(a) / double(b); }

} // namespace

class TestMemoryModel : public QObject {
    Q_OBJECT
private slots:
    void formulas()
    {
        // 40-200-200 MLP, C = 100, B = 16, T = 50 (values, not bytes).
        TpConfig c = mlp(40, {200, 200});
        c.classes = 100;
        const NetShape net = NetShape::fromConfig(c);
        QCOMPARE(tpPaperValues(net, 16), std::size_t(2 * 16 * 400 + 100 * 200));
        QCOMPARE(tpModelValues(net, 16), std::size_t((16 + 16) * 400 + 16 * 100 + 100 * 200));
        QCOMPARE(bpttModelValues(net, 16, 50), std::size_t(2 * 50 * 16 * 400));
        QCOMPARE(epropModelValues(net, 16), std::size_t(16 * (200 * 40 + 200 * 200)));
        QCOMPARE(auxModelValues(net, 16), std::size_t(16 * 400 + 100 * 400));
        QCOMPARE(weightValues(net), std::size_t(200 * 40 + 200 * 200 + 100 * 200));
        // Recurrent layers: H^2 more synapses for e-prop, S_rec for TP.
        TpConfig r = mlp(40, {64}, true);
        const NetShape rn = NetShape::fromConfig(r);
        QCOMPARE(epropModelValues(rn, 4), std::size_t(4 * (64 * 40 + 64 * 64)));
        QCOMPARE(tpModelValues(rn, 4), std::size_t((4 + 4) * 64 + 4 * 10 + 10 * 64 + 64 * 64));
        const auto rules = memoryModel(net, 16, 50);
        QCOMPARE(rules.size(), std::size_t(4));
        QCOMPARE(rules[1].model_bytes, 4 * bpttModelValues(net, 16, 50));
        QCOMPARE(rules[0].optimizer_bytes, 2 * rules[0].weights_bytes);
        // Conv layers need a spatial input shape.
        TpConfig flat = mlp(40, {8});
        flat.layers[0].type = "conv";
        QVERIFY_THROWS_EXCEPTION(ConfigError, NetShape::fromConfig(flat));
        // Conv blocks on 2x8x8: 4 none (4x8x8), 6 max2 (6x8x8 -> 6x4x4), readout on 6*16.
        const TpConfig cv = conv(10);
        const NetShape cn = NetShape::fromConfig(cv);
        QCOMPARE(cn.layers[0].neurons, std::size_t(256));
        QCOMPARE(cn.layers[0].traced, std::size_t(256));
        QCOMPARE(cn.layers[1].neurons, std::size_t(384));
        QCOMPARE(cn.layers[1].traced, std::size_t(96));
        QCOMPARE(weightValues(cn), std::size_t(4 * 2 * 9 + 6 * 4 * 9 + 10 * 96));
        QCOMPARE(bpttModelValues(cn, 8, 5), std::size_t(2 * 5 * 8 * (256 + 384)));
        QCOMPARE(tpModelValues(cn, 8), std::size_t((8 + 8) * (256 + 96) + 8 * 10 + 10 * 256));
        QCOMPARE(epropModelValues(cn, 8), std::size_t(8 * (256 * 18 + 384 * 36)));
    }

    /// Conv networks: measured (conv TP: pooled traces of both paths + label trace + S; conv
    /// BPTT: u and s of every step on the full maps) equals the model; BPTT grows with T, TP not.
    void convMeasuredEqualsModel()
    {
        const TpConfig c = conv(4);
        const auto t5 = memoryTable(c, 8, 5, 4, 0.2);
        const auto t20 = memoryTable(c, 8, 20, 4, 0.2);
        for (const auto* rows : {&t5, &t20})
            for (const char* rule : {"tp", "bptt"}) {
                const auto& r = find(*rows, rule);
                QVERIFY(r.measured_bytes);
                QCOMPARE(*r.measured_bytes, r.model_bytes);
            }
        QCOMPARE(*find(t20, "bptt").measured_bytes, 4 * *find(t5, "bptt").measured_bytes);
        QCOMPARE(*find(t20, "tp").measured_bytes, *find(t5, "tp").measured_bytes);
    }

    /// Measured parts compared with model_bytes: sum of MemoryRow::trace_bytes (TP: input and target
    /// traces of every layer + the label trace; BPTT: u_hist + s_hist) + weights_bytes of
    /// "target projection S" (TP: S). TP stays flat in T, BPTT grows 10x from T = 100 to 1000.
    void stepsSweep()
    {
        const TpConfig c = mlp(40, {200, 200});
        const auto t100 = memoryTable(c, 16, 100, 10);
        const auto t1000 = memoryTable(c, 16, 1000, 10);
        for (const char* rule : {"tp", "bptt"}) {
            const auto& a = find(t100, rule);
            const auto& b = find(t1000, rule);
            QVERIFY(a.measured_bytes && b.measured_bytes);
            std::printf("%-4s T=100 measured %zu model %zu paper %zu | T=1000 measured %zu model %zu paper %zu\n", rule,
                        *a.measured_bytes, a.model_bytes, a.paper_bytes, *b.measured_bytes, b.model_bytes, b.paper_bytes);
            for (const auto* r : {&a, &b})
                QVERIFY2(std::abs(ratio(*r->measured_bytes, r->model_bytes) - 1) < 0.10,
                         qPrintable(QString("%1 measured %2 vs model %3").arg(rule).arg(*r->measured_bytes).arg(r->model_bytes)));
        }
        const double tpGrowth = ratio(*find(t1000, "tp").measured_bytes, *find(t100, "tp").measured_bytes);
        const double bpttGrowth = ratio(*find(t1000, "bptt").measured_bytes, *find(t100, "bptt").measured_bytes);
        QVERIFY2(tpGrowth < 1.05, qPrintable(QString::number(tpGrowth)));
        QVERIFY2(bpttGrowth >= 9.0, qPrintable(QString::number(bpttGrowth)));
        QVERIFY(!find(t100, "eprop").measured_bytes && !find(t100, "aux").measured_bytes);
    }

    /// 2-layer MLP, B = 16: TP's rule state is below the aux-matrix rule's only for C > about B.
    void classesSweep()
    {
        const TpConfig c = mlp(40, {200, 200});
        std::vector<int> below;
        for (int C : {10, 16, 100, 1000}) {
            const auto rows = memoryTable(c, 16, 20, C);
            const auto& tp = find(rows, "tp");
            const auto& aux = find(rows, "aux");
            std::printf("C=%4d tp model %zu (paper %zu, measured %zu) aux %zu eprop %zu\n", C, tp.model_bytes,
                        tp.paper_bytes, *tp.measured_bytes, aux.model_bytes, find(rows, "eprop").model_bytes);
            QVERIFY(std::abs(ratio(*tp.measured_bytes, tp.model_bytes) - 1) < 0.10);
            QCOMPARE(tp.model_bytes < aux.model_bytes, tp.paper_bytes < aux.paper_bytes);  // same verdict
            if (tp.model_bytes < aux.model_bytes)
                below.push_back(C);
        }
        QCOMPARE(below, (std::vector<int>{100, 1000}));
    }
};

QTEST_GUILESS_MAIN(TestMemoryModel)
#include "test_memory_model.moc"
