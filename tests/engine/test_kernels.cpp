// The per-level kernels (engine/nn/kernels.h): every level this CPU runs against a float64
// reference written here, the levels against each other, bit-identity of one level with
// itself, and the TP_KERNELS override's errors.
#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "nn/kernels.h"

using namespace tp;

namespace {

std::vector<float> randomVector(std::size_t n, unsigned seed, float lo = -1, float hi = 1)
{
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v)
        x = d(g);
    return v;
}

std::vector<const kern::Level*> runnable()
{
    std::vector<const kern::Level*> v;
    for (const auto& l : kern::levels())
        if (l.supported())
            v.push_back(&l);
    return v;
}

double maxRelError(const std::vector<float>& a, const std::vector<double>& ref)
{
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(double(a[i]) - ref[i]) / std::max(1.0, std::abs(ref[i])));
    return worst;
}

} // namespace

class TestKernels : public QObject {
    Q_OBJECT

private slots:
    void levelsOfThisBuild()
    {
        const auto& all = kern::levels();
        QVERIFY(!all.empty());
        QVERIFY(all.front().supported());  // the first level runs anywhere
#if defined(__x86_64__)
        // A default build has all three x86-64 levels; a TP_NATIVE build has one, "native".
        if (QString(all.front().name) == "baseline") {
            QCOMPARE(int(all.size()), 3);
            QCOMPARE(QString(all[1].name), QString("avx2"));
            QCOMPARE(QString(all[2].name), QString("avx512"));
        }
#endif
        // Without TP_KERNELS the most capable runnable level is chosen.
        if (!std::getenv("TP_KERNELS"))
            QCOMPARE(QString(kern::active().name), QString(runnable().back()->name));
        QVERIFY(kern::activeDescription().find(kern::active().name) == 0);
    }

    // C = A B for every storage order of A, B and C, against a float64 product.
    void gemmAllLayouts()
    {
        const int m = 37, n = 29, k = 53;
        const auto A = randomVector(std::size_t(m) * k, 1), B = randomVector(std::size_t(k) * n, 2);
        std::vector<double> ref(std::size_t(m) * n, 0.0);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j)
                for (int p = 0; p < k; ++p)
                    ref[std::size_t(i) * n + j] += double(A[std::size_t(i) * k + p]) * double(B[std::size_t(p) * n + j]);
        for (const auto* level : runnable()) {
            for (int layout = 0; layout < 8; ++layout) {
                const bool ca = layout & 4, cb = layout & 2, cc = layout & 1;
                // Store A and B in the layout under test.
                std::vector<float> a(A.size()), b(B.size());
                for (int i = 0; i < m; ++i)
                    for (int p = 0; p < k; ++p)
                        a[ca ? std::size_t(p) * m + i : std::size_t(i) * k + p] = A[std::size_t(i) * k + p];
                for (int p = 0; p < k; ++p)
                    for (int j = 0; j < n; ++j)
                        b[cb ? std::size_t(j) * k + p : std::size_t(p) * n + j] = B[std::size_t(p) * n + j];
                std::vector<float> c(std::size_t(m) * n, 0.5f);
                kern::MatRef<const float> ra{a.data(), m, k, ca ? m : k, ca};
                kern::MatRef<const float> rb{b.data(), k, n, cb ? k : n, cb};
                kern::MatRef<float> rc{c.data(), m, n, cc ? m : n, cc};
                level->f32->gemm(ra, rb, rc, true);  // accumulate onto 0.5
                std::vector<float> rowMajor(c.size());
                for (int i = 0; i < m; ++i)
                    for (int j = 0; j < n; ++j)
                        rowMajor[std::size_t(i) * n + j] = c[cc ? std::size_t(j) * m + i : std::size_t(i) * n + j];
                std::vector<double> expect = ref;
                for (auto& x : expect)
                    x += 0.5;
                QVERIFY2(maxRelError(rowMajor, expect) < 1e-5, qPrintable(QString("%1 layout %2").arg(level->name).arg(layout)));
            }
        }
    }

    void sparseRowsAxpyAndAdam()
    {
        // Two rows of a sparse matrix (row 0: entries 3 and 1; row 1: none) times a 5 x 7 matrix.
        const std::vector<std::int32_t> off = {0, 2, 2}, idx = {3, 1};
        const std::vector<float> val = {2.0f, -0.5f};
        const auto dense = randomVector(5 * 7, 3);
        for (const auto* level : runnable()) {
            std::vector<float> out(14, 9.0f);
            level->f32->sparseRows(off.data(), idx.data(), val.data(), 0, 2, dense.data(), 7, out.data(), false);
            for (int j = 0; j < 7; ++j) {
                QCOMPARE(out[std::size_t(j)], 2.0f * dense[3 * 7 + std::size_t(j)] + -0.5f * dense[7 + std::size_t(j)]);
                QCOMPARE(out[7 + std::size_t(j)], 0.0f);  // an empty row is cleared
            }
            std::vector<float> ones(7, 1.0f);
            level->f32->sparseRows(off.data(), idx.data(), nullptr, 0, 1, dense.data(), 7, ones.data(), true);
            for (int j = 0; j < 7; ++j)
                QCOMPARE(ones[std::size_t(j)], 1.0f + dense[3 * 7 + std::size_t(j)] + dense[7 + std::size_t(j)]);

            auto y = randomVector(101, 4);
            const auto x = randomVector(101, 5), y0 = y;
            level->f32->axpy(y.data(), x.data(), 0.25f, y.size());
            for (std::size_t i = 0; i < y.size(); ++i)
                QVERIFY(std::abs(double(y[i]) - (double(y0[i]) + 0.25 * double(x[i]))) < 1e-6);

            // Adam against its formula in double; the zero-gradient form equals g = 0 exactly.
            kern::AdamScalars s;
            s.step_size = 1e-3 / (1 - 0.9);
            s.inv_bc2_sqrt = 1 / std::sqrt(1 - 0.999);
            auto w = randomVector(77, 6), m = randomVector(77, 7, -0.1f, 0.1f), v = randomVector(77, 8, 0, 0.1f);
            const auto g = randomVector(77, 9);
            auto w2 = w, m2 = m, v2 = v, w3 = w, m3 = m, v3 = v;
            level->f32->adam(s, w.data(), m.data(), v.data(), g.data(), w.size());
            for (std::size_t i = 0; i < w.size(); ++i) {
                const double mi = 0.9 * m2[i] + 0.1 * g[i], vi = 0.999 * v2[i] + 0.001 * double(g[i]) * g[i];
                const double wi = w2[i] - s.step_size * mi / (std::sqrt(vi) * s.inv_bc2_sqrt + 1e-8);
                QVERIFY2(std::abs(w[i] - wi) < 1e-5, level->name);
            }
            const std::vector<float> zero(77, 0.0f);
            level->f32->adam(s, w2.data(), m2.data(), v2.data(), zero.data(), w2.size());
            level->f32->adam(s, w3.data(), m3.data(), v3.data(), nullptr, w3.size());
            QCOMPARE(w3, w2);
            QCOMPARE(m3, m2);
            QCOMPARE(v3, v2);
        }
    }

    void lifAndSurrogate()
    {
        for (const auto* level : runnable()) {
            for (bool soft : {false, true}) {
                std::vector<float> mem = {0.5f, 0.9f, 0.0f, 1.2f}, cur = {0.6f, 0.0f, -0.2f, 0.1f};
                std::vector<float> u(4), s(4), tr = {1.0f, 0.0f, 0.5f, 0.0f};
                std::vector<std::int32_t> spikes(4, -1);
                const auto n = level->f32->lif(mem.data(), u.data(), s.data(), tr.data(), cur.data(), 4, 0.9f, 0.5f, 1.0f,
                                               soft, spikes.data());
                // u = 0.9 m + I: 1.05, 0.81, -0.2, 1.18 -> spikes at 0 and 3.
                QCOMPARE(int(n), 2);
                QCOMPARE(spikes[0], 0);
                QCOMPARE(spikes[1], 3);
                QCOMPARE(s, (std::vector<float>{1, 0, 0, 1}));
                QCOMPARE(tr, (std::vector<float>{1.5f, 0.0f, 0.25f, 1.0f}));
                QCOMPARE(mem[1], 0.9f * 0.9f);
                if (soft)
                    QVERIFY(std::abs(mem[0] - (0.9f * 0.5f + 0.6f - 1.0f)) < 1e-6f);
                else
                    QCOMPARE(mem[0], 0.0f);
            }
            const std::vector<float> u = {1.0f, 0.0f, 2.5f};
            std::vector<float> psi(3), scale = {2.0f, 2.0f, 2.0f};
            level->f32->surrogate(u.data(), 3, 1.0f, 0.5f, psi.data(), scale.data());
            for (int i = 0; i < 3; ++i) {
                const double x = M_PI * (u[std::size_t(i)] - 1.0), p = 0.5 / (1 + x * x);
                QVERIFY(std::abs(psi[std::size_t(i)] - p) < 1e-6);
                QVERIFY(std::abs(scale[std::size_t(i)] - 2 * p) < 1e-6);
            }
        }
    }

    /// acc += (a - b + offset)^2 at every level, against the value in double precision.
    void addSquaredDiff()
    {
        const std::size_t n = 37;  // a vector body and a tail at every width
        const auto a = randomVector(n, 12), b = randomVector(n, 13);
        for (const auto* level : runnable()) {
            std::vector<float> acc(n, 0.25f);
            level->f32->addSquaredDiff(acc.data(), a.data(), b.data(), 1e-3f, n);
            for (std::size_t p = 0; p < n; ++p) {
                const double d = double(a[p]) - double(b[p]) + 1e-3, want = 0.25 + d * d;
                QVERIFY2(std::abs(acc[p] - want) <= 1e-6 * want, qPrintable(QString("%1 at %2").arg(level->name).arg(p)));
            }
        }
    }

    // The same inputs through one level twice give the same bits; two levels agree to float
    // rounding (they may differ in FMA contraction and summation width).
    void levelsAgree()
    {
        const int m = 64, n = 200, k = 300;
        const auto a = randomVector(std::size_t(m) * k, 10), b = randomVector(std::size_t(k) * n, 11);
        std::vector<std::vector<float>> results;
        for (const auto* level : runnable()) {
            std::vector<float> c1(std::size_t(m) * n), c2(c1.size());
            kern::MatRef<const float> ra{a.data(), m, k, k, false}, rb{b.data(), k, n, n, false};
            level->f32->gemm(ra, rb, {c1.data(), m, n, n, false}, false);
            level->f32->gemm(ra, rb, {c2.data(), m, n, n, false}, false);
            QCOMPARE(c1, c2);
            results.push_back(c1);
        }
        for (std::size_t l = 1; l < results.size(); ++l) {
            std::vector<double> ref(results[0].begin(), results[0].end());
            QVERIFY(maxRelError(results[l], ref) < 1e-5);
        }
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "test_kernels.moc"
