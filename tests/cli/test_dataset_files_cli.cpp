// `traceprop-cli dataset info|frames` on files written here by hand: SHD files by the HDF5 C API
// with their class names as variable-length UTF-8 strings (what h5py writes for a Python str
// list), and the error for a path that is no dataset.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <string>
#include <vector>

#include <hdf5.h>

#include "cli_test_support.h"

using namespace tp_cli_test;

namespace {

/// One SHD sample: spike times (s) and channels.
struct ShdSample {
    std::vector<float> times;
    std::vector<std::uint16_t> units;
    int label;
};

void writeDataset(hid_t file, const char* name, hid_t fileType, hid_t memType, std::size_t n, const void* data)
{
    const hsize_t dims = n;
    const hid_t space = H5Screate_simple(1, &dims, nullptr);
    const hid_t ds = H5Dcreate2(file, name, fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(ds >= 0);
    QVERIFY(H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(ds);
    H5Sclose(space);
}

/// An SHD file in the layout of dataset-formats.md 3.2: vlen float32 times, vlen uint16 units,
/// uint16 labels, and /extra/keys as variable-length UTF-8 strings (h5py's str).
void writeShdFile(const QString& path, const std::vector<ShdSample>& samples, const std::vector<std::string>& keys)
{
    const hid_t file = H5Fcreate(path.toLocal8Bit().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(file >= 0);
    H5Gclose(H5Gcreate2(file, "/spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Gclose(H5Gcreate2(file, "/extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    std::vector<hvl_t> times, units;
    std::vector<std::uint16_t> labels;
    for (const ShdSample& s : samples) {
        times.push_back({s.times.size(), const_cast<float*>(s.times.data())});
        units.push_back({s.units.size(), const_cast<std::uint16_t*>(s.units.data())});
        labels.push_back(std::uint16_t(s.label));
    }
    const hid_t timesFile = H5Tvlen_create(H5T_IEEE_F32LE), timesMem = H5Tvlen_create(H5T_NATIVE_FLOAT);
    const hid_t unitsFile = H5Tvlen_create(H5T_STD_U16LE), unitsMem = H5Tvlen_create(H5T_NATIVE_UINT16);
    writeDataset(file, "/spikes/times", timesFile, timesMem, times.size(), times.data());
    writeDataset(file, "/spikes/units", unitsFile, unitsMem, units.size(), units.data());
    writeDataset(file, "/labels", H5T_STD_U16LE, H5T_NATIVE_UINT16, labels.size(), labels.data());
    const hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    std::vector<const char*> text;
    for (const auto& k : keys)
        text.push_back(k.c_str());
    writeDataset(file, "/extra/keys", str, str, text.size(), text.data());
    for (hid_t t : {timesFile, timesMem, unitsFile, unitsMem, str})
        H5Tclose(t);
    H5Fclose(file);
}

/// `n` samples of `spikes` events each, labels cycling through `classes`.
std::vector<ShdSample> shdSamples(int n, int spikes, int classes)
{
    std::vector<ShdSample> out;
    for (int i = 0; i < n; ++i) {
        ShdSample s{{}, {}, i % classes};
        for (int k = 0; k < spikes; ++k) {
            s.times.push_back(0.01f * float(k + 1));
            s.units.push_back(std::uint16_t((7 * k + i) % 700));
        }
        out.push_back(std::move(s));
    }
    return out;
}

const std::vector<std::string> kKeys{"null", "eins", "fünf"};

QStringList classNames(const QJsonObject& info)
{
    QStringList names;
    for (const auto& v : info.value("class_names").toArray())
        names << v.toString();
    return names;
}

QList<int> ints(const QJsonValue& array)
{
    QList<int> out;
    for (const auto& v : array.toArray())
        out << v.toInt();
    return out;
}

} // namespace

class TestDatasetFilesCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", m_dir.filePath("cli-cache").toUtf8());
    }

    void shdFolderWithVariableLengthUtf8Keys()
    {
        const QString folder = m_dir.filePath("shd-utf8");
        QVERIFY(QDir().mkpath(folder));
        writeShdFile(folder + "/shd_train.h5", shdSamples(7, 4, 3), kKeys);
        writeShdFile(folder + "/shd_test.h5", shdSamples(2, 5, 3), kKeys);
        const CliResult r = runCli({"dataset", "info", folder, "--json"});
        EXPECT_EXIT(r, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("kind").toString(), QString("shd"));
        QCOMPARE(classNames(o), (QStringList{"null", "eins", QString::fromUtf8("fünf")}));
        QCOMPARE(o.value("train").toObject().value("samples").toInt(), 7);
        QCOMPARE(ints(o.value("train").toObject().value("class_counts")), (QList<int>{3, 2, 2}));
        QCOMPARE(o.value("train").toObject().value("events").toInt(), 28);
        QCOMPARE(o.value("test").toObject().value("samples").toInt(), 2);
        QCOMPARE(ints(o.value("test").toObject().value("class_counts")), (QList<int>{1, 1, 0}));
        QCOMPARE(o.value("test").toObject().value("events").toInt(), 10);
        const CliResult text = runCli({"dataset", "info", folder});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("null=3 eins=2 fünf=2"), text.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestDatasetFilesCli)
#include "test_dataset_files_cli.moc"
