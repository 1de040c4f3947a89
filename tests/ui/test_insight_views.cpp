// The TP insight views of the charts panel during a real randman run (40-200-100-10, batch 32):
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
#include "../learning.h"
#include "rules/registry.h"
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
         R"(network.layers=[{"type":"lif","size":200,"recurrent":false},{"type":"lif","size":100,"recurrent":false}])"});
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
            if (l == 0)
                QVERIFY(zMax > 0);  // traces of both paths meet: layer 1 spikes (the small layer 2 may still be silent)
            const double want = s.loss[std::size_t(t)];
            QVERIFY2(std::abs(loss - want) <= 1e-4 * std::max(1.0, want), qPrintable(QStringLiteral("%1 vs %2").arg(loss).arg(want)));
            // At most chance level log(32) (z = 0: uniform P); layer 1 is below it, it has learned.
            QVERIFY(want <= std::log(32.0) + 1e-6 && (l == 1 || want < std::log(32.0) - 0.01));
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

        // --- Trace panel of layer 1, batch row 0, its two neurons that spiked most (both paths)
        // in the last probe: a neuron silent in both paths of every row has no gradient at all.
        std::vector<std::pair<int, int>> activity;
        const auto& l2 = probe->layers[0];
        for (int j = 0; j < l2.size; ++j) {
            int spikes = 0;
            for (int t = 0; t < probe->steps; ++t)
                spikes += l2.in_spikes[std::size_t(t * l2.size + j)] + l2.tgt_spikes[std::size_t(t * l2.size + j)];
            activity.push_back({-spikes, j});
        }
        std::sort(activity.begin(), activity.end());
        QVERIFY(activity[1].first < 0);
        const int n0 = activity[0].second, n1 = activity[1].second;
        panel.pickNeurons(0, n0, n1, 0);
        auto* tp = qobject_cast<TracePanelView*>(panel.view(QStringLiteral("tracepanel")));
        QVERIFY(tp);
        panel.showView(QStringLiteral("tracepanel"));
        const std::int64_t after = probe->step;
        QTRY_VERIFY_WITH_TIMEOUT(session.probe()->step > after + 8, 60000);
        probe = pauseOnProbe(session, [&] { return tp->note(); });
        QVERIFY(probe);
        QCOMPARE(probe->layer, 0);
        QCOMPARE(probe->row, 0);
        QCOMPARE(probe->neurons.size(), std::size_t(2));
        QCOMPARE(tp->traces()->seriesCount(), 4);
        QCOMPARE(tp->surrogate()->seriesCount(), 2);
        QCOMPARE(tp->update()->seriesCount(), 2);
        double updateMax = 0;
        for (int k = 0; k < 2; ++k) {
            const auto& n = probe->neurons[std::size_t(k)];
            const auto in = tp->traces()->points(2 * k), tgt = tp->traces()->points(2 * k + 1);
            const auto psi = tp->surrogate()->points(k), upd = tp->update()->points(k);
            QCOMPARE(in.size(), 100);
            QCOMPARE(psi.size(), 100);
            QCOMPARE(upd.size(), 100);
            for (int t = 0; t < 100; ++t) {
                QCOMPARE(in[t], QPointF(t, n.series[0].values[std::size_t(t)]));
                QCOMPARE(tgt[t], QPointF(t, n.series[1].values[std::size_t(t)]));
                // The surrogate drawn is the ArcTan surrogate at the recorded potential (kappa 1, v_th 1).
                const double x = std::numbers::pi * (double(n.potential[std::size_t(t)]) - probe->threshold);
                QVERIFY(std::abs(psi[t].y() - probe->surrogate_scale / (1 + x * x)) < 1e-5);
                QCOMPARE(upd[t].y(), double(n.update[std::size_t(t)]));
                QVERIFY(upd[t].y() >= 0);
                updateMax = std::max(updateMax, upd[t].y());
            }
        }
        QVERIFY(updateMax > 0);
        // One time cursor: the trace panel's charts, the membrane chart and the raster's input frame.
        Q_EMIT tp->traces()->hovered(30);
        QVERIFY(tp->surrogate()->cursorReadout().contains(QStringLiteral("L1 n%1").arg(n0)));
        QVERIFY(!tp->update()->cursorReadout().isEmpty());
        QCOMPARE(sim->timeStep(), 30);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_trace_panel.png")));
        // The raster (once on show, with the same paused probe) follows, reading out the input frame.
        auto* raster = qobject_cast<RasterView*>(panel.view(QStringLiteral("raster")));
        panel.showView(QStringLiteral("raster"));
        QTRY_VERIFY(panel.rasterSpikeCount() > 0);
        Q_EMIT tp->traces()->hovered(30);
        const int on = int(std::count(probe->input.begin() + 30 * probe->inputs, probe->input.begin() + 31 * probe->inputs, 1));
        QCOMPARE(raster->cursorReadout(), QStringLiteral("t = 30: input frame %1 of %2 units on").arg(on).arg(probe->inputs));
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_raster_cursor.png")));
        // The raster drives the others too.
        Q_EMIT raster->hovered(12);
        QVERIFY(tp->traces()->cursorReadout().contains(QStringLiteral("12")));
        QCOMPARE(sim->timeStep(), 12);
        panel.showView(QStringLiteral("membrane"));
        QTRY_VERIFY(panel.membranePointCount() > 0);
        auto* membrane = qobject_cast<LineChart*>(panel.view(QStringLiteral("membrane")));
        Q_EMIT tp->traces()->hovered(40);
        QVERIFY(membrane->cursorReadout().contains(QStringLiteral("40")));
        session.resume();

        // --- Weight histograms: every probe while the tab is on show.
        auto* weights = qobject_cast<WeightHistogramView*>(panel.view(QStringLiteral("weights")));
        QVERIFY(weights);
        panel.showView(QStringLiteral("weights"));
        QTRY_VERIFY_WITH_TIMEOUT(weights->weights().size() >= 6, 60000);
        probe = pauseOnProbe(session, [&] { return weights->note(); });
        QVERIFY(probe);
        for (int l : {0, 1}) {
            weights->setLayer(l);
            const std::int64_t count = l == 0 ? 200 * 40 : 100 * 200;
            std::int64_t prev = 0;
            for (const auto* history : {&weights->weights(), &weights->changes()})
                for (const auto& e : *history) {
                    QCOMPARE(int(e.h.counts.size()), Probe::kHistogramBins);
                    QCOMPARE(std::accumulate(e.h.counts.begin(), e.h.counts.end(), std::int64_t(0)), count);
                    QVERIFY(e.h.lo <= e.h.min && e.h.min <= e.h.max && e.h.max <= e.h.hi);
                }
            for (const auto& e : weights->weights()) {
                QVERIFY(e.step > prev);  // one entry per probed step, in order
                prev = e.step;
            }
            QCOMPARE(weights->weights().back().step, probe->step);
            QCOMPARE(weights->weights().back().h.counts, probe->weights[std::size_t(l)].counts);
            QCOMPARE(weights->changes().back().h.max, probe->weight_change[std::size_t(l)].max);
            if (l == 0)  // layer 1 learns: its weights move both ways over a batch
                QVERIFY(weights->changes().back().h.min < 0 && weights->changes().back().h.max > 0);
            QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_weights_layer%1.png").arg(l + 1)));
        }
        session.resume();

        session.stop();
        session.waitForIdle();
    }

    /// Under e-prop and DECOLLE (40-200-100-10, batch 32) the trace panel and the similarity view
    /// show the running rule's own series by name, drawn from the probe (not TP's traces, not
    /// empty): e-prop's eligibility trace and learning signal per neuron, and, having no per-layer
    /// signal, a sentence in the similarity view; DECOLLE's local error per neuron and its local
    /// loss per layer in the similarity view. The e-prop trace panel is saved to
    /// /tmp/shots/trace_panel_eprop.png.
    void ruleSignalsInTheInsightViews()
    {
        for (const char* rule : {"eprop", "decolle"}) {
            const QByteArray what(rule);
            TrainingSession session;
            ChartsPanel panel(&session);
            panel.resize(1200, 900);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            Experiment exp = test::randmanExperiment(
                {"dataset.samples_per_class=60", "run.batch=32", "run.epochs=300", std::string("rule.name=") + rule,
                 R"(network.layers=[{"type":"lif","size":200,"recurrent":false},{"type":"lif","size":100,"recurrent":false}])"});
            QVERIFY(session.start(exp, {}, nullptr));
            const QString title = QString::fromUtf8(findRule(rule)->title);

            // --- Trace panel: layer 1, the two neurons most active in a first probe.
            auto* tp = qobject_cast<TracePanelView*>(panel.view(QStringLiteral("tracepanel")));
            QVERIFY(tp);
            panel.showView(QStringLiteral("tracepanel"));
            QTRY_VERIFY_WITH_TIMEOUT(session.probe() && session.probe()->step >= 8, 60000);
            auto probe = session.probe();
            std::vector<std::pair<int, int>> activity;
            for (int j = 0; j < probe->layers[0].size; ++j) {
                int spikes = 0;
                for (int t = 0; t < probe->steps; ++t)
                    spikes += probe->layers[0].in_spikes[std::size_t(t * probe->layers[0].size + j)];
                activity.push_back({-spikes, j});
            }
            std::sort(activity.begin(), activity.end());
            panel.pickNeurons(0, activity[0].second, activity[1].second, 0);
            const std::int64_t after = probe->step;
            QTRY_VERIFY_WITH_TIMEOUT(session.probe()->step > after + 8 && session.probe()->neurons.size() == 2, 60000);
            probe = pauseOnProbe(session, [&] { return tp->note(); });
            QVERIFY2(probe, what);
            QCOMPARE(probe->rule, std::string(rule));
            QVERIFY2(tp->note().startsWith(title), qPrintable(tp->note()));
            QVERIFY(tp->note().contains(QStringLiteral("per-step update norm is recorded under TP only")));
            const auto& series = probe->neurons[0].series;
            const int charts = std::string(rule) == "eprop" ? 2 : 1;  // e-prop: trace and learning signal apart
            QCOMPARE(int(series.size()), charts);
            QCOMPARE(tp->seriesCharts().size(), charts);
            double moved = 0;
            for (int c = 0; c < charts; ++c) {
                LineChart* chart = tp->seriesCharts()[c];
                // The rule's own name (a series flat over the sequence says so: e-prop's learning
                // signal while the last layer is silent and the readout does not move).
                QVERIFY(chart->title().startsWith(QString::fromStdString(series[std::size_t(c)].name)));
                QVERIFY(!chart->title().contains(QStringLiteral("target")));
                QCOMPARE(chart->seriesCount(), 2);
                for (int k = 0; k < 2; ++k) {
                    const auto pts = chart->points(k);
                    QCOMPARE(pts.size(), probe->steps);
                    for (int t = 0; t < probe->steps; ++t) {
                        QCOMPARE(pts[t], QPointF(t, probe->neurons[std::size_t(k)].series[std::size_t(c)].values[std::size_t(t)]));
                        moved = std::max(moved, std::abs(pts[t].y()));
                    }
                }
            }
            QVERIFY2(moved > 0, what);  // not an empty chart
            QVERIFY(tp->surrogate()->isVisible() && tp->surrogate()->seriesCount() == 2);
            QVERIFY(!tp->update()->isVisible());  // TP's update norm: not recorded, not drawn
            Q_EMIT tp->surrogate()->hovered(30);
            QVERIFY(tp->seriesCharts()[0]->cursorReadout().contains(QStringLiteral("L1 n%1").arg(probe->neurons[0].neuron)));
            if (std::string(rule) == "eprop") {
                QDir().mkpath(QStringLiteral("/tmp/shots"));
                QVERIFY(panel.grab().save(QStringLiteral("/tmp/shots/trace_panel_eprop.png")));
                // One path, so one column of rasters across the full width.
                panel.showView(QStringLiteral("raster"));
                QTRY_VERIFY(panel.rasterSpikeCount() > 0);
                QVERIFY(panel.grab().save(QStringLiteral("/tmp/shots/raster_eprop.png")));
                panel.showView(QStringLiteral("tracepanel"));
            }
            QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_trace_panel_%1.png").arg(rule)));
            session.resume();

            // --- Similarity view: the rule's per-layer series, or why there is none.
            auto* sim = qobject_cast<SimilarityView*>(panel.view(QStringLiteral("similarity")));
            panel.showView(QStringLiteral("similarity"));
            QTRY_VERIFY_WITH_TIMEOUT(session.probe()->step > probe->step + 4, 60000);
            probe = pauseOnProbe(session, [&] { return sim->lossText(); });
            QVERIFY2(probe, what);
            QVERIFY(probe->similarity.empty());
            QVERIFY2(sim->lossText().startsWith(QStringLiteral("TP's similarity matrices exist only under TP; %1 has no "
                                                               "contrastive loss").arg(title)),
                     qPrintable(sim->lossText()));
            QVERIFY(!sim->logits()->isVisible() && !sim->targets()->isVisible());
            if (std::string(rule) == "eprop") {
                QVERIFY(!sim->layerSeries()->isVisible());  // no per-layer signal: words, no chart
                QVERIFY(sim->lossText().contains(QString::fromStdString(probe->neurons[0].series[0].name)));
            } else {
                LineChart* chart = sim->layerSeries();
                QVERIFY(chart->isVisible());
                QCOMPARE(chart->title(), QString::fromStdString(probe->layers[0].series[0].name));
                QVERIFY(chart->title().startsWith(QStringLiteral("local readout loss")));
                QCOMPARE(chart->seriesCount(), 2);  // one per layer
                for (int l = 0; l < 2; ++l) {
                    const auto pts = chart->points(l);
                    QCOMPARE(pts.size(), probe->steps);
                    for (int t = 0; t < probe->steps; ++t) {
                        QCOMPARE(pts[t].y(), double(probe->layers[std::size_t(l)].series[0].values[std::size_t(t)]));
                        QVERIFY(pts[t].y() > 0);  // an MSE on one-hot targets
                    }
                }
            }
            QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_similarity_%1.png").arg(rule)));
            session.stop();
            session.waitForIdle();
        }
    }

    /// A probe with nothing recorded (a conv network) gets a sentence naming the rule in the
    /// trace panel and the similarity view, and no chart.
    void emptyProbeSaysWhy()
    {
        auto probe = std::make_shared<Probe>();
        probe->rule = "decolle";
        TracePanelView tp;
        SimilarityView sim;
        tp.setProbe(probe);
        sim.setProbe(probe);
        const QString title = QString::fromUtf8(findRule("decolle")->title);
        for (const QString& text : {tp.note(), sim.lossText()}) {
            QVERIFY2(text.startsWith(title + QStringLiteral(" records no per-step state")), qPrintable(text));
            QVERIFY(text.contains(QStringLiteral("conv networks")));
        }
        QVERIFY(tp.seriesCharts().isEmpty());
        QVERIFY(tp.surrogate()->isHidden() && tp.update()->isHidden());
        QVERIFY(sim.logits()->isHidden() && sim.targets()->isHidden() && sim.layerSeries()->isHidden());
    }

    /// The confusion matrix of every epoch, on the default 40-200-10 network, 12 epochs.
    void confusionPerEpoch()
    {
        // --- Confusion matrix per epoch: diagonal / total = that epoch's test accuracy.
        TrainingSession session;
        ChartsPanel panel(&session);
        panel.resize(1000, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* confusion = qobject_cast<ConfusionView*>(panel.view(QStringLiteral("confusion")));
        QVERIFY(confusion);
        panel.showView(QStringLiteral("confusion"));
        QVERIFY(!session.probeRequested());  // the confusion matrix needs no probes
        Experiment exp = test::smallRandman(12);
        exp.run.seed = tp_test::runSeed(exp.run.seed);
        QVERIFY(session.start(exp, {}, nullptr));
        QTRY_VERIFY_WITH_TIMEOUT(!session.isActive(), 300000);
        QCOMPARE(session.epochs().size(), 12);
        const auto epochs = session.epochs();
        QTRY_COMPARE(confusion->epoch(), epochs.back().epoch);  // follows the latest epoch
        std::vector<double> firstRows;
        for (int pick : {1, epochs.back().epoch}) {
            confusion->setEpoch(pick);
            const auto& e = epochs[pick - epochs.front().epoch];
            const InsightHeatMap* m = confusion->matrix();
            QCOMPARE(m->rows(), 10);
            QCOMPARE(m->cols(), 10);
            double diagonal = 0, total = 0;
            for (int r = 0; r < 10; ++r) {
                double row = 0, share = 0;
                for (int c = 0; c < 10; ++c) {
                    row += m->value(r, c);
                    share += m->colorValue(r, c);
                }
                if (pick == 1)
                    firstRows.push_back(row);
                else  // the same test split every epoch: the same samples per true class
                    QCOMPARE(row, firstRows[std::size_t(r)]);
                QVERIFY(std::abs(share - 1) < 1e-12);  // colour: row-normalised
                diagonal += m->value(r, r);
                total += row;
            }
            QCOMPARE(total, 120.0);  // 20% of 10 x 60 samples
            QCOMPARE(diagonal / total, e.testAccuracy);
            QVERIFY(confusion->note().contains(QStringLiteral("%1%").arg(100 * e.testAccuracy, 0, 'f', 2)));
        }
        TP_VERIFY_LEARNED("GUI default network final test accuracy (chance 0.1)", epochs.back().testAccuracy, 0.3);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/insight_confusion.png")));
    }
};

QTEST_MAIN(TestInsightViews)
#include "test_insight_views.moc"
