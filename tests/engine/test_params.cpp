// The parameter table's checks and text (config/params.h): what every experiment key goes through.
#include <QtTest>

#include "config/params.h"

using namespace tp;

namespace {
constexpr const char* kModes[] = {"soft", "hard"};
constexpr ParamSpec kSpecs[] = {
    {.key = "steps", .type = ParamType::Int, .lo = 1, .hi = 1000, .def = "100", .unit = "steps", .help = "time steps"},
    {.key = "alpha", .type = ParamType::Number, .lo = 0, .hi = 1, .hi_open = true, .def = "0.95", .help = "leak"},
    {.key = "v_th", .type = ParamType::Number, .lo = 0, .lo_open = true, .def = "1"},
    {.key = "reset", .type = ParamType::Choice, .def = "\"soft\"", .choices = kModes},
    {.key = "seed", .type = ParamType::Seed},
    {.key = "flip", .type = ParamType::Bool},
    {.key = "resize", .type = ParamType::Size2},
};

std::vector<ConfigIssue> check(const char* json)
{
    std::vector<ConfigIssue> issues;
    checkParams(nlohmann::json::parse(json), "x", kSpecs, issues);
    return issues;
}
} // namespace

class TestParams : public QObject {
    Q_OBJECT
private slots:
    void goodValuesPass()
    {
        QVERIFY(check(R"({"steps": 1, "alpha": 0, "v_th": 1e-9, "reset": "hard", "seed": 18446744073709551615,
                          "flip": true, "resize": [32, 4096]})").empty());
    }

    void eachBadValueIsOneIssueAtItsPath_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::newRow("int above") << R"({"steps": 1001})" << "x.steps" << "must be an integer in [1, 1000] (got 1001)";
        QTest::newRow("int type") << R"({"steps": 2.5})" << "x.steps" << "expected an integer, got the number 2.5";
        QTest::newRow("open top") << R"({"alpha": 1})" << "x.alpha" << "must be in [0, 1) (got 1)";
        QTest::newRow("open bottom") << R"({"v_th": 0})" << "x.v_th" << "must be > 0 (got 0)";
        QTest::newRow("choice") << R"({"reset": "none"})" << "x.reset" << "unknown value 'none' (known: soft, hard)";
        QTest::newRow("seed") << R"({"seed": -1})" << "x.seed" << "must be a non-negative integer (got -1)";
        QTest::newRow("bool") << R"({"flip": 1})" << "x.flip" << "expected a boolean (true or false), got the integer 1";
        QTest::newRow("size2") << R"({"resize": [0, 3]})" << "x.resize"
                               << "expected [width, height], integers in 1..4096, got [0,3]";
        QTest::newRow("unknown") << R"({"step": 3})" << "x.step"
                                 << "unknown key (known: steps, alpha, v_th, reset, seed, flip, resize)";
    }
    void eachBadValueIsOneIssueAtItsPath()
    {
        QFETCH(QString, json);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const auto issues = check(json.toUtf8().constData());
        QCOMPARE(issues.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(issues[0].path), path);
        QCOMPARE(QString::fromStdString(issues[0].message), message);
    }

    void notAnObject()
    {
        const auto issues = check("[1]");
        QCOMPARE(issues.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(issues[0].message), QStringLiteral("expected an object, got an array"));
    }

    void tableTextNamesDefaultRangeUnitAndHelp()
    {
        const QString text = QString::fromStdString(paramTableText("x", kSpecs));
        QVERIFY2(text.contains("  x.steps   integer, default 100, [1, 1000] steps: time steps\n"), qPrintable(text));
        QVERIFY2(text.contains("  x.reset   choice, default \"soft\", one of soft, hard\n"), qPrintable(text));
        QCOMPARE(text.count('\n'), 7);
        QCOMPARE(findParam(kSpecs, "v_th")->def, "1");
        QVERIFY(!findParam(kSpecs, "nothing"));
    }
};

QTEST_APPLESS_MAIN(TestParams)
#include "test_params.moc"
