// The "recordings" dataset kind (recordings/recordings_format.cpp): the user's own labelled
// recordings in three folder layouts, the seeded per-class split or a given test list, the sensor
// from the setting or the files, detection beside the other kinds, and errors naming the file
// and line. Recordings here are CSV event tables written by the test (every RecordingFormat is
// read through the same recording.h interface).
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "../input_error.h"
#include "event_dataset.h"
#include "registry.h"

namespace fs = std::filesystem;

namespace {

using tp_test::contains;
using tp_test::errorOf;

/// A recording of `n` events at x = x0 + i % 4, y = i % 3, t = 100 i.
void writeRecording(const fs::path& file, int n, int x0)
{
    fs::create_directories(file.parent_path());
    std::ofstream out(file);
    out << "x,y,t,p\n";
    for (int i = 0; i < n; ++i)
        out << x0 + i % 4 << ',' << i % 3 << ',' << 100 * i << ',' << i % 2 << '\n';
}

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

tp::DatasetSpec spec(const fs::path& root, nlohmann::json extra = nlohmann::json::object())
{
    tp::DatasetSpec s;
    s.kind = "recordings";
    s.params = {{"path", root.string()}, {"cache_dir", ""}};
    s.params.update(extra);
    s.binning = {{"n_time_bins", 5}};
    return s;
}

const tp::EventDataset& events(const std::unique_ptr<tp::Dataset>& d) { return dynamic_cast<const tp::EventDataset&>(*d); }

/// Labels of a split's samples, in order.
std::vector<int> labels(const tp::Dataset& d, tp::Split split)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < d.size(split); ++i)
        out.push_back(d.sample(split, i).label);
    return out;
}

/// root/<class>/r<i>.csv: 10 recordings of "c2" and 5 of "c10" (natural order: c2 before c10).
void classFolders(const fs::path& root)
{
    for (int i = 0; i < 10; ++i)
        writeRecording(root / "c2" / ("r" + std::to_string(i) + ".csv"), 20 + i, 0);
    for (int i = 0; i < 5; ++i)
        writeRecording(root / "c10" / "deeper" / ("r" + std::to_string(i) + ".csv"), 30, 8);
    writeText(root / "c2" / "README.txt", "not a recording");
}

} // namespace

class TestRecordingsDataset : public QObject {
    Q_OBJECT
private slots:
    void classFoldersSplitBySeededFraction()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        classFolders(root);
        QCOMPARE(tp::detectDatasetPath(root.string()).kind, std::string("recordings"));
        const auto d = tp::openDataset(spec(root, {{"test_fraction", 0.2}, {"split_seed", 7}}));
        QCOMPARE(d->classNames(), (std::vector<std::string>{"c2", "c10"}));
        // round(0.2 * 10) = 2 of c2 and round(0.2 * 5) = 1 of c10 held out.
        QCOMPARE(d->size(tp::Split::Test), std::size_t(3));
        QCOMPARE(d->size(tp::Split::Train), std::size_t(12));
        const auto& e = events(d);
        QCOMPARE(e.stats(tp::Split::Test).class_counts, (std::vector<std::size_t>{2, 1}));
        QCOMPARE(e.sensor(), (tp::SensorSize{12, 3, 2}));  // x up to 8 + 3, y up to 2: from the events
        bool skippedNoted = false, sensorNoted = false;
        for (const auto& note : e.notes()) {
            skippedNoted = skippedNoted || contains(note, "1 file(s) in the class folders are not event recordings");
            sensorNoted = sensorNoted || contains(note, "sensor 12x3 from the largest x and y of the events");
        }
        QVERIFY(skippedNoted && sensorNoted);

        // The same seed holds out the same recordings; another seed others (event counts tell them apart).
        auto heldOut = [&](int seed) {
            const auto again = tp::openDataset(spec(root, {{"split_seed", seed}}));
            std::vector<std::int64_t> counts;
            for (std::size_t i = 0; i < again->size(tp::Split::Test); ++i)
                counts.push_back(events(again).rawEvents(tp::Split::Test, i).size());
            return counts;
        };
        QCOMPARE(heldOut(7), heldOut(7));
        bool differs = false;
        for (int seed = 1; seed < 6 && !differs; ++seed)
            differs = heldOut(seed) != heldOut(7);
        QVERIFY(differs);
    }

    void trainTestFoldersAndTestList()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeRecording(root / "train" / "a" / "1.csv", 10, 0);
        writeRecording(root / "train" / "b" / "1.csv", 10, 4);
        writeRecording(root / "train" / "b" / "2.csv", 10, 4);
        writeRecording(root / "test" / "a" / "9.csv", 10, 0);
        const auto d = tp::openDataset(spec(root));
        QCOMPARE(d->classNames(), (std::vector<std::string>{"a", "b"}));
        QCOMPARE(labels(*d, tp::Split::Train), (std::vector<int>{0, 1, 1}));
        QCOMPARE(labels(*d, tp::Split::Test), (std::vector<int>{0}));

        // Class folders with a test list: exactly the listed recordings are the test split.
        QTemporaryDir dir2;
        const fs::path r2 = dir2.path().toStdString();
        classFolders(r2);
        writeText(r2 / "test.txt", "c2/r3.csv\n\nc10/deeper/r4.csv\n");
        const auto listed = tp::openDataset(spec(r2, {{"test_list", "test.txt"}}));
        QCOMPARE(labels(*listed, tp::Split::Test), (std::vector<int>{0, 1}));  // class by class, as scanned
        QCOMPARE(events(listed).rawEvents(tp::Split::Test, 0).size(), std::size_t(23));  // c2/r3: 20 + 3 events
        writeText(r2 / "bad.txt", "c2/r3.csv\nc2/missing.csv\n");
        const std::string e = errorOf([&] { tp::openDataset(spec(r2, {{"test_list", "bad.txt"}})); });
        QVERIFY2(contains(e, "bad.txt line 2") && contains(e, "missing.csv is not one of the dataset's recordings"), e.c_str());
    }

    void labelsCsv()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeRecording(root / "rec" / "one.csv", 10, 0);
        writeRecording(root / "rec" / "two.csv", 11, 0);
        writeRecording(root / "rec" / "three.csv", 12, 0);
        writeText(root / "labels.csv", "file,class,split\nrec/one.csv,wave,train\nrec/two.csv,clap,train\nrec/three.csv,wave,test\n");
        const auto d = tp::openDataset(spec(root));
        QCOMPARE(d->classNames(), (std::vector<std::string>{"clap", "wave"}));
        QCOMPARE(labels(*d, tp::Split::Train), (std::vector<int>{1, 0}));
        QCOMPARE(labels(*d, tp::Split::Test), (std::vector<int>{1}));
        QCOMPARE(events(d).rawEvents(tp::Split::Test, 0).size(), std::size_t(12));

        writeText(root / "labels.csv", "rec/one.csv,wave\nrec/gone.csv,clap\n");
        std::string e = errorOf([&] { tp::openDataset(spec(root)); });
        QVERIFY2(contains(e, "labels.csv line 2") && contains(e, "gone.csv does not exist"), e.c_str());
        writeText(root / "labels.csv", "rec/one.csv,wave,train\nrec/two.csv,clap\n");
        e = errorOf([&] { tp::openDataset(spec(root)); });
        QVERIFY2(contains(e, "some rows name a split and some do not"), e.c_str());
        writeText(root / "labels.csv", "rec/one.csv,wave,validation\n");
        QVERIFY(contains(errorOf([&] { tp::openDataset(spec(root)); }), "labels.csv line 1: split is \"validation\""));
    }

    void sensorSettingShapeAndBounds()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        classFolders(root);
        // Without sensor_size the shape is known only from the data.
        QVERIFY(!tp::nominalDatasetShape(spec(root)));
        const std::string planned = errorOf([&] { tp::plannedDatasetShape(spec(root)); });
        QVERIFY2(contains(planned, "dataset.sensor_size"), planned.c_str());
        const auto shape = tp::nominalDatasetShape(spec(root, {{"sensor_size", {16, 4}}}));
        QVERIFY(shape);
        QCOMPARE(shape->input, (std::array<int, 3>{2, 4, 16}));
        QCOMPARE(shape->classes, 2);

        const auto d = tp::openDataset(spec(root, {{"sensor_size", {16, 4}}}));
        QCOMPARE(events(d).sensor(), (tp::SensorSize{16, 4, 2}));
        QCOMPARE(d->inputShape(), shape->input);
        // A sensor smaller than the events: the file and the setting are named.
        const std::string e = errorOf([&] { tp::openDataset(spec(root, {{"sensor_size", {10, 4}}})); });
        QVERIFY2(contains(e, "c10") && contains(e, "x = 10") && contains(e, "outside the 10x4 sensor") &&
                     contains(e, "dataset.sensor_size"),
                 e.c_str());
    }

    void oneFileAndDetectionBesideOtherKinds()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeRecording(root / "one.csv", 40, 2);
        const auto found = tp::detectDatasetPath((root / "one.csv").string());
        QCOMPARE(found.kind, std::string("recordings"));
        QCOMPARE(found.format, std::string("csv"));
        tp::DatasetSpec s = spec(root / "one.csv");
        const auto d = tp::inspectDataset(s);
        QCOMPARE(d->size(tp::Split::Train), std::size_t(1));
        QCOMPARE(events(d).stats(tp::Split::Train).unlabelled, std::size_t(1));
        // Training needs labelled recordings: one file is refused with the reason.
        s.params["test_path"] = (root / "one.csv").string();
        QVERIFY(contains(errorOf([&] { tp::openDataset(s); }), "without a label"));

        // An N-MNIST folder (Train/ and Test/) is still N-MNIST; a folder without recordings is none.
        QTemporaryDir other;
        const fs::path o = other.path().toStdString();
        fs::create_directories(o / "Train" / "0");
        fs::create_directories(o / "Test" / "0");
        QCOMPARE(tp::detectDatasetPath(o.string()).kind, std::string("nmnist"));
        QTemporaryDir empty;
        fs::create_directories(fs::path(empty.path().toStdString()) / "cls");
        writeText(fs::path(empty.path().toStdString()) / "cls" / "notes.txt", "x");
        QVERIFY(contains(errorOf([&] { tp::detectDatasetPath(empty.path().toStdString()); }), "not a dataset"));
    }
};

QTEST_GUILESS_MAIN(TestRecordingsDataset)
#include "test_recordings_dataset.moc"
