// The dataset formats as plug-ins (format.h, registry.h): the registry lists each format once
// with its parameter tables, every format's defaults validate, detection never falls through to
// a reader, a path of the wrong kind names both, and a format registered at run time (written
// here, in this file only) is detected and opened like a built-in one.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

#include "core/errors.h"
#include "event_dataset.h"
#include "nmnist.h"
#include "registry.h"

namespace {

bool hasIssue(const std::vector<tp::ConfigIssue>& issues, const std::string& path, const std::string& text = {})
{
    for (const auto& issue : issues)
        if (issue.path == path && issue.message.find(text) != std::string::npos)
            return true;
    return false;
}

std::string issuesText(const std::vector<tp::ConfigIssue>& issues)
{
    std::string text;
    for (const auto& issue : issues)
        text += issue.path + ": " + issue.message + "\n";
    return text;
}

/// The section of a spec that a parameter table's defaults make.
nlohmann::json defaults(std::span<const tp::ParamSpec> specs)
{
    nlohmann::json section = nlohmann::json::object();
    for (const auto& spec : specs)
        if (*spec.def)
            section[spec.key] = nlohmann::json::parse(spec.def);
    return section;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void writeText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A format written for this test only: a folder holding labels.tiny, one label per line; sample
// i has `events` events on channel = its label. Nothing outside this block knows it.
namespace tiny {

constexpr tp::ParamSpec kParams[] = {
    {.key = "path", .type = tp::ParamType::String, .help = "folder holding labels.tiny"},
    {.key = "events", .type = tp::ParamType::Int, .lo = 1, .hi = 100, .def = "3", .help = "events per sample"},
};

std::unique_ptr<tp::Dataset> open(const tp::DatasetSpec& spec, const tp::DatasetSource& source)
{
    std::vector<int> labels;
    std::ifstream in(source.path + "/labels.tiny");
    for (int label; in >> label;)
        labels.push_back(label);
    const int events = spec.params.value("events", 3);
    tp::EventPipeline pipeline;
    pipeline.frame.n_time_bins = 2;
    auto data = std::make_unique<tp::EventDataset>("Tiny", tp::SensorSize{4, 1, 1}, 4, std::vector<std::string>{},
                                                   pipeline, false);
    for (const tp::Split split : {tp::Split::Train, tp::Split::Test})
        data->fill(split, labels.size(), [labels, events](std::size_t i) {
            std::vector<tp::Loaded> out(1);
            for (int e = 0; e < events; ++e)
                out[0].events.push_back({e * 10, std::int16_t(labels[i]), 0, 0});
            out[0].label = labels[i];
            return out;
        }, true, "", "tiny " + source.path);
    return data;
}

const tp::DatasetFormat kFormat{
    .kind = "tiny",
    .display = "Tiny Test Format",
    .description = "a few labelled events per line of labels.tiny (test only)",
    .recorded = true,
    .params = kParams,
    .shape = [](const tp::DatasetSpec&) { return tp::DatasetShape{{4, 1, 1}, 4}; },
    .detect = [](const tp::PathProbe& p) {
        return p.has("labels.tiny") ? std::optional<tp::FileType>("") : std::nullopt;
    },
    .look_for = "a folder with labels.tiny",
    .open = open,
};

} // namespace tiny

} // namespace

class TestDatasetFormats : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }

private slots:
    void registryListsEveryFormatOnceWithItsParameters()
    {
        const auto& formats = tp::datasetFormats();
        QCOMPARE(tp::datasetKinds(), (std::vector<std::string>{"randman", "recordings", "nmnist", "shd", "ssc",
                                                                "dvsgesture", "cifar10dvs", "gsc"}));
        std::set<std::string> kinds;
        for (const tp::DatasetFormat* f : formats) {
            QVERIFY2(kinds.insert(f->kind).second, f->kind);
            QCOMPARE(tp::findDatasetFormat(f->kind), f);
            QCOMPARE(tp::datasetDisplayName(f->kind), std::string(f->display));
            QVERIFY2(*f->display && *f->description && f->shape && f->open, f->kind);
            QVERIFY2(!f->params.empty(), f->kind);
            QVERIFY2(f->recorded == (f->detect != nullptr) && f->recorded == (*f->look_for != 0), f->kind);
            for (const auto table : {f->params, f->binning})
                for (const tp::ParamSpec& p : table)
                    QVERIFY2(*p.help, (std::string(f->kind) + "." + p.key).c_str());
        }
        QVERIFY_THROWS_EXCEPTION(tp::ConfigError, tp::registerDatasetFormat(*formats.at(1)));
        QCOMPARE(formats.size(), std::size_t(8));
    }

    void declaredDefaultsPassValidation()
    {
        for (const tp::DatasetFormat* f : tp::datasetFormats()) {
            tp::DatasetSpec spec;
            spec.kind = f->kind;
            spec.params = defaults(f->params);
            spec.binning = defaults(f->binning);
            if (f->recorded)
                spec.params["path"] = "";  // required, no default
            std::vector<tp::ConfigIssue> issues;
            tp::validateDatasetSpec(spec, issues);
            // The one choice without a default: event binning's frame mode.
            if (hasIssue(issues, "binning", "set one of")) {
                QCOMPARE(issues.size(), std::size_t(1));
                issues.clear();
                spec.binning["time_window_us"] = 1000;
                tp::validateDatasetSpec(spec, issues);
            }
            QVERIFY2(issues.empty(), (std::string(f->kind) + ":\n" + issuesText(issues)).c_str());
            // A shape from the defaults, except where the data tells it (own recordings: their sensor),
            // and then a size setting gives it.
            if (!tp::nominalDatasetShape(spec)) {
                QCOMPARE(f->kind, std::string("recordings"));
                spec.params["sensor_size"] = {64, 48};
            }
            QVERIFY2(tp::nominalDatasetShape(spec).has_value(), f->kind);
        }
        // The generator's table says what its reader applies.
        tp::DatasetSpec randman;
        randman.params = defaults(tp::findDatasetFormat("randman")->params);
        randman.binning = defaults(tp::findDatasetFormat("randman")->binning);
        const tp::RandmanParams fromTable = tp::randmanParams(randman), builtIn;
        QCOMPARE(fromTable.classes, builtIn.classes);
        QCOMPARE(fromTable.units, builtIn.units);
        QCOMPARE(fromTable.samples_per_class, builtIn.samples_per_class);
        QCOMPARE(fromTable.alpha, builtIn.alpha);
        QCOMPARE(fromTable.train_fraction, builtIn.train_fraction);
        QCOMPARE(fromTable.seed, builtIn.seed);
        QCOMPARE(fromTable.steps, builtIn.steps);
        QCOMPARE(fromTable.step_frac, builtIn.step_frac);
        QCOMPARE(fromTable.offset_frac, builtIn.offset_frac);
    }

    void parameterTablesValidate()
    {
        tp::DatasetSpec spec;
        spec.kind = "cifar10dvs";
        spec.params = {{"kind", "cifar10dvs"}, {"path", ""}, {"address_convention", "upside_down"}};
        spec.binning = {{"n_time_bins", 10}, {"event_count", 5}};
        std::vector<tp::ConfigIssue> issues;
        tp::validateDatasetSpec(spec, issues);
        QVERIFY2(hasIssue(issues, "dataset.address_convention", "unknown value 'upside_down' (known: "
                                                                "anti_diagonal_mirror, raw, mirror_x, swapped_axes)"),
                 issuesText(issues).c_str());
        QVERIFY2(hasIssue(issues, "binning", "set only one of"), issuesText(issues).c_str());
        QCOMPARE(issues.size(), std::size_t(2));  // "kind" in the dataset section is tolerated
    }

    void unknownPathListsEveryFormat()
    {
        QVERIFY(m_dir.isValid());
        const std::string folder = path("unknown");
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        writeText(folder + "/readme.txt", "not a dataset\n");
        const std::string file = folder + "/readme.txt";
        for (const std::string& p : {folder, file}) {
            try {
                tp::detectDatasetPath(p);
                QFAIL("expected IoError");
            } catch (const tp::IoError& e) {
                QVERIFY2(contains(e.what(), "not a dataset this build can read"), e.what());
                for (const tp::DatasetFormat* f : tp::datasetFormats())  // a family shares its first's line
                    if (f->recorded)
                        QVERIFY2(contains(e.what(), f->display) && (*f->family || contains(e.what(), f->look_for)),
                                 e.what());
                QVERIFY2(contains(e.what(), "SHD / SSC: a folder with shd_train.h5"), e.what());
            }
        }
        // No fall-through to a reader: every kind (SHD was the fallback) gets the list.
        for (const tp::DatasetFormat* f : tp::datasetFormats()) {
            if (!f->recorded)
                continue;
            tp::DatasetSpec spec;
            spec.kind = f->kind;
            spec.params = {{"path", folder}, {"cache_dir", ""}};
            if (f->check)
                spec.binning = {{"time_window_us", 1000}};
            try {
                tp::openDataset(spec);
                QFAIL("expected IoError");
            } catch (const tp::IoError& e) {
                QVERIFY2(contains(e.what(), "Tried:") && contains(e.what(), "SHD / SSC"), e.what());
            }
        }
    }

    void pathOfAnotherKindNamesBoth()
    {
        const std::string root = path("nmnist");
        tp::writeNmnistTree(root, {{{{10, 1, 2, 1}}, 3}}, {{{{10, 1, 2, 1}}, 4}});
        tp::DatasetSpec spec;
        spec.kind = "dvsgesture";
        spec.params = {{"path", root}, {"cache_dir", ""}};
        spec.binning = {{"time_window_us", 1000}};
        try {
            tp::openDataset(spec);
            QFAIL("expected IoError");
        } catch (const tp::IoError& e) {
            QVERIFY2(contains(e.what(), "holds N-MNIST data, not DVS128 Gesture") &&
                         contains(e.what(), "trials_to_train.txt"), e.what());
        }
        try {
            tp::plannedDatasetShape(spec);
            QFAIL("expected ConfigError");
        } catch (const tp::ConfigError& e) {
            QVERIFY2(hasIssue(e.issues(), "dataset.path", "holds N-MNIST data, not DVS128 Gesture"), e.what());
        }
        // One file of another kind.
        const std::string file = root + "/Train/3/00001.bin";
        spec.params = {{"path", file}, {"test_path", file}, {"cache_dir", ""}};
        try {
            tp::openDataset(spec);
            QFAIL("expected ConfigError");
        } catch (const tp::ConfigError& e) {
            QVERIFY2(hasIssue(e.issues(), "dataset.path", "is a N-MNIST file, but dataset.kind is \"dvsgesture\""),
                     e.what());
        }
        // Its own kind opens it.
        spec.kind = "nmnist";
        QCOMPARE(tp::openDataset(spec)->size(tp::Split::Test), std::size_t(1));
    }

    void formatRegisteredAtRunTimeIsDetectedAndOpened()
    {
        tp::registerDatasetFormat(tiny::kFormat);
        QCOMPARE(tp::datasetKinds().back(), std::string("tiny"));
        QVERIFY(contains(tp::datasetFormatsTried(), "Tiny Test Format: a folder with labels.tiny"));
        const std::string root = path("tiny");
        QVERIFY(QDir().mkpath(QString::fromStdString(root)));
        writeText(root + "/labels.tiny", "0\n3\n1\n");
        QCOMPARE(tp::detectDatasetPath(root).kind, std::string("tiny"));

        tp::DatasetSpec spec;
        spec.kind = "tiny";
        spec.params = {{"path", root}, {"events", 101}};
        std::vector<tp::ConfigIssue> issues;
        tp::validateDatasetSpec(spec, issues);
        QVERIFY2(hasIssue(issues, "dataset.events", "must be an integer in [1, 100]"), issuesText(issues).c_str());
        spec.params["events"] = 5;
        const auto data = tp::openDataset(spec);
        QCOMPARE(data->name(), std::string("Tiny"));
        QCOMPARE(data->size(tp::Split::Train), std::size_t(3));
        QCOMPARE(data->sample(tp::Split::Test, 1).label, 3);
        QCOMPARE(tp::plannedDatasetShape(spec), (tp::DatasetShape{{4, 1, 1}, 4}));
        // A built-in folder is still the built-in format's, and the test format's folder is not SHD.
        spec.kind = "shd";
        spec.binning = {{"time_window_us", 1000}};
        spec.params = {{"path", root}};
        QVERIFY_THROWS_EXCEPTION(tp::IoError, tp::openDataset(spec));
    }
};

QTEST_GUILESS_MAIN(TestDatasetFormats)
#include "test_dataset_formats.moc"
