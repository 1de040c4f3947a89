// Every shipped experiment (resources/experiments/*.json) on small data written in its dataset's
// format (`dataset make` and the test writers: no download), with sizes that train in seconds:
// shared by the suites that run them all (test_run_checksums, test_nir_cli).
#pragma once

#include <QDir>
#include <QFile>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QtTest>

#include <cmath>
#include <cstdint>

#include "cli_test_support.h"

#include "cifar10dvs.h"
#include "core/rng.h"
#include "gsc.h"

namespace tp_cli_test {

inline QString shippedExperiment(const char* name) { return QStringLiteral(TP_RESOURCES_DIR "/experiments/") + name; }

/// Writes the data sets into `dir`: nmnist/, shd/, gesture/ (`dataset make`), cifar/ (AEDAT 2.0
/// tree), gsc/ (WAV word folders with a testing list). A failure fails the calling test.
inline void makeShippedExperimentSets(const QString& dir)
{
    auto path = [&](const char* name) { return dir + QLatin1Char('/') + QLatin1String(name); };
    for (const QStringList& make :
         {QStringList{"nmnist", "--out", path("nmnist"), "--train-per-class", "8", "--test-per-class", "2", "--events",
                      "400", "--seed", "1"},
          QStringList{"shd", "--out", path("shd"), "--train-per-class", "6", "--test-per-class", "2", "--events", "300",
                      "--seed", "2"},
          QStringList{"gesture", "--out", path("gesture"), "--users", "3", "--test-users", "1", "--seed", "3"}}) {
        const CliResult r = runCli(QStringList{"dataset", "make"} + make);
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
    tp::Rng rng(4, 0);
    std::vector<std::pair<tp::Events, int>> samples;
    for (int c = 0; c < 10; ++c)
        for (int k = 0; k < 10; ++k) {
            tp::Events ev;
            for (int i = 0; i < 150; ++i)
                ev.push_back({std::int64_t(i) * 1000, std::int16_t(10 * c + rng.below(8)), std::int16_t(rng.below(128)),
                              std::uint8_t(rng.below(2))});
            samples.emplace_back(std::move(ev), c);
        }
    tp::writeCifarTree(path("cifar").toStdString(), samples);
    const char* words[] = {"alpha", "bravo", "charlie"};
    QStringList testing;
    for (int w = 0; w < 3; ++w) {
        QVERIFY(QDir().mkpath(path("gsc") + "/" + words[w]));
        for (int k = 0; k < 6; ++k) {
            std::vector<float> audio(8000 + 1000 * (k % 3));
            for (std::size_t i = 0; i < audio.size(); ++i)
                audio[i] = 0.3f * float(std::sin(2 * M_PI * (300.0 + 600 * w + 20 * k) * double(i) / 16000.0));
            const QString name = QString("%1/spk%2_nohash_%3.wav").arg(words[w]).arg(k % 3).arg(k);
            tp::writeWav((path("gsc") + "/" + name).toStdString(), audio);
            if (k % 3 == 2)
                testing << name;
        }
    }
    for (const auto& [file, text] :
         {std::pair{"testing_list.txt", testing.join('\n') + "\n"}, {"validation_list.txt", QString()}}) {
        QFile list(path("gsc") + "/" + file);
        QVERIFY(list.open(QIODevice::WriteOnly));
        list.write(text.toUtf8());
    }
}

/// `train` arguments (experiment file and --set overrides) of every shipped experiment on the
/// sets of makeShippedExperimentSets(dir), by the experiment's name; VGG-9 becomes two small conv
/// blocks (max2, then avgpool2x2).
inline QList<QPair<QString, QStringList>> shippedExperimentRuns(const QString& dir)
{
    auto data = [&](const char* name) { return QStringLiteral("dataset.path=") + dir + QLatin1Char('/') + QLatin1String(name); };
    const QString conv = "network.layers=[{\"type\":\"conv\",\"size\":4,\"pool\":\"max2\"},"
                         "{\"type\":\"conv\",\"size\":8,\"pool\":\"avgpool2x2\"}]";
    return {
        {"randman", {shippedExperiment("randman.json"), "--set", "dataset.samples_per_class=40", "--set",
                     "network.layers.0.size=64", "--set", "run.batch=32"}},
        {"randman-paper", {shippedExperiment("randman-paper.json"), "--set", "dataset.samples_per_class=20", "--set",
                           "run.batch=32"}},
        {"nmnist-mlp", {shippedExperiment("nmnist-mlp.json"), "--set", data("nmnist"), "--set", "network.layers.0.size=48",
                        "--set", "run.batch=16"}},
        {"shd-ff", {shippedExperiment("shd-ff.json"), "--set", data("shd"), "--set", "network.layers.0.size=48", "--set",
                    "run.batch=16", "--set", "dataset.drop_last=false"}},
        {"shd-rec", {shippedExperiment("shd-rec.json"), "--set", data("shd"), "--set", "network.layers.0.size=48", "--set",
                     "run.batch=16", "--set", "dataset.drop_last=false"}},
        {"dvsgesture-vgg9", {shippedExperiment("dvsgesture-vgg9.json"), "--set", data("gesture"), "--set", conv, "--set",
                             "dataset.train_slice_us=0", "--set", "run.batch=8"}},
        {"cifar10dvs-vgg9", {shippedExperiment("cifar10dvs-vgg9.json"), "--set", data("cifar"), "--set", conv, "--set",
                             "run.batch=8"}},
        {"gsc-rec", {shippedExperiment("gsc-rec.json"), "--set", data("gsc"), "--set", "network.layers.0.size=32", "--set",
                     "run.batch=6"}},
    };
}

} // namespace tp_cli_test
