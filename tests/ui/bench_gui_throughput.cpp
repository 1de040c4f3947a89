// Benchmark (not a test): training throughput with the live views on show against the plain
// trainer on the same experiment and thread count, and the GUI event loop's latency while
// training (a 10 ms QTimer; lateness = interval - 10 ms, p50 / p99). On a shared machine the
// lateness includes waiting for a core; the CPU time the GUI thread spends per event (p99, max)
// and in all (share of wall time) measure what the workbench's own code costs.
//
//   QT_QPA_PLATFORM=offscreen build/tests/bench_gui_throughput [--epochs N] [--threads N] [--rounds N]
//
// The experiment is resources/experiments/randman.json (8,000 training samples per epoch).
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <time.h>

#include "run_test_support.h"
#include "train/trainer.h"
#include "ui/run/run_panel.h"
#include "ui/views/charts_panel.h"

using namespace tp;

namespace {

double threadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// Measures the GUI thread's CPU time per top-level event dispatch.
class BenchApp : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject* receiver, QEvent* event) override
    {
        if (m_depth++ > 0 || !m_recording) {
            const bool r = QApplication::notify(receiver, event);
            --m_depth;
            return r;
        }
        const double t0 = threadCpuSeconds();
        const bool r = QApplication::notify(receiver, event);
        eventCpu_ms.push_back(1e3 * (threadCpuSeconds() - t0));
        --m_depth;
        return r;
    }
    void record(bool on) { m_recording = on; }
    std::vector<double> eventCpu_ms;

private:
    int m_depth = 0;
    bool m_recording = false;
};

struct GuiRun {
    double samplesPerSecond = 0;
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
    double guiCpuShare = 0;  ///< CPU time of the GUI thread / wall time of the run
    double eventP99_ms = 0, eventMax_ms = 0;  ///< GUI thread CPU time per event dispatch
    std::size_t timerTicks = 0, steps = 0;
    std::int64_t probes = 0;
};

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5))];
}

/// Train-time throughput of the plain trainer (evaluation excluded), averaged over epochs.
double headless(const Experiment& exp)
{
    const auto data = openDataset(exp.dataset);
    Trainer trainer(exp, *data);
    const TrainResult r = trainer.run({});
    double samples = 0, seconds = 0;
    for (const auto& m : r.history) {
        samples += m.samples_per_second * m.train_seconds;
        seconds += m.train_seconds;
    }
    return samples / seconds;
}

/// The same run in a TrainingSession with a ChartsPanel on show at `view` (and a RunPanel).
GuiRun withGui(const Experiment& exp, const QString& view)
{
    ui::TrainingSession session;
    QWidget window;
    auto* run = new ui::RunPanel(&session, &window);
    auto* charts = new ui::ChartsPanel(&session, &window);
    run->move(0, 0);
    run->resize(1200, 40);
    charts->setGeometry(0, 40, 1200, 760);
    window.resize(1200, 800);
    window.show();
    charts->showView(view);

    GuiRun out;
    std::vector<double> late;
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(10);
    qint64 last = -1;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last >= 0)
            late.push_back(std::max(0.0, double(now - last) / 1e6 - 10.0));
        last = now;
    });
    QEventLoop loop;
    QObject::connect(&session, &ui::TrainingSession::finished, &loop, &QEventLoop::quit);
    QObject::connect(&session, &ui::TrainingSession::failed, &loop, [&](const QString& m) {
        std::fprintf(stderr, "failed: %s\n", qPrintable(m));
        loop.quit();
    });
    QString error;
    if (!session.start(exp, {}, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return out;
    }
    auto* app = static_cast<BenchApp*>(qApp);
    app->eventCpu_ms.clear();
    app->record(true);
    const double cpu0 = threadCpuSeconds();
    clock.start();
    tick.start();
    loop.exec();
    tick.stop();
    out.guiCpuShare = (threadCpuSeconds() - cpu0) / (double(clock.nsecsElapsed()) / 1e9);
    app->record(false);
    out.eventP99_ms = percentile(app->eventCpu_ms, 0.99);
    out.eventMax_ms = app->eventCpu_ms.empty() ? 0 : *std::max_element(app->eventCpu_ms.begin(), app->eventCpu_ms.end());
    double samples = 0, seconds = 0;
    for (const auto& e : session.epochs()) {
        samples += e.samplesPerSecond * e.trainSeconds;
        seconds += e.trainSeconds;
    }
    out.samplesPerSecond = seconds > 0 ? samples / seconds : 0;
    out.p50_ms = percentile(late, 0.5);
    out.p99_ms = percentile(late, 0.99);
    out.max_ms = late.empty() ? 0 : *std::max_element(late.begin(), late.end());
    out.timerTicks = late.size();
    out.steps = session.steps().size();
    out.probes = session.telemetry()->probesPublished();
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    BenchApp app(argc, argv);
    int epochs = 3, rounds = 2;
    int threads = int(std::max(1u, std::thread::hardware_concurrency()) - (std::thread::hardware_concurrency() > 1));
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--epochs"))
            epochs = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--threads"))
            threads = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--rounds"))
            rounds = args[i + 1].toInt();
    }
    const Experiment exp = test::randmanExperiment({"run.epochs=" + std::to_string(epochs), "run.threads=" + std::to_string(threads)});
    std::printf("randman.json, %d epochs x 8000 samples, batch %d, %d training thread(s), %u hardware threads\n", epochs,
                exp.run.batch, threads, std::thread::hardware_concurrency());
    std::printf("%-26s %10s %9s %22s %10s %22s %7s\n", "", "", "", "timer lateness (ms)", "GUI CPU",
                "CPU per event (ms)", "");
    std::printf("%-26s %10s %9s %7s %7s %7s %10s %10s %11s %7s\n", "run", "samples/s", "vs plain", "p50", "p99", "max",
                "share", "p99", "max", "probes");
    // Each GUI run is compared with the plain run just before it (the machine may be shared).
    for (int r = 0; r < rounds; ++r) {
        for (const char* view : {"loss", "raster", "membrane"}) {
            const double plain = headless(exp);
            std::printf("%-26s %10.0f %8.1f%%\n", "plain trainer", plain, 100.0);
            std::fflush(stdout);
            const GuiRun g = withGui(exp, QString::fromLatin1(view));
            std::printf("%-26s %10.0f %8.1f%% %7.2f %7.2f %7.2f %9.1f%% %10.2f %11.2f %7lld\n",
                        (std::string("GUI, ") + view + " tab shown").c_str(), g.samplesPerSecond,
                        100.0 * g.samplesPerSecond / plain, g.p50_ms, g.p99_ms, g.max_ms, 100.0 * g.guiCpuShare,
                        g.eventP99_ms, g.eventMax_ms, (long long)g.probes);
            std::fflush(stdout);
        }
    }
    return 0;
}
