// Benchmark (not a test): training throughput with the live views on show against the plain
// trainer on the same experiment and thread count, and the GUI event loop's latency while
// training (a 10 ms QTimer; lateness = interval - 10 ms, p50 / p99).
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

#include "run_test_support.h"
#include "train/trainer.h"
#include "ui/run/run_panel.h"
#include "ui/views/charts_panel.h"

using namespace tp;

namespace {

struct GuiRun {
    double samplesPerSecond = 0;
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
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
    clock.start();
    tick.start();
    loop.exec();
    tick.stop();
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
    QApplication app(argc, argv);
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
    std::printf("%-28s %12s %9s %9s %9s %8s %7s\n", "run", "samples/s", "vs plain", "p50 ms", "p99 ms", "max ms", "probes");
    for (int r = 0; r < rounds; ++r) {
        const double plain = headless(exp);
        std::printf("%-28s %12.0f %8.1f%%\n", "plain trainer", plain, 100.0);
        std::fflush(stdout);
        for (const char* view : {"loss", "raster", "membrane"}) {
            const GuiRun g = withGui(exp, QString::fromLatin1(view));
            std::printf("%-28s %12.0f %8.1f%% %9.2f %9.2f %8.2f %7lld\n", (std::string("GUI, ") + view + " tab on show").c_str(),
                        g.samplesPerSecond, 100.0 * g.samplesPerSecond / plain, g.p50_ms, g.p99_ms, g.max_ms,
                        (long long)g.probes);
            std::fflush(stdout);
        }
    }
    return 0;
}
