// End-to-end tests of `traceprop-cli report`: a tiny Randman run is trained once, then reported.
// The report folder is checked with tools that know nothing of our code where they are
// installed (h5dump, pdftotext) and with the HDF5 C API / byte parsing otherwise.
#include "cli_test_support.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>

using namespace tp_cli_test;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// stdout of an external program, or a null array when it is not installed.
QByteArray runTool(const QString& tool, const QStringList& args, int* exitCode)
{
    const QString exe = QStandardPaths::findExecutable(tool);
    if (exe.isEmpty())
        return {};
    QProcess p;
    p.start(exe, args);
    p.waitForFinished(hangGuardMs(60'000));
    *exitCode = p.exitCode();
    QByteArray out = p.readAllStandardOutput();
    return out.isNull() ? QByteArray("") : out;
}

/// Empty when every xref entry of `pdf` points at "k 0 obj"; else what is wrong.
QString checkXref(const QByteArray& pdf)
{
    const qsizetype sx = pdf.lastIndexOf("startxref\n");
    if (sx < 0)
        return QStringLiteral("no startxref");
    const qsizetype xref = pdf.mid(sx + 10).split('\n').first().toLongLong();
    if (pdf.mid(xref, 5) != "xref\n")
        return QStringLiteral("startxref does not point at the xref table");
    const QList<QByteArray> lines = pdf.mid(xref + 5).split('\n');
    const QList<QByteArray> range = lines[0].split(' ');
    const int count = range.value(1).toInt();
    if (range.value(0) != "0" || count < 4)
        return QStringLiteral("bad xref range ") + QString::fromLatin1(lines[0]);
    for (int k = 1; k < count; ++k) {
        const QByteArray entry = lines.value(k + 1);
        if (entry.size() != 19 || !entry.endsWith(" n "))  // "0000012345 00000 n " + "\n"
            return QStringLiteral("bad xref entry %1: '%2'").arg(k).arg(QString::fromLatin1(entry));
        const QByteArray head = QByteArray::number(k) + " 0 obj\n";
        if (pdf.mid(entry.left(10).toLongLong(), head.size()) != head)
            return QStringLiteral("xref entry %1 does not point at '%1 0 obj'").arg(k);
    }
    return {};
}

std::vector<std::int64_t> confusion(const QString& file, QString* error)
{
    const RawDataset d = readRaw(file, QStringLiteral("confusion_matrix"));
    *error = d.error;
    if (!d.error.isEmpty() || d.typeClass != H5T_INTEGER || d.typeSize != 8)
        return {};
    const auto* v = reinterpret_cast<const std::int64_t*>(d.bytes.constData());
    return {v, v + d.bytes.size() / 8};
}

} // namespace

class TestCliReport : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_run;
    static constexpr int kEpochs = 3;

    QString path(const QString& name) const { return m_tmp.filePath(name); }
    QString report(const QString& name) const { return m_run + QStringLiteral("/report/") + name; }

    /// "93.70%" of metrics.json's best test accuracy, and the first epoch that reached it.
    QString bestAccuracyText(int* bestEpoch) const
    {
        QString error;
        const QJsonObject doc = readJsonFile(m_run + QStringLiteral("/metrics.json"), &error);
        const double best = doc.value(QLatin1String("best_test_accuracy")).toDouble(-1);
        *bestEpoch = 0;
        for (const auto& e : doc.value(QLatin1String("epochs")).toArray())
            if (*bestEpoch == 0 && e.toObject().value(QLatin1String("test_accuracy")).toDouble() == best)
                *bestEpoch = e.toObject().value(QLatin1String("epoch")).toInt();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f%%", 100 * best);
        return QString::fromLatin1(buf);
    }

private slots:
    void initTestCase()
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        QVERIFY(m_tmp.isValid());
        m_run = path(QStringLiteral("run"));
        const CliResult train = runCli(QStringList{QStringLiteral("train"), randmanExp(), QStringLiteral("--out"),
                                                   m_run, QStringLiteral("--json")} + smallRun(kEpochs));
        EXPECT_EXIT(train, 0);
        const CliResult r = runCli({QStringLiteral("report"), m_run});
        EXPECT_EXIT(r, 0);
        QVERIFY(r.out.contains("report written to"));
    }

    void folderHoldsEveryFileAndNoTemporaries()
    {
        for (const char* name : {"index.html", "report.pdf", "metrics.csv", "metrics.json", "results.h5"})
            QVERIFY2(QFileInfo(report(QString::fromLatin1(name))).size() > 0, name);
        const QStringList hidden = QDir(m_run).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        for (const QString& entry : hidden)
            QVERIFY2(!entry.contains(QLatin1String(".tmp")), qPrintable(entry));
        // metrics.csv: the run's, one row per epoch.
        const QByteArray csv = readAll(report(QStringLiteral("metrics.csv")));
        QCOMPARE(csv, readAll(m_run + QStringLiteral("/metrics.csv")));
        QCOMPARE(csv.trimmed().split('\n').size(), kEpochs + 1);
        QCOMPARE(readAll(report(QStringLiteral("metrics.json"))), readAll(m_run + QStringLiteral("/metrics.json")));
    }

    void htmlIsSelfContainedWithEveryFigure()
    {
        const QByteArray html = readAll(report(QStringLiteral("index.html")));
        QVERIFY(html.startsWith("<!DOCTYPE html>"));
        for (const char* forbidden : {"http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "@import"})
            QVERIFY2(!html.contains(forbidden), forbidden);
        // accuracy, local losses, firing rates, throughput, confusion matrix
        QCOMPARE(html.count("<svg"), 5);
        QCOMPARE(html.count("</svg>"), 5);
        int bestEpoch = 0;
        const QString best = bestAccuracyText(&bestEpoch);
        QVERIFY(bestEpoch >= 1 && bestEpoch <= kEpochs);
        QVERIFY2(html.contains(("<td>" + best + " (epoch " + QString::number(bestEpoch) + ")</td>").toUtf8()),
                 qPrintable(best));
        for (const char* text : {"TraceProp report: randman", "Confusion matrix", "run.seed 38472", "BPTT",
                                 "&quot;schema_version&quot;: 1", "layer 1 (local)", "Operating system"})
            QVERIFY2(html.contains(text), text);
    }

    void pdfIsValidAndReadable()
    {
        const QByteArray pdf = readAll(report(QStringLiteral("report.pdf")));
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        const QString xref = checkXref(pdf);
        QVERIFY2(xref.isEmpty(), qPrintable(xref));
        int code = -1;
        const QByteArray text = runTool(QStringLiteral("pdftotext"), {report(QStringLiteral("report.pdf")), QStringLiteral("-")}, &code);
        if (text.isNull())
            QSKIP("pdftotext (poppler-utils) is not installed: the PDF's text was not extracted");
        QCOMPARE(code, 0);
        int bestEpoch = 0;
        const QString best = bestAccuracyText(&bestEpoch);
        QVERIFY2(text.contains((best + " (epoch " + QString::number(bestEpoch) + ")").toUtf8()), text.left(2000));
        for (const char* s : {"TraceProp report: randman", "Confusion matrix", "Training throughput", "run.seed 38472"})
            QVERIFY2(text.contains(s), s);
        // poppler parses every page's content stream without complaint.
        const QByteArray info = runTool(QStringLiteral("pdfinfo"), {report(QStringLiteral("report.pdf"))}, &code);
        QCOMPARE(code, 0);
        const int pages = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(QString::fromLatin1(info)).captured(1).toInt();
        QVERIFY2(pages >= 4, info.constData());
        QProcess render;
        render.start(QStandardPaths::findExecutable(QStringLiteral("pdftoppm")),
                     {QStringLiteral("-png"), QStringLiteral("-r"), QStringLiteral("20"), report(QStringLiteral("report.pdf")),
                      m_tmp.filePath(QStringLiteral("page"))});
        QVERIFY(render.waitForFinished(hangGuardMs(60'000)));
        QCOMPARE(render.exitCode(), 0);
        QVERIFY2(render.readAllStandardError().isEmpty(), "pdftoppm reported errors");
        QCOMPARE(QDir(m_tmp.path()).entryList({QStringLiteral("page-*.png")}).size(), pages);
    }

    void resultsHoldConfusionConfigAndSeeds()
    {
        const QString file = report(QStringLiteral("results.h5"));
        int code = -1;
        const QByteArray header = runTool(QStringLiteral("h5dump"), {QStringLiteral("-H"), file}, &code);
        if (!header.isNull()) {
            QCOMPARE(code, 0);
            for (const char* name : {"DATASET \"confusion_matrix\"", "DATASET \"config\"", "GROUP \"seeds\"",
                                     "GROUP \"weights\"", "GROUP \"memory_model\"", "ATTRIBUTE \"machine_cpu\""})
                QVERIFY2(header.contains(name), name);
        }
        QString error;
        const std::vector<std::int64_t> cm = confusion(file, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(cm.size(), std::size_t(100));  // 10 classes
        std::int64_t total = 0, correct = 0;
        for (int i = 0; i < 10; ++i)
            for (int j = 0; j < 10; ++j)
                total += cm[std::size_t(i * 10 + j)], correct += i == j ? cm[std::size_t(i * 10 + j)] : 0;
        QCOMPARE(total, std::int64_t(200));  // 20% of 10 x 100 samples
        const QJsonObject metrics = readJsonFile(m_run + QStringLiteral("/metrics.json"), &error);
        const QJsonArray epochs = metrics.value(QLatin1String("epochs")).toArray();
        QCOMPARE(double(correct) / double(total), epochs.last().toObject().value(QLatin1String("test_accuracy")).toDouble());
        const RawDataset seed = readRaw(file, QStringLiteral("seeds/run"));
        QVERIFY2(seed.error.isEmpty(), qPrintable(seed.error));
        QCOMPARE(*reinterpret_cast<const std::int64_t*>(seed.bytes.constData()), std::int64_t(38472));
        const RawDataset config = readRaw(file, QStringLiteral("config"));
        QVERIFY(config.typeClass == H5T_STRING);
        QCOMPARE(QJsonDocument::fromJson(config.bytes).object().value(QLatin1String("name")).toString(),
                 QStringLiteral("randman"));
        QCOMPARE(compareGroups(file, m_run + QStringLiteral("/results.h5"), QStringLiteral("weights")), QString());
    }

    // A run without a stored confusion matrix: the report evaluates the final weights itself.
    void confusionIsComputedWhenTheRunHasNone()
    {
        const QString run2 = path(QStringLiteral("run2")), out = path(QStringLiteral("report2"));
        QVERIFY(QDir().mkpath(run2));
        for (const char* name : {"metrics.csv", "metrics.json", "results.h5"})
            QVERIFY(QFile::copy(m_run + "/" + name, run2 + "/" + name));
        const QByteArray h5 = QFile::encodeName(run2 + QStringLiteral("/results.h5"));
        const hid_t f = H5Fopen(h5.constData(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        QVERIFY(H5Ldelete(f, "confusion_matrix", H5P_DEFAULT) >= 0);  // as written by older builds
        QVERIFY(H5Ldelete(f, "confusion_matrix_axes", H5P_DEFAULT) >= 0);
        for (const char* attr : {"machine_cpu", "machine_cores", "machine_os", "compiler", "library_versions"})
            QVERIFY(H5Adelete(f, attr) >= 0);
        H5Fclose(f);
        CliResult r = runCli({QStringLiteral("report"), run2, QStringLiteral("--out"), out});
        EXPECT_EXIT(r, 0);
        QString e1, e2;
        const auto computed = confusion(out + QStringLiteral("/results.h5"), &e1);
        const auto stored = confusion(report(QStringLiteral("results.h5")), &e2);
        QVERIFY2(e1.isEmpty() && e2.isEmpty(), qPrintable(e1 + e2));
        QCOMPARE(computed, stored);
        const QByteArray html = readAll(out + QStringLiteral("/index.html"));
        QVERIFY(html.contains("Computed by the report"));
        // Trailing separators name the same folders.
        r = runCli({QStringLiteral("report"), run2 + QStringLiteral("/"), QStringLiteral("--out"), out + QStringLiteral("/")});
        EXPECT_EXIT(r, 0);
        QCOMPARE(readAll(out + QStringLiteral("/index.html")), html);
        QCOMPARE(QDir(m_tmp.path()).entryList({QStringLiteral(".report2*")}, QDir::AllEntries | QDir::Hidden).size(), 0);
        QVERIFY(html.contains("the run recorded none"));
    }

    void badRunFolderExitsTwoNamingThePath()
    {
        const QString missing = path(QStringLiteral("no-such-run"));
        CliResult r = runCli({QStringLiteral("report"), missing});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains(missing.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(missing));

        const QString partial = path(QStringLiteral("partial"));
        QVERIFY(QDir().mkpath(partial));
        QVERIFY(QFile::copy(m_run + QStringLiteral("/metrics.csv"), partial + QStringLiteral("/metrics.csv")));
        QVERIFY(QFile::copy(m_run + QStringLiteral("/metrics.json"), partial + QStringLiteral("/metrics.json")));
        r = runCli({QStringLiteral("report"), partial});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains((partial + QStringLiteral("/results.h5")).toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(partial + QStringLiteral("/report")));

        // Not HDF5 at all: a format error naming the file, nothing written.
        QFile bad(partial + QStringLiteral("/results.h5"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("not hdf5");
        bad.close();
        r = runCli({QStringLiteral("report"), partial});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("results.h5"), r.err.constData());
        QVERIFY(!QFileInfo::exists(partial + QStringLiteral("/report")));
        QCOMPARE(QDir(partial).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(), 3);
    }

    // A second report replaces the first as a whole; folders that are not reports are refused.
    void reportIsReplacedWholeAndOtherFoldersAreKept()
    {
        QFile stale(report(QStringLiteral("stale.txt")));
        QVERIFY(stale.open(QIODevice::WriteOnly));
        stale.write("from an old report");
        stale.close();
        CliResult r = runCli({QStringLiteral("report"), m_run});
        EXPECT_EXIT(r, 0);
        QVERIFY(!QFileInfo::exists(report(QStringLiteral("stale.txt"))));
        QVERIFY(QFileInfo(report(QStringLiteral("index.html"))).size() > 0);
        for (const QString& entry : QDir(m_run).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
            QVERIFY2(!entry.contains(QLatin1String(".tmp")) && !entry.contains(QLatin1String(".old")), qPrintable(entry));

        // A run file that became unreadable: the command fails and the previous report stays as it was.
        const QString run3 = path(QStringLiteral("run3")), out3 = path(QStringLiteral("report3"));
        QVERIFY(QDir().mkpath(run3));
        for (const char* name : {"metrics.csv", "metrics.json", "results.h5"})
            QVERIFY(QFile::copy(m_run + "/" + name, run3 + "/" + name));
        r = runCli({QStringLiteral("report"), run3, QStringLiteral("--out"), out3});
        EXPECT_EXIT(r, 0);
        const QByteArray before = readAll(out3 + QStringLiteral("/index.html"));
        QFile truncated(run3 + QStringLiteral("/results.h5"));
        QVERIFY(truncated.open(QIODevice::ReadWrite));
        QVERIFY(truncated.resize(truncated.size() / 2));
        truncated.close();
        r = runCli({QStringLiteral("report"), run3, QStringLiteral("--out"), out3});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains("results.h5"), r.err.constData());
        QCOMPARE(readAll(out3 + QStringLiteral("/index.html")), before);
        QCOMPARE(QDir(m_tmp.path()).entryList({QStringLiteral(".report3*")}, QDir::AllEntries | QDir::Hidden).size(), 0);

        r = runCli({QStringLiteral("report"), m_run, QStringLiteral("--out"), m_run});
        EXPECT_EXIT(r, 2);
        QVERIFY(QFileInfo(m_run + QStringLiteral("/results.h5")).size() > 0);

        const QString other = path(QStringLiteral("precious"));
        QVERIFY(QDir().mkpath(other));
        QFile keep(other + QStringLiteral("/notes.txt"));
        QVERIFY(keep.open(QIODevice::WriteOnly));
        keep.write("keep me");
        keep.close();
        r = runCli({QStringLiteral("report"), m_run, QStringLiteral("--out"), other});
        EXPECT_EXIT(r, 2);
        QVERIFY2(r.err.contains(other.toUtf8()), r.err.constData());
        QCOMPARE(readAll(other + QStringLiteral("/notes.txt")), QByteArray("keep me"));
    }
};

QTEST_GUILESS_MAIN(TestCliReport)
#include "test_cli_report.moc"
