// `traceprop-cli dataset info|frames|train` on files written here by hand: SHD files by the HDF5
// C API with their class names as variable-length UTF-8 strings (what h5py writes for a Python
// str list), and one file of every other format from its bytes (dataset-formats.md): an N-MNIST
// .bin, a DVS128 Gesture AEDAT 3.1 recording (with and without its labels CSV) and tonic .npy
// trial, a CIFAR10-DVS AEDAT 2.0 recording, a Speech Commands WAV; then the error for a path
// that is no dataset.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <hdf5.h>

#include "../h5_fixture.h"
#include "cli_test_support.h"

using namespace tp_cli_test;

namespace {

/// One SHD sample: spike times (s) and channels.
struct ShdSample {
    std::vector<float> times;
    std::vector<std::uint16_t> units;
    int label;
};

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
    tp_test::writeH5Dataset(file, "/spikes/times", timesFile, timesMem, times.size(), times.data());
    tp_test::writeH5Dataset(file, "/spikes/units", unitsFile, unitsMem, units.size(), units.data());
    tp_test::writeH5Dataset(file, "/labels", H5T_STD_U16LE, H5T_NATIVE_UINT16, labels.size(), labels.data());
    const hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    H5Tset_cset(str, H5T_CSET_UTF8);
    std::vector<const char*> text;
    for (const auto& k : keys)
        text.push_back(k.c_str());
    tp_test::writeH5Dataset(file, "/extra/keys", str, str, text.size(), text.data());
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

/// Appends `v` as `bytes` bytes, little-endian (or big-endian).
void put(QByteArray& out, std::uint64_t v, int bytes, bool bigEndian = false)
{
    for (int i = 0; i < bytes; ++i)
        out.append(char((v >> (8 * (bigEndian ? bytes - 1 - i : i))) & 0xff));
}

void writeBytes(const QString& path, const QByteArray& bytes)
{
    QVERIFY(QDir().mkpath(QFileInfo(path).path()));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

struct DvsEvent {
    int x, y, p;
    std::uint32_t t_us;
};

/// An N-MNIST sample, 5 bytes per event (section 2.2).
QByteArray nmnistBytes(const std::vector<DvsEvent>& events)
{
    QByteArray out;
    for (const DvsEvent& e : events) {
        put(out, std::uint64_t(e.x), 1);
        put(out, std::uint64_t(e.y), 1);
        put(out, (std::uint64_t(e.p) << 23) | e.t_us, 3, true);
    }
    return out;
}

/// An AEDAT 3.1 recording: the header of section 4.2 and one polarity packet.
QByteArray aedat31Bytes(const std::vector<DvsEvent>& events)
{
    QByteArray out("#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-03-08 09:30:19 (TZ+0100)\r\n"
                   "#!END-HEADER\r\n");
    const auto n = std::uint64_t(events.size());
    for (std::uint64_t v : {1, 1})  // eventType polarity, eventSource 1
        put(out, v, 2);
    for (std::uint64_t v : {std::uint64_t(8), std::uint64_t(4), std::uint64_t(0), n, n, n})
        put(out, v, 4);  // size, ts offset, overflow, capacity, number, valid
    for (const DvsEvent& e : events) {
        put(out, 1u | (std::uint32_t(e.p) << 1) | (std::uint32_t(e.y) << 2) | (std::uint32_t(e.x) << 17), 4);
        put(out, e.t_us, 4);
    }
    return out;
}

/// A CIFAR10-DVS AEDAT 2.0 recording (section 5.2): bits 1..7 = a, 8..14 = b, bit 0 = 0 (ON).
QByteArray aedat2Bytes(const std::vector<DvsEvent>& events)
{
    QByteArray out("#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n");
    for (const DvsEvent& e : events) {
        put(out, (std::uint32_t(e.y) << 8) | (std::uint32_t(e.x) << 1) | std::uint32_t(1 - e.p), 4, true);
        put(out, e.t_us, 4, true);
    }
    return out;
}

/// tonic's DVSGesture trial: NPY v1.0, '<i8', shape (N, 4), rows [x, y, p, t_ms] (section 4.3).
QByteArray npyBytes(const std::vector<DvsEvent>& events)
{
    QByteArray header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + QByteArray::number(events.size()) +
                        ", 4), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header.append(' ');
    header.append('\n');
    QByteArray out("\x93NUMPY\x01\x00", 8);
    put(out, std::uint64_t(header.size()), 2);
    out += header;
    for (const DvsEvent& e : events)
        for (std::int64_t v : {std::int64_t(e.x), std::int64_t(e.y), std::int64_t(e.p), std::int64_t(e.t_us / 1000)})
            put(out, std::uint64_t(v), 8);
    return out;
}

/// A canonical 44-byte-header WAV, 16 kHz mono 16-bit PCM.
QByteArray wavBytes(const std::vector<std::int16_t>& samples)
{
    const auto data = std::uint64_t(samples.size() * 2);
    QByteArray out("RIFF");
    put(out, 36 + data, 4);
    out += "WAVEfmt ";
    put(out, 16, 4);     // fmt chunk size
    put(out, 1, 2);      // PCM
    put(out, 1, 2);      // mono
    put(out, 16000, 4);  // sample rate
    put(out, 32000, 4);  // bytes per second
    put(out, 2, 2);      // block align
    put(out, 16, 2);     // bits per sample
    out += "data";
    put(out, data, 4);
    for (std::int16_t v : samples)
        put(out, std::uint16_t(v), 2);
    return out;
}

/// `n` events at x = 5 + k, y = 10, alternating polarity (ON first), every `step_us` from `step_us`.
std::vector<DvsEvent> dvsEvents(int n, std::uint32_t step_us)
{
    std::vector<DvsEvent> out;
    for (int k = 0; k < n; ++k)
        out.push_back({5 + k, 10, (k + 1) % 2, step_us * std::uint32_t(k + 1)});
    return out;
}

QJsonObject infoJson(const QString& path)
{
    const CliResult r = runCli({"dataset", "info", path, "--json"});
    if (!r.exitedWith(0))
        qWarning("%s", r.describe().constData());
    return QJsonDocument::fromJson(r.out).object();
}

/// The split "all" of a one-file `dataset info --json`.
QJsonObject allSplit(const QJsonObject& info) { return info.value("all").toObject(); }

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

/// The x column of `dataset frames`' frames.csv (step,p,y,x,count), sorted.
QList<int> framesX(const QString& dir)
{
    QFile f(dir + "/frames.csv");
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<int> xs;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i)
        if (!lines[i].isEmpty())
            xs << lines[i].split(',').at(3).toInt();
    std::sort(xs.begin(), xs.end());
    return xs;
}

QStringList notes(const QJsonObject& info)
{
    QStringList out;
    for (const auto& v : info.value("notes").toArray())
        out << v.toString();
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

    void shdSingleFile()
    {
        const QString file = m_dir.filePath("one/shd_train.h5");
        QVERIFY(QDir().mkpath(m_dir.filePath("one")));
        writeShdFile(file, shdSamples(7, 4, 3), kKeys);
        const QJsonObject o = infoJson(file);
        QCOMPARE(o.value("kind").toString(), QString("shd"));
        QCOMPARE(o.value("splits").toArray(), QJsonArray{"all"});
        QVERIFY(!o.contains("train") && !o.contains("test"));
        QCOMPARE(classNames(o), (QStringList{"null", "eins", QString::fromUtf8("fünf")}));
        QCOMPARE(allSplit(o).value("samples").toInt(), 7);
        QCOMPARE(ints(allSplit(o).value("class_counts")), (QList<int>{3, 2, 2}));
        QCOMPARE(allSplit(o).value("events").toInt(), 28);
        QCOMPARE(allSplit(o).value("unlabelled").toInt(), 0);
        const CliResult text = runCli({"dataset", "info", file});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("(shd, one file)"), text.out.constData());
        QVERIFY2(text.out.contains("all   7 samples, 28 events"), text.out.constData());
        QVERIFY2(text.out.contains("null=3 eins=2 fünf=2"), text.out.constData());

        // frames shows that file's sample: sample 4 (label 1) fires units (7k + 4) % 700 at 10, 20, 30,
        // 40 ms; 10 ms windows from the first spike leave the last one in an incomplete window (dropped).
        const QString out = m_dir.filePath("frames-shd");
        const CliResult frames = runCli({"dataset", "frames", file, "--index", "4", "--out", out});
        EXPECT_EXIT(frames, 0);
        QVERIFY2(frames.out.contains("sample 4 of all (label 1 eins)"), frames.out.constData());
        QCOMPARE(framesX(out), (QList<int>{4, 11, 18}));
        const CliResult wrongSplit = runCli({"dataset", "frames", file, "--index", "0", "--split", "test", "--out", out});
        EXPECT_EXIT(wrongSplit, 2);
        QVERIFY2(wrongSplit.err.contains("only split is \"all\""), wrongSplit.err.constData());
        const CliResult range = runCli({"dataset", "frames", file, "--index", "7", "--out", out});
        EXPECT_EXIT(range, 2);
        QVERIFY2(range.err.contains("the all split has 7 samples"), range.err.constData());
    }

    void nmnistSingleBin()
    {
        // Worked bytes of section 2.2, plus events inside and outside the first saccade (t < 100 ms).
        const std::vector<DvsEvent> events{{7, 15, 1, 654}, {0, 33, 1, 50000}, {33, 0, 0, 99999}, {1, 1, 1, 150000}};
        const QByteArray bytes = nmnistBytes(events);
        QCOMPARE(bytes.left(5), QByteArray::fromHex("070F80028E"));
        const QString labelled = m_dir.filePath("nmnist/Test/3/00042.bin");
        writeBytes(labelled, bytes);
        const QJsonObject o = infoJson(labelled);
        QCOMPARE(o.value("kind").toString(), QString("nmnist"));
        QCOMPARE(o.value("classes").toInt(), 10);
        QCOMPARE(allSplit(o).value("samples").toInt(), 1);
        QCOMPARE(ints(allSplit(o).value("class_counts")), (QList<int>{0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(allSplit(o).value("events").toInt(), 3);  // first saccade only, the default
        const QString out = m_dir.filePath("frames-nmnist");
        const CliResult frames = runCli({"dataset", "frames", labelled, "--index", "0", "--out", out});
        EXPECT_EXIT(frames, 0);
        QVERIFY2(frames.out.contains("sample 0 of all (label 3)"), frames.out.constData());
        QCOMPARE(framesX(out), (QList<int>{0, 7}));  // 1 ms windows from t = 654: 99,999 us is in an incomplete one

        // Outside a digit folder: one unlabelled sample, and a note saying why.
        const QString loose = m_dir.filePath("loose/sample.bin");
        writeBytes(loose, bytes);
        const QJsonObject u = infoJson(loose);
        QCOMPARE(allSplit(u).value("samples").toInt(), 1);
        QCOMPARE(allSplit(u).value("unlabelled").toInt(), 1);
        QCOMPARE(ints(allSplit(u).value("class_counts")), QList<int>(10, 0));
        QVERIFY2(notes(u).join(' ').contains("not inside a digit folder"), qPrintable(notes(u).join(' ')));
        const CliResult text = runCli({"dataset", "info", loose});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("unlabelled=1") && text.out.contains("note: "), text.out.constData());
        const CliResult frames2 = runCli({"dataset", "frames", loose, "--index", "0", "--out", out});
        EXPECT_EXIT(frames2, 0);
        QVERIFY2(frames2.out.contains("(label unlabelled)"), frames2.out.constData());
    }

    void dvsGestureSingleRecordingWithAndWithoutLabels()
    {
        const QByteArray bytes = aedat31Bytes(dvsEvents(6, 1000));  // t = 1000 ... 6000 us
        const qsizetype payload = bytes.indexOf("#!END-HEADER\r\n") + 14 + 28;
        QCOMPARE(bytes.mid(payload, 8), QByteArray::fromHex("2B000A00E8030000"));  // section 4.2's worked event
        const QString rec = m_dir.filePath("gesture/user01_led.aedat");
        writeBytes(rec, bytes);
        writeBytes(m_dir.filePath("gesture/user01_led_labels.csv"),
                   "class,startTime_usec,endTime_usec\n1,0,3500\n3,3500,10000\n");
        const QJsonObject o = infoJson(rec);
        QCOMPARE(o.value("kind").toString(), QString("dvsgesture"));
        QCOMPARE(classNames(o).value(0), QString("hand clapping"));
        QCOMPARE(allSplit(o).value("samples").toInt(), 2);
        QCOMPARE(ints(allSplit(o).value("class_counts")), (QList<int>{1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(allSplit(o).value("events").toInt(), 6);
        QVERIFY2(notes(o).join(' ').contains("user01_led_labels.csv"), qPrintable(notes(o).join(' ')));
        const QString out = m_dir.filePath("frames-gesture");
        const CliResult frames = runCli({"dataset", "frames", rec, "--index", "1", "--out", out});
        EXPECT_EXIT(frames, 0);
        QVERIFY2(frames.out.contains("sample 1 of all (label 2 left hand wave)"), frames.out.constData());

        // The same recording without its labels CSV: the whole recording, one unlabelled sample.
        const QString bare = m_dir.filePath("gesture-bare/user02_lab.aedat");
        writeBytes(bare, bytes);
        const QJsonObject u = infoJson(bare);
        QCOMPARE(allSplit(u).value("samples").toInt(), 1);
        QCOMPARE(allSplit(u).value("unlabelled").toInt(), 1);
        QCOMPARE(allSplit(u).value("events").toInt(), 6);
        const QString note = notes(u).join(' ');
        QVERIFY2(note.contains("no user02_lab_labels.csv beside it") && note.contains("whole recording is one sample"),
                 qPrintable(note));

        // tonic's preprocessed trial: the file name is the label.
        const QString npy = m_dir.filePath("ibm/user05_led/4.npy");
        writeBytes(npy, npyBytes(dvsEvents(5, 2000)));
        const QJsonObject n = infoJson(npy);
        QCOMPARE(n.value("kind").toString(), QString("dvsgesture"));
        QCOMPARE(allSplit(n).value("samples").toInt(), 1);
        QCOMPARE(ints(allSplit(n).value("class_counts")).value(4), 1);
        QCOMPARE(allSplit(n).value("events").toInt(), 5);
    }

    void cifar10DvsSingleRecording()
    {
        const QByteArray bytes = aedat2Bytes(dvsEvents(8, 1000));
        QCOMPARE(bytes.right(64).left(8), QByteArray::fromHex("00000A0A000003E8"));  // section 5.2's worked event
        const QString rec = m_dir.filePath("cifar/cat/cifar10_cat_7.aedat");
        writeBytes(rec, bytes);
        const QJsonObject o = infoJson(rec);
        QCOMPARE(o.value("kind").toString(), QString("cifar10dvs"));
        QCOMPARE(allSplit(o).value("samples").toInt(), 1);
        QCOMPARE(ints(allSplit(o).value("class_counts")), (QList<int>{0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(allSplit(o).value("events").toInt(), 8);
        QCOMPARE(classNames(o).value(3), QString("cat"));
    }

    void speechCommandsSingleWav()
    {
        std::vector<std::int16_t> audio(8000);
        for (std::size_t i = 0; i < audio.size(); ++i)
            audio[i] = std::int16_t(8000.0 * std::sin(double(i) * 0.2));
        const QString root = m_dir.filePath("gsc");
        writeBytes(root + "/testing_list.txt", "yes/a_nohash_0.wav\n");
        QVERIFY(QDir().mkpath(root + "/no"));
        const QString clip = root + "/yes/a_nohash_0.wav";
        writeBytes(clip, wavBytes(audio));
        const QJsonObject o = infoJson(clip);
        QCOMPARE(o.value("kind").toString(), QString("gsc"));
        QCOMPARE(classNames(o), (QStringList{"no", "yes"}));
        QCOMPARE(allSplit(o).value("samples").toInt(), 1);
        QCOMPARE(ints(allSplit(o).value("class_counts")), (QList<int>{0, 1}));
        // Outside a Speech Commands tree the class list itself is unknown.
        const QString lone = m_dir.filePath("lone/clip.wav");
        writeBytes(lone, wavBytes(audio));
        const QJsonObject u = infoJson(lone);
        QCOMPARE(allSplit(u).value("samples").toInt(), 1);
        QCOMPARE(allSplit(u).value("unlabelled").toInt(), 1);
        QVERIFY2(notes(u).join(' ').contains("not inside a Speech Commands tree"), qPrintable(notes(u).join(' ')));
    }

    void unknownPathListsEveryFormatAndExits2()
    {
        writeBytes(m_dir.filePath("odd/notes.txt"), "hello\n");
        QVERIFY(QDir().mkpath(m_dir.filePath("odd/empty")));
        for (const QString& path : {m_dir.filePath("odd/notes.txt"), m_dir.filePath("odd/empty")}) {
            const CliResult r = runCli({"dataset", "info", path});
            EXPECT_EXIT(r, 2);
            for (const char* tried : {"not a dataset this build can read", "N-MNIST", "Train/ and Test/", ".bin file",
                                      "SHD / SSC", "shd_train.h5 and shd_test.h5", "one HDF5 file", "DVS128 Gesture",
                                      "trials_to_train.txt", "#!AER-DAT3.1", "_labels.csv", ".npy", "CIFAR10-DVS",
                                      "airplane/", "#!AER-DAT2.0", "Speech Commands", "testing_list.txt", "WAV file"})
                QVERIFY2(r.err.contains(tried), (r.err + "  [expected: " + tried + "]").constData());
        }
        const CliResult frames = runCli({"dataset", "frames", m_dir.filePath("odd/notes.txt"), "--index", "0", "--out",
                                         m_dir.filePath("odd/frames")});
        EXPECT_EXIT(frames, 2);
        QVERIFY(frames.err.contains("Tried:"));
        // What was found, where it helps.
        writeBytes(m_dir.filePath("odd/shd_train.h5.gz"), QByteArray::fromHex("1f8b080000000000"));
        const CliResult gz = runCli({"dataset", "info", m_dir.filePath("odd/shd_train.h5.gz")});
        EXPECT_EXIT(gz, 2);
        QVERIFY2(gz.err.contains("gunzip shd_train.h5.gz"), gz.err.constData());
        writeBytes(m_dir.filePath("odd/rec.aedat"), "#!AER-DAT5.0\r\n");
        const CliResult v5 = runCli({"dataset", "info", m_dir.filePath("odd/rec.aedat")});
        EXPECT_EXIT(v5, 2);
        QVERIFY2(v5.err.contains("AEDAT version '5.0'"), v5.err.constData());
        // AEDAT 4.0 is read (a recording): a file that stops after its version line is that
        // reader's error at the byte where the IOHeader should start.
        writeBytes(m_dir.filePath("odd/rec4.aedat"), "#!AER-DAT4.0\r\n");
        const CliResult v4 = runCli({"dataset", "info", m_dir.filePath("odd/rec4.aedat")});
        EXPECT_EXIT(v4, 2);
        QVERIFY2(v4.err.contains("rec4.aedat (byte offset 14)") && v4.err.contains("IOHeader"), v4.err.constData());
        const CliResult missing = runCli({"dataset", "info", m_dir.filePath("odd/nowhere")});
        EXPECT_EXIT(missing, 2);
        QVERIFY2(missing.err.contains("no such file or folder"), missing.err.constData());
        // A file of a known format goes to its reader only: its error, not a list of others.
        writeBytes(m_dir.filePath("odd/bad.bin"), "1234567");
        const CliResult bin = runCli({"dataset", "info", m_dir.filePath("odd/bad.bin")});
        EXPECT_EXIT(bin, 2);
        QVERIFY2(bin.err.contains("bad.bin") && bin.err.contains("not a multiple of 5") && !bin.err.contains("Tried:"),
                 bin.err.constData());
        writeBytes(m_dir.filePath("odd/broken.h5"), QByteArray("\x89HDF\r\n\x1a\n", 8) + QByteArray(100, 'x'));
        const CliResult h5 = runCli({"dataset", "info", m_dir.filePath("odd/broken.h5")});
        EXPECT_EXIT(h5, 2);
        QVERIFY2(h5.err.contains("broken.h5") && h5.err.contains("HDF5") && !h5.err.contains("Tried:"), h5.err.constData());
    }

    void trainOnOneFileTakesATestFile()
    {
        const QString dir = m_dir.filePath("train-shd");
        QVERIFY(QDir().mkpath(dir));
        writeShdFile(dir + "/shd_train.h5", shdSamples(12, 6, 3), kKeys);
        writeShdFile(dir + "/shd_test.h5", shdSamples(6, 6, 3), kKeys);
        const QStringList run{"train", resource("experiments/shd-ff.json"), "--json", "--set", "dataset.drop_last=false",
                              "--set", "run.batch=4", "--set", "run.epochs=1", "--set", "network.layers.0.size=16"};
        const CliResult alone = runCli(run + QStringList{"--set", "dataset.path=" + dir + "/shd_train.h5"});
        EXPECT_EXIT(alone, 2);
        QVERIFY2(alone.err.contains("dataset.test_path") && alone.err.contains("is one file"), alone.err.constData());
        const CliResult both = runCli(run + QStringList{"--set", "dataset.path=" + dir + "/shd_train.h5", "--set",
                                                        "dataset.test_path=" + dir + "/shd_test.h5"});
        EXPECT_EXIT(both, 0);
        QVERIFY2(bestTestAccuracy(both.out) >= 0, both.out.constData());
        const CliResult folder = runCli(run + QStringList{"--set", "dataset.path=" + dir, "--set",
                                                          "dataset.test_path=" + dir + "/shd_test.h5"});
        EXPECT_EXIT(folder, 2);
        QVERIFY2(folder.err.contains("only for a dataset.path that is one file"), folder.err.constData());

        // The file must be of the experiment's kind, and training needs labels.
        writeBytes(m_dir.filePath("train-nmnist/loose.bin"), nmnistBytes({{1, 2, 1, 10}}));
        writeBytes(m_dir.filePath("train-nmnist/5/00001.bin"), nmnistBytes({{1, 2, 1, 10}}));
        const CliResult kind = runCli(run + QStringList{"--set", "dataset.path=" + m_dir.filePath("train-nmnist/loose.bin"),
                                                        "--set", "dataset.test_path=" + dir + "/shd_test.h5"});
        EXPECT_EXIT(kind, 2);
        QVERIFY2(kind.err.contains("N-MNIST file, but dataset.kind is \"shd\""), kind.err.constData());
        const CliResult unlabelled = runCli(
            {"train", nmnistExp(), "--set", "dataset.path=" + m_dir.filePath("train-nmnist/loose.bin"), "--set",
             "dataset.test_path=" + m_dir.filePath("train-nmnist/5/00001.bin")});
        EXPECT_EXIT(unlabelled, 2);
        QVERIFY2(unlabelled.err.contains("without a label") && unlabelled.err.contains("digit folder"),
                 unlabelled.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestDatasetFilesCli)
#include "test_dataset_files_cli.moc"
