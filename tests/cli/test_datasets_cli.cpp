// Benchmark datasets end to end on files written in the real formats: an N-MNIST tree of
// class-dependent event patterns and SHD HDF5 files. The registry opens them from experiment
// specs, binning equals ToFrame applied directly, `dataset info` and `dataset frames` report
// them, and `train` with the shipped nmnist-mlp.json / shd-rec.json learns them.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_support.h"
#include "../learning.h"

#include "core/errors.h"
#include "core/rng.h"
#include "event_dataset.h"
#include "nmnist.h"
#include "registry.h"
#include "shd.h"

using namespace tp;
using namespace tp_cli_test;

namespace {

/// Class c fires in columns 3c..3c+2 at random rows and times (sorted), plus sparse noise.
Events patternEvents(int label, Rng& rng, std::int64_t duration_us, int width, bool twoD)
{
    Events ev;
    const int n = 300 + int(rng.below(100));
    for (int i = 0; i < n; ++i) {
        Event e;
        e.t_us = std::int64_t(rng.below(std::uint64_t(duration_us)));
        const bool noise = rng.uniform() < 0.1;
        e.x = std::int16_t(noise ? rng.below(std::uint64_t(width)) : std::uint64_t(3 * label) + rng.below(3));
        e.y = std::int16_t(twoD ? rng.below(34) : 0);
        e.p = std::uint8_t(twoD ? rng.below(2) : 0);
        ev.push_back(e);
    }
    std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.t_us < b.t_us; });
    return ev;
}

std::vector<std::pair<Events, int>> patterns(int perClass, int classes, std::uint64_t seed, std::int64_t duration_us,
                                             int width, bool twoD)
{
    Rng rng(seed, 3);
    std::vector<std::pair<Events, int>> out;
    for (int i = 0; i < perClass; ++i)
        for (int c = 0; c < classes; ++c)
            out.emplace_back(patternEvents(c, rng, duration_us, width, twoD), c);
    return out;
}

} // namespace

class TestDatasetsCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_nmnist, m_shd;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (qEnvironmentVariableIsSet("TP_KEEP_TEST_DATA")) {  // for looking at the generated files
            m_dir.setAutoRemove(false);
            qInfo() << "test data in" << m_dir.path();
        }
        // The CLI caches binned samples under $TRACEPROP_CACHE: keep that inside the test folder.
        qputenv("TRACEPROP_CACHE", m_dir.filePath("cli-cache").toUtf8());
        m_nmnist = m_dir.filePath("nmnist");
        writeNmnistTree(m_nmnist.toStdString(), patterns(20, 10, 1, 150000, 34, true), patterns(6, 10, 2, 150000, 34, true));
        m_shd = m_dir.filePath("shd");
        QVERIFY(QDir().mkpath(m_shd));
        for (const char* split : {"train", "test"}) {
            ShdContents c;
            for (auto& [events, label] : patterns(split[1] == 'r' ? 24 : 8, 20, split[1] == 'r' ? 3 : 4, 800000, 700, false)) {
                c.samples.push_back(events);
                c.labels.push_back(label);
                c.speakers.push_back(0);
            }
            for (int k = 0; k < 20; ++k)
                c.keys.push_back("word" + std::to_string(k));
            writeShd((m_shd + "/shd_" + split + ".h5").toStdString(), c, false);
        }
    }

    void registryOpensNmnistAndBinsLikeToFrame()
    {
        DatasetSpec spec;
        spec.kind = "nmnist";
        spec.params = {{"path", m_nmnist.toStdString()}, {"first_saccade_only", true}};
        spec.binning = {{"time_window_us", 1000}};
        const auto data = openDataset(spec);
        QCOMPARE(data->size(Split::Train), std::size_t(200));
        QCOMPARE(data->size(Split::Test), std::size_t(60));
        QCOMPARE(data->channels(), 2312);
        QCOMPARE(data->classes(), 10);
        const auto* events = dynamic_cast<const EventDataset*>(data.get());
        QVERIFY(events);
        for (std::size_t i : {std::size_t(0), std::size_t(17), std::size_t(59)}) {
            const Events raw = firstSaccade(events->rawEvents(Split::Test, i));
            ToFrameParams frame;
            frame.time_window = 1000;
            const Sample direct = toFrame(raw, kNmnistSensor, frame, data->sample(Split::Test, i).label);
            const Sample& s = data->sample(Split::Test, i);
            QCOMPARE(s.step_offsets, direct.step_offsets);
            QCOMPARE(s.units, direct.units);
            QCOMPARE(s.values, direct.values);
            QVERIFY(s.steps() <= 100);  // first saccade: t < 100 ms in 1 ms frames
            QVERIFY(!raw.empty() && raw.back().t_us < 100000);
        }
        QCOMPARE(events->stats(Split::Train).class_counts, std::vector<std::size_t>(10, 20));
    }

    void cacheServesTheSecondOpenAndNoticesChanges()
    {
        DatasetSpec spec;
        spec.kind = "nmnist";
        const QString cache = m_dir.filePath("cache");
        spec.params = {{"path", m_nmnist.toStdString()}, {"cache_dir", cache.toStdString()}};
        spec.binning = {{"time_window_us", 2000}};
        const auto first = openDataset(spec);
        const auto* a = dynamic_cast<const EventDataset*>(first.get());
        QVERIFY(a && !a->fromCache(Split::Train) && !a->fromCache(Split::Test));
        QCOMPARE(QDir(cache).entryList({"*.h5"}, QDir::Files).size(), 2);
        const auto second = openDataset(spec);
        const auto* b = dynamic_cast<const EventDataset*>(second.get());
        QVERIFY(b->fromCache(Split::Train) && b->fromCache(Split::Test));
        for (std::size_t i = 0; i < first->size(Split::Train); i += 7) {
            QCOMPARE(second->sample(Split::Train, i).units, first->sample(Split::Train, i).units);
            QCOMPARE(second->sample(Split::Train, i).values, first->sample(Split::Train, i).values);
            QCOMPARE(second->sample(Split::Train, i).label, first->sample(Split::Train, i).label);
        }
        QCOMPARE(b->stats(Split::Test).events, a->stats(Split::Test).events);
        // Other binning parameters: another cache entry.
        spec.binning = {{"time_window_us", 3000}};
        const auto third = openDataset(spec);
        QVERIFY(!dynamic_cast<const EventDataset*>(third.get())->fromCache(Split::Train));
        // A changed source file invalidates the split's entry.
        const auto entries = scanNmnist(m_nmnist.toStdString(), false);
        Events ev = readNmnistFile(entries[0].file);
        ev.pop_back();
        writeNmnistFile(entries[0].file, ev);
        spec.binning = {{"time_window_us", 2000}};
        const auto fourth = openDataset(spec);
        const auto* d = dynamic_cast<const EventDataset*>(fourth.get());
        QVERIFY(d->fromCache(Split::Train));
        QVERIFY(!d->fromCache(Split::Test));
        // A corrupt cache file is rebuilt, not fatal.
        for (const QString& f : QDir(cache).entryList({"train-*.h5"}, QDir::Files)) {
            QFile file(cache + "/" + f);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("garbage");
        }
        const auto fifth = openDataset(spec);
        QVERIFY(!dynamic_cast<const EventDataset*>(fifth.get())->fromCache(Split::Train));
        QCOMPARE(fifth->sample(Split::Train, 5).units, first->sample(Split::Train, 5).units);
    }

    void registryOpensShdWithKeys()
    {
        DatasetSpec spec;
        spec.kind = "shd";
        spec.params = {{"path", m_shd.toStdString()}, {"drop_last", true}};
        spec.binning = {{"time_window_us", 10000}};
        const auto data = openDataset(spec);
        QCOMPARE(data->size(Split::Train), std::size_t(480));
        QCOMPARE(data->size(Split::Test), std::size_t(160));
        QCOMPARE(data->channels(), 700);
        QCOMPARE(data->classes(), 20);
        QCOMPARE(data->classNames().at(7), std::string("word7"));
        QVERIFY(data->dropLast());
    }

    void badSpecsAndPaths()
    {
        DatasetSpec spec;
        spec.kind = "nmnist";
        spec.params = {{"path", m_dir.filePath("missing").toStdString()}, {"denoise_us", -1}, {"colour", true}};
        spec.binning = {{"time_window_us", 1000}, {"n_time_bins", 10}};
        std::vector<ConfigIssue> issues;
        validateDatasetSpec(spec, issues);
        QCOMPARE(issues.size(), std::size_t(3));  // denoise_us range, unknown key, two modes
        spec.params = {{"path", m_dir.filePath("missing").toStdString()}};
        spec.binning = {{"time_window_us", 1000}};
        QVERIFY_THROWS_EXCEPTION(IoError, openDataset(spec));
        spec.kind = "shd";
        spec.params = {{"path", m_nmnist.toStdString()}};
        try {
            openDataset(spec);
            QFAIL("a folder without shd_train.h5 must be refused");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains("shd_train.h5"));
        }
    }

    void datasetInfoAndFrames()
    {
        const CliResult info = runCli({"dataset", "info", m_nmnist, "--json"});
        QCOMPARE(info.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(o.value("kind").toString(), QString("nmnist"));
        QCOMPARE(o.value("train").toObject().value("samples").toInt(), 200);
        QCOMPARE(o.value("test").toObject().value("class_counts").toArray().size(), 10);
        const CliResult shd = runCli({"dataset", "info", m_shd});
        QCOMPARE(shd.exitCode, 0);
        QVERIFY(shd.out.contains("word19=8"));
        // The kind's paper binning (SHD: 10 ms frames) unless an option overrides it; an option
        // the kind does not take is a validation error naming the key.
        auto meanSteps = [&](const QStringList& extra) {
            const CliResult r = runCli(QStringList{"dataset", "info", m_shd, "--json"} + extra);
            return QJsonDocument::fromJson(r.out).object().value("train").toObject().value("mean_steps").toDouble();
        };
        const double paper = meanSteps({}), fine = meanSteps({"--time-window-us", "1000"});
        QVERIFY2(paper > 0 && fine > 8 * paper, qPrintable(QString("%1 %2").arg(paper).arg(fine)));
        const CliResult denoise = runCli({"dataset", "info", m_shd, "--denoise-us", "5"});
        QCOMPARE(denoise.exitCode, 2);
        QVERIFY2(denoise.err.contains("dataset.denoise_us: unknown key"), denoise.err.constData());
        const QString out = m_dir.filePath("frames");
        const CliResult frames = runCli({"dataset", "frames", m_nmnist, "--index", "3", "--out", out});
        QCOMPARE(frames.exitCode, 0);
        QVERIFY(QFile::exists(out + "/frames.csv"));
        QVERIFY(QFile::exists(out + "/frame_0000.pgm"));
        const CliResult bad = runCli({"dataset", "info", m_dir.filePath("nowhere")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("not a dataset"));
        const CliResult range = runCli({"dataset", "frames", m_nmnist, "--index", "999", "--out", out});
        QCOMPARE(range.exitCode, 2);
    }

    void nmnistExperimentLearns()
    {
        const CliResult r = runCli(QStringList{"train", TP_RESOURCES_DIR "/experiments/nmnist-mlp.json", "--json", "--set",
                                               "dataset.path=" + m_nmnist, "--set", "run.epochs=4", "--set", "run.batch=20",
                                               "--set", "run.lr=0.002"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("nmnist-mlp best (chance 0.1)", best, 0.6);
    }

    void shdRecurrentExperimentLearns()
    {
        // The recurrent layer first runs away (large readout), then settles and learns.
        const CliResult r = runCli(QStringList{"train", TP_RESOURCES_DIR "/experiments/shd-rec.json", "--json", "--set",
                                               "dataset.path=" + m_shd, "--set", "run.epochs=6", "--set", "run.batch=48",
                                               "--set", "run.lr=0.0005"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("shd-rec best (chance 0.05)", best, 0.5);
    }

    void shdExperimentLearnsWithDropLast()
    {
        const CliResult r = runCli(QStringList{"train", TP_RESOURCES_DIR "/experiments/shd-ff.json", "--json", "--set",
                                               "dataset.path=" + m_shd, "--set", "run.epochs=3", "--set", "run.batch=48",
                                               "--set", "run.lr=0.002"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("shd-ff best (chance 0.05)", best, 0.5);
        // drop_last: 160 test samples in batches of 48 -> 144 scored; accuracies are multiples of 1/144.
        for (const QByteArray& line : r.out.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const double acc = QJsonDocument::fromJson(line).object().value("test_accuracy").toDouble();
            QVERIFY(std::abs(acc * 144 - std::round(acc * 144)) < 1e-9);
        }
    }
};

QTEST_GUILESS_MAIN(TestDatasetsCli)
#include "test_datasets_cli.moc"
