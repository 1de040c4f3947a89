// Experiment files: parsing, validation (all issues at once), overrides, round trips and the
// example experiments shipped in resources/experiments/.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "rules/registry.h"

using nlohmann::json;
using namespace tp;

namespace {

json validDoc()
{
    return json::parse(R"({
      "schema_version": 1,
      "name": "tiny",
      "description": "two layers",
      "comment": "ignored",
      "network": {"inputs": 30,
                  "layers": [{"type": "lif", "size": 40, "recurrent": true}, {"size": 20}],
                  "readout": {"leak": 0.9}},
      "neuron": {"alpha": 0.9, "beta": 0.8, "v_th": 0.5, "reset": "hard",
                 "surrogate": {"type": "arctan", "scale": 2.5}},
      "rule": {"name": "tp", "train_s": true, "readout_trace": "exact"},
      "dataset": {"kind": "randman", "classes": 5, "steps": 50, "seed": 7},
      "binning": {"time_window_us": 1000},
      "run": {"epochs": 3, "batch": 16, "lr": 0.002, "lr_min_ratio": 0.5, "seed": 18446744073709551615,
              "threads": 2, "precision": "float64", "path": "event", "shuffle": false,
              "adam": {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}}
    })");
}

/// Runs parseExperiment and returns its ConfigError's issues (fails the test if nothing throws).
std::vector<ConfigIssue> issuesOf(const json& doc, const DatasetValidator& validator = {})
{
    try {
        parseExperiment(doc, "test.json", validator);
    } catch (const ConfigError& error) {
        return error.issues();
    }
    return {};
}

bool hasIssue(const std::vector<ConfigIssue>& issues, const std::string& path,
              const std::string& fragment = {})
{
    return std::any_of(issues.begin(), issues.end(), [&](const ConfigIssue& issue) {
        return issue.path == path && issue.message.find(fragment) != std::string::npos;
    });
}

QString dump(const std::vector<ConfigIssue>& issues)
{
    QString text;
    for (const auto& issue : issues)
        text += QString::fromStdString("\n  " + issue.path + ": " + issue.message);
    return text;
}

bool contains(const std::string& text, const std::string& fragment)
{
    return text.find(fragment) != std::string::npos;
}

std::string writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& content)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

std::string resourcePath(const std::string& name)
{
    return std::string(TP_RESOURCES_DIR) + "/experiments/" + name;
}

} // namespace

class TestExperiment : public QObject {
    Q_OBJECT

private slots:
    void validDocParsesEveryField()
    {
        const Experiment e = parseExperiment(validDoc(), "test.json");
        QCOMPARE(e.name, std::string("tiny"));
        QCOMPARE(e.network.inputs, 30);
        QCOMPARE(e.network.layers.size(), std::size_t(2));
        QCOMPARE(e.network.layers[0].size, 40);
        QVERIFY(e.network.layers[0].recurrent);
        QCOMPARE(e.network.layers[1].type, std::string("lif"));
        QVERIFY(!e.network.layers[1].recurrent);
        QCOMPARE(e.network.readout_leak, 0.9);
        QCOMPARE(e.neuron.v_th, 0.5);
        QVERIFY(e.neuron.resetKind() == ResetKind::Hard);
        QCOMPARE(e.neuron.surrogate_scale, 2.5);
        QVERIFY(e.rule.train_s);
        QVERIFY(e.rule.readout_trace == ReadoutTrace::Exact);
        // A rule reads its own keys from RuleSpec::params (the section without "name").
        QCOMPARE(e.rule.params, json({{"train_s", true}, {"readout_trace", "exact"}}));
        QCOMPARE(e.dataset.kind, std::string("randman"));
        QVERIFY(!e.dataset.params.contains("kind"));
        QCOMPARE(e.dataset.params.at("classes").get<int>(), 5);
        QCOMPARE(e.dataset.binning.at("time_window_us").get<int>(), 1000);
        QCOMPARE(e.run.seed, std::uint64_t(18446744073709551615ull));
        QVERIFY(e.run.precision == Precision::Float64);
        QVERIFY(e.run.path == ComputePath::Event);
        QVERIFY(!e.run.shuffle);
        QCOMPARE(e.run.adam_eps, 1e-6);
    }

    void minimalDocGetsDefaults()
    {
        const Experiment e = parseExperiment(
            json::parse(R"({"schema_version":1,"network":{"layers":[{}]},"dataset":{"kind":"randman"}})"),
            "m");
        const Experiment defaults;
        QCOMPARE(e.network.layers.size(), std::size_t(1));
        QCOMPARE(e.network.layers[0].size, LayerSpec{}.size);
        QCOMPARE(e.neuron.alpha, defaults.neuron.alpha);
        QCOMPARE(e.run.batch, defaults.run.batch);
        QCOMPARE(e.run.seed, defaults.run.seed);
        QVERIFY(e.run.path == ComputePath::Auto);
        QVERIFY(e.dataset.params.is_object() && e.dataset.params.empty());
    }

    void roundTripsThroughToJson()
    {
        const Experiment e = parseExperiment(validDoc(), "test.json");
        const json first = toJson(e);
        QCOMPARE(first.dump(), toJson(e).dump());  // stable
        const Experiment again = parseExperiment(first, "roundtrip");
        QCOMPARE(toJson(again).dump(), first.dump());
        QCOMPARE(again.run.seed, e.run.seed);
        QCOMPARE(again.run.lr, e.run.lr);
        QCOMPARE(again.neuron.reset, e.neuron.reset);
        QCOMPARE(again.dataset.params, e.dataset.params);
        QCOMPARE(again.dataset.binning, e.dataset.binning);
        QVERIFY(!first.contains("comment"));
        QCOMPARE(first.at("dataset").at("kind").get<std::string>(), std::string("randman"));

        // A text round trip keeps doubles exact too.
        const Experiment reparsed = parseExperiment(json::parse(first.dump()), "text");
        QCOMPARE(toJson(reparsed).dump(), first.dump());
    }

    void reportsAllMistakesWithPaths()
    {
        json doc = validDoc();
        doc["run"]["batch"] = 1;
        doc["network"]["layers"][1]["size"] = 0;
        doc["neuron"]["surrogate"]["type"] = "sigmoid";
        doc["run"]["precision"] = "float16";
        doc["neuron"]["tau"] = 3;
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 5, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "run.batch", "at least 2"));
        QVERIFY(hasIssue(issues, "network.layers[1].size", "between 1 and 100000"));
        QVERIFY(hasIssue(issues, "neuron.surrogate.type", "known: arctan"));
        QVERIFY(hasIssue(issues, "run.precision", "float32"));
        QVERIFY(hasIssue(issues, "neuron.tau", "known: alpha"));

        try {
            parseExperiment(doc, "five.json");
            QFAIL("expected ConfigError");
        } catch (const ConfigError& error) {
            const std::string text = error.what();
            QVERIFY(contains(text, "five.json"));
            QVERIFY(contains(text, "run.batch"));
            QVERIFY(contains(text, "neuron.tau"));
        }
    }

    void convLayersAndNormParseAndRoundTrip()
    {
        json doc = json::parse(R"({"schema_version": 1,
            "network": {"layers": [{"type": "conv", "size": 64, "pool": "none"},
                                   {"type": "conv", "size": 128, "pool": "max2"},
                                   {"type": "conv", "size": 8, "pool": "avgpool2x2"}], "norm": "weight"},
            "dataset": {"kind": "randman"}})");
        const Experiment e = parseExperiment(doc, "conv.json");
        QCOMPARE(e.network.layers.size(), std::size_t(3));
        QCOMPARE(e.network.layers[1].pool, std::string("max2"));
        QCOMPARE(e.network.norm, std::string("weight"));
        QCOMPARE(toJson(parseExperiment(toJson(e), "again")), toJson(e));
        doc["network"]["layers"][0]["pool"] = "max3";
        doc["network"]["layers"][1]["recurrent"] = true;  // not a conv key
        doc["network"]["norm"] = "batch";
        try {
            parseExperiment(doc, "conv.json");
            QFAIL("expected ConfigError");
        } catch (const ConfigError& err) {
            QCOMPARE(err.issues().size(), std::size_t(3));
            QVERIFY(hasIssue(err.issues(), "network.layers[0].pool", "unknown pooling"));
            QVERIFY(hasIssue(err.issues(), "network.layers[1].recurrent", "unknown key"));
            QVERIFY(hasIssue(err.issues(), "network.norm", "unknown normalisation"));
        }
    }

    void rangeAndTypeChecks()
    {
        json doc = validDoc();
        doc["network"]["inputs"] = -1;
        doc["network"]["readout"]["leak"] = 1.5;
        doc["neuron"]["alpha"] = "0.9";
        doc["neuron"]["v_th"] = 0;
        doc["neuron"]["reset"] = "";
        doc["neuron"]["surrogate"]["scale"] = -1;
        doc["rule"]["name"] = "nonesuch";
        doc["rule"]["readout_trace"] = "approx";
        doc["run"]["lr"] = 2;
        doc["run"]["seed"] = -5;
        doc["run"]["threads"] = 2000;
        doc["run"]["path"] = "sparse";
        doc["run"]["shuffle"] = 1;
        doc["run"]["adam"]["beta2"] = 1.0;
        doc["run"]["adam"]["eps"] = 0;
        doc["network"]["layers"][0]["type"] = "dense";
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 16, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "network.inputs"));
        QVERIFY(hasIssue(issues, "network.readout.leak"));
        QVERIFY(hasIssue(issues, "neuron.alpha", "expected a number"));
        QVERIFY(hasIssue(issues, "neuron.v_th", "> 0"));
        QVERIFY(hasIssue(issues, "neuron.reset", "empty"));
        QVERIFY(hasIssue(issues, "neuron.surrogate.scale"));
        QVERIFY(hasIssue(issues, "rule.name", "unknown rule 'nonesuch' (known: " + tp::ruleNames() + ")"));
        QVERIFY(hasIssue(issues, "rule.readout_trace", "exact"));
        QVERIFY(hasIssue(issues, "run.lr"));
        QVERIFY(hasIssue(issues, "run.seed", "non-negative"));
        QVERIFY(hasIssue(issues, "run.threads"));
        QVERIFY(hasIssue(issues, "run.path", "event"));
        QVERIFY(hasIssue(issues, "run.shuffle", "boolean"));
        QVERIFY(hasIssue(issues, "run.adam.beta2"));
        QVERIFY(hasIssue(issues, "run.adam.eps"));
        QVERIFY(hasIssue(issues, "network.layers[0].type", "unknown layer type 'dense' (known: lif, conv)"));
    }

    // The parameter table is what the parser checks: every default is the default an omitted key
    // gets, and a value just outside each range is refused at its path (and just inside accepted).
    void parameterTableIsWhatTheParserApplies()
    {
        const json defaults = toJson(parseExperiment(json{{"schema_version", 1},
                                                          {"network", {{"layers", {{{"type", "lif"}}}}}},
                                                          {"dataset", {{"kind", "randman"}}}},
                                                     "test"));
        int checked = 0;
        for (const std::string& section : experimentParamSections()) {
            const bool layer = section.rfind("layer.", 0) == 0;
            for (const ParamSpec& p : experimentParams(section)) {
                QVERIFY2(*p.def && *p.help, p.key);
                json at = layer ? json{{"type", "lif"}, {"size", 100}, {"recurrent", false}, {"pool", "none"}} : defaults;
                if (!layer)
                    for (std::size_t i = 0, j; i != std::string::npos; i = j == std::string::npos ? j : j + 1) {
                        j = section.find('.', i);
                        at = at.at(section.substr(i, j == std::string::npos ? j : j - i));
                    }
                QVERIFY2(at.at(p.key) == json::parse(p.def), qPrintable(QString::fromStdString(section + "." + p.key)));
                if ((p.type != ParamType::Int && p.type != ParamType::Number) || std::isinf(p.hi) || layer)
                    continue;
                json doc = validDoc();
                json* target = &doc;
                for (std::size_t i = 0, j; i != std::string::npos; i = j == std::string::npos ? j : j + 1) {
                    j = section.find('.', i);
                    target = &(*target)[section.substr(i, j == std::string::npos ? j : j - i)];
                }
                const std::string path = section + "." + p.key;
                (*target)[p.key] = p.type == ParamType::Int ? json(std::int64_t(p.hi) + 1) : json(p.hi * 1.5 + 1);
                QVERIFY2(hasIssue(issuesOf(doc), path), path.c_str());
                (*target)[p.key] = p.type == ParamType::Int ? json(std::int64_t(p.hi)) : json(p.hi_open ? p.hi * 0.999 : p.hi);
                QVERIFY2(!hasIssue(issuesOf(doc), path), path.c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 10);
        QCOMPARE(experimentParam("neuron.v_th")->lo_open, true);
        QCOMPARE(QString(experimentParam("layer.size")->unit), QStringLiteral("neurons"));
        QVERIFY(!experimentParam("neuron.nothing"));
    }

    void structuralProblems()
    {
        QVERIFY(hasIssue(issuesOf(json::array()), "", "object"));

        const auto missing = issuesOf(json::parse(R"({"network": {}, "dataset": {}})"));
        QVERIFY2(missing.size() == 3, qPrintable(dump(missing)));
        QVERIFY(hasIssue(missing, "schema_version", "missing"));
        QVERIFY(hasIssue(missing, "network.layers", "missing"));
        QVERIFY(hasIssue(missing, "dataset.kind", "missing"));

        const auto noSections = issuesOf(json::parse(R"({"schema_version": 1})"));
        QVERIFY(hasIssue(noSections, "network") && hasIssue(noSections, "dataset"));

        json doc = validDoc();
        doc["network"]["layers"] = json::array();
        doc["dataset"]["kind"] = 3;
        doc["binning"] = "1ms";
        doc["run"] = json::array();
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 4, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "network.layers", "1 to 16"));
        QVERIFY(hasIssue(issues, "dataset.kind", "expected a string"));
        QVERIFY(hasIssue(issues, "binning", "expected an object"));
        QVERIFY(hasIssue(issues, "run", "expected an object"));

        doc = validDoc();
        doc["network"]["layers"] = json::array();
        for (int i = 0; i < 17; ++i)
            doc["network"]["layers"].push_back({{"size", 10}});
        QVERIFY(hasIssue(issuesOf(doc), "network.layers", "got 17"));
    }

    void futureSchemaVersion()
    {
        json doc = validDoc();
        doc["schema_version"] = 2;
        doc["brand_new_section"] = json::object();
        const auto issues = issuesOf(doc);
        QCOMPARE(issues.size(), std::size_t(1));
        QCOMPARE(issues[0].path, std::string("schema_version"));
        QCOMPARE(issues[0].message,
                 std::string("written by a newer TraceProp (schema_version 2 > 1); upgrade"));

        doc = validDoc();
        doc["schema_version"] = 0;
        QVERIFY(hasIssue(issuesOf(doc), "schema_version", ">= 1"));
        doc["schema_version"] = "1";
        QVERIFY(hasIssue(issuesOf(doc), "schema_version", "expected an integer"));
        doc["schema_version"] = 1.0;  // integral float is fine
        QCOMPARE(parseExperiment(doc, "t").schema_version, 1);
    }

    void lessonParsesLocksAndRoundTrips()
    {
        json doc = validDoc();
        doc["lesson"] = {{"title", "What a trace remembers"},
                         {"text", "Change beta and watch."},
                         {"hidden_panels", {"dataset", "log"}},
                         {"locked", {"network.layers", "run", "neuron.alpha"}}};
        const Experiment e = parseExperiment(doc, "lesson.json");
        QVERIFY(e.lesson.present());
        QCOMPARE(e.lesson.hidden_panels, (std::vector<std::string>{"dataset", "log"}));
        QVERIFY(e.lesson.isLocked("network.layers"));
        QVERIFY(e.lesson.isLocked("network.layers.1.size"));
        QVERIFY(e.lesson.isLocked("run.lr"));
        QVERIFY(e.lesson.isLocked("neuron.alpha"));
        QVERIFY(!e.lesson.isLocked("neuron.beta"));
        QVERIFY(!e.lesson.isLocked("neuron.alphabet"));  // prefix only at a '.' boundary
        QVERIFY(!e.lesson.isLocked("network.inputs"));
        const json back = toJson(e);
        QCOMPARE(back["lesson"], doc["lesson"]);
        QCOMPARE(parseExperiment(back, "again").lesson.locked, e.lesson.locked);
        QVERIFY(!toJson(parseExperiment(validDoc(), "plain")).contains("lesson"));
    }

    void lessonProblemsNamePaths()
    {
        json doc = validDoc();
        doc["lesson"] = {{"hidden_panels", {"charts", "cockpit"}},
                         {"locked", {"neuron.alpha", "neuron.gamma", "network.layers.5", 3}},
                         {"colour", "red"}};
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 5, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "lesson.hidden_panels.1", "unknown panel 'cockpit'"));
        QVERIFY(hasIssue(issues, "lesson.locked.1", "no parameter 'neuron.gamma'"));
        QVERIFY(hasIssue(issues, "lesson.locked.2", "no parameter 'network.layers.5'"));
        QVERIFY(hasIssue(issues, "lesson.locked.3", "expected a string"));
        QVERIFY(hasIssue(issues, "lesson.colour", "unknown key"));
    }

    void unknownKeysNameKnownOnes()
    {
        json doc = validDoc();
        doc["netwrk"] = 1;
        doc["network"]["layers"][0]["neurons"] = 5;
        doc["run"]["adam"]["momentum"] = 0.9;
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 3, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "netwrk", "unknown key 'netwrk'"));
        QVERIFY(hasIssue(issues, "netwrk", "network"));
        QVERIFY(hasIssue(issues, "network.layers[0].neurons", "known: type, size, recurrent"));
        QVERIFY(hasIssue(issues, "run.adam.momentum", "beta1"));

        // Unknown keys inside "dataset" are the dataset validator's business, not ours.
        doc = validDoc();
        doc["dataset"]["whatever"] = true;
        QVERIFY(parseExperiment(doc, "t").dataset.params.at("whatever").get<bool>());
    }

    void floatWhereIntegerExpected()
    {
        json doc = validDoc();
        doc["run"]["epochs"] = 10.5;
        doc["network"]["layers"][0]["size"] = 1e-3;
        const auto issues = issuesOf(doc);
        QVERIFY2(issues.size() == 2, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "run.epochs", "expected an integer, got 10.5"));
        QVERIFY(hasIssue(issues, "network.layers[0].size", "expected an integer"));

        doc = validDoc();
        doc["run"]["batch"] = 64.0;   // integral float: accepted
        doc["run"]["lr"] = 1;         // integer where a float is expected: accepted
        doc["neuron"]["alpha"] = 1;
        const Experiment e = parseExperiment(doc, "t");
        QCOMPARE(e.run.batch, 64);
        QCOMPARE(e.run.lr, 1.0);
        QCOMPARE(e.neuron.alpha, 1.0);

        doc["neuron"]["alpha"] = true;  // booleans are not numbers
        QVERIFY(hasIssue(issuesOf(doc), "neuron.alpha", "expected a number, got boolean"));
        doc = validDoc();
        doc["network"]["layers"][0]["recurrent"] = 0;  // nor numbers booleans
        QVERIFY(hasIssue(issuesOf(doc), "network.layers[0].recurrent", "boolean"));
    }

    void resetQuirk()
    {
        json doc = validDoc();
        doc["neuron"]["reset"] = "soft";
        QVERIFY(parseExperiment(doc, "t").neuron.resetKind() == ResetKind::Soft);
        doc["neuron"]["reset"] = "Soft";  // reference quirk: anything but exactly "soft" is hard
        const Experiment e = parseExperiment(doc, "t");
        QVERIFY(e.neuron.resetKind() == ResetKind::Hard);
        QCOMPARE(toJson(e).at("neuron").at("reset").get<std::string>(), std::string("Soft"));
    }

    void datasetValidatorIssuesAreMerged()
    {
        int calls = 0;
        const DatasetValidator validator = [&calls](const DatasetSpec& spec,
                                                    std::vector<ConfigIssue>& issues) {
            ++calls;
            QVERIFY(!spec.params.contains("kind"));
            if (spec.params.value("steps", 0) > 10)
                issues.push_back({"dataset.steps", "too many steps for this test"});
        };
        json doc = validDoc();
        doc["run"]["batch"] = 0;
        const auto issues = issuesOf(doc, validator);
        QCOMPARE(calls, 1);
        QVERIFY2(issues.size() == 2, qPrintable(dump(issues)));
        QVERIFY(hasIssue(issues, "run.batch"));
        QVERIFY(hasIssue(issues, "dataset.steps", "too many"));

        doc = validDoc();
        doc["dataset"]["steps"] = 5;
        parseExperiment(doc, "t", validator);
        QCOMPARE(calls, 2);

        doc["dataset"].erase("kind");  // no usable kind: the validator is not asked
        QVERIFY(hasIssue(issuesOf(doc, validator), "dataset.kind"));
        QCOMPARE(calls, 2);
    }

    void overrides()
    {
        json doc = validDoc();
        applyOverride(doc, "run.batch=64");
        QVERIFY(doc["run"]["batch"].is_number_integer());
        QCOMPARE(doc["run"]["batch"].get<int>(), 64);

        applyOverride(doc, "network.layers.1.size=200");
        QCOMPARE(doc["network"]["layers"][1]["size"].get<int>(), 200);

        applyOverride(doc, "dataset.path=/data/shd files");  // not JSON: a plain string
        QCOMPARE(doc["dataset"]["path"].get<std::string>(), std::string("/data/shd files"));
        applyOverride(doc, "name=\"42\"");                    // quoted: a string, not a number
        QCOMPARE(doc["name"].get<std::string>(), std::string("42"));
        applyOverride(doc, "description=");                   // empty value: empty string
        QCOMPARE(doc["description"].get<std::string>(), std::string());
        applyOverride(doc, "run.shuffle=true");
        QVERIFY(doc["run"]["shuffle"].is_boolean());
        applyOverride(doc, "run.lr=1e-4");
        QCOMPARE(doc["run"]["lr"].get<double>(), 1e-4);
        applyOverride(doc, "run.adam={\"beta1\": 0.5}");
        QCOMPARE(doc["run"]["adam"].size(), std::size_t(1));
        applyOverride(doc, "network.layers.0={\"size\": 7, \"recurrent\": true}");
        QCOMPARE(doc["network"]["layers"][0]["size"].get<int>(), 7);

        doc.erase("binning");
        applyOverride(doc, "binning.time_window_us=500");     // missing object created
        QCOMPARE(doc["binning"]["time_window_us"].get<int>(), 500);

        const Experiment e = parseExperiment(doc, "t");
        QCOMPARE(e.run.batch, 64);
        QCOMPARE(e.network.layers[0].size, 7);
        QCOMPARE(e.network.layers[1].size, 200);
        QCOMPARE(e.run.adam_beta1, 0.5);
        QCOMPARE(e.run.adam_beta2, RunSpec{}.adam_beta2);
        QCOMPARE(e.dataset.params.at("path").get<std::string>(), std::string("/data/shd files"));
    }

    void badOverrides_data()
    {
        QTest::addColumn<QString>("assignment");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("missing =") << "run.batch" << "expected key.path=value";
        QTest::newRow("empty key") << "=5" << "expected key.path=value";
        QTest::newRow("index out of range") << "network.layers.5.size=1" << "out of range";
        QTest::newRow("non-numeric index") << "network.layers.first.size=1" << "numeric index";
        QTest::newRow("into a scalar") << "run.batch.value=1" << "run.batch";
        QTest::newRow("empty segment") << "run..batch=1" << "empty name";
    }

    void badOverrides()
    {
        QFETCH(QString, assignment);
        QFETCH(QString, fragment);
        json doc = validDoc();
        try {
            applyOverride(doc, assignment.toStdString());
            QFAIL("expected ConfigError");
        } catch (const ConfigError& error) {
            const std::string text = error.what();
            QVERIFY2(contains(text, "--set '" + assignment.toStdString() + "'"), error.what());
            QVERIFY2(contains(text, fragment.toStdString()), error.what());
        }
    }

    void overrideProducingInvalidExperimentIsReportedByPath()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string file = writeFile(dir, "exp.json", validDoc().dump(2));
        try {
            loadExperiment(file, {"run.batch=1", "network.layers.0.size=big"});
            QFAIL("expected ConfigError");
        } catch (const ConfigError& error) {
            QVERIFY2(error.issues().size() == 2, error.what());
            QVERIFY(hasIssue(error.issues(), "run.batch"));
            QVERIFY(hasIssue(error.issues(), "network.layers[0].size", "expected an integer"));
            QVERIFY(contains(error.what(), file));
        }
        const Experiment e = loadExperiment(file, {"run.epochs=7", "neuron.reset=Soft"});
        QCOMPARE(e.run.epochs, 7);
        QVERIFY(e.neuron.resetKind() == ResetKind::Hard);
    }

    void loadMissingFileThrowsIoError()
    {
        QTemporaryDir dir;
        const std::string file = dir.filePath("nope.json").toStdString();
        try {
            loadExperiment(file);
            QFAIL("expected IoError");
        } catch (const IoError& error) {
            QVERIFY2(contains(error.what(), "cannot read " + file), error.what());
        }
        QVERIFY_THROWS_EXCEPTION(IoError, loadExperiment(dir.path().toStdString()));
    }

    void malformedJsonThrowsConfigErrorNamingFile()
    {
        QTemporaryDir dir;
        const std::string file =
            writeFile(dir, "broken.json", "{\"schema_version\": 1,\n \"network\": }");
        try {
            loadExperiment(file);
            QFAIL("expected ConfigError");
        } catch (const ConfigError& error) {
            QVERIFY2(contains(error.what(), file), error.what());
            QVERIFY2(contains(error.what(), "byte offset"), error.what());
            QVERIFY2(contains(error.what(), "parse error"), error.what());
        }
        const std::string empty = writeFile(dir, "empty.json", "");
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadExperiment(empty));
    }

    // A number beyond the range of a double is a ConfigError naming its key path as --set writes
    // it, wherever it sits (nlohmann's own error names only the token).
    void numberBeyondDoubleNamesItsField_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("path");
        QTest::newRow("run.lr") << QStringLiteral("{\"run\": {\"epochs\": 2, \"lr\": 1e999}}") << QStringLiteral("run.lr");
        QTest::newRow("after an array of objects")
            << QStringLiteral("{\"network\": {\"layers\": [{\"size\": 3, \"x\": [1, [2]]}, {\"size\": -1e400}]}}")
            << QStringLiteral("network.layers.1.size");
        QTest::newRow("array element") << QStringLiteral("{\"lesson\": {\"locked\": [\"a\", 2, 1E+999]}}")
                                       << QStringLiteral("lesson.locked.2");
        QTest::newRow("400 digits") << QStringLiteral("{\"run\": {\"seed\": 1%1}}").arg(QString(400, QLatin1Char('0')))
                                    << QStringLiteral("run.seed");
        QTest::newRow("top level") << QStringLiteral("1e999") << QString();
    }

    void numberBeyondDoubleNamesItsField()
    {
        QFETCH(QString, text);
        QFETCH(QString, path);
        QTemporaryDir dir;
        const std::string file = writeFile(dir, "overflow.json", text.toStdString());
        try {
            loadExperiment(file);
            QFAIL("expected ConfigError");
        } catch (const ConfigError& error) {
            QCOMPARE(error.issues().size(), std::size_t(1));
            QCOMPARE(QString::fromStdString(error.issues()[0].path), path);
            QVERIFY2(contains(error.issues()[0].message, "is out of range of a double"), error.what());
            QVERIFY2(contains(error.what(), file), error.what());
        }
    }

    // The top level is checked before the overrides (--threads arrives as "run.threads=1").
    void topLevelMustBeAnObject()
    {
        QTemporaryDir dir;
        for (const auto& [text, found] : {std::pair{"[1, 2]", "found an array"}, std::pair{"\"x\"", "found a string"},
                                          std::pair{"null", "found null"}}) {
            const std::string file = writeFile(dir, "top.json", text);
            try {
                loadExperiment(file, {"run.threads=1"});
                QFAIL("expected ConfigError");
            } catch (const ConfigError& error) {
                QVERIFY2(contains(error.what(), file + ": the top level must be a JSON object (experiment), " + found),
                         error.what());
                QVERIFY2(!contains(error.what(), "--set"), error.what());
            }
        }
    }

    void everyShippedExperimentParses()
    {
        int count = 0, lessons = 0;
        for (const char* folder : {"experiments", "lessons"})
            for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(TP_RESOURCES_DIR) / folder)) {
                if (entry.path().extension() != ".json")
                    continue;
                ++count;
                try {
                    const Experiment e = loadExperiment(entry.path().string());
                    QVERIFY2(!e.description.empty(),
                             qPrintable(QString::fromStdString(entry.path().string())));
                    QCOMPARE(toJson(parseExperiment(toJson(e), "rt")).dump(), toJson(e).dump());
                    QCOMPARE(e.lesson.present(), std::string(folder) == "lessons");
                    lessons += e.lesson.present() && !e.lesson.locked.empty() && !e.lesson.text.empty();
                } catch (const std::exception& error) {
                    QFAIL(error.what());
                }
            }
        QVERIFY(count >= 10);
        QCOMPARE(lessons, 3);
    }

    void shippedExperimentsHaveThePaperSettings()
    {
        const Experiment nmnist = loadExperiment(resourcePath("nmnist-mlp.json"));
        QCOMPARE(nmnist.network.inputs, 0);
        QCOMPARE(nmnist.network.layers.size(), std::size_t(1));
        QCOMPARE(nmnist.network.layers[0].size, 200);
        QVERIFY(!nmnist.network.layers[0].recurrent);
        QCOMPARE(nmnist.neuron.alpha, 0.98);
        QCOMPARE(nmnist.neuron.beta, 0.98);
        QCOMPARE(nmnist.neuron.v_th, 1.0);
        QCOMPARE(nmnist.dataset.kind, std::string("nmnist"));
        QVERIFY(nmnist.dataset.params.at("first_saccade_only").get<bool>());
        QCOMPARE(nmnist.dataset.binning.at("time_window_us").get<int>(), 1000);

        const Experiment ff = loadExperiment(resourcePath("shd-ff.json"));
        QCOMPARE(ff.network.layers.size(), std::size_t(1));
        QCOMPARE(ff.network.layers[0].size, 450);
        QVERIFY(!ff.network.layers[0].recurrent);
        QCOMPARE(ff.neuron.alpha, 0.96);
        QCOMPARE(ff.neuron.beta, 0.97);
        QCOMPARE(ff.neuron.v_th, 1.0);

        const Experiment rec = loadExperiment(resourcePath("shd-rec.json"));
        QCOMPARE(rec.network.layers.size(), std::size_t(1));
        QCOMPARE(rec.network.layers[0].size, 450);
        QVERIFY(rec.network.layers[0].recurrent);
        QCOMPARE(rec.neuron.alpha, 0.85);
        QCOMPARE(rec.neuron.beta, 0.85);
        QCOMPARE(rec.neuron.v_th, 0.5);

        for (const Experiment* shd : {&ff, &rec}) {
            QCOMPARE(shd->dataset.kind, std::string("shd"));
            QVERIFY(shd->dataset.params.at("drop_last").get<bool>());
            QCOMPARE(shd->dataset.binning.at("time_window_us").get<int>(), 10000);
        }
        for (const Experiment* e : {&nmnist, &ff, &rec}) {
            QCOMPARE(e->run.batch, 128);
            QCOMPARE(e->run.lr, 1e-4);
            QCOMPARE(e->run.lr_min_ratio, 0.25);
            QCOMPARE(e->run.epochs, 100);
            QCOMPARE(e->run.seed, std::uint64_t(38472));
            QVERIFY(e->neuron.resetKind() == ResetKind::Soft);
            QCOMPARE(e->neuron.surrogate_scale, 1.0);
            QCOMPARE(e->network.readout_leak, 1.0);
            QVERIFY(e->rule.name == "tp" && !e->rule.train_s);
            QVERIFY(e->rule.readout_trace == ReadoutTrace::Beta);
            QCOMPARE(e->dataset.params.at("path").get<std::string>(), std::string());
            QVERIFY(contains(e->description, "dataset.path"));
        }
    }
};

QTEST_APPLESS_MAIN(TestExperiment)
#include "test_experiment.moc"
