// The user's own recordings through the CLI as a new user runs them: `dataset info` on one
// recording (a streaming summary: events, time range, sensor, polarity counts), and an
// experiment file of kind "recordings" on a labelled folder that trains to the task's answer;
// a corrupt recording is an error naming the file and byte offset with exit code 2.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "../datasets/aedat4_fixture.h"
#include "../datasets/event_array_fixture.h"
#include "../datasets/prophesee_words.h"
#include "cli_test_support.h"

using namespace tp_cli_test;
namespace a4 = tp_test::aedat4;

namespace {

/// A CSV recording of `n` events in a 4x4 patch at (x0, y0), t = 100 i + 7, p = (i % 3 == 0).
QByteArray csvRecording(int n, int x0, int y0)
{
    QByteArray text = "x,y,t,p\n";
    for (int i = 0; i < n; ++i)
        text += QByteArray::number(x0 + i % 4) + ',' + QByteArray::number(y0 + (i / 4) % 4) + ',' +
                QByteArray::number(100 * i + 7) + ',' + QByteArray::number(i % 3 == 0) + '\n';
    return text;
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

template <typename Bytes>
QByteArray asBytes(const Bytes& b)
{
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

} // namespace

class TestRecordingsCli : public QObject {
    Q_OBJECT
private slots:
    void infoOnOneRecording()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("one.csv"));
        writeFile(file, csvRecording(300, 10, 20));
        const CliResult text = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("CSV events, sensor 14x24x2 (from the largest x and y of the events)") &&
                     text.out.contains("300 events, t 7 .. 29907 us") && text.out.contains("ON 100, OFF 200"),
                 text.out.constData());
        const CliResult json = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file, QStringLiteral("--json")});
        EXPECT_EXIT(json, 0);
        const QJsonObject o = QJsonDocument::fromJson(json.out).object();
        QCOMPARE(o.value("kind").toString(), QStringLiteral("recordings"));
        QCOMPARE(o.value("events").toInt(), 300);
        QCOMPARE(o.value("t_min_us").toInt(), 7);
        QCOMPARE(o.value("t_max_us").toInt(), 29907);
        QCOMPARE(o.value("on").toInt(), 100);
        QCOMPARE(o.value("off").toInt(), 200);
        QCOMPARE(o.value("sensor").toArray(), (QJsonArray{14, 24, 2}));

        // A corrupt line: file, byte offset and line named, exit code 2, nothing on stdout.
        QByteArray bad = csvRecording(5, 0, 0);
        bad.replace("3,0,307", "3,q,307");
        const QString badFile = dir.filePath(QStringLiteral("bad.csv"));
        writeFile(badFile, bad);
        const CliResult err = runCli({QStringLiteral("dataset"), QStringLiteral("info"), badFile});
        EXPECT_EXIT(err, 2);
        QVERIFY2(err.err.contains(badFile.toUtf8()) && err.err.contains("byte offset") && err.err.contains("line "),
                 err.err.constData());
    }

    void infoOnAedat4()
    {
        // A DAVIS-style recording: events in two LZ4 packets, IMU and frame packets between them,
        // a file data table at the end (tests/datasets/aedat4_fixture.h writes it from the spec).
        tp::Events a, b;
        for (int i = 0; i < 300; ++i)
            (i < 120 ? a : b).push_back({1000 + 100 * i, std::int16_t(10 + i % 4), std::int16_t(20 + (i / 4) % 4),
                                         std::uint8_t(i % 3 == 0)});
        const QByteArray bytes = asBytes(a4::build(
            {a4::Lz4,
             {{0, "EVTS", 346, 260}, {1, "IMUS"}, {2, "FRME", 346, 260}},
             {a4::events(0, a), a4::opaque(1, "IMUS", 96, 1000), a4::opaque(2, "FRME", 346 * 260, 1000), a4::events(0, b),
              a4::opaque(1, "IMUS", 96, 20000)},
             true}));
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("davis.aedat4"));
        writeFile(file, bytes);
        const CliResult text = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("AEDAT 4.0 (LZ4), sensor 346x260x2 (from the file)") &&
                     text.out.contains("300 events, t 1000 .. 30900 us") && text.out.contains("ON 100, OFF 200") &&
                     text.out.contains("skipped: IMU packets 2") && text.out.contains("skipped: frame packets 1") &&
                     text.out.contains("stream 0 (events): 2 packets, 300 events"),
                 text.out.constData());
        const CliResult json = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file, QStringLiteral("--json")});
        EXPECT_EXIT(json, 0);
        const QJsonObject o = QJsonDocument::fromJson(json.out).object();
        QCOMPARE(o.value("format").toString(), QStringLiteral("AEDAT 4.0 (LZ4)"));
        QCOMPARE(o.value("events").toInt(), 300);
        QCOMPARE(o.value("sensor").toArray(), (QJsonArray{346, 260, 2}));
        QCOMPARE(o.value("skipped").toObject().value("frame packets").toInt(), 1);

        // Cut short (its header promises a file data table): file and byte offset named, exit code 2.
        writeFile(file, bytes.left(bytes.size() - 200));
        const CliResult err = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file});
        EXPECT_EXIT(err, 2);
        QVERIFY2(err.err.contains(file.toUtf8()) && err.err.contains("byte offset"), err.err.constData());
    }

    void infoOnProphesee()
    {
        // EVT 3.0 as Metavision 4 writes it (keys in alphabetical order, geometry in the format
        // line): 64 events of one row in VECT_12/VECT_8 groups and single ADDR_X events, 1 ms
        // apart, across a wrap of the 24-bit time counter; two triggers.
        namespace pw = tp_test::prophesee;
        namespace e3 = pw::evt3;
        pw::Bytes b;
        b.text("% camera_integrator_name Prophesee\n% date 2026-12-08 02:00:00\n% evt 3.0\n"
               "% format EVT3;height=720;width=1280\n% generation 4.2\n% end\n");
        b.u16(e3::addrY(700));
        for (unsigned i = 0; i < 32; ++i) {
            const unsigned t = 0xFFF000 + 1000 * i;  // wraps after 4 steps: 0xFFFFFF = 16.78 s
            b.u16(e3::timeHigh(t >> 12 & 0xFFF)).u16(e3::timeLow(t & 0xFFF));
            b.u16(e3::addrX(1200 + i, i % 2)).u16(e3::baseX(i, 1)).u16(e3::vect12(0b1));
            if (i % 16 == 0)
                b.u16(e3::trigger(1, 0));
        }
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("evk4.raw"));
        writeFile(file, asBytes(b.data));
        const CliResult r = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file, QStringLiteral("--json")});
        EXPECT_EXIT(r, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("format").toString(), QStringLiteral("Prophesee EVT 3.0"));
        QCOMPARE(o.value("events").toInt(), 64);
        QCOMPARE(o.value("sensor").toArray(), (QJsonArray{1280, 720, 2}));
        QCOMPARE(o.value("on").toInt(), 32 + 16);  // every vector event is ON, every second ADDR_X one
        QCOMPARE(o.value("t_min_us").toInteger(), qint64(0xFFF000));
        QCOMPARE(o.value("t_max_us").toInteger(), qint64(0xFFF000 + 31000));  // unwrapped past 2^24
        QCOMPARE(o.value("out_of_order").toInt(), 0);
        QCOMPARE(o.value("skipped").toObject().value("trigger events").toInt(), 2);
        const CliResult text = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file});
        EXPECT_EXIT(text, 0);
        QVERIFY2(text.out.contains("Prophesee EVT 3.0, sensor 1280x720x2 (from the file)") && text.out.contains("wrapped 1 time"),
                 text.out.constData());
    }

    void infoOnEveryOtherFormat()
    {
        // The same 40 events (x = i % 10, y = i % 5, t = 50 i + 3, every fourth ON) as a tonic
        // .npy, a deflated .npz of x/y/t/p arrays, Prophesee EVT 2.0 and .dat: `dataset info`
        // gives the same count, time range and polarity counts for each.
        namespace pw = tp_test::prophesee;
        std::vector<tp_test::Rec> recs;
        std::vector<std::int64_t> xs, ys, ts, ps;
        pw::Bytes evt2, dat;
        evt2.text("% evt 2.0\n% format EVT2;height=480;width=640\n% end\n").u32(pw::evt2::timeHigh(0));
        dat.text("% Data file containing CD events\n% Version 2\n% Width 304\n% Height 240\n")
            .u8(pw::dat::kEventCd).u8(8);
        for (int i = 0; i < 40; ++i) {
            const int x = i % 10, y = i % 5, t = 50 * i + 3, p = i % 4 == 0;
            recs.push_back({x, y, t, p});
            xs.push_back(x), ys.push_back(y), ts.push_back(t), ps.push_back(p);
            evt2.u32(pw::evt2::timeHigh(unsigned(t) >> 6)).u32(pw::evt2::cd(unsigned(p), unsigned(t) & 63, unsigned(x), unsigned(y)));
            pw::dat::event(dat, std::uint32_t(t), unsigned(x), unsigned(y), unsigned(p));
        }
        const std::vector<tp_test::Field> tonic = {{"x", "<i2"}, {"y", "<i2"}, {"t", "<i8"}, {"p", "|b1"}};
        QTemporaryDir dir;
        const struct {
            const char* name;
            QByteArray bytes;
            const char* format;
            QJsonArray sensor;
        } files[] = {
            {"tonic.npy", asBytes(tp_test::structuredNpy(tonic, recs)), "NPY structured array", {10, 5, 2}},
            {"arrays.npz",
             asBytes(tp_test::zipOf({{"x.npy", tp_test::plainNpy("<u2", xs), true},
                                     {"y.npy", tp_test::plainNpy("<u2", ys), true},
                                     {"t.npy", tp_test::plainNpy("<i8", ts), true},
                                     {"p.npy", tp_test::plainNpy("|u1", ps), true}})),
             "NPZ arrays", {10, 5, 2}},
            {"cam.raw", asBytes(evt2.data), "Prophesee EVT 2.0", {640, 480, 2}},
            {"ncars.dat", asBytes(dat.data), "Prophesee DAT", {304, 240, 2}},
        };
        for (const auto& f : files) {
            const QString file = dir.filePath(QString::fromLatin1(f.name));
            writeFile(file, f.bytes);
            const CliResult r = runCli({QStringLiteral("dataset"), QStringLiteral("info"), file, QStringLiteral("--json")});
            EXPECT_EXIT(r, 0);
            const QJsonObject o = QJsonDocument::fromJson(r.out).object();
            QVERIFY2(o.value("format").toString().startsWith(QLatin1String(f.format)), r.out.constData());
            QCOMPARE(o.value("events").toInt(), 40);
            QCOMPARE(o.value("t_min_us").toInt(), 3);
            QCOMPARE(o.value("t_max_us").toInt(), 50 * 39 + 3);
            QCOMPARE(o.value("on").toInt(), 10);
            QCOMPARE(o.value("off").toInt(), 30);
            QCOMPARE(o.value("sensor").toArray(), f.sensor);
        }
    }

    void experimentOnALabelledFolderTrains()
    {
        // Two classes told apart by where their events are: top-left patch vs bottom-right patch.
        QTemporaryDir dir;
        const QString data = dir.filePath(QStringLiteral("gestures"));
        for (int r = 0; r < 20; ++r) {
            writeFile(data + QStringLiteral("/up/r%1.csv").arg(r), csvRecording(200 + r, 0, 0));
            writeFile(data + QStringLiteral("/down/r%1.csv").arg(r), csvRecording(200 + r, 12, 12));
        }
        QString error;
        QJsonObject exp = readJsonFile(nmnistExp(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        exp["name"] = "own-recordings";
        exp["dataset"] = QJsonObject{{"kind", "recordings"}, {"path", data}, {"sensor_size", QJsonArray{16, 16}},
                                     {"test_fraction", 0.25}, {"cache_dir", ""}};
        exp["binning"] = QJsonObject{{"n_time_bins", 20}};
        QJsonObject run = exp["run"].toObject();
        run["epochs"] = 3;
        run["batch"] = 8;
        run["lr"] = 1e-3;
        exp["run"] = run;
        const QString file = dir.filePath(QStringLiteral("own.json"));
        writeFile(file, QJsonDocument(exp).toJson());
        const CliResult r = runCli({QStringLiteral("train"), file, QStringLiteral("--json"), QStringLiteral("--out"),
                                    dir.filePath(QStringLiteral("run")), QStringLiteral("--set"),
                                    QStringLiteral("network.layers.0.size=32")});
        EXPECT_EXIT(r, 0);
        // 30 training recordings, 10 held out; the two patches never overlap, so the held-out
        // recordings are all classified right (chance is 50 %).
        QCOMPARE(bestTestAccuracy(r.out), 1.0);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("run/metrics.json"))));
    }
};

QTEST_GUILESS_MAIN(TestRecordingsCli)
#include "test_recordings_cli.moc"
