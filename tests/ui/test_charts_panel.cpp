// ChartsPanel during a real randman run: points arrive in the loss, accuracy and firing charts,
// spikes in the raster, potentials and traces of picked neurons, the memory table; only the
// visible view draws and asks for probes; learning-rate changes are marked; exports write
// exactly what is shown. Screenshots of every tab go to <build>/tests/screenshots/.
#include <QtTest>

#include "rules/registry.h"

#include <QDoubleSpinBox>
#include <QGraphicsView>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>

#include <csignal>

#include <sys/resource.h>

#include "run_test_support.h"
#include "ui/charts/decimate.h"
#include "ui/charts/line_chart.h"
#include "ui/run/run_panel.h"
#include "ui/views/charts_panel.h"

using namespace tp;
using namespace tp::ui;
using State = TrainingSession::State;

namespace {

QStringList csvLines(const QString& file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QString screenshotDir()
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
    QDir().mkpath(dir);
    return dir;
}

} // namespace

class TestChartsPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void decimationKeepsExtremes()
    {
        std::vector<double> y(10000);
        for (std::size_t i = 0; i < y.size(); ++i)
            y[i] = std::sin(double(i) * 0.01);
        y[4321] = 50;   // a spike must survive
        y[777] = -50;
        const auto pts = decimateMinMax(y.size(), [](std::size_t i) { return double(i); }, [&](std::size_t i) { return y[i]; }, 100);
        QVERIFY(pts.size() <= 200 && pts.size() >= 100);
        QVERIFY(std::any_of(pts.begin(), pts.end(), [](const QPointF& p) { return p.x() == 4321 && p.y() == 50; }));
        QVERIFY(std::any_of(pts.begin(), pts.end(), [](const QPointF& p) { return p.x() == 777 && p.y() == -50; }));
        QVERIFY(std::is_sorted(pts.begin(), pts.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); }));
        // Few points: all of them.
        QCOMPARE(decimateMinMax(150, [](std::size_t i) { return double(i); }, [](std::size_t) { return 1.0; }, 100).size(), 150);
    }

    void liveViewsDuringTraining()
    {
        TrainingSession session;
        ChartsPanel panel(&session);
        panel.resize(1100, 720);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(!session.probeRequested());  // the loss tab is on show: no probes
        QVERIFY(session.start(test::smallRandman(300), {}, nullptr));

        QTRY_VERIFY_WITH_TIMEOUT(panel.lossPointCount() > 20, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(panel.stepsShown() > 40, 30000);
        // Decimated: at most two points per pixel per series (2 series: layer 1 and readout).
        auto* loss = qobject_cast<LineChart*>(panel.view(QStringLiteral("loss")));
        QVERIFY(loss);
        QVERIFY(panel.lossPointCount() <= 2 * 2 * loss->plotWidth());
        QCOMPARE(loss->seriesCount(), 2);
        // Hover read-out: the values of every series at a step.
        const QPointF first = loss->points(0).first();
        const QString readout = loss->readoutAt(first.x());
        QVERIFY2(readout.contains(QStringLiteral("Layer 1 E_1: %1").arg(QString::number(first.y(), 'g', 4))), qPrintable(readout));
        QVERIFY(readout.contains(QStringLiteral("readout: ")));
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_loss.png")));

        // Hidden tabs do not draw: the firing chart is still empty while the loss tab shows.
        QCOMPARE(panel.firingPointCount(), 0);
        panel.showView(QStringLiteral("firing"));
        QVERIFY(panel.firingPointCount() > 0);  // drawn on showing, from the drained data
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_firing.png")));
        const int lossBefore = panel.lossPointCount();
        const std::size_t stepsBefore = session.steps().size();
        QTRY_VERIFY_WITH_TIMEOUT(session.steps().size() > stepsBefore + 5, 30000);
        QCOMPARE(panel.lossPointCount(), lossBefore);  // hidden: not redrawn

        panel.showView(QStringLiteral("accuracy"));
        QTRY_VERIFY_WITH_TIMEOUT(panel.accuracyPointCount() > 0, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(session.epochs().size() >= 2, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<LineChart*>(panel.view(QStringLiteral("accuracy")))->points(2).size() >= 2, 5000);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_accuracy.png")));

        panel.showView(QStringLiteral("raster"));
        QVERIFY(session.probeRequested());
        QTRY_VERIFY_WITH_TIMEOUT(panel.rasterSpikeCount() > 0, 30000);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_raster.png")));

        panel.pickNeurons(0, 3, 17, 5);
        panel.showView(QStringLiteral("membrane"));
        QTRY_VERIFY_WITH_TIMEOUT(session.probe() && session.probe()->neurons.size() == 2 &&
                                     session.probe()->neurons[1].neuron == 17 && session.probe()->row == 5,
                                 30000);
        // Two neurons x 100 steps: potentials (2 series) and traces (4 series).
        QTRY_COMPARE_WITH_TIMEOUT(panel.membranePointCount(), 6 * 100, 30000);
        // Hovering the membrane chart puts the same time cursor on the traces chart.
        auto* membrane = qobject_cast<LineChart*>(panel.view(QStringLiteral("membrane")));
        auto* traces = qobject_cast<LineChart*>(panel.view(QStringLiteral("traces")));
        auto* membraneView = membrane->findChild<QGraphicsView*>();
        QVERIFY(membraneView);
        QVERIFY(traces->cursorReadout().isEmpty());
        QTest::mouseMove(membraneView->viewport(), membraneView->viewport()->rect().center());
        QTRY_VERIFY(membrane->cursorReadout().startsWith(QStringLiteral("time step ")));
        const QString step = membrane->cursorReadout().section(QLatin1Char(' '), 2, 2);
        QVERIFY2(traces->cursorReadout().startsWith(QStringLiteral("time step %1 ").arg(step)), qPrintable(traces->cursorReadout()));
        QVERIFY(traces->cursorReadout().contains(QStringLiteral("L1 n17 target-path: ")));
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_neurons.png")));

        panel.showView(QStringLiteral("memory"));
        QVERIFY(!session.probeRequested());  // no probed view on show
        auto* table = qobject_cast<QTableWidget*>(panel.view(QStringLiteral("memory")));
        QTRY_COMPARE_WITH_TIMEOUT(table->rowCount(), 4, 10000);  // 3 parts + total
        QCOMPARE(table->item(0, 1)->data(Qt::UserRole).toLongLong(), qint64(200 * 40 * 4));
        // TP against the other rules at this run's B = 32 and T = 100 (analytic), TP measured.
        auto* rules = qobject_cast<QTableWidget*>(panel.view(QStringLiteral("rules")));
        // Every registered rule (all train dense layers), then the aux-matrix reference.
        QTRY_COMPARE_WITH_TIMEOUT(rules->rowCount(), int(tp::learningRules().size()) + 1, 10000);
        QCOMPARE(session.memoryBatch(), 32);
        QCOMPARE(session.memorySteps(), 100);
        const qint64 bptt = 4 * 2 * 100 * 32 * 200;  // u and s of every step, B x H, float32
        QCOMPARE(rules->item(1, 1)->data(Qt::UserRole).toLongLong(), bptt);
        QVERIFY(!rules->item(1, 3)->data(Qt::UserRole).isValid());  // BPTT is not the rule running
        QVERIFY(rules->item(0, 3)->data(Qt::UserRole).toLongLong() > 0);
        QVERIFY(rules->item(0, 1)->data(Qt::UserRole).toLongLong() < bptt / 10);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_memory.png")));
        panel.hide();
        QVERIFY(!session.probeRequested());
        session.stop();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Idle, 30000);
    }

    void exportsWhatIsShown()
    {
        QTemporaryDir dir;
        TrainingSession session;
        RunPanel run(&session);
        ChartsPanel panel(&session);
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(session.start(test::smallRandman(300), {}, nullptr));
        QTRY_VERIFY_WITH_TIMEOUT(session.steps().size() >= 3, 30000);
        // A learning-rate change while running is marked in the loss chart.
        run.learningRateBox()->setValue(7e-4);
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(session.steps().begin(), session.steps().end(),
                                             [](const Telemetry::StepSample& s) { return s.lr_changed; }),
                                 30000);
        run.pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(session.telemetry()->parked(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(panel.stepsShown(), int(session.steps().size()), 5000);
        QVERIFY(panel.grab().save(screenshotDir() + QStringLiteral("/charts_lr_marker.png")));

        const QString csv = dir.filePath(QStringLiteral("loss.csv"));
        QVERIFY(panel.exportView(QStringLiteral("loss"), csv));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.first(), QStringLiteral("series,\"step\",\"loss per time step\""));
        const auto dataRows = std::count_if(lines.begin() + 1, lines.end(), [](const QString& l) { return !l.startsWith(QStringLiteral("\"marker")); });
        QCOMPARE(int(dataRows), panel.lossPointCount());
        QVERIFY(lines.contains(QStringLiteral("\"marker: lr 0.0007\",%1,").arg(
            std::find_if(session.steps().begin(), session.steps().end(), [](const Telemetry::StepSample& s) { return s.lr_changed; })->step)));
        auto* loss = qobject_cast<LineChart*>(panel.view(QStringLiteral("loss")));
        const QPointF p = loss->points(1).first();  // readout series, first point
        QVERIFY(lines.contains(QStringLiteral("\"readout\",%1,%2").arg(QString::number(p.x(), 'g', 10), QString::number(p.y(), 'g', 9))));

        const QString png = dir.filePath(QStringLiteral("loss.png"));
        QVERIFY(panel.exportView(QStringLiteral("loss"), png));
        const QImage image(png);
        QCOMPARE(image.size(), loss->size());
        const QString svg = dir.filePath(QStringLiteral("loss.svg"));
        QVERIFY(panel.exportView(QStringLiteral("loss"), svg));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QVERIFY(QFileInfo(svg).size() > 1000);

        // Log scale keeps the (positive) losses; the CSV follows what is shown.
        loss->setLogY(true);
        QCOMPARE(loss->pointCount(), panel.lossPointCount());
        QVERIFY(loss->pointCount() > 0);
        loss->setLogY(false);

        // Raster: one CSV row per spike drawn.
        panel.showView(QStringLiteral("raster"));
        run.stepAction()->trigger();  // a probed batch for the raster now on show
        QTRY_VERIFY_WITH_TIMEOUT(panel.rasterSpikeCount() > 0, 30000);
        const QString rasterCsv = dir.filePath(QStringLiteral("raster.csv"));
        QVERIFY(panel.exportView(QStringLiteral("raster"), rasterCsv));
        QCOMPARE(qint64(csvLines(rasterCsv).size() - 1), panel.rasterSpikeCount());
        QVERIFY(panel.exportView(QStringLiteral("raster"), dir.filePath(QStringLiteral("raster.png"))));
        QVERIFY(!QImage(dir.filePath(QStringLiteral("raster.png"))).isNull());
        QVERIFY(panel.exportView(QStringLiteral("raster"), dir.filePath(QStringLiteral("raster.svg"))));
        QVERIFY(QSvgRenderer(dir.filePath(QStringLiteral("raster.svg"))).isValid());

        // Memory table: header + one row per part + total, exact bytes.
        panel.showView(QStringLiteral("memory"));
        const QString memCsv = dir.filePath(QStringLiteral("memory.csv"));
        QVERIFY(panel.exportView(QStringLiteral("memory"), memCsv));
        const QStringList mem = csvLines(memCsv);
        QCOMPARE(mem.size(), 5);
        QVERIFY2(mem[1].startsWith(QStringLiteral("\"layer 1\",32000,")), qPrintable(mem[1]));
        QVERIFY(!panel.exportView(QStringLiteral("nonsense"), memCsv));

        // An export that fails (a full disk; here a file size limit of 0 bytes, so every write()
        // fails with EFBIG) keeps the previous file whole and leaves no .tmp behind.
        {
            QFile previous(memCsv);
            QVERIFY(previous.open(QIODevice::ReadOnly));
            const QByteArray before = previous.readAll();
            previous.close();
            std::signal(SIGXFSZ, SIG_IGN);
            rlimit old{};
            QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
            rlimit none = old;
            none.rlim_cur = 0;
            QVERIFY(setrlimit(RLIMIT_FSIZE, &none) == 0);
            const bool csvWritten = panel.exportView(QStringLiteral("loss"), memCsv);
            const bool pngWritten = panel.exportView(QStringLiteral("loss"), png);
            const bool svgWritten = panel.exportView(QStringLiteral("raster"), svg);
            setrlimit(RLIMIT_FSIZE, &old);
            QVERIFY(!csvWritten && !pngWritten && !svgWritten);
            QVERIFY(previous.open(QIODevice::ReadOnly));
            QCOMPARE(previous.readAll(), before);
            QCOMPARE(QImage(png).size(), loss->size());
            QVERIFY(QSvgRenderer(svg).isValid());
            QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("*.tmp")}, QDir::Files | QDir::Hidden), QStringList());
        }
        session.stop();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Idle, 30000);
    }
};

QTEST_MAIN(TestChartsPanel)
#include "test_charts_panel.moc"
