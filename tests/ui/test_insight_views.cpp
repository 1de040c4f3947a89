// The TP insight views of the charts panel during a real randman run (40-64-48-10, batch 32):
// the similarity view shows the recorded z and y of a layer and E_l recomputed from them
// matches; the trace panel shows traces, the closed-form surrogate and the gradient norm of
// the picked neurons with one time cursor (raster included); the weight histograms count
// every weight; the confusion matrix's diagonal is the epoch's test accuracy. Screenshots go
// to <build>/tests/screenshots/insight_*.png.
#include <QtTest>

#include <QTabWidget>

#include <cmath>
#include <numbers>
#include <numeric>

#include "run_test_support.h"
#include "ui/charts/line_chart.h"
#include "ui/views/charts_panel.h"
#include "ui/views/insight_confusion.h"
#include "ui/views/insight_heat_map.h"
#include "ui/views/insight_similarity.h"
#include "ui/views/insight_trace_panel.h"
#include "ui/views/insight_weights.h"
#include "ui/views/raster_view.h"

using namespace tp;
using namespace tp::ui;
using State = TrainingSession::State;

namespace {

QString screenshotDir()
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
    QDir().mkpath(dir);
    return dir;
}

Experiment twoLayerRandman()
{
    return test::randmanExperiment(
        {"dataset.samples_per_class=60", "run.batch=32", "run.epochs=300",
         R"(network.layers=[{"type":"lif","size":64,"recurrent":false},{"type":"lif","size":48,"recurrent":false}])"});
}

/// Pauses the run and waits until the panel has drawn the last probe that arrived.
std::shared_ptr<const Probe> pauseOnProbe(TrainingSession& session, const std::function<QString()>& note)
{
    session.pause();
    if (!QTest::qWaitFor([&] { return session.state() == State::Paused; }, 30000))
        return nullptr;
    QTest::qWait(300);  // the last drain
    const auto probe = session.probe();
    if (!probe || !QTest::qWaitFor([&] { return note().contains(QStringLiteral("step %1 ").arg(probe->step)); }, 5000))
        return nullptr;
    return probe;
}

} // namespace

class TestInsightViews : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void insightViewsDuringTraining()
    {
        TrainingSession session;
        ChartsPanel panel(&session);
        panel.resize(1200, 760);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(session.start(twoLayerRandman(), {}, nullptr));

        // --- Similarity: z and y of layer 2 at the last step of the probed batch.
        auto* sim = qobject_cast<SimilarityView*>(panel.view(QStringLiteral("similarity")));
        QVERIFY(sim);
        panel.showView(QStringLiteral("similarity"));
        QVERIFY(session.probeRequested());
        sim->setLayer(1);
        QTRY_VERIFY_WITH_TIMEOUT(session.probe() && session.probe()->step >= 60, 60000);
        auto probe = pauseOnProbe(session, [&] { return sim->lossText(); });
        QVERIFY(probe);
        QCOMPARE(probe->similarity.size(), std::size_t(2));
        for (int l : {1, 0}) {
            sim->setLayer(l);
            const auto& s = probe->similarity[std::size_t(l)];
            // "auto": the step of the lowest E_l.
            const int t = sim->timeStep();
            QCOMPARE(t, int(std::min_element(s.loss.begin(), s.loss.end()) - s.loss.begin()));
            const InsightHeatMap *z = sim->logits(), *y = sim->targets();
            QCOMPARE(z->rows(), 32);
            QCOMPARE(y->rows(), 32);
            QCOMPARE(z->cols(), s.cols);
            QVERIFY(s.cols >= 2 && s.cols <= 10);
            // Column k stands for the rows of its class: the counts are the batch's labels.
            QCOMPARE(std::accumulate(s.col_count.begin(), s.col_count.end(), 0), 32);
            for (int k = 0; k < s.cols; ++k)
                QCOMPARE(int(std::count(s.row_label.begin(), s.row_label.end(), s.col_label[std::size_t(k)])),
                         s.col_count[std::size_t(k)]);
            double loss = 0, zMax = 0;
            for (int r = 0; r < 32; ++r) {
                const int b = sim->batchRow(r);
                QVERIFY(r == 0 || s.row_label[std::size_t(sim->batchRow(r - 1))] <= s.row_label[std::size_t(b)]);  // sorted by class
                // y is a distribution over the 32 batch columns, largest towards the row's own class.
                double total = 0, own = 0, other = 0;
                for (int k = 0; k < s.cols; ++k) {
                    QCOMPARE(z->value(r, k), double(s.z[s.at(t) + std::size_t(b * s.cols + k)]));
                    QCOMPARE(y->value(r, k), double(s.y[s.at(t) + std::size_t(b * s.cols + k)]));
                    total += s.col_count[std::size_t(k)] * y->value(r, k);
                    double& m = s.col_label[std::size_t(k)] == s.row_label[std::size_t(b)] ? own : other;
                    m = std::max(m, y->value(r, k));
                    zMax = std::max(zMax, z->value(r, k));
                }
                QVERIFY(std::abs(total - 1) < 1e-5);
                QVERIFY(own > other);
                // E_l (tp-algorithm.md 3.2) from what the two maps show: soft-target cross-entropy
                // of row-softmax(z) over the 32 columns, mean over rows.
                double mx = -INFINITY, sum = 0;
                for (int k = 0; k < s.cols; ++k)
                    mx = std::max(mx, z->value(r, k));
                for (int k = 0; k < s.cols; ++k)
                    sum += s.col_count[std::size_t(k)] * std::exp(z->value(r, k) - mx);
                for (int k = 0; k < s.cols; ++k)
                    loss -= s.col_count[std::size_t(k)] * y->value(r, k) * (z->value(r, k) - mx - std::log(sum));
            }
            loss /= 32;
            QVERIFY(zMax > 0);  // traces of both paths meet: the layer spikes
            const double want = s.loss[std::size_t(t)];
            QVERIFY2(std::abs(loss - want) <= 1e-4 * std::max(1.0, want), qPrintable(QStringLiteral("%1 vs %2").arg(loss).arg(want)));
            QVERIFY(want < std::log(32.0));  // below chance (uniform P): the layer has learned something
            QVERIFY(sim->lossText().contains(QStringLiteral("E_%1 = %2 at time step %3").arg(l + 1).arg(want, 0, 'g', 6).arg(t)));
            // Hover read-out of a cell.
            QTest::mouseMove(sim->logits(), z->cellCenter(3, 1));
            QTRY_VERIFY(z->hoverText().endsWith(QString::number(z->value(3, 1), 'g', 5)));
            QVERIFY(z->hoverText().startsWith(QStringLiteral("%1:c%2").arg(sim->batchRow(3)).arg(s.row_label[std::size_t(sim->batchRow(3))])));
            QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_similarity_layer%1.png").arg(l + 1)));
        }
        // The time cursor picks the step.
        sim->setCursorStep(20.2);
        QCOMPARE(sim->timeStep(), 20);
        QCOMPARE(sim->logits()->value(0, 0), double(probe->similarity[0].z[probe->similarity[0].at(20) + std::size_t(sim->batchRow(0) * probe->similarity[0].cols)]));
        sim->setCursorStep(NAN);
        session.resume();
    }
};

QTEST_MAIN(TestInsightViews)
#include "test_insight_views.moc"
