// traceprop-cli memory (analytic vs measured rule-state memory) and the /memory_model table that
// a training run writes to results.h5.
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_support.h"
#include "io/h5.h"

using namespace tp_cli_test;

class TestCliMemory : public QObject {
    Q_OBJECT
private slots:
    void jsonRows()
    {
        // randman.json with two hidden layers of 200 (with one layer TP is never below the aux rule).
        QTemporaryDir tmp;
        QFile in(randmanExp());
        QVERIFY(in.open(QIODevice::ReadOnly));
        QJsonObject doc = QJsonDocument::fromJson(in.readAll()).object();
        QJsonObject net = doc.value("network").toObject();
        QJsonObject layer{{"type", "lif"}, {"size", 200}, {"recurrent", false}};
        net["layers"] = QJsonArray{layer, layer};
        doc["network"] = net;
        const QString exp = tmp.filePath(QStringLiteral("two-layer.json"));
        QFile out(exp);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(doc).toJson());
        out.close();
        const CliResult r = runCli({QStringLiteral("memory"), exp, QStringLiteral("--steps"),
                                    QStringLiteral("10,20"), QStringLiteral("--classes"), QStringLiteral("10,100"),
                                    QStringLiteral("--batch"), QStringLiteral("8"), QStringLiteral("--json")});
        EXPECT_EXIT(r, 0);
        QString error;
        const auto rows = jsonLines(r.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(rows.size(), 2 * 2 * 4);
        int tpBelowAuxAt100 = 0;
        for (const auto& o : rows) {
            const QString rule = o.value("rule").toString();
            QVERIFY(QStringList({"tp", "bptt", "eprop", "aux"}).contains(rule));
            QVERIFY(o.value("steps").isDouble() && o.value("classes").isDouble() && o.value("model_bytes").isDouble());
            QCOMPARE(o.contains("measured_bytes"), rule == "tp" || rule == "bptt");
            if (o.contains("measured_bytes")) {
                const double ratio = o.value("measured_bytes").toDouble() / o.value("model_bytes").toDouble();
                QVERIFY2(std::abs(ratio - 1) < 0.10, qPrintable(rule));
            }
            if (o.value("classes").toInt() == 100 && o.value("steps").toInt() == 10 && (rule == "tp" || rule == "aux"))
                tpBelowAuxAt100 += (rule == "tp" ? 1 : -1) * o.value("model_bytes").toInt();
        }
        QVERIFY(tpBelowAuxAt100 < 0);
        QVERIFY2(r.err.contains("from classes = 100"), r.err.constData());
        // The text table names the crossover too; bad lists are input errors.
        const CliResult text = runCli({QStringLiteral("memory"), randmanExp(), QStringLiteral("--steps"),
                                       QStringLiteral("10"), QStringLiteral("--batch"), QStringLiteral("8"),
                                       QStringLiteral("--no-measure")});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("aux-matrix"), text.out.constData());
        const CliResult bad = runCli({QStringLiteral("memory"), randmanExp(), QStringLiteral("--classes"), QStringLiteral("10,x")});
        EXPECT_EXIT(bad, 2);
    }

    void resultsTable()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("run"));
        const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir} + smallRun(1, 20));
        EXPECT_EXIT(r, 0);
        const auto f = tp::h5::File::openRead((dir + "/results.h5").toStdString());
        QVERIFY(f.exists("memory/bytes"));
        QCOMPARE(f.readString("memory_model/rules"), std::string("tp,bptt,eprop,aux"));
        QCOMPARE(f.readString("memory_model/columns"), std::string("steps,classes,batch,model_bytes,paper_bytes,measured_bytes"));
        const auto t = f.readInts("memory_model/bytes");
        QCOMPARE(t.dims, (std::vector<std::size_t>{4, 6}));
        for (int row = 0; row < 4; ++row) {
            QCOMPARE(t.data[row * 6 + 0], std::int64_t(100));  // T of randman
            QCOMPARE(t.data[row * 6 + 1], std::int64_t(10));   // C
            QCOMPARE(t.data[row * 6 + 2], std::int64_t(32));   // B
            QVERIFY(t.data[row * 6 + 3] > 0);
        }
        QCOMPARE(t.data[0 * 6 + 5], t.data[0 * 6 + 3]);  // TP measured == model (syntheticBatch: min(B, C) classes)
        QCOMPARE(t.data[1 * 6 + 5], t.data[1 * 6 + 3]);  // BPTT
        QCOMPARE(t.data[2 * 6 + 5], std::int64_t(-1));
        QCOMPARE(t.data[3 * 6 + 5], std::int64_t(-1));
    }
};

QTEST_GUILESS_MAIN(TestCliMemory)
#include "test_cli_memory.moc"
