// End-to-end tests of `traceprop-cli compare` and `traceprop-cli report RUN1 RUN2 ...`: the
// built-in Randman trained under TP, BPTT and e-prop (2 epochs, 40 samples per class), then the
// comparison report checked against each run's own metrics.json and results.h5.
#include "cli_test_support.h"

#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace tp_cli_test;

namespace {

const QStringList kRules{QStringLiteral("tp"), QStringLiteral("bptt"), QStringLiteral("eprop")};

QStringList tinyRun()
{
    return {QStringLiteral("--set"), QStringLiteral("run.epochs=2"), QStringLiteral("--set"),
            QStringLiteral("dataset.samples_per_class=40"), QStringLiteral("--threads"), QStringLiteral("1")};
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// comparison.csv as a header and rows of cells.
struct Csv {
    QStringList header;
    QList<QStringList> rows;
    int column(const char* name) const { return int(header.indexOf(QLatin1String(name))); }
};

Csv readCsv(const QString& path)
{
    Csv csv;
    const QList<QByteArray> lines = readAll(path).trimmed().split('\n');
    csv.header = QString::fromUtf8(lines.value(0)).split(QLatin1Char(','));
    for (qsizetype i = 1; i < lines.size(); ++i)
        csv.rows.append(QString::fromUtf8(lines[i]).split(QLatin1Char(',')));
    return csv;
}

std::vector<double> doubles(const QString& file, const QString& name, QString* error)
{
    const RawDataset d = readRaw(file, name);
    *error = d.error;
    if (!d.error.isEmpty() || d.typeClass != H5T_FLOAT || d.typeSize != 8)
        return {};
    const auto* v = reinterpret_cast<const double*>(d.bytes.constData());
    return {v, v + d.bytes.size() / 8};
}

/// Sum of metrics.json "memory"[*].key over the run's parts.
qint64 memorySum(const QJsonObject& metrics, const char* key)
{
    qint64 sum = 0;
    for (const auto& part : metrics.value(QLatin1String("memory")).toArray())
        sum += part.toObject().value(QLatin1String(key)).toInteger();
    return sum;
}

} // namespace

class TestCliCompare : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_out, m_report;
    CliResult m_compare;
    QHash<QString, QJsonObject> m_metrics;  // per rule, metrics.json

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_out = m_tmp.filePath(QStringLiteral("cmp"));
        m_report = m_out + QStringLiteral("/report");
        m_compare = runCli(QStringList{QStringLiteral("compare"), randmanExp(), QStringLiteral("--rules"),
                                       QStringLiteral("tp,bptt,eprop"), QStringLiteral("--out"), m_out} +
                           tinyRun());
        QVERIFY2(m_compare.exitedWith(0), m_compare.describe());
        for (const QString& rule : kRules) {
            QString error;
            m_metrics[rule] = readJsonFile(m_out + QLatin1Char('/') + rule + QStringLiteral("/metrics.json"), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
    }

    // One line per run and the report's path on stdout; a run folder per rule with the rule in
    // its experiment, all three of the same seed and data.
    void trainsOneRunFolderPerRule()
    {
        const QString out = QString::fromUtf8(m_compare.out);
        for (const QString& rule : kRules) {
            QVERIFY2(out.contains(QStringLiteral("run %1: best ").arg(rule)), m_compare.describe());
            const QJsonObject exp = m_metrics[rule].value(QLatin1String("experiment")).toObject();
            QCOMPARE(exp.value(QLatin1String("rule")).toObject().value(QLatin1String("name")).toString(), rule);
            QCOMPARE(m_metrics[rule].value(QLatin1String("epochs")).toArray().size(), 2);
            const QJsonObject first = m_metrics[QStringLiteral("tp")].value(QLatin1String("experiment")).toObject();
            QCOMPARE(exp.value(QLatin1String("dataset")), first.value(QLatin1String("dataset")));
            QCOMPARE(exp.value(QLatin1String("run")).toObject().value(QLatin1String("seed")),
                     first.value(QLatin1String("run")).toObject().value(QLatin1String("seed")));
        }
        QVERIFY2(out.contains(QStringLiteral("report written to ") + QFileInfo(m_report).absoluteFilePath()),
                 m_compare.describe());
    }

    // comparison.csv: 3 runs x 2 epochs, accuracies equal to each run's metrics.json, local loss
    // only for TP (BPTT and e-prop have none), memory bytes = the run's measured parts summed.
    void csvHoldsEveryRunAndEpoch()
    {
        const Csv csv = readCsv(m_report + QStringLiteral("/comparison.csv"));
        QCOMPARE(csv.rows.size(), 6);
        const int rule = csv.column("rule"), epoch = csv.column("epoch"), train = csv.column("train_accuracy"),
                  test = csv.column("test_accuracy"), loss = csv.column("loss_layer1"),
                  sps = csv.column("samples_per_second"), mem = csv.column("memory_bytes"),
                  state = csv.column("rule_state_bytes");
        for (int c : {rule, epoch, train, test, loss, sps, mem, state})
            QVERIFY2(c >= 0, qPrintable(csv.header.join(QLatin1Char(','))));
        for (qsizetype r = 0; r < csv.rows.size(); ++r) {
            const QStringList& row = csv.rows[r];
            QCOMPARE(row.size(), csv.header.size());
            QCOMPARE(row[rule], kRules[r / 2]);
            QCOMPARE(row[epoch].toInt(), int(r % 2) + 1);
            const QJsonObject& metrics = m_metrics[row[rule]];
            const QJsonObject e = metrics.value(QLatin1String("epochs")).toArray()[r % 2].toObject();
            for (const auto& [col, key] : {std::pair{train, "train_accuracy"}, {test, "test_accuracy"},
                                           {sps, "samples_per_second"}}) {
                const double want = e.value(QLatin1String(key)).toDouble();
                QVERIFY2(std::abs(row[col].toDouble() - want) <= 1e-9 * std::max(1.0, std::abs(want)),
                         qPrintable(row.join(QLatin1Char(',')) + QStringLiteral(" vs ") + QString::number(want)));
            }
            QCOMPARE(row[loss].isEmpty(), row[rule] != QStringLiteral("tp"));
            QCOMPARE(row[mem].toLongLong(), memorySum(metrics, "total_bytes"));
            QCOMPARE(row[state].toLongLong(), memorySum(metrics, "rule_state_bytes"));
        }
        // BPTT stores the whole history: more rule state than TP on the same network and batch.
        QVERIFY(memorySum(m_metrics[QStringLiteral("bptt")], "rule_state_bytes") >
                3 * memorySum(m_metrics[QStringLiteral("tp")], "rule_state_bytes"));
    }

    // index.html: the three rules in the summary, a chart with one series per run, the memory
    // bar chart with each run's measured total above its bar.
    void htmlNamesTheRulesAndHasTheBarChart()
    {
        const QString html = QString::fromUtf8(readAll(m_report + QStringLiteral("/index.html")));
        QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
        QVERIFY(html.contains(QStringLiteral("TraceProp rule comparison: randman")));
        for (const QString& rule : kRules) {
            QVERIFY2(html.contains(QStringLiteral("<tr><td>%1</td>").arg(rule)), qPrintable(rule));
            QVERIFY(html.contains(QStringLiteral(">%1 test</text>").arg(rule)));
        }
        QVERIFY(html.contains(QStringLiteral("Local loss, layer 1 (bptt, eprop: no local losses)")));
        const qsizetype start = html.indexOf(QStringLiteral("<title>Measured memory by part</title>"));
        QVERIFY2(start > 0, "no bar chart");
        const QString bars = html.mid(start, html.indexOf(QStringLiteral("</svg>"), start) - start);
        for (const char* part : {">weights<", ">optimizer<", ">rule state<", ">buffers<"})
            QVERIFY2(bars.contains(QLatin1String(part)), part);
        // Bars: the segments (wider than the legend swatches), 4 non-zero parts x 3 runs, left to
        // right in the order of the runs; each bar's height is proportional to the run's total.
        const QRegularExpression rect(
            QStringLiteral("<rect x=\"([^\"]+)\" y=\"[^\"]+\" width=\"([^\"]+)\" height=\"([^\"]+)\""));
        QMap<double, double> heights;  // bar x -> stacked height
        int segments = 0;
        for (auto it = rect.globalMatch(bars); it.hasNext();) {
            const auto m = it.next();
            if (m.captured(2).toDouble() > 10)
                ++segments, heights[m.captured(1).toDouble()] += m.captured(3).toDouble();
        }
        QCOMPARE(segments, 12);
        QCOMPARE(heights.size(), 3);
        const QList<double> h = heights.values();
        const double tp = double(memorySum(m_metrics[QStringLiteral("tp")], "total_bytes"));
        for (int r = 1; r < 3; ++r) {
            const double want = double(memorySum(m_metrics[kRules[r]], "total_bytes")) / tp;
            QVERIFY2(std::abs(h[r] / h[0] - want) < 0.01 * want, qPrintable(kRules[r]));
        }
        // The totals above the bars (MiB, one decimal at these sizes) are the measured totals.
        for (const QString& rule : kRules) {
            const double mib = double(memorySum(m_metrics[rule], "total_bytes")) / (1024.0 * 1024.0);
            QVERIFY2(bars.contains(QStringLiteral(">%1</text>").arg(mib, 0, 'f', 1)), qPrintable(rule));
        }
    }

    void pdfAndHdf5()
    {
        const QByteArray pdf = readAll(m_report + QStringLiteral("/report.pdf"));
        QVERIFY(pdf.startsWith("%PDF-1."));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        QVERIFY(pdf.contains("(Measured memory by part) Tj"));
        for (const QString& rule : kRules)
            QVERIFY(pdf.contains("(" + rule.toLatin1() + " test) Tj"));

        const QString h5 = m_report + QStringLiteral("/comparison.h5");
        QString error;
        const QJsonObject tpExp = m_metrics[QStringLiteral("tp")].value(QLatin1String("experiment")).toObject();
        QCOMPARE(intAttribute(h5, "seed"),
                 tpExp.value(QLatin1String("run")).toObject().value(QLatin1String("seed")).toInteger());
        for (const QString& rule : kRules) {
            const QStringList sets = datasetsUnder(h5, rule);
            for (const char* name : {"/epoch", "/train_accuracy", "/test_accuracy", "/readout_loss",
                                     "/samples_per_second", "/memory/weights_bytes", "/memory/rule_state_bytes"})
                QVERIFY2(sets.contains(rule + QLatin1String(name)), qPrintable(rule + QLatin1String(name)));
            QCOMPARE(sets.contains(rule + QStringLiteral("/layer_loss")), rule == QStringLiteral("tp"));
            const auto acc = doubles(h5, rule + QStringLiteral("/test_accuracy"), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            const QJsonArray epochs = m_metrics[rule].value(QLatin1String("epochs")).toArray();
            QCOMPARE(acc.size(), std::size_t(epochs.size()));
            for (qsizetype e = 0; e < epochs.size(); ++e)
                QCOMPARE(acc[std::size_t(e)], epochs[e].toObject().value(QLatin1String("test_accuracy")).toDouble());
        }
    }

    // A second invocation finds the runs complete and only rewrites the report.
    void secondInvocationSkipsCompleteRuns()
    {
        const CliResult r = runCli(QStringList{QStringLiteral("compare"), randmanExp(), QStringLiteral("--rules"),
                                               QStringLiteral("tp,bptt,eprop"), QStringLiteral("--out"), m_out} +
                                   tinyRun());
        QVERIFY2(r.exitedWith(0), r.describe());
        QCOMPARE(r.out.count("(complete from an earlier invocation)"), 3);
    }

    // `report RUN1 RUN2`: the same comparison of two of the runs.
    void reportOfSeveralRuns()
    {
        const QString out = m_tmp.filePath(QStringLiteral("two"));
        const CliResult r = runCli({QStringLiteral("report"), m_out + QStringLiteral("/tp"),
                                    m_out + QStringLiteral("/eprop"), QStringLiteral("--out"), out});
        QVERIFY2(r.exitedWith(0), r.describe());
        const Csv csv = readCsv(out + QStringLiteral("/comparison.csv"));
        QCOMPARE(csv.rows.size(), 4);
        QCOMPARE(csv.rows[0][0], QStringLiteral("tp"));
        QCOMPARE(csv.rows[3][0], QStringLiteral("eprop"));
    }

    // Runs on other data are refused (exit 2), naming the folder and the difference; no report.
    void mixedExperimentsAreRefused()
    {
        const QString other = m_tmp.filePath(QStringLiteral("other-data"));
        const CliResult t = runCli({QStringLiteral("train"), randmanExp(), QStringLiteral("--set"),
                                    QStringLiteral("run.epochs=1"), QStringLiteral("--set"),
                                    QStringLiteral("dataset.samples_per_class=30"), QStringLiteral("--threads"),
                                    QStringLiteral("1"), QStringLiteral("--out"), other});
        QVERIFY2(t.exitedWith(0), t.describe());
        const QString out = m_tmp.filePath(QStringLiteral("mixed"));
        const CliResult r = runCli({QStringLiteral("report"), m_out + QStringLiteral("/tp"), other,
                                    QStringLiteral("--out"), out});
        QVERIFY2(r.exitedWith(2), r.describe());
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains(QFileInfo(other).absoluteFilePath()), r.describe());
        QVERIFY2(err.contains(QStringLiteral("dataset.samples_per_class is 30 there, 40")), r.describe());
        QVERIFY(!QFileInfo::exists(out));
    }

    void badRuleListsExit2()
    {
        const QString out = m_tmp.filePath(QStringLiteral("bad"));
        const struct {
            const char* rules;
            const char* message;
        } cases[] = {{"tp,nosuchrule", "unknown rule 'nosuchrule' (known: tp, bptt"},
                     {"tp", "takes 2 to 5 rules, not 1 (known: tp, bptt"},
                     {"tp,bptt,tp", "'tp' is named twice"},
                     {"", "takes 2 to 5 rules, not 0"}};
        for (const auto& c : cases) {
            const CliResult r = runCli(QStringList{QStringLiteral("compare"), randmanExp(), QStringLiteral("--rules"),
                                                   QLatin1String(c.rules), QStringLiteral("--out"), out} +
                                       tinyRun());
            QVERIFY2(r.exitedWith(2), r.describe());
            QVERIFY2(r.err.contains(c.message), r.describe());
            QVERIFY2(!QFileInfo::exists(out), c.rules);  // refused before anything trains
        }
    }
};

QTEST_GUILESS_MAIN(TestCliCompare)
#include "test_cli_compare.moc"
