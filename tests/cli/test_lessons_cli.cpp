// The shipped lessons run as they are: "Local in space, local in time" trains under every rule
// that trains its layers (the five built-in ones) and its memory bar chart shows what its first
// question asks about (BPTT's history and e-prop's per-synapse traces above TP's, DECOLLE's and
// OTTT's presynaptic traces); its state is flat in the sequence length except BPTT's (question 2).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

#include "cli_test_support.h"

using namespace tp_cli_test;

namespace {

/// The measured bytes of a finished run (metrics.json "memory": every part's total).
double runBytes(const QString& dir)
{
    QString error;
    const QJsonObject m = readJsonFile(dir + "/metrics.json", &error);
    double total = 0;
    for (const QJsonValue& part : m.value("memory").toArray())
        total += part.toObject().value("total_bytes").toDouble();
    return total;
}

} // namespace

class TestLessonsCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void localLearningLessonRunsUnderEveryRule()
    {
        const QString lesson = resource(QStringLiteral("lessons/local-in-space-local-in-time.json"));
        std::map<QString, double> bytes[2];  // at the lesson's 50 steps and at 100
        int rules = 0;
        for (const tp::LearningRule* r : tp::learningRules()) {
            if (!r->supportsLayer("lif"))
                continue;
            ++rules;
            for (int i = 0; i < 2; ++i) {
                const QString name = QString::fromUtf8(r->name);
                const QString out = m_dir.filePath(QStringLiteral("%1-%2").arg(name).arg(i));
                const CliResult run = runCli({QStringLiteral("train"), lesson, QStringLiteral("--out"), out, QStringLiteral("--set"),
                                              QStringLiteral("rule.name=") + name, QStringLiteral("--set"), QStringLiteral("run.epochs=1"),
                                              QStringLiteral("--set"), QStringLiteral("dataset.samples_per_class=40"),
                                              QStringLiteral("--set"), QStringLiteral("binning.steps=%1").arg(i ? 100 : 50)});
                EXPECT_EXIT(run, 0);
                bytes[i][name] = runBytes(out);
                QVERIFY2(bytes[i][name] > 0, qPrintable(name));
            }
        }
        QCOMPARE(rules, 5);
        for (const auto& [rule, b] : bytes[0])
            qInfo("%s: %.0f bytes at T = 50, %.0f at T = 100", qPrintable(rule), b, bytes[1][rule]);
        QVERIFY(bytes[0]["bptt"] > 3 * bytes[0]["tp"] && bytes[0]["eprop"] > 3 * bytes[0]["tp"]);
        QVERIFY(bytes[0]["decolle"] < bytes[0]["eprop"] && bytes[0]["ottt"] < bytes[0]["eprop"]);
        // Question 2: only BPTT's memory grows with the steps (its u and s history doubles).
        QVERIFY(bytes[1]["bptt"] > 1.6 * bytes[0]["bptt"]);  // measured 1.80x (the weights do not double)
        for (const char* rule : {"tp", "eprop", "decolle", "ottt"})
            QVERIFY2(bytes[1][rule] < 1.05 * bytes[0][rule], rule);
    }
};

QTEST_GUILESS_MAIN(TestLessonsCli)
#include "test_lessons_cli.moc"
