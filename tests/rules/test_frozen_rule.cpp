// A rule written outside engine/ and registered at run time ("frozen", tests/rules/frozen/): the
// registry, makeModel, the memory model and the CLI (traceprop-cli-frozen: the CLI's commands
// with one registerRule line) take it like the built-in rules.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "core/sample.h"
#include "frozen/frozen_rule.h"
#include "io/h5.h"
#include "rules/model.h"
#include "rules/registry.h"
#include "train/memory_model.h"

using namespace tp;

namespace {

struct CliRun {
    int code = -1;
    QByteArray out, err;
};

CliRun cli(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(TP_FROZEN_CLI_PATH), args);
    CliRun r;
    if (!p.waitForFinished(300000))
        return r;
    r.code = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

TpConfig smallConfig()
{
    TpConfig c;
    c.inputs = 20;
    c.classes = 3;
    c.max_batch = 6;
    c.layers = {LayerSpec{"lif", 12, false, "none"}};
    c.neuron.alpha = 0.9;
    return c;
}

std::vector<double> weightsOf(const QString& results, const char* name)
{
    return h5::File::openRead(results.toStdString()).readDoubles(name).data;
}

} // namespace

class TestFrozenRule : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerRule(test::kFrozenRule); }

    void registryListsItAfterTheBuiltInRules()
    {
        const auto& rules = learningRules();
        QVERIFY(rules.size() >= 3);
        QCOMPARE(QString(rules.back()->name), QStringLiteral("frozen"));
        QCOMPARE(findRule("frozen"), &test::kFrozenRule);
        QVERIFY(QString::fromStdString(ruleNames()).endsWith(", frozen"));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, registerRule(test::kFrozenRule));
    }

    void trainingChangesNoWeight()
    {
        TpConfig c = smallConfig();
        c.rule.name = "frozen";
        auto model = makeModel(c, Precision::Float32);
        model->initWeights(3);
        std::vector<float> before;
        model->forEachTrainable([&](void* d, std::size_t n) {
            before.insert(before.end(), static_cast<float*>(d), static_cast<float*>(d) + n);
        });
        const Batch b = syntheticBatch(6, 15, 20, 3, 0.2, 1);
        const BatchStats s = model->train(b, 0.1);
        QCOMPARE(s.samples, 6);
        std::vector<float> after;
        model->forEachTrainable([&](void* d, std::size_t n) {
            after.insert(after.end(), static_cast<float*>(d), static_cast<float*>(d) + n);
        });
        QVERIFY(after == before);
        // The same step of BPTT does change them (the comparison can fail).
        c.rule.name = "bptt";
        auto bptt = makeModel(c, Precision::Float32);
        bptt->initWeights(3);
        bptt->train(b, 0.1);
        std::vector<float> trained;
        bptt->forEachTrainable([&](void* d, std::size_t n) {
            trained.insert(trained.end(), static_cast<float*>(d), static_cast<float*>(d) + n);
        });
        QVERIFY(trained != before);
    }

    void layerKindsAndMemoryModelComeFromTheRule()
    {
        TpConfig c = smallConfig();
        c.rule.name = "frozen";
        c.layers[0].type = "conv";
        c.input_shape = {5, 2, 2};
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeModel(c, Precision::Float32));
        const auto rows = memoryTable(smallConfig(), 6, 15, 3);
        const auto frozen = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.rule == "frozen"; });
        QVERIFY(frozen != rows.end());
        QCOMPARE(frozen->model_bytes, std::size_t(2 * 15 * 6 * 12 * 4));
        QVERIFY(frozen->measured_bytes);
        QCOMPARE(*frozen->measured_bytes, frozen->model_bytes);
    }

    void cliListsTrainsBenchesAndPlansIt()
    {
        const CliRun help = cli({"help", "rules"});
        QCOMPARE(help.code, 0);
        QVERIFY2(help.out.contains("frozen  Frozen (test only)"), help.out.constData());
        // help params: every table (experiment sections, dataset formats, rules) from the registries.
        const CliRun params = cli({"help", "params"});
        QCOMPARE(params.code, 0);
        for (const char* line : {"  neuron.v_th   number, default 1, > 0: ", "dataset \"nmnist\":\n", "rule \"frozen\":\n  (no parameters)",
                                 "  rule.readout_trace  choice, default \"beta\", one of beta, exact: "})
            QVERIFY2(params.out.contains(line), line);

        QTemporaryDir dir;
        const QString exp = QStringLiteral(TP_RESOURCES_DIR "/experiments/randman.json");
        auto train = [&](const QString& out, const QString& rule, int epochs) {
            return cli({"train", exp, "--json", "--threads", "1", "--out", dir.filePath(out), "--set",
                        "rule.name=" + rule, "--set", "run.epochs=" + QString::number(epochs), "--set",
                        "dataset.samples_per_class=20"});
        };
        const CliRun one = train("one", "frozen", 1), two = train("two", "frozen", 2), bptt = train("bptt", "bptt", 1);
        QVERIFY2(one.code == 0 && two.code == 0 && bptt.code == 0, (one.err + two.err + bptt.err).constData());
        const auto epochs = two.out.trimmed().split('\n');
        QCOMPARE(epochs.size(), 2);
        QCOMPARE(QJsonDocument::fromJson(epochs[0]).object().value("test_accuracy").toDouble(),
                 QJsonDocument::fromJson(epochs[1]).object().value("test_accuracy").toDouble());
        // A rule without local losses reports 0 for every layer (not whatever lay past its stats).
        for (const QByteArray& epoch : epochs)
            QCOMPARE(QJsonDocument::fromJson(epoch).object().value("loss").toArray().at(0).toDouble(), 0.0);
        const auto w1 = weightsOf(dir.filePath("one/results.h5"), "weights/W1");
        QVERIFY(!w1.empty());
        QVERIFY(w1 == weightsOf(dir.filePath("two/results.h5"), "weights/W1"));
        QVERIFY(w1 != weightsOf(dir.filePath("bptt/results.h5"), "weights/W1"));

        const CliRun memory = cli({"memory", exp, "--steps", "100", "--classes", "10", "--csv"});
        QCOMPARE(memory.code, 0);
        QVERIFY2(memory.out.contains("\nfrozen,100,10,"), memory.out.constData());

        const CliRun bench = cli({"bench", "--workload", "randman", "--rule", "frozen", "--batches", "2", "--json"});
        QVERIFY2(bench.code == 0, bench.err.constData());
        QVERIFY(QJsonDocument::fromJson(bench.out).object().value("samples_per_cpu_second").toDouble() > 0);

        const CliRun unknown = cli({"train", exp, "--set", "rule.name=frozn"});
        QCOMPARE(unknown.code, 2);
        QVERIFY2(unknown.err.contains("unknown rule 'frozn' (known: tp, bptt, ottt, frozen)"), unknown.err.constData());
    }
};

QTEST_APPLESS_MAIN(TestFrozenRule)
#include "test_frozen_rule.moc"
