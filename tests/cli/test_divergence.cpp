// A run that goes non-finite stops at the first batch where a weight, an Adam moment or a loss is
// NaN or Inf, names the array, the step and the layer, and never writes a checkpoint with a
// non-finite value; the last finite checkpoint stays and resumes (issue 12, item 5).
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "cli_test_support.h"

#include "config/experiment.h"
#include "core/errors.h"
#include "io/h5.h"
#include "registry.h"
#include "train/telemetry.h"
#include "train/trainer.h"

using namespace tp_cli_test;

namespace {

const std::vector<std::string> kSmallRandman = {"dataset.samples_per_class=20", "run.batch=32",
                                                "network.layers.0.size=64"};

/// Every weight (and Adam moment, in a checkpoint) of a one-layer TP run, checked for NaN and Inf.
void verifyAllFinite(const std::string& file, bool optimizer)
{
    const auto f = tp::h5::File::openRead(file);
    std::vector<const char*> names{"weights/W1", "weights/S", "weights/W_out"};
    if (optimizer)
        names.insert(names.end(), {"optimizer/W1/m", "optimizer/W1/v", "optimizer/W_out/m", "optimizer/W_out/v"});
    for (const char* name : names) {
        QVERIFY2(f.exists(name), name);
        const auto a = f.readDoubles(name);
        std::size_t bad = 0;
        for (double v : a.data)
            bad += !std::isfinite(v);
        QVERIFY2(bad == 0, qPrintable(QStringLiteral("%1 holds %2 non-finite values").arg(name).arg(bad)));
    }
}

} // namespace

class TestDivergence : public QObject {
    Q_OBJECT

private slots:
    // neuron.surrogate.scale = 1e30: the first batch's gradients square to Inf in Adam's v of W1
    // while the weights stay finite (an Inf v only stalls the update). On main the run trained on
    // for every epoch, wrote Inf into every checkpoint and ended with "weights W1 contain NaN or
    // Inf" (from the BPTT comparison it trained at the end; the run's own weights were finite).
    void overflowingAdamStateStopsTheRunAtTheFirstStep()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("run"));
        QStringList args{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir, QStringLiteral("--threads"),
                         QStringLiteral("1"), QStringLiteral("--set"), QStringLiteral("neuron.surrogate.scale=1e30"),
                         QStringLiteral("--set"), QStringLiteral("run.epochs=2")};
        for (const auto& s : kSmallRandman)
            args << QStringLiteral("--set") << QString::fromStdString(s);
        const CliResult r = runCli(args);
        EXPECT_EXIT(r, 1);
        QVERIFY2(r.err.contains("diverged at training step 1 (epoch 1, batch 1 of 5): optimizer/W1/v (layer 1) holds "),
                 r.describe().constData());
        QVERIFY2(r.err.contains("No checkpoint was written"), r.describe().constData());
        QVERIFY2(!r.err.contains("weights W1 contain"), r.describe().constData());
        QVERIFY(!QFile::exists(dir + "/checkpoint.h5"));
        QVERIFY(!QFile::exists(dir + "/results.h5"));
    }

    // A learning rate of 1e38 set by hand (Telemetry, as the GUI does) after epoch 1: the first
    // batch of epoch 2 blows up. The error names that step; checkpoint.h5 keeps epoch 1 with only
    // finite values, and a resume from it (at the scheduled rate) finishes the run. On main the
    // message named neither the step nor the epoch.
    void divergenceAfterACheckpointKeepsTheLastFiniteOne()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath(QStringLiteral("run")).toStdString();
        std::vector<std::string> sets = kSmallRandman;
        sets.push_back("run.epochs=2");
        sets.push_back("run.threads=1");
        const tp::Experiment exp = tp::loadExperiment(randmanExp().toStdString(), sets, tp::validateDatasetSpec);
        const auto data = tp::openDataset(exp.dataset);
        {
            tp::Trainer trainer(exp, *data);
            tp::Telemetry tel;
            tp::TrainOptions opt;
            opt.out_dir = dir;
            opt.telemetry = &tel;
            opt.on_epoch = [&](const tp::EpochMetrics& m) {
                if (m.epoch == 1)
                    tel.setLearningRate(1e38);
            };
            try {
                trainer.run(opt);
                QFAIL("the run did not diverge");
            } catch (const tp::DivergenceError& e) {
                const QByteArray what = e.what();
                qInfo("%s", what.constData());
                // 160 training samples in batches of 32: 5 steps per epoch, step 6 is epoch 2's first.
                QVERIFY2(what.contains("diverged at training step 6 (epoch 2, batch 1 of 5): "), what.constData());
                QVERIFY2(what.contains("layer 1") || what.contains("readout"), what.constData());
                QVERIFY2(what.contains("checkpoint.h5 keeps epoch 1"), what.constData());
            }
        }
        verifyAllFinite(dir + "/checkpoint.h5", true);
        tp::Trainer again(exp, *data);
        tp::TrainOptions opt;
        opt.out_dir = dir;
        opt.resume = true;
        const tp::TrainResult r = again.run(opt);
        QCOMPARE(r.first_epoch, 2);
        QCOMPARE(int(r.history.size()), 2);
        verifyAllFinite(dir + "/results.h5", false);
    }
};

QTEST_GUILESS_MAIN(TestDivergence)
#include "test_divergence.moc"
