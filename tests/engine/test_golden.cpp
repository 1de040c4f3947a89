// Golden conformance: every MLP golden file reproduces in float32 and float64, on the dense,
// the event-driven and the automatic compute path (spikes and predictions exactly, floats
// within the tolerances of tests/golden/README or ../shared/golden/README.md).
#include <QDir>
#include <QtTest>

#include "core/errors.h"
#include "io/golden.h"

using namespace tp;

class TestGolden : public QObject {
    Q_OBJECT

private slots:
    void reproduces_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("precision");
        QTest::addColumn<int>("path");
        const QDir dir(QStringLiteral(TP_TEST_DATA_DIR "/golden"));
        const auto files = dir.entryList({"tp_mlp_*.h5"}, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 3, "tests/golden must hold the three MLP golden files");
        const std::pair<const char*, ComputePath> paths[] = {
            {"auto", ComputePath::Auto}, {"dense", ComputePath::Dense}, {"event", ComputePath::Event}};
        for (const auto& f : files)
            for (int p = 0; p < 2; ++p)
                for (const auto& [pathName, path] : paths)
                    QTest::newRow(qPrintable(QString("%1/%2/%3").arg(f, p ? "f64" : "f32", pathName)))
                        << dir.filePath(f) << p << int(path);
    }

    void reproduces()
    {
        QFETCH(QString, file);
        QFETCH(int, precision);
        QFETCH(int, path);
        const auto report = verifyGolden(file.toStdString(), precision ? Precision::Float64 : Precision::Float32,
                                         ComputePath(path));
        QVERIFY2(report.arrays.size() >= 20, "every recorded array must be compared");
        if (!report.passed() || qEnvironmentVariableIsSet("TP_GOLDEN_TABLE"))
            qWarning().noquote() << QString::fromStdString(report.table());
        QVERIFY(report.passed());
        for (const auto& a : report.arrays)
            if (a.name.rfind("spikes", 0) == 0 || a.name == "predictions")
                QCOMPARE(a.mismatches, 0);
    }

    void missingFileIsIoError()
    {
        QVERIFY_THROWS_EXCEPTION(IoError, verifyGolden("/nonexistent/golden.h5", Precision::Float32));
    }

    void nonHdf5IsFormatError()
    {
        QTemporaryFile tmp;
        QVERIFY(tmp.open());
        tmp.write("this is not an HDF5 file at all, just text\n");
        tmp.close();
        QVERIFY_THROWS_EXCEPTION(FormatError, verifyGolden(tmp.fileName().toStdString(), Precision::Float32));
    }

    void truncatedFileIsFormatError()
    {
        QFile src(QStringLiteral(TP_TEST_DATA_DIR "/golden/tp_mlp_rec.h5"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QByteArray head = src.read(src.size() / 3);
        QTemporaryFile tmp;
        QVERIFY(tmp.open());
        tmp.write(head);
        tmp.close();
        QVERIFY_THROWS_EXCEPTION(FormatError, verifyGolden(tmp.fileName().toStdString(), Precision::Float32));
    }
};

QTEST_APPLESS_MAIN(TestGolden)
#include "test_golden.moc"
