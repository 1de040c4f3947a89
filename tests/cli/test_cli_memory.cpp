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
        const QStringList ruleList = denseMemoryRules();
        QCOMPARE(rows.size(), 2 * 2 * ruleList.size());
        int tpBelowAuxAt100 = 0;
        for (const auto& o : rows) {
            const QString rule = o.value("rule").toString();
            QVERIFY(ruleList.contains(rule));
            QVERIFY(o.value("steps").isDouble() && o.value("classes").isDouble() && o.value("model_bytes").isDouble());
            QCOMPARE(o.contains("measured_bytes"), rule != "aux");  // every registered rule is measured
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

    /// The grid over rules, steps and hidden sizes with the bytes by part: every registered rule is
    /// measured (weights, Adam, rule state, buffers) beside its model; the rule state grows as Table 3
    /// says (BPTT linear in T; TP and e-prop flat in T; e-prop's traces per synapse of a recurrent
    /// layer nearly quadratic in H, BPTT's linear), and the notes name those growths.
    void rulesAndHiddenGridByPart()
    {
        const QStringList grid = {QStringLiteral("memory"), randmanExp(), QStringLiteral("--rules"),
                                  QStringLiteral("tp,bptt,eprop"), QStringLiteral("--steps"), QStringLiteral("20,200"),
                                  QStringLiteral("--hidden"), QStringLiteral("16,128"), QStringLiteral("--classes"),
                                  QStringLiteral("10"), QStringLiteral("--batch"), QStringLiteral("4"), QStringLiteral("--json"),
                                  QStringLiteral("--set"), QStringLiteral("network.layers.0.recurrent=true")};
        const CliResult r = runCli(grid, 600'000);
        EXPECT_EXIT(r, 0);
        QString error;
        const auto rows = jsonLines(r.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(rows.size(), 3 * 2 * 2);  // no aux row: --rules
        std::map<QString, QJsonObject> at;  // "eprop/128/20"
        for (const auto& o : rows) {
            const QString key = o.value("rule").toString() + "/" + QString::number(o.value("hidden").toInt()) + "/" +
                                QString::number(o.value("steps").toInt());
            at[key] = o;
            const QJsonObject model = o.value("model").toObject(), measured = o.value("measured").toObject();
            QVERIFY2(!measured.isEmpty(), qPrintable(key));
            QCOMPARE(measured.value("rule_state").toDouble(), model.value("rule_state").toDouble());
            QCOMPARE(measured.value("weights").toDouble(), model.value("weights").toDouble());
            QCOMPARE(measured.value("optimizer").toDouble(), model.value("optimizer").toDouble() + 8 * 3);  // + 3 step counters
            const double total = measured.value("total").toDouble() / model.value("total").toDouble();
            qInfo("%s: measured total %.0f, planned %.0f (%.2f)", qPrintable(key), measured.value("total").toDouble(),
                  model.value("total").toDouble(), total);
            QVERIFY2(total > 0.8 && total < 1.25, qPrintable(key + QString(" measured/planned total %1").arg(total)));
        }
        auto state = [&](const QString& key) { return at[key].value("measured").toObject().value("rule_state").toDouble(); };
        QCOMPARE(state("bptt/16/200"), 10 * state("bptt/16/20"));
        QCOMPARE(state("tp/16/200"), state("tp/16/20"));
        QCOMPARE(state("eprop/16/200"), state("eprop/16/20"));
        const double tpH = state("tp/128/20") / state("tp/16/20"), epropH = state("eprop/128/20") / state("eprop/16/20");
        qInfo("x8 hidden: TP state x%.2f, e-prop x%.2f, BPTT x%.2f", tpH, epropH, state("bptt/128/20") / state("bptt/16/20"));
        QCOMPARE(state("bptt/128/20"), 8 * state("bptt/16/20"));
        // H * (inputs + H): measured x22.8 for x8 H (exponent 1.5; x64 would be H^2, x8 linear).
        QVERIFY2(epropH > 16, qPrintable(QString::number(epropH)));
        QVERIFY2(r.err.contains("rule state from steps 20 to 200: tp x1.00; bptt x10.00; eprop x1.00"), r.err.constData());
        QVERIFY2(r.err.contains("rule state from hidden 16 to 128 (exponent of H)"), r.err.constData());
        QVERIFY2(r.err.contains("TP's rule state is below every other listed rule's at "), r.err.constData());
        // A rule the network's layers do not allow, and an unknown one, are input errors.
        const CliResult conv = runCli({QStringLiteral("memory"), resource(QStringLiteral("experiments/dvsgesture-vgg9.json")),
                                       QStringLiteral("--rules"), QStringLiteral("tp,eprop"), QStringLiteral("--no-measure")});
        EXPECT_EXIT(conv, 2);
        QVERIFY2(conv.err.contains("the rule 'eprop' does not train 'conv' layers"), conv.err.constData());
        const CliResult unknown = runCli({QStringLiteral("memory"), randmanExp(), QStringLiteral("--rules"),
                                          QStringLiteral("tp,nonesuch"), QStringLiteral("--no-measure")});
        EXPECT_EXIT(unknown, 2);
        QVERIFY2(unknown.err.contains("unknown rule 'nonesuch' (known: tp, bptt"), unknown.err.constData());
    }

    void resultsTable()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("run"));
        const CliResult r = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"), dir} + smallRun(1, 20));
        EXPECT_EXIT(r, 0);
        const auto f = tp::h5::File::openRead((dir + "/results.h5").toStdString());
        QVERIFY(f.exists("memory/bytes"));
        const QStringList rules = denseMemoryRules();
        QCOMPARE(QString::fromStdString(f.readString("memory_model/rules")), rules.join(','));
        QVERIFY(rules.startsWith(QStringLiteral("tp")) && rules.contains(QStringLiteral("bptt")) &&
                rules.contains(QStringLiteral("eprop")));
        QCOMPARE(f.readString("memory_model/columns"), std::string("steps,classes,batch,model_bytes,paper_bytes,measured_bytes"));
        const auto t = f.readInts("memory_model/bytes");
        const int n = int(rules.size());
        QCOMPARE(t.dims, (std::vector<std::size_t>{std::size_t(n), 6}));
        for (int row = 0; row < n; ++row) {
            QCOMPARE(t.data[row * 6 + 0], std::int64_t(100));  // T of randman
            QCOMPARE(t.data[row * 6 + 1], std::int64_t(10));   // C
            QCOMPARE(t.data[row * 6 + 2], std::int64_t(32));   // B
            QVERIFY(t.data[row * 6 + 3] > 0);
            // TP measured by the run == model (batches hold all C classes); every other rule: model only,
            // a TP run allocates none of it.
            QCOMPARE(t.data[row * 6 + 5], row == 0 ? t.data[0 * 6 + 3] : std::int64_t(-1));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliMemory)
#include "test_cli_memory.moc"
