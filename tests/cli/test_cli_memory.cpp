// traceprop-cli memory (analytic vs measured rule-state memory) and the /memory_model table that
// a training run writes to results.h5.
#include <QTemporaryDir>
#include <QtTest>

#include <map>

#include "cli_test_support.h"
#include "io/h5.h"

using namespace tp_cli_test;

namespace {

/// Every experiment the program ships (the CLI's and the GUI's examples and the lessons).
QStringList shippedExperiments()
{
    QStringList files;
    for (const char* folder : {"experiments", "lessons"}) {
        const QDir dir(resource(QString::fromLatin1(folder)));
        for (const QString& name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
            files << dir.filePath(name);
    }
    return files;
}

} // namespace

class TestCliMemory : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", m_dir.filePath(QStringLiteral("empty-cache")).toUtf8());  // no binned samples
    }

    /// Planning before the download: every shipped experiment, its dataset.path a folder that does
    /// not exist (or empty, as shipped), gets TP and BPTT rows at T = 100 and 1000 from its
    /// format's shape. BPTT stores u and s of every step (10x the bytes at 10x the steps), TP's
    /// state does not grow. Points whose BPTT history is within --measure-limit (64 MiB) are
    /// measured and equal the model; the larger ones (VGG-9: tens of GB) are not.
    void everyShippedExperimentWithoutData()
    {
        const QStringList files = shippedExperiments();
        QVERIFY2(files.size() >= 10, qPrintable(files.join(", ")));
        const double limit = 64.0 * 1024 * 1024;
        int measuredPoints = 0;
        for (const QString& file : files) {
            QString error;
            const QJsonObject doc = readJsonFile(file, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            const QJsonObject dataset = doc.value("dataset").toObject();
            const QStringList grid = {QStringLiteral("memory"), file, QStringLiteral("--steps"), QStringLiteral("100,1000"),
                                      QStringLiteral("--classes"), QStringLiteral("10"), QStringLiteral("--json")};
            QStringList noData = grid + QStringList{QStringLiteral("--measure-limit"), QStringLiteral("64")};
            if (dataset.contains("path"))
                noData << QStringLiteral("--set")
                       << QStringLiteral("dataset.path=") + m_dir.filePath(QStringLiteral("no-data/") +
                                                                           dataset.value("kind").toString());
            for (const QStringList& args : {grid + QStringList{QStringLiteral("--no-measure")}, noData}) {
                const CliResult r = runCli(args, 600'000);
                EXPECT_EXIT(r, 0);
                const auto rows = jsonLines(r.out, &error);
                QVERIFY2(error.isEmpty(), qPrintable(error));
                std::map<QString, QJsonObject> at;  // "tp100", "bptt1000", ...
                for (const auto& o : rows)
                    at[o.value("rule").toString() + QString::number(o.value("steps").toInt())] = o;
                for (const char* key : {"tp100", "tp1000", "bptt100", "bptt1000"}) {
                    QVERIFY2(at.count(key), qPrintable(file + ": no row " + key + "\n" + r.out));
                    const QJsonObject& o = at[key];
                    QVERIFY2(o.value("model_bytes").toDouble() > 0, qPrintable(file + " " + key));
                    const bool measure = args.contains("--measure-limit") &&
                                         at[QString("bptt") + QString::number(o.value("steps").toInt())]
                                                 .value("model_bytes")
                                                 .toDouble() <= limit;
                    QVERIFY2(o.contains("measured_bytes") == measure, qPrintable(file + " " + key + "\n" + r.out));
                    if (measure) {
                        QCOMPARE(o.value("measured_bytes").toDouble(), o.value("model_bytes").toDouble());
                        ++measuredPoints;
                    }
                }
                const double tp100 = at["tp100"].value("model_bytes").toDouble();
                const double bptt100 = at["bptt100"].value("model_bytes").toDouble();
                qInfo("%s: TP %.0f B at T 100 and 1000, BPTT %.0f -> %.0f B", qPrintable(QFileInfo(file).fileName()),
                      tp100, bptt100, at["bptt1000"].value("model_bytes").toDouble());
                QCOMPARE(at["tp1000"].value("model_bytes").toDouble(), tp100);
                QCOMPARE(at["bptt1000"].value("model_bytes").toDouble(), 10 * bptt100);
                QVERIFY(bptt100 > tp100);
            }
        }
        QVERIFY2(measuredPoints >= 10, qPrintable(QString::number(measuredPoints)));  // the small nets, T = 100
    }

    /// Data in no known format at dataset.path: its shape is unknown, and the error says how to
    /// give it; with network.inputs the dense MLP is planned. Data of another format is named; an
    /// empty folder (the download not done yet) is planned with the format's shape.
    void customDataAsksForTheInputSize()
    {
        const QString custom = m_dir.filePath(QStringLiteral("custom"));
        QVERIFY(QDir().mkpath(custom));
        QFile notes(custom + QStringLiteral("/recordings.csv"));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write("t,channel\n0,3\n");
        notes.close();
        const QStringList plan = {QStringLiteral("memory"), nmnistExp(), QStringLiteral("--no-measure"),
                                  QStringLiteral("--steps"), QStringLiteral("100"), QStringLiteral("--set")};
        const CliResult unknown = runCli(plan + QStringList{QStringLiteral("dataset.path=") + custom});
        EXPECT_EXIT(unknown, 2);
        for (const char* part : {"nmnist-mlp.json", "dataset.path", "--set network.inputs=", "N-MNIST"})
            QVERIFY2(unknown.err.contains(part), qPrintable(QString(part) + " not in: " + unknown.err));
        const CliResult sized = runCli(plan + QStringList{QStringLiteral("dataset.path=") + custom,
                                                          QStringLiteral("--set"), QStringLiteral("network.inputs=500")});
        EXPECT_EXIT(sized, 0);
        QVERIFY2(sized.out.contains("500 inputs"), sized.out.constData());

        const QString cifar = m_dir.filePath(QStringLiteral("cifar"));
        QVERIFY(QDir().mkpath(cifar + QStringLiteral("/airplane")));
        const CliResult other = runCli(plan + QStringList{QStringLiteral("dataset.path=") + cifar});
        EXPECT_EXIT(other, 2);
        QVERIFY2(other.err.contains("CIFAR10-DVS") && other.err.contains("--set network.inputs="), other.err.constData());

        const QString empty = m_dir.filePath(QStringLiteral("download-pending"));
        QVERIFY(QDir().mkpath(empty));
        const CliResult pending = runCli(plan + QStringList{QStringLiteral("dataset.path=") + empty});
        EXPECT_EXIT(pending, 0);
        QVERIFY2(pending.out.contains("2312 inputs (2x34x34)"), pending.out.constData());
    }

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
        QCOMPARE(rows.size(), 2 * 2 * 5);
        int tpBelowAuxAt100 = 0;
        for (const auto& o : rows) {
            const QString rule = o.value("rule").toString();
            QVERIFY(QStringList({"tp", "bptt", "ottt", "eprop", "aux"}).contains(rule));
            QVERIFY(o.value("steps").isDouble() && o.value("classes").isDouble() && o.value("model_bytes").isDouble());
            QCOMPARE(o.contains("measured_bytes"), rule == "tp" || rule == "bptt" || rule == "ottt");
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
        QCOMPARE(f.readString("memory_model/rules"), std::string("tp,bptt,ottt,eprop,aux"));
        QCOMPARE(f.readString("memory_model/columns"), std::string("steps,classes,batch,model_bytes,paper_bytes,measured_bytes"));
        const auto t = f.readInts("memory_model/bytes");
        QCOMPARE(t.dims, (std::vector<std::size_t>{5, 6}));
        for (int row = 0; row < 5; ++row) {
            QCOMPARE(t.data[row * 6 + 0], std::int64_t(100));  // T of randman
            QCOMPARE(t.data[row * 6 + 1], std::int64_t(10));   // C
            QCOMPARE(t.data[row * 6 + 2], std::int64_t(32));   // B
            QVERIFY(t.data[row * 6 + 3] > 0);
        }
        QCOMPARE(t.data[0 * 6 + 5], t.data[0 * 6 + 3]);  // TP measured by the run == model (batches hold all C classes)
        QCOMPARE(t.data[1 * 6 + 5], std::int64_t(-1));   // BPTT: model only, a TP run allocates none of it
        QCOMPARE(t.data[2 * 6 + 5], std::int64_t(-1));
        QCOMPARE(t.data[3 * 6 + 5], std::int64_t(-1));
        QCOMPARE(t.data[4 * 6 + 5], std::int64_t(-1));
    }
};

QTEST_GUILESS_MAIN(TestCliMemory)
#include "test_cli_memory.moc"
