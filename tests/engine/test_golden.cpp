// Golden conformance: every MLP golden file reproduces in float32 and float64, on the dense,
// the event-driven and the automatic compute path (spikes and predictions exactly, floats
// within the tolerances of tests/golden/README or ../shared/golden/README.md).
#include <QDir>
#include <QtTest>

#include <hdf5.h>

#include "core/errors.h"
#include "rules/tp/golden.h"
#include "io/h5.h"
#include "../kernel_level.h"

using namespace tp;

class TestGolden : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { TP_USE_KERNEL_LEVEL_OR_SKIP(); }

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

    // Found by fuzz_golden: a dataset whose element type is a 1 MB array made HDF5 allocate a
    // conversion buffer of elements x 1 MB. Only integer and float element types are read.
    void nonNumericElementTypeIsFormatError()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("array_type.h5")).toStdString();
        {
            const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            const hsize_t arrayDims[1] = {131072};
            const hid_t type = H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, arrayDims);
            const hsize_t dims[1] = {4096};
            const hid_t space = H5Screate_simple(1, dims, nullptr);
            const hid_t ds = H5Dcreate2(file, "W", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            QVERIFY(ds >= 0);
            H5Dclose(ds);
            H5Sclose(space);
            H5Tclose(type);
            H5Fclose(file);
        }
        const h5::File f = h5::File::openRead(path);
        try {
            f.readDoubles("W");
            QFAIL("an array-typed dataset was read as doubles");
        } catch (const FormatError& e) {
            // Refused on its type, before HDF5 is asked to convert (and allocate) anything.
            const std::string what = e.what();
            QVERIFY2(what.find("dataset /W") != std::string::npos, e.what());
            QVERIFY2(what.find("expected integers or floating-point numbers") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestGolden)
#include "test_golden.moc"
