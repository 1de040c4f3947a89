// The synthetic sets written in real formats (`dataset make gesture|digits`), a CIFAR10-DVS
// tree and a Speech Commands tree go through the same readers, registry and trainer as the
// real datasets: they open with the paper's binning, augmentation is deterministic, and
// `train` learns them (accuracy well above chance).
#include <cmath>
#include <map>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_support.h"
#include "../learning.h"

#include "cifar10dvs.h"
#include "core/rng.h"
#include "event_dataset.h"
#include "gsc.h"
#include "registry.h"

using namespace tp;
using namespace tp_cli_test;

namespace {

QString experiment(const char* name) { return QStringLiteral(TP_RESOURCES_DIR "/experiments/") + name; }

} // namespace

class TestSyntheticSets : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", m_dir.filePath("cache").toUtf8());
    }

    void gestureSetLearnsWithTheDvsGestureExperiment()
    {
        const QString root = m_dir.filePath("gesture");
        const CliResult make = runCli({"dataset", "make", "gesture", "--out", root, "--users", "7", "--test-users", "2",
                                    "--seed", "3"});
        QVERIFY2(make.exitCode == 0, make.err.constData());
        QVERIFY(QFile::exists(root + "/trials_to_train.txt"));
        QCOMPARE(QDir(root).entryList({"*.aedat"}, QDir::Files).size(), 7);
        const CliResult info = runCli({"dataset", "info", root, "--json"});
        QCOMPARE(info.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(o.value("kind").toString(), QString("dvsgesture"));
        QCOMPARE(o.value("train").toObject().value("samples").toInt(), 5 * 11);
        QCOMPARE(o.value("test").toObject().value("samples").toInt(), 2 * 11);
        // The paper's file with an MLP instead of VGG-9.
        const CliResult r = runCli(QStringList{"train", experiment("dvsgesture-vgg9.json"), "--json", "--set",
                                   "dataset.path=" + root, "--set", "network.layers=[{\"type\":\"lif\",\"size\":200}]",
                                   "--set", "network.norm=none", "--set", "run.epochs=8", "--set", "run.batch=16",
                                   "--set", "run.lr=0.002", "--set", "neuron.alpha=0.9", "--set", "neuron.beta=0.9"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("gesture MLP TP best (chance 1/11)", best, 0.25);
        // The VGG file with a small conv stack (conv TP engine, weight standardisation) learns too,
        // on a larger set of the same kind: 9 users, 4 of them for testing (44 test samples).
        const QString convRoot = m_dir.filePath("gesture-conv");
        const CliResult makeConv = runCli({"dataset", "make", "gesture", "--out", convRoot, "--users", "9",
                                           "--test-users", "4", "--seed", "3"});
        QVERIFY2(makeConv.exitCode == 0, makeConv.err.constData());
        const QStringList convRun = QStringList{"train", experiment("dvsgesture-vgg9.json"), "--json", "--set",
                                     "dataset.path=" + convRoot, "--set",
                                     "network.layers=[{\"type\":\"conv\",\"size\":4,\"pool\":\"max2\"},"
                                     "{\"type\":\"conv\",\"size\":8,\"pool\":\"avgpool2x2\"}]",
                                     "--set", "dataset.train_slice_us=0", "--set", "run.epochs=8", "--set",
                                     "run.batch=16", "--set", "run.lr=0.005"} + tp_test::seedArgs();
        const CliResult conv = runCli(convRun);
        QVERIFY2(conv.exitCode == 0, conv.err.constData());
        const double convBest = bestTestAccuracy(conv.out);
        // The same file with the conv BPTT baseline (one Adam step per batch: a larger lr).
        QStringList bptt = convRun;
        bptt << "--set" << "rule.name=bptt" << "--set" << "run.lr=0.01";
        const CliResult vgg = runCli(bptt);
        QVERIFY2(vgg.exitCode == 0, vgg.err.constData());
        const double bpttBest = bestTestAccuracy(vgg.out);
        qInfo("conv TP best %.3f, conv BPTT best %.3f (chance 1/11)", convBest, bpttBest);
        // One rule's best accuracy alone spreads too widely to bound (seeds 0-9, default and native
        // builds: TP 0.32-0.80, BPTT 0.36-0.70, std 0.12-0.14; chance 0.09). Their mean: 0.375-0.68,
        // mean 0.54, std 0.096; the bound is 3 std below the mean. (With 2 test users and 4 epochs
        // it was 0.23-0.50 around 0.37 and allowed no bound 3 std down well above chance.)
        qInfo("learning: gesture conv TP best (chance 1/11) value %.4f bound 0", convBest);
        qInfo("learning: gesture conv BPTT best (chance 1/11) value %.4f bound 0", bpttBest);
        TP_VERIFY_LEARNED("gesture conv TP and BPTT mean best (chance 1/11)", (convBest + bpttBest) / 2, 0.25);
        // `memory` sizes the conv blocks from the dataset's (C, H, W): measured = model for every rule
        // that trains conv layers (not e-prop: no row), and BPTT's history grows 4x from T = 5 to T = 20
        // while the state of TP, DECOLLE and OTTT does not.
        const CliResult mem = runCli({"memory", experiment("dvsgesture-vgg9.json"), "--json", "--set",
                                      "dataset.path=" + root, "--set", convRun[6], "--steps", "5,20", "--classes",
                                      "11", "--batch", "8"});
        QVERIFY2(mem.exitCode == 0, mem.err.constData());
        std::map<QString, double> measured;
        for (const QByteArray& line : mem.out.split('\n')) {
            const QJsonObject row = QJsonDocument::fromJson(line).object();
            if (!row.contains("measured_bytes"))
                continue;
            QCOMPARE(row.value("measured_bytes").toDouble(), row.value("model_bytes").toDouble());
            measured[row.value("rule").toString() + QString::number(row.value("steps").toInt())] =
                row.value("measured_bytes").toDouble();
        }
        std::size_t convRules = 0;
        for (const tp::LearningRule* r : tp::learningRules())
            convRules += r->supportsLayer("conv");
        QCOMPARE(measured.size(), 2 * convRules);
        QVERIFY(!measured.count("eprop5"));
        QCOMPARE(measured["bptt20"], 4 * measured["bptt5"]);
        for (const char* rule : {"tp", "decolle", "ottt"})
            QCOMPARE(measured[QString(rule) + "20"], measured[QString(rule) + "5"]);
    }

    void spokenDigitsLearnWithTheShdExperiment()
    {
        const QString root = m_dir.filePath("digits");
        const CliResult make = runCli({"dataset", "make", "digits", "--out", root, "--per-class", "10", "--seed", "2"});
        QVERIFY2(make.exitCode == 0, make.err.constData());
        QVERIFY(QFile::exists(root + "/shd_train.h5") && QFile::exists(root + "/shd_test.h5"));
        const CliResult r = runCli(QStringList{"train", experiment("shd-ff.json"), "--json", "--set", "dataset.path=" + root,
                                               "--set", "run.epochs=10", "--set", "run.batch=32", "--set", "run.lr=0.002"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("spoken digits shd-ff best (chance 1/20)", best, 0.2);
    }

    void cifar10DvsOpensWithSplitBinningAndAugmentation()
    {
        const QString root = m_dir.filePath("cifar");
        Rng rng(4, 0);
        std::vector<std::pair<Events, int>> samples;
        for (int c = 0; c < 10; ++c) {
            for (int k = 0; k < 10; ++k) {
                Events ev;
                for (int i = 0; i < 200; ++i)
                    ev.push_back({std::int64_t(i) * 1000, std::int16_t(10 * c + rng.below(8)),
                                  std::int16_t(rng.below(128)), std::uint8_t(rng.below(2))});
                samples.emplace_back(std::move(ev), c);
            }
        }
        writeCifarTree(root.toStdString(), samples);
        DatasetSpec spec;
        spec.kind = "cifar10dvs";
        spec.params = {{"path", root.toStdString()}, {"random_crop_padding", 4}, {"random_flip", true},
                       {"cache_dir", ""}};
        spec.binning = {{"n_time_bins", 10}, {"resize", {48, 48}}};
        const auto data = openDataset(spec);
        QCOMPARE(data->size(Split::Train), std::size_t(90));  // per class 9 / 1
        QCOMPARE(data->size(Split::Test), std::size_t(10));
        QCOMPARE(data->channels(), 2 * 48 * 48);
        QCOMPARE(data->sample(Split::Train, 0).steps(), 10);
        // The shape `memory` plans with, from the spec alone, is the reader's (resized, or downsampled).
        QVERIFY(nominalDatasetShape(spec) == (DatasetShape{data->inputShape(), data->classes()}));
        DatasetSpec small = spec;
        small.binning = {{"n_time_bins", 10}, {"spatial_factor", 0.25}};
        QVERIFY(nominalDatasetShape(small) == (DatasetShape{openDataset(small)->inputShape(), 10}));
        QCOMPARE(nominalDatasetShape(small)->input, (std::array<int, 3>{2, 32, 32}));
        // Augmentation: a pure function of (seed, epoch, index); it moves or mirrors events.
        const Sample a = data->trainingSample(3, 7, 0), b = data->trainingSample(3, 7, 0);
        QCOMPARE(a.units, b.units);
        bool differs = false;
        for (int epoch = 1; epoch < 6 && !differs; ++epoch)
            differs = data->trainingSample(3, 7, epoch).units != a.units;
        QVERIFY(differs);
        QCOMPARE(data->sample(Split::Test, 0).units, data->sample(Split::Test, 0).units);
    }

    void speechCommandsOpenAndLearn()
    {
        // Four "words": tones of different pitch, 12 clips each, by 4 speakers; lists name the test
        // and validation clips of speaker 3 and 2.
        const QString root = m_dir.filePath("gsc");
        const char* words[] = {"alpha", "bravo", "charlie", "delta"};
        const double hz[] = {300, 700, 1500, 3000};
        QStringList testing, validation;
        for (int w = 0; w < 4; ++w) {
            QVERIFY(QDir().mkpath(root + "/" + words[w]));
            for (int k = 0; k < 12; ++k) {
                const int speaker = k % 4;
                std::vector<float> audio(12000 + 1000 * (k % 5));
                for (std::size_t i = 0; i < audio.size(); ++i)
                    audio[i] = 0.3f * float(std::sin(2 * M_PI * hz[w] * (1 + 0.02 * speaker) * double(i) / 16000.0));
                const QString name = QString("%1/spk%2_nohash_%3.wav").arg(words[w]).arg(speaker).arg(k);
                writeWav((root + "/" + name).toStdString(), audio);
                if (speaker == 3)
                    testing << name;
                if (speaker == 2)
                    validation << name;
            }
        }
        for (const auto& [file, lines] : {std::pair{"testing_list.txt", testing}, {"validation_list.txt", validation}}) {
            QFile f(root + "/" + file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(lines.join('\n').toUtf8() + "\n");
        }
        const CliResult info = runCli({"dataset", "info", root, "--json"});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(o.value("kind").toString(), QString("gsc"));
        QCOMPARE(o.value("train").toObject().value("samples").toInt(), 24);
        QCOMPARE(o.value("test").toObject().value("samples").toInt(), 12);
        const CliResult r = runCli(QStringList{"train", experiment("gsc-rec.json"), "--json", "--set", "dataset.path=" + root,
                                               "--set", "run.epochs=6", "--set", "run.batch=8", "--set", "run.lr=0.002",
                                               "--set", "network.layers.0.size=64"} +
                                   tp_test::seedArgs());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double best = bestTestAccuracy(r.out);
        TP_VERIFY_LEARNED("speech commands gsc-rec best (chance 1/4)", best, 0.5);
    }
};

QTEST_GUILESS_MAIN(TestSyntheticSets)
#include "test_synthetic_sets.moc"
