// The dataset panel: Randman statistics and class balance against the generator itself, the
// sample browser's images against the samples, a real-format (N-MNIST layout) set chosen and
// loaded through the panel, a load error, and a screenshot of the editing side of the workbench.
#include <set>

#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include "randman.h"
#include "registry.h"
#include "synth_patterns.h"
#include "ui/dataset/dataset_panel.h"
#include "ui/dataset/dataset_views.h"
#include "ui/designer/layer_list_model.h"
#include "ui/designer/layer_stack_editor.h"
#include "ui/designer/properties_panel.h"
#include "ui/document/experiment_document.h"

using namespace tp::ui;

namespace {

constexpr int kLoadTimeoutMs = 120'000;

int countEventPixels(const QImage& image)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            n += image.pixel(x, y) != kFrameBackground;
    return n;
}

template <typename T>
T* childNamed(QWidget* parent, const QString& accessibleName)
{
    for (T* child : parent->findChildren<T*>())
        if (child->accessibleName() == accessibleName)
            return child;
    return nullptr;
}

QString labelContaining(QWidget* parent, const QString& text)
{
    for (QLabel* label : parent->findChildren<QLabel*>())
        if (label->text().contains(text))
            return label->text();
    return {};
}

/// The randman experiment, small: 30 samples per class.
void smallRandman(ExperimentDocument& doc, DatasetPanel& panel)
{
    QVERIFY(doc.newFromTemplate(QStringLiteral(":/experiments/randman.json")));
    auto* perClass = childNamed<QSpinBox>(&panel, QStringLiteral("Samples per class"));
    QVERIFY(perClass);
    QCOMPARE(perClass->value(), 1000);
    perClass->setFocus();
    perClass->selectAll();
    QTest::keyClicks(perClass, QStringLiteral("30"));
    QTest::keyClick(perClass, Qt::Key_Return);
    QCOMPARE(doc.value(QStringLiteral("dataset.samples_per_class")).toInt(), 30);
}

} // namespace

class TestDatasetPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        QStandardPaths::setTestModeEnabled(true);
    }

    void randmanBalanceCountsAndFrames()
    {
        ExperimentDocument doc;
        DatasetPanel panel(&doc);
        smallRandman(doc, panel);
        QSignalSpy loaded(&panel, &DatasetPanel::datasetLoaded);
        panel.resize(480, 700);
        panel.show();  // the built-in set loads by itself, off the GUI thread
        QVERIFY(panel.isLoading());  // show() returned while the worker generates
        QVERIFY(!panel.dataset());
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(loaded.at(0).at(0).toBool(), true);
        QVERIFY(!panel.isLoading());

        // The same task generated here, counted independently.
        const tp::RandmanDataset reference(tp::randmanParams([&] {
            tp::DatasetSpec spec;
            spec.kind = "randman";
            spec.params = nlohmann::json(doc.json()["dataset"]);
            spec.params.erase("kind");
            spec.binning = nlohmann::json(doc.json()["binning"]);
            return spec;
        }()));
        QCOMPARE(reference.size(tp::Split::Train), std::size_t(240));
        QCOMPARE(reference.size(tp::Split::Test), std::size_t(60));
        std::vector<std::size_t> train(10, 0), test(10, 0);
        for (std::size_t i = 0; i < 240; ++i)
            ++train[std::size_t(reference.sample(tp::Split::Train, i).label)];
        for (std::size_t i = 0; i < 60; ++i)
            ++test[std::size_t(reference.sample(tp::Split::Test, i).label)];
        QVERIFY(panel.classBalance()->trainCounts() == train);
        QVERIFY(panel.classBalance()->testCounts() == test);
        for (std::size_t c = 0; c < 10; ++c)
            QCOMPARE(train[c] + test[c], std::size_t(30));
        QCOMPARE(panel.summary(tp::Split::Train).samples, std::size_t(240));
        QVERIFY2(panel.countsText().contains(QLatin1String("<b>240</b> train")), qPrintable(panel.countsText()));
        QVERIFY(panel.countsText().contains(QLatin1String("<b>60</b> test")));
        QVERIFY(panel.countsText().contains(QLatin1String("10 classes")));
        QVERIFY(panel.countsText().contains(QLatin1String("input 40 channels")));
        QVERIFY2(panel.durationText().contains(QLatin1String("100 / 100.0 / 100 steps")), qPrintable(panel.durationText()));
        QVERIFY(panel.classBalance()->toolTip().contains(QLatin1String("0: ")));
        // The loaded shape feeds the designer's shape inference.
        QVERIFY(doc.measuredDatasetShape());
        QCOMPARE(doc.measuredDatasetShape()->classes, 10);

        // Sample browser: the time x channel raster of train sample 3, one pixel per entry.
        panel.showSample(tp::Split::Train, 3, 0);
        const tp::Sample& sample = reference.sample(tp::Split::Train, 3);
        const QImage image = panel.frameImage();
        QCOMPARE(image.size(), QSize(100, 40));
        QCOMPARE(countEventPixels(image), int(sample.nonZeros()));
        QVERIFY(sample.nonZeros() > 0);
        for (int t = 0; t < sample.steps(); ++t)
            for (auto e = sample.step_offsets[t]; e < sample.step_offsets[t + 1]; ++e)
                QVERIFY(image.pixel(t, sample.units[e]) != kFrameBackground);
        // Scrubbing moves the step and reports the entries of that step.
        auto* slider = childNamed<QSlider>(&panel, QStringLiteral("Time step"));
        QVERIFY(slider);
        int busy = 0;
        for (int t = 0; t < sample.steps(); ++t)
            if (sample.step_offsets[t + 1] - sample.step_offsets[t] > sample.step_offsets[busy + 1] - sample.step_offsets[busy])
                busy = t;
        slider->setFocus();
        for (int i = 0; i < busy; ++i)
            QTest::keyClick(slider, Qt::Key_Right);
        QCOMPARE(panel.currentStep(), busy);
        const int atBusy = sample.step_offsets[busy + 1] - sample.step_offsets[busy];
        QVERIFY(!labelContaining(&panel, QStringLiteral("(%1 at this step)").arg(atBusy)).isEmpty());
        QVERIFY(!labelContaining(&panel, QStringLiteral("step %1 / 100").arg(busy)).isEmpty());

        QVERIFY(!childNamed<QSpinBox>(&panel, QStringLiteral("Frame size"))->isVisible());  // randman has steps
        // An edit of the generator marks the statistics stale until the next load.
        doc.setValue(QStringLiteral("dataset.classes"), 5);
        QVERIFY(panel.statusText().contains(QLatin1String("changed since the last load")));
    }

    void realFormatChosenAndLoadedThroughThePanel()
    {
        QTemporaryDir dir;
        tp::PatternSetParams params;
        params.train_per_class = 2;
        params.test_per_class = 1;
        params.events_per_sample = 300;
        params.duration_us = 20'000;
        tp::writePatternNmnist(dir.path().toStdString(), params);

        ExperimentDocument doc;
        QVERIFY(doc.newFromTemplate(QStringLiteral(":/experiments/randman.json")));
        DatasetPanel panel(&doc);
        auto* kind = panel.findChild<QComboBox*>();
        QVERIFY(kind);
        const int nmnist = kind->findData(QStringLiteral("nmnist"));
        QVERIFY(nmnist > 0);
        kind->setFocus();
        kind->setCurrentIndex(nmnist);
        Q_EMIT kind->activated(nmnist);  // what a user's pick emits
        QCOMPARE(doc.undoStack()->count(), 1);  // dataset + binning in one step
        QCOMPARE(doc.value(QStringLiteral("dataset.kind")).toString(), QStringLiteral("nmnist"));
        QCOMPARE(doc.value(QStringLiteral("binning.time_window_us")).toInt(), 1000);  // from nmnist-mlp.json
        QVERIFY(!doc.contains(QStringLiteral("binning.steps")));
        auto* path = childNamed<QLineEdit>(&panel, QStringLiteral("Dataset folder"));
        QVERIFY(path && path->isEnabled());
        path->setFocus();
        QTest::keyClicks(path, dir.path());
        QTest::keyClick(path, Qt::Key_Return);
        QCOMPARE(doc.value(QStringLiteral("dataset.path")).toString(), dir.path());
        doc.setValue(QStringLiteral("dataset.cache_dir"), QString());  // no cache files from a test

        QSignalSpy loaded(&panel, &DatasetPanel::datasetLoaded);
        panel.resize(480, 700);
        panel.show();
        panel.loadDataset();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QVERIFY2(loaded.at(0).at(0).toBool(), qPrintable(loaded.at(0).at(1).toString()));
        QCOMPARE(panel.summary(tp::Split::Train).samples, std::size_t(20));
        QCOMPARE(panel.summary(tp::Split::Test).samples, std::size_t(10));
        QVERIFY(panel.summary(tp::Split::Train).has_duration);
        QVERIFY(panel.countsText().contains(QLatin1String("2 x 34 x 34 (P x H x W)")));
        QVERIFY(panel.durationText().contains(QLatin1String(" s")));

        // The frame of the busiest step: one pixel per active (x, y), ON orange / OFF blue.
        const tp::Sample& sample = panel.dataset()->sample(tp::Split::Train, 1);
        int busy = 0;
        for (int t = 0; t < sample.steps(); ++t)
            if (sample.step_offsets[t + 1] - sample.step_offsets[t] > sample.step_offsets[busy + 1] - sample.step_offsets[busy])
                busy = t;
        panel.showSample(tp::Split::Train, 1, busy);
        QCOMPARE(panel.currentStep(), busy);
        std::set<int> pixels;
        for (auto e = sample.step_offsets[busy]; e < sample.step_offsets[busy + 1]; ++e)
            pixels.insert(sample.units[e] % (34 * 34));
        const QImage frame = panel.frameImage();
        QCOMPARE(frame.size(), QSize(34, 34));
        QVERIFY(!pixels.empty());
        QCOMPARE(countEventPixels(frame), int(pixels.size()));

        // A coarser binning through the panel: 5 ms frames instead of 1 ms.
        auto* frameValue = childNamed<QSpinBox>(&panel, QStringLiteral("Frame size"));
        QVERIFY(frameValue && frameValue->isVisible());
        QCOMPARE(frameValue->value(), 1000);
        frameValue->setFocus();
        frameValue->selectAll();
        QTest::keyClicks(frameValue, QStringLiteral("5000"));
        QTest::keyClick(frameValue, Qt::Key_Return);
        QCOMPARE(doc.value(QStringLiteral("binning.time_window_us")).toInt(), 5000);
        const int fineSteps = sample.steps();
        panel.loadDataset();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kLoadTimeoutMs);
        QVERIFY(loaded.at(1).at(0).toBool());
        const tp::Sample& coarse = panel.dataset()->sample(tp::Split::Train, 1);
        QVERIFY2(coarse.steps() * 5 >= fineSteps - 5 && coarse.steps() * 5 <= fineSteps + 5,
                 qPrintable(QStringLiteral("%1 vs %2").arg(coarse.steps()).arg(fineSteps)));
        QCOMPARE(coarse.nonZeros() > 0, true);
        // Switching the mode replaces the key (one undo step).
        auto* mode = childNamed<QComboBox>(&panel, QStringLiteral("Frame mode"));
        QVERIFY(mode);
        const int bins = mode->findData(QStringLiteral("n_time_bins"));
        mode->setCurrentIndex(bins);
        Q_EMIT mode->activated(bins);
        QVERIFY(!doc.contains(QStringLiteral("binning.time_window_us")));
        QCOMPARE(doc.value(QStringLiteral("binning.n_time_bins")).toInt(), 5000);
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("binning.time_window_us")).toInt(), 5000);
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("binning.time_window_us")).toInt(), 1000);

        doc.undoStack()->undo();
        QVERIFY(!doc.contains(QStringLiteral("dataset.cache_dir")));
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("dataset.path")).toString(), QString());
        doc.undoStack()->undo();
        QCOMPARE(doc.value(QStringLiteral("dataset.kind")).toString(), QStringLiteral("randman"));
        QCOMPARE(doc.value(QStringLiteral("binning.steps")).toInt(), 100);
    }

    void ownRecordingsBrowsedInThePanel()
    {
        // Two class folders of CSV event tables: "left" events at x < 8, "right" at x >= 24.
        QTemporaryDir dir;
        for (const auto& [cls, x0] : {std::pair{QStringLiteral("left"), 0}, std::pair{QStringLiteral("right"), 24}}) {
            QDir(dir.path()).mkpath(cls);
            for (int r = 0; r < 5; ++r) {
                QFile f(dir.filePath(QStringLiteral("%1/rec%2.csv").arg(cls).arg(r)));
                QVERIFY(f.open(QIODevice::WriteOnly));
                f.write("x,y,t,p\n");
                for (int i = 0; i < 200; ++i)
                    f.write(QStringLiteral("%1,%2,%3,%4\n").arg(x0 + i % 8).arg(i % 16).arg(50 * i).arg(i % 2).toUtf8());
            }
        }
        ExperimentDocument doc;
        QVERIFY(doc.newFromTemplate(QStringLiteral(":/experiments/randman.json")));
        DatasetPanel panel(&doc);
        auto* kind = panel.findChild<QComboBox*>();
        const int own = kind->findData(QStringLiteral("recordings"));
        QVERIFY(own > 0);
        QCOMPARE(kind->itemText(own), QStringLiteral("Event recordings"));
        kind->setCurrentIndex(own);
        Q_EMIT kind->activated(own);
        QCOMPARE(doc.value(QStringLiteral("binning.n_time_bins")).toInt(), 100);  // the kind's own default binning
        doc.setValue(QStringLiteral("dataset.path"), dir.path());
        doc.setValue(QStringLiteral("dataset.cache_dir"), QString());
        QSignalSpy loaded(&panel, &DatasetPanel::datasetLoaded);
        panel.resize(480, 700);
        panel.show();
        panel.loadDataset();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QVERIFY2(loaded.at(0).at(0).toBool(), qPrintable(loaded.at(0).at(1).toString()));
        QCOMPARE(panel.dataset()->classNames(), (std::vector<std::string>{"left", "right"}));
        QVERIFY2(panel.statusText().contains(QLatin1String("sensor 32x16 from the largest x and y")), qPrintable(panel.statusText()));
        QCOMPARE(panel.summary(tp::Split::Train).samples, std::size_t(8));  // 20 % of 5 per class held out
        QCOMPARE(panel.summary(tp::Split::Test).class_counts, (std::vector<std::size_t>{1, 1}));
        QVERIFY2(panel.countsText().contains(QLatin1String("2 x 16 x 32 (P x H x W)")), qPrintable(panel.countsText()));
        // A "right" sample's frames light pixels at x >= 24 only.
        panel.showSample(tp::Split::Test, 1, 0);
        const QImage frame = panel.frameImage();
        QCOMPARE(frame.size(), QSize(32, 16));
        int left = 0, right = 0;
        for (int y = 0; y < frame.height(); ++y)
            for (int x = 0; x < frame.width(); ++x)
                (x < 24 ? left : right) += frame.pixel(x, y) != kFrameBackground;
        QCOMPARE(left, 0);
        QVERIFY(right > 0);
        const QString out = QDir::temp().filePath(QStringLiteral("traceprop-gui-edit"));
        QVERIFY(QDir().mkpath(out));
        QVERIFY(panel.grab().save(out + QStringLiteral("/dataset-own-recordings.png")));
    }

    void lessonLocksHoldInTheDatasetPanel()
    {
        // The lesson locks "dataset" and "binning": every field of them here is disabled and says
        // why, and an edit that reaches the document anyway is refused and undone in the widget.
        ExperimentDocument doc;
        QVERIFY(doc.newFromTemplate(QStringLiteral(":/lessons/what-a-trace-remembers.json")));
        DatasetPanel panel(&doc);
        auto* classes = childNamed<QSpinBox>(&panel, QStringLiteral("Classes"));
        QVERIFY(classes);
        const int before = doc.value(QStringLiteral("dataset.classes")).toInt();
        QCOMPARE(classes->value(), before);
        QVERIFY(!classes->isEnabled());
        QVERIFY(classes->toolTip().contains(QLatin1String("Locked by the lesson")));
        QVERIFY(!panel.findChild<QComboBox*>()->isEnabled());  // the dataset kind
        QSignalSpy refused(&doc, &ExperimentDocument::editRefused);
        classes->setValue(before + 3);  // as a keyboard edit would, were the box enabled
        QCOMPARE(refused.count(), 1);
        QCOMPARE(doc.value(QStringLiteral("dataset.classes")).toInt(), before);
        QCOMPARE(classes->value(), before);

        // An ordinary experiment: the same field is editable again.
        QVERIFY(doc.newFromTemplate(QStringLiteral(":/experiments/randman.json")));
        QVERIFY(classes->isEnabled());
        QVERIFY(!classes->toolTip().contains(QLatin1String("Locked")));
    }

    void aMissingFolderIsReportedNotThrown()
    {
        QTemporaryDir dir;
        ExperimentDocument doc;
        QVERIFY(doc.newFromTemplate(QStringLiteral(":/experiments/shd-ff.json")));
        doc.setValue(QStringLiteral("dataset.path"), dir.filePath(QStringLiteral("nothing-here")));
        DatasetPanel panel(&doc);
        QSignalSpy loaded(&panel, &DatasetPanel::datasetLoaded);
        panel.loadDataset();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        QCOMPARE(loaded.at(0).at(0).toBool(), false);
        QVERIFY2(panel.statusText().startsWith(QLatin1String("Cannot load: ")), qPrintable(panel.statusText()));
        QVERIFY(panel.statusText().contains(QLatin1String("nothing-here")));
        QVERIFY(!panel.dataset());
    }

    void screenshotOfTheEditingSide()
    {
        ExperimentDocument doc;
        QWidget window;
        auto* stack = new LayerStackEditor(&doc, &window);
        auto* props = new PropertiesPanel(&doc, stack, &window);
        auto* panel = new DatasetPanel(&doc, &window);
        smallRandman(doc, *panel);
        stack->selectLayer(0);
        stack->addLayer(QStringLiteral("recurrent"));
        doc.setValue(QStringLiteral("network.layers[1].size"), 64);
        // Two invalid values, to show the inline markers: in the stack and in the properties.
        doc.setValue(QStringLiteral("run.batch"), 1);
        stack->addLayer(QStringLiteral("conv_pool"));
        auto* layout = new QHBoxLayout(&window);
        layout->addWidget(stack, 5);
        layout->addWidget(props, 4);
        layout->addWidget(panel, 5);
        window.resize(1500, 940);
        QSignalSpy loaded(panel, &DatasetPanel::datasetLoaded);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kLoadTimeoutMs);
        panel->showSample(tp::Split::Train, 0, 20);
        stack->selectLayer(1);
        QCoreApplication::processEvents();
        const QString out = QDir::temp().filePath(QStringLiteral("traceprop-gui-edit"));
        QVERIFY(QDir().mkpath(out));
        const QString file = out + QStringLiteral("/designer-properties-dataset.png");
        QVERIFY(window.grab().save(file));
        qInfo("screenshot: %s", qPrintable(file));
        QVERIFY(!QImage(file).isNull());
        QCOMPARE(QImage(file).size(), window.size() * window.devicePixelRatio());
        QCOMPARE(stack->model()->data(stack->model()->index(2), LayerListModel::ErrorsRole).toStringList().size(), 1);
        QVERIFY(props->editor(QStringLiteral("run.batch"))->property("hasError").toBool());
    }
};

QTEST_MAIN(TestDatasetPanel)
#include "test_dataset_panel.moc"
