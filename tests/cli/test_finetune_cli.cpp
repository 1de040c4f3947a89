// `traceprop-cli finetune` on the built-in spoken digits (`dataset make digits`, espeak-ng):
// a network pre-trained without speaker 10 (a test-only speaker) is fine-tuned on 1 and all
// shots of that speaker and its query accuracy must rise; bad pools are input errors.
#include <QtTest>

#include <QTemporaryDir>

#include <cmath>
#include <fstream>

#include "cli_test_support.h"
#include "../learning.h"
#include "gsc.h"

using namespace tp_cli_test;

class TestFinetuneCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_data;
    QStringList m_weights;  ///< two networks pre-trained without speakers 10 and 11

    QStringList data() const
    {
        return {"--set", "dataset.path=" + m_data, "--set", "dataset.drop_last=false", "--set",
                "dataset.cache_dir=", "--set", "network.layers.0.size=128"};
    }
    QString exp() const { return resource("experiments/shd-ff.json"); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_data = m_dir.filePath("digits");
        // 36 utterances per class: each of the 12 voices says each word 3 times; speakers 10
        // and 11 only in the test file.
        const CliResult make = runCli({"dataset", "make", "digits", "--out", m_data, "--per-class", "36", "--seed", "3"});
        QVERIFY2(make.exitedWith(0), make.describe().constData());
        // Two pre-trained networks: which one a machine gets depends on float rounding (the
        // kernels of another CPU or build follow another trajectory after a few hundred steps),
        // and that is the largest spread of the gain. TP_TEST_SEED moves both seeds to measure it.
        const int seed = int(tp_test::runSeed(1));
        for (int k = 0; k < 2; ++k) {
            const QString out = m_dir.filePath(QString("pre%1").arg(k));
            const CliResult pre = runCli(QStringList{"train", exp(), "--out", out, "--set", "run.epochs=2", "--set",
                                                     "run.batch=32", "--set", "run.lr=0.002", "--set",
                                                     QString("run.seed=%1").arg(seed + k)} +
                                         data());
            QVERIFY2(pre.exitedWith(0), pre.describe().constData());
            m_weights.append(out + "/results.h5");
        }
    }

    void finetuningImprovesHeldOutSpeakerAccuracy_data()
    {
        QTest::addColumn<QString>("shots");
        QTest::addColumn<int>("support");
        QTest::newRow("1 shot") << "1" << 20;     // one per class, 20 classes
        QTest::newRow("all shots") << "all" << 40;  // 3 per class, 1 in the query set
    }

    void finetuningImprovesHeldOutSpeakerAccuracy()
    {
        QFETCH(QString, shots);
        QFETCH(int, support);
        auto finetune = [&](const QString& weights, const QString& speaker) {
            return runCli(QStringList{"finetune", exp(), "--from", weights, "--speaker", speaker, "--support", shots,
                                      "--seeds", "5", "--lr", "0.0005", "--json"} +
                          data());
        };
        double gain = 0;
        QString log;
        for (const QString& weights : m_weights) {
            for (const QString speaker : {"10", "11"}) {
                const CliResult r = finetune(weights, speaker);
                QVERIFY2(r.exitedWith(0), r.describe().constData());
                QString error;
                const QList<QJsonObject> lines = jsonLines(r.out, &error);
                QVERIFY2(error.isEmpty() && lines.size() == 6, r.out.constData());
                for (int s = 0; s < 5; ++s) {
                    QCOMPARE(lines[s]["seed"].toInt(), 42 + s);
                    QCOMPARE(lines[s]["pool"].toInt(), 60);
                    QCOMPARE(lines[s]["support"].toInt(), support);
                    QCOMPARE(lines[s]["query"].toInt(), 20);
                    QCOMPARE(lines[s]["query_accuracy"].toArray().size(), 3);  // 3 epochs by default
                }
                const QJsonObject mean = lines.last();
                const double before = mean["before_mean_pct"].toDouble(), after = mean["after_mean_pct"].toDouble();
                gain += (after - before) / 4;
                log += QString("speaker %1 of %2: before %3%, after %4%\n").arg(speaker, weights).arg(before).arg(after);
            }
        }
        qInfo("%s", qPrintable(log));
        // The mean gain over 2 pre-trained networks x 2 held-out speakers x 5 fine-tuning seeds x
        // 20 queries. Measured (README, "Tests that hold on any CPU"): one network and speaker
        // gains 15-50 points; this mean of four ranged over 24-44 points (std about 6) across
        // seeds and both build flavours. The bar of 10 points is more than 2 std below the
        // smallest mean seen and 4 below the average.
        TP_VERIFY_LEARNED(qPrintable("fine-tuning mean gain, points, " + shots + " shots"), gain, 10);
        // Deterministic: the same seed gives the same numbers.
        QCOMPARE(finetune(m_weights[0], "10").out, finetune(m_weights[0], "10").out);
    }

    void speechCommandsHeldOutSpeaker()
    {
        // A tiny Speech Commands tree: "no" is a low tone, "yes" a high one; four training
        // speakers say each word twice, test speaker tt99 five times (testing_list.txt).
        const QString root = m_dir.filePath("gsc");
        QString testing;
        auto clip = [&](const QString& word, const QString& speaker, int k, double hz) {
            std::vector<float> x(8000);
            for (std::size_t i = 0; i < x.size(); ++i)
                x[i] = float(0.4 * std::sin(2 * 3.14159265358979 * (hz + 15 * k) * double(i) / 16000));
            QDir().mkpath(root + "/" + word);
            const QString rel = word + "/" + speaker + "_nohash_" + QString::number(k) + ".wav";
            tp::writeWav((root + "/" + rel).toStdString(), x);
            return rel;
        };
        for (const QString word : {"no", "yes"}) {
            const double hz = word == "no" ? 300 : 1500;
            for (const QString speaker : {"aa11", "bb22", "cc33", "dd44"})
                for (int k = 0; k < 2; ++k)
                    clip(word, speaker, k, hz);
            for (int k = 0; k < 5; ++k)
                testing += clip(word, "tt99", k, hz + 40) + "\n";
        }
        std::ofstream((root + "/validation_list.txt").toStdString()) << "";
        std::ofstream((root + "/testing_list.txt").toStdString()) << testing.toStdString();
        const QString exp = resource("experiments/gsc-rec.json");
        const QStringList set{"--set", "dataset.path=" + root, "--set", "dataset.cache_dir=", "--set",
                              "network.layers.0.size=32"};
        const QString pre = m_dir.filePath("gsc-pre");
        const CliResult train = runCli(QStringList{"train", exp, "--out", pre, "--set", "run.epochs=3", "--set",
                                                   "run.batch=8", "--set", "run.lr=0.002"} + set);
        QVERIFY2(train.exitedWith(0), train.describe().constData());
        for (const auto& [shots, support] : {std::pair{QString("1"), 2}, std::pair{QString("all"), 8}}) {
            const CliResult r = runCli(QStringList{"finetune", exp, "--from", pre + "/results.h5", "--speaker", "tt99",
                                                   "--support", shots, "--json"} + set);
            QVERIFY2(r.exitedWith(0), r.describe().constData());
            QString error;
            const QList<QJsonObject> lines = jsonLines(r.out, &error);
            QVERIFY2(error.isEmpty() && lines.size() == 2, r.out.constData());
            QCOMPARE(lines[0]["pool"].toInt(), 10);
            QCOMPARE(lines[0]["query"].toInt(), 2);  // round(5 * 0.2) per word
            QCOMPARE(lines[0]["support"].toInt(), support);
            const double after = lines[0]["after_accuracy"].toDouble();
            QVERIFY(after >= 0 && after <= 1);
        }
        // A training speaker of the training split works the same way.
        const CliResult train2 = runCli(QStringList{"finetune", exp, "--from", pre + "/results.h5", "--speaker", "aa11",
                                                    "--split", "train", "--json"} + set);
        QVERIFY2(train2.exitedWith(0) && train2.out.contains("\"pool\":4"), train2.describe().constData());
    }

    void badPoolsAreInputErrors()
    {
        const CliResult noPool = runCli(QStringList{"finetune", exp(), "--from", m_weights[0]} + data());
        QVERIFY2(noPool.exitedWith(2) && noPool.err.contains("--speaker"), noPool.describe().constData());
        const CliResult unknown =
            runCli(QStringList{"finetune", exp(), "--from", m_weights[0], "--speaker", "99"} + data());
        QVERIFY2(unknown.exitedWith(2) && unknown.err.contains("speaker '99'"), unknown.describe().constData());
        const CliResult shots =
            runCli(QStringList{"finetune", exp(), "--from", m_weights[0], "--speaker", "10", "--support", "0"} + data());
        QVERIFY2(shots.exitedWith(2) && shots.err.contains("--support"), shots.describe().constData());
        const CliResult weights =
            runCli(QStringList{"finetune", exp(), "--from", m_dir.filePath("none.h5"), "--speaker", "10"} + data());
        QVERIFY2(weights.exitedWith(2) && weights.err.contains("none.h5"), weights.describe().constData());
        const CliResult randman = runCli({"finetune", randmanExp(), "--from", m_weights[0], "--speaker", "1", "--set",
                                          "dataset.samples_per_class=20"});
        QVERIFY2(randman.exitedWith(2) && randman.err.contains("no speaker ids"), randman.describe().constData());
        // A class subset of the training split works without speakers (randman weights differ:
        // the shape mismatch is reported as a format error of the weights file).
        const CliResult mismatch = runCli({"finetune", randmanExp(), "--from", m_weights[0], "--classes", "0,1", "--set",
                                           "dataset.samples_per_class=20"});
        QVERIFY2(mismatch.exitedWith(2) && mismatch.err.contains("results.h5"), mismatch.describe().constData());
    }
};

QTEST_GUILESS_MAIN(TestFinetuneCli)
#include "test_finetune_cli.moc"
