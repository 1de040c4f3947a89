// The analytic memory model of TP, BPTT, e-prop and an aux-matrix rule (engine/train/memory_model.h)
// against what the engine measures after one training batch, and each network's memory() table
// against the heap bytes it really holds.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>

#include <malloc.h>

#include "core/errors.h"
#include "train/memory_model.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "rules/bptt/bptt_rule.h"
#include "rules/eprop/eprop_rule.h"
#include "rules/tp/tp_rule.h"

using namespace tp;

// Live heap bytes of this process: malloc and friends are replaced by counting wrappers around
// glibc's own allocator (glibc manual, "Replacing malloc"). Counted in usable bytes, on both
// allocation and release. Not under a sanitizer, whose runtime replaces malloc itself.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TP_NO_HEAP_COUNTER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TP_NO_HEAP_COUNTER 1
#endif
#endif

namespace {
std::atomic<std::int64_t> g_heapBytes{0};
}

#ifndef TP_NO_HEAP_COUNTER
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* __libc_valloc(std::size_t);
void* __libc_pvalloc(std::size_t);
void __libc_free(void*);

static void* counted(void* p)
{
    if (p)
        g_heapBytes += std::int64_t(malloc_usable_size(p));
    return p;
}

void* malloc(std::size_t n) { return counted(__libc_malloc(n)); }
void* calloc(std::size_t n, std::size_t size) { return counted(__libc_calloc(n, size)); }
void* memalign(std::size_t align, std::size_t n) { return counted(__libc_memalign(align, n)); }
void* aligned_alloc(std::size_t align, std::size_t n) { return counted(__libc_memalign(align, n)); }
void* valloc(std::size_t n) { return counted(__libc_valloc(n)); }
void* pvalloc(std::size_t n) { return counted(__libc_pvalloc(n)); }

void free(void* p)
{
    if (p)
        g_heapBytes -= std::int64_t(malloc_usable_size(p));
    __libc_free(p);
}

void* realloc(void* p, std::size_t n)
{
    const std::int64_t old = p ? std::int64_t(malloc_usable_size(p)) : 0;
    void* q = __libc_realloc(p, n);
    if (q)
        g_heapBytes += std::int64_t(malloc_usable_size(q)) - old;
    else if (p && n == 0)
        g_heapBytes -= old;  // realloc(p, 0) freed p
    return q;
}

void* reallocarray(void* p, std::size_t n, std::size_t size)
{
    if (size && n > SIZE_MAX / size)
        return nullptr;
    return realloc(p, n * size);
}

int posix_memalign(void** out, std::size_t align, std::size_t n)
{
    if (align < sizeof(void*) || (align & (align - 1)))
        return EINVAL;
    void* p = counted(__libc_memalign(align, n));
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
}
#endif

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

/// One network of each class behind makeModel, B 16: dense feed-forward and recurrent LIF layers
/// (TpNetwork / BpttNetwork), conv LIF blocks without and with max pooling (ConvTpNetwork /
/// ConvBpttNetwork) on 2x16x16 frames.
std::vector<std::pair<const char*, TpConfig>> layerKinds(int classes)
{
    TpConfig ff = mlp(100, {128, 64}), rec = mlp(100, {128}, true), cv, pool;
    cv.inputs = 2 * 16 * 16;
    cv.input_shape = {2, 16, 16};
    cv.max_batch = 16;
    cv.norm = "weight";
    cv.layers = {LayerSpec{"conv", 4, false, "none"}, LayerSpec{"conv", 6, false, "none"}};
    pool = cv;
    pool.layers = {LayerSpec{"conv", 4, false, "max2"}, LayerSpec{"conv", 6, false, "max2"}};
    std::vector<std::pair<const char*, TpConfig>> kinds = {
        {"dense lif", ff}, {"recurrent lif", rec}, {"conv lif", cv}, {"conv lif + max2", pool}};
    for (auto& k : kinds)
        k.second.classes = classes;
    return kinds;
}

/// Heap bytes a model holds after initWeights and one training batch (everything it allocated
/// and kept), and the sum over its memory() rows of MemoryRow::total().
std::pair<std::int64_t, std::size_t> heldAndAccounted(const TpConfig& config, const Batch& batch)
{
    const std::int64_t before = g_heapBytes;
    auto model = makeModel(config, Precision::Float32);
    model->initWeights(1);
    model->train(batch, 1e-3);
    const std::int64_t held = g_heapBytes - before;
    std::size_t accounted = 0;
    for (const auto& row : model->memory())
        accounted += row.total();
    return {held, accounted};
}

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
        // e-prop: a filtered eligibility trace per synapse, an eligibility vector per input (soft reset).
        QCOMPARE(epropModelValues(net, 16), std::size_t(16 * (200 * 40 + 200 * 200 + 40 + 200)));
        QCOMPARE(auxModelValues(net, 16), std::size_t(16 * 400 + 100 * 400));
        QCOMPARE(weightValues(net), std::size_t(200 * 40 + 200 * 200 + 100 * 200));
        // Recurrent layers: H^2 more synapses for e-prop, S_rec for TP.
        TpConfig r = mlp(40, {64}, true);
        const NetShape rn = NetShape::fromConfig(r);
        QCOMPARE(epropModelValues(rn, 4), std::size_t(4 * (64 * 40 + 64 * 64 + 40 + 64)));
        r.neuron.reset = "hard";  // hard reset: the eligibility vectors are per synapse too
        QCOMPARE(epropModelValues(NetShape::fromConfig(r), 4), std::size_t(4 * 2 * (64 * 40 + 64 * 64)));
        QCOMPARE(tpModelValues(rn, 4), std::size_t((4 + 4) * 64 + 4 * 10 + 10 * 64 + 64 * 64));
        const auto rules = memoryModel(net, 16, 50);
        QCOMPARE(rules.size(), learningRules().size() + 1);  // every registered rule (all train lif layers), then aux
        auto model = [&](const char* rule) {
            for (const auto& r : rules)
                if (r.rule == rule)
                    return r.model_bytes;
            return std::size_t(0);
        };
        QCOMPARE(model("bptt"), 4 * bpttModelValues(net, 16, 50));
        QCOMPARE(model("eprop"), 4 * epropModelValues(net, 16));
        // DECOLLE: B (inputs + sum H) presynaptic traces + C sum H fixed local readouts.
        QCOMPARE(model("decolle"), std::size_t(4 * (16 * (40 + 400) + 100 * 400)));
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
        // e-prop trains dense layers only: no row for a conv network.
        QVERIFY(std::none_of(t5.begin(), t5.end(), [](const auto& r) { return r.rule == "eprop"; }));
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
        // e-prop's eligibility traces: measured equal to its model, flat in T; the aux reference is a model only.
        for (const auto* rows : {&t100, &t1000})
            QCOMPARE(*find(*rows, "eprop").measured_bytes, find(*rows, "eprop").model_bytes);
        QCOMPARE(*find(t1000, "eprop").measured_bytes, *find(t100, "eprop").measured_bytes);
        QVERIFY(!find(t100, "aux").measured_bytes);
    }

    /// memory() of every network class (every registered rule on the layer kinds it trains: dense
    /// and recurrent LIF, conv LIF without and with max pooling) counts what the network really holds on the heap, within the tolerance of
    /// the measured-vs-model checks above (10%), at the CLI grid's C = 10 and C = 100.
    void accountedBytesMatchHeap()
    {
#ifdef TP_NO_HEAP_COUNTER
        QSKIP("the heap counter replaces malloc, which a sanitizer runtime owns");
#endif
        QStringList off;
        for (int classes : {10, 100})
            for (const auto& [kind, config] : layerKinds(classes))
                for (const LearningRule* learning : learningRules()) {
                    if (!learning->supportsLayer(config.layers.front().type))
                        continue;
                    const char* rule = learning->name;
                    TpConfig c = config;
                    c.rule.name = rule;
                    const Batch batch = syntheticBatch(c.max_batch, 8, c.inputs, classes, 0.1, 3);
                    heldAndAccounted(c, batch);  // first use of the thread pool and of lazy statics
                    const auto [held, accounted] = heldAndAccounted(c, batch);
                    const double r = double(held) / double(accounted);
                    std::printf("%-7s %-16s C=%3d heap %9lld memory() %9zu ratio %.3f\n", rule, kind, classes,
                                (long long)held, accounted, r);
                    if (std::abs(r - 1) >= 0.10)
                        off << QString("%1 %2 C=%3: heap %4 bytes, memory() %5").arg(rule, kind).arg(classes).arg(held).arg(accounted);
                }
        QVERIFY2(off.isEmpty(), qPrintable(off.join("; ")));
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
