// Corrupt, truncated and oversized dataset files through the CLI: a clear message naming the
// file (and the byte offset where the format has one), exit code 2, no crash.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_test_support.h"
#include "../datasets/shd_flip_fixture.h"

#include "cifar10dvs.h"
#include "dvsgesture.h"
#include "gsc.h"
#include "nmnist.h"
#include "shd.h"

using namespace tp;
using namespace tp_cli_test;

namespace {

Events someEvents(int n, int width = 34)
{
    Events ev;
    for (int i = 0; i < n; ++i)
        ev.push_back({std::int64_t(i) * 100, std::int16_t(i % width), std::int16_t((i * 7) % 34), std::uint8_t(i % 2)});
    return ev;
}

void truncate(const QString& file, qint64 size)
{
    QFile f(file);
    QVERIFY(f.resize(size));
}

void overwrite(const QString& file, const QByteArray& bytes)
{
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

#define EXPECT_BAD_INPUT(result, ...)                                                                              \
    do {                                                                                                           \
        const CliResult r_ = (result);                                                                             \
        QVERIFY2(r_.exitCode == 2, qPrintable(QString("exit %1: %2").arg(r_.exitCode).arg(QString(r_.err))));             \
        for (const char* fragment : {__VA_ARGS__})                                                                 \
            QVERIFY2(r_.err.contains(fragment), qPrintable(QString("'%1' not in: %2").arg(fragment, r_.err)));    \
    } while (0)

} // namespace

class TestDatasetErrors : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("TRACEPROP_CACHE", m_dir.filePath("cache").toUtf8());
    }

    void nmnistTruncatedAndOutOfRangeFiles()
    {
        const QString root = m_dir.filePath("nmnist");
        std::vector<std::pair<Events, int>> train, test;
        for (int c = 0; c < 10; ++c) {
            train.emplace_back(someEvents(50), c);
            test.emplace_back(someEvents(50), c);
        }
        writeNmnistTree(root.toStdString(), train, test);
        const QString victim = QString::fromStdString(scanNmnist(root.toStdString(), true)[3].file);
        truncate(victim, 12);
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "byte offset 10", "error:");
        QVERIFY(runCli({"dataset", "info", root}).err.contains(QFileInfo(victim).fileName().toUtf8()));
        EXPECT_BAD_INPUT(runCli({"train", TP_RESOURCES_DIR "/experiments/nmnist-mlp.json", "--set", "dataset.path=" + root}),
                         "byte offset 10");
        overwrite(victim, QByteArray::fromHex("2A0F80028E"));  // x = 42 > 33: oversized coordinate
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "byte offset 0");
    }

    void shdTruncatedAndNotHdf5()
    {
        const QString folder = m_dir.filePath("shd");
        QVERIFY(QDir().mkpath(folder));
        ShdContents c;
        for (int i = 0; i < 40; ++i) {
            Events ev;
            for (int k = 0; k < 50; ++k)
                ev.push_back({std::int64_t(k) * 1000, std::int16_t((i * 13 + k) % 700), 0, 0});
            c.samples.push_back(ev);
            c.labels.push_back(i % 20);
        }
        writeShd((folder + "/shd_train.h5").toStdString(), c, false);
        writeShd((folder + "/shd_test.h5").toStdString(), c, false);
        truncate(folder + "/shd_test.h5", QFileInfo(folder + "/shd_test.h5").size() / 2);
        EXPECT_BAD_INPUT(runCli({"dataset", "info", folder}), "shd_test.h5");
        overwrite(folder + "/shd_test.h5", "this is not HDF5\n");
        EXPECT_BAD_INPUT(runCli({"dataset", "info", folder}), "shd_test.h5", "not an HDF5 file");
    }

    void shdFileThatCrashesOrHangsHdf5()
    {
        // One flipped byte that makes HDF5 1.10 crash (SIGSEGV) or loop forever inside the reading
        // process (offsets of tests/datasets/test_hdf5_isolation.cpp): exit 2, the file named.
        const QString folder = m_dir.filePath("shd_flip");
        QVERIFY(QDir().mkpath(folder));
        const std::string train = (folder + "/shd_train.h5").toStdString();
        const std::string test = (folder + "/shd_test.h5").toStdString();
        QVERIFY(tp_test::writeFlipBaseShd(train));
        const auto bytes = tp_test::fileBytes(train);
        QCOMPARE(bytes.size(), std::size_t(9508));
        QVERIFY(tp_test::writeFlipped(test, bytes, 3150, static_cast<unsigned char>(bytes[3150] ^ 0xff)));
        EXPECT_BAD_INPUT(runCli({"dataset", "info", folder}),
                         "shd_test.h5 is corrupt (the HDF5 library failed while reading /spikes/times: crashed with signal 11");
        QVERIFY(tp_test::writeFlipped(test, bytes, 3424, static_cast<unsigned char>(bytes[3424] ^ 0xff)));
        qputenv("TRACEPROP_HDF5_TIMEOUT_S", "2");
        const CliResult hung = runCli({"dataset", "info", folder}, 60'000);
        qunsetenv("TRACEPROP_HDF5_TIMEOUT_S");
        EXPECT_BAD_INPUT(hung, "shd_test.h5 is corrupt (the HDF5 library failed while ", "no answer within 2 s)");
    }

    void dvsGestureCorruptAedat()
    {
        const QString root = m_dir.filePath("gesture");
        QVERIFY(QDir().mkpath(root));
        Events ev;
        for (int i = 0; i < 500; ++i)
            ev.push_back({std::int64_t(i) * 1000, std::int16_t(i % 128), std::int16_t(i % 100), std::uint8_t(i % 2)});
        for (const char* user : {"user01_led", "user02_lab"}) {
            writeAedat31((root + "/" + user + ".aedat").toStdString(), ev);
            writeGestureLabels((root + "/" + user + "_labels.csv").toStdString(), {{0, 0, 250000}, {3, 250000, 499000}});
        }
        overwrite(root + "/trials_to_train.txt", "user01_led.aedat\n");
        overwrite(root + "/trials_to_test.txt", "user02_lab.aedat\n");
        QCOMPARE(runCli({"dataset", "info", root}).exitCode, 0);
        overwrite(root + "/user02_lab.aedat", "#!AER-DAT2.0\r\n#!END-HEADER\r\n");
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "user02_lab.aedat", "byte offset 0");
        writeAedat31((root + "/user02_lab.aedat").toStdString(), ev);
        truncate(root + "/user02_lab.aedat", QFileInfo(root + "/user02_lab.aedat").size() - 3);
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "user02_lab.aedat", "byte offset");
        overwrite(root + "/user02_lab_labels.csv", "class,startTime_usec,endTime_usec\n1,abc,5\n");
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "user02_lab_labels.csv", "line 2");
    }

    void cifarTruncatedEvent()
    {
        const QString root = m_dir.filePath("cifar");
        std::vector<std::pair<Events, int>> samples;
        for (int c = 0; c < 10; ++c)
            for (int k = 0; k < 2; ++k)
                samples.emplace_back(someEvents(100, 128), c);
        writeCifarTree(root.toStdString(), samples);
        const QString victim = QString::fromStdString(scanCifar10Dvs(root.toStdString(), false)[0].file);
        truncate(victim, QFileInfo(victim).size() - 5);
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "byte offset", "error:");
    }

    void gscNotAudio()
    {
        const QString root = m_dir.filePath("gsc");
        QVERIFY(QDir().mkpath(root + "/yes"));
        QVERIFY(QDir().mkpath(root + "/no"));
        writeWav((root + "/yes/a_nohash_0.wav").toStdString(), std::vector<float>(16000, 0.1f));
        overwrite(root + "/no/b_nohash_0.wav", "RIFF but not really a wave file");
        overwrite(root + "/testing_list.txt", "yes/a_nohash_0.wav\n");
        overwrite(root + "/validation_list.txt", "\n");
        EXPECT_BAD_INPUT(runCli({"dataset", "info", root}), "b_nohash_0.wav");
    }
};

QTEST_GUILESS_MAIN(TestDatasetErrors)
#include "test_dataset_errors.moc"
