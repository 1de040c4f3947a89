// Unit tests of the report's figure code: tick choice, data -> coordinate mapping of line charts
// (checked on the SVG that is written), heat-map shading, SVG escaping, and the minimal PDF
// writer (cross-reference offsets, stream lengths, string escaping, WinAnsi text, y flip).
#include <QtTest>

#include <cmath>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "report/chart.h"
#include "report/pdf_writer.h"
#include "report/svg_canvas.h"

using namespace tp::report;

namespace {

std::vector<std::string> allMatches(const std::string& text, const std::string& pattern)
{
    std::vector<std::string> out;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1].str());
    return out;
}

std::vector<std::pair<double, double>> parsePoints(const std::string& points)
{
    std::vector<std::pair<double, double>> v;
    std::istringstream in(points);
    for (std::string pair; in >> pair;) {
        const auto comma = pair.find(',');
        v.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
    }
    return v;
}

/// Records the rectangles and texts a chart draws.
struct RecordingCanvas : Canvas {
    struct Box {
        double x, y, w, h;
        std::optional<Color> fill;
    };
    std::vector<Box> boxes;
    std::vector<std::pair<double, std::string>> texts;  // (x, text)
    void polyline(const std::vector<std::pair<double, double>>&, Color, double, bool) override {}
    void rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color>) override
    {
        boxes.push_back({x, y, w, h, fill});
    }
    void text(double x, double, const std::string& t, Font, Color, Anchor, bool) override { texts.emplace_back(x, t); }
};

bool sameColor(const std::optional<Color>& a, const Color& b) { return a && a->r == b.r && a->g == b.g && a->b == b.b; }

} // namespace

class TestReportPlot : public QObject {
    Q_OBJECT

private slots:
    void ticksAreRoundAndEncloseTheRange()
    {
        QCOMPARE(niceTicks(0, 93.7, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
        const auto small = niceTicks(0.0123, 0.0867, 5);
        QCOMPARE(small.size(), std::size_t(6));
        for (std::size_t i = 0; i < small.size(); ++i)
            QVERIFY(std::abs(small[i] - 0.02 * double(i)) < 1e-12);
        QCOMPARE(niceTicks(1, 3, 8, true), (std::vector<double>{1, 2, 3}));
        QCOMPARE(niceTicks(2.2, 6.1, 5), (std::vector<double>{2, 3, 4, 5, 6, 7}));
        const auto flat = niceTicks(5, 5, 5);  // a constant series still gets an axis around it
        QVERIFY(flat.front() < 5 && flat.back() > 5);
        QCOMPARE(formatTick(40, 20), std::string("40"));
        QCOMPARE(formatTick(0.04, 0.02), std::string("0.04"));
        QCOMPARE(formatTick(0.25, 0.25), std::string("0.25"));
        QCOMPARE(formatTick(7.5, 2.5), std::string("7.5"));
    }

    // Every data point of a line chart lands where the chart's scales put it, in the SVG written.
    void lineChartMapsValuesToCoordinates()
    {
        LineChart chart{"Accuracy", "epoch", "accuracy (%)", {}, 0.0, 100.0};
        chart.series.push_back({"test", {1, 2, 3, 4, 5}, {10, 20, 30, 40, 50}});
        const double x0 = 20, y0 = 10, w = 640, h = 300;
        const ChartLayout l = layoutLineChart(chart, x0, y0, w, h);
        QVERIFY(l.left > x0 && l.right < x0 + w && l.top > y0 && l.bottom < y0 + h);
        QCOMPARE(l.x(1), l.left);
        QCOMPARE(l.x(5), l.right);
        QCOMPARE(l.y(0), l.bottom);
        QCOMPARE(l.y(100), l.top);
        QVERIFY(std::abs(l.y(50) - (l.top + l.bottom) / 2) < 1e-9);
        QCOMPARE(l.x_ticks, (std::vector<double>{1, 2, 3, 4, 5}));
        QCOMPARE(l.y_ticks, (std::vector<double>{0, 20, 40, 60, 80, 100}));

        SvgCanvas svg(x0 + w, y0 + h, chart.title);
        drawLineChart(svg, chart, x0, y0, w, h);
        const std::string text = svg.str();
        const auto lines = allMatches(text, "stroke-width=\"1.6\" points=\"([^\"]*)\"");
        QCOMPARE(lines.size(), std::size_t(1));
        const auto points = parsePoints(lines[0]);
        QCOMPARE(points.size(), std::size_t(5));
        for (std::size_t i = 0; i < points.size(); ++i) {
            QVERIFY(std::abs(points[i].first - l.x(chart.series[0].x[i])) <= 0.005);
            QVERIFY(std::abs(points[i].second - l.y(chart.series[0].y[i])) <= 0.005);
        }
        for (const char* label : {">Accuracy<", ">epoch<", ">accuracy (%)<", ">test<", ">100<", ">0<"})
            QVERIFY2(text.find(label) != std::string::npos, label);
        QVERIFY(text.find("rotate(-90") != std::string::npos);  // the y label reads bottom to top
    }

    // One epoch: one tick under the point, in the middle of the plot.
    void singleEpochIsCentred()
    {
        LineChart chart{"Accuracy", "epoch", "accuracy (%)", {}, 0.0, 100.0};
        chart.series.push_back({"test", {1}, {42}});
        const ChartLayout l = layoutLineChart(chart, 0, 0, 400, 200);
        QCOMPARE(l.x_ticks, (std::vector<double>{1}));
        QVERIFY(std::abs(l.x(1) - (l.left + l.right) / 2) < 1e-9);
    }

    // A NaN (a diverged epoch) breaks the line instead of drawing it to a wrong place.
    void nanSplitsTheLine()
    {
        LineChart chart{"Loss", "epoch", "loss", {}, std::nullopt, std::nullopt};
        chart.series.push_back({"layer 1", {1, 2, 3, 4, 5}, {3, 2, std::nan(""), 1.5, 1}});
        SvgCanvas svg(400, 200, "t");
        drawLineChart(svg, chart, 0, 0, 400, 200);
        const auto lines = allMatches(svg.str(), "stroke-width=\"1.6\" points=\"([^\"]*)\"");
        QCOMPARE(lines.size(), std::size_t(2));
        QCOMPARE(parsePoints(lines[0]).size(), std::size_t(2));
        QCOMPARE(parsePoints(lines[1]).size(), std::size_t(2));
    }

    void heatMapShadesByRowFraction()
    {
        HeatMap map{"Confusion", "predicted", "true", 3, 3, {4, 0, 0, 1, 1, 2, 0, 0, 0}};
        SvgCanvas svg(300, 300, "Confusion");
        drawHeatMap(svg, map, 0, 0, 300, 300);
        const std::string text = svg.str();
        const auto fills = allMatches(text, "<rect [^>]*fill=\"(#[0-9a-f]{6})\" stroke=\"#ffffff\"");
        QCOMPARE(fills.size(), std::size_t(9));
        QCOMPARE(fills[0], std::string("#08306b"));  // row 0: all 4 samples predicted as class 0
        QCOMPARE(fills[1], std::string("#ffffff"));  // no sample
        QCOMPARE(fills[5], Color({132, 152, 181}).hex());  // 2 of 4 in row 1: halfway to the dark end
        QCOMPARE(fills[8], std::string("#ffffff"));  // an empty row stays white
        QVERIFY(text.find(">4</text>") != std::string::npos);
        QVERIFY(text.find(">true</text>") != std::string::npos);
    }

    // Stacked bars: each segment's height is its value on the axis scale, segments of a bar sit
    // on one another from the axis up in the stacks' colours, the bar's total is written above.
    void barChartStacksSegmentsToScale()
    {
        BarChart chart{"Memory", "MiB", {"tp", "bptt"}, {{"weights", {1, 2}}, {"rule state", {3, 12}}}, 1};
        RecordingCanvas canvas;
        drawBarChart(canvas, chart, 0, 0, 400, 200);
        std::vector<RecordingCanvas::Box> bars;  // wider than the 10-point legend swatches
        for (const auto& b : canvas.boxes)
            if (b.w > 10)
                bars.push_back(b);
        QCOMPARE(bars.size(), std::size_t(4));  // tp: weights, rule state; bptt: weights, rule state
        const double unit = bars[0].h;          // 1 MiB
        QVERIFY(unit > 1);
        QVERIFY(std::abs(bars[1].h - 3 * unit) < 1e-9);
        QVERIFY(std::abs(bars[2].h - 2 * unit) < 1e-9);
        QVERIFY(std::abs(bars[3].h - 12 * unit) < 1e-9);
        QVERIFY(std::abs(bars[1].y + bars[1].h - bars[0].y) < 1e-9);  // rule state on top of the weights
        QVERIFY(std::abs(bars[0].y + bars[0].h - (bars[2].y + bars[2].h)) < 1e-9);  // one baseline
        QVERIFY(sameColor(bars[0].fill, seriesColor(0)) && sameColor(bars[1].fill, seriesColor(1)));
        QVERIFY(sameColor(bars[2].fill, seriesColor(0)) && sameColor(bars[3].fill, seriesColor(1)));
        QVERIFY(bars[2].x > bars[0].x + bars[0].w);  // bptt right of tp
        auto textAt = [&](const std::string& t) {
            for (const auto& [x, text] : canvas.texts)
                if (text == t)
                    return x;
            return -1.0;
        };
        QVERIFY(std::abs(textAt("4.0") - (bars[0].x + bars[0].w / 2)) < 1e-9);
        QVERIFY(std::abs(textAt("14.0") - (bars[2].x + bars[2].w / 2)) < 1e-9);
        QVERIFY(textAt("bptt") > 0 && textAt("rule state") > 0 && textAt("Memory") > 0);
    }

    // A series may take another's colour (a run's train curve dashed in its test curve's colour).
    void seriesColorOverridesPosition()
    {
        LineChart chart{"Acc", "epoch", "%", {}, 0.0, 100.0};
        chart.series.push_back({"a test", {1, 2}, {10, 20}, false, 3});
        chart.series.push_back({"a train", {1, 2}, {15, 25}, true, 3});
        SvgCanvas svg(400, 200, "t");
        drawLineChart(svg, chart, 0, 0, 400, 200);
        const auto colors = allMatches(svg.str(), "stroke=\"(#[0-9a-f]{6})\" stroke-width=\"1.6\"");
        QCOMPARE(colors.size(), std::size_t(2));
        QCOMPARE(colors[0], seriesColor(3).hex());
        QCOMPARE(colors[1], seriesColor(3).hex());
    }

    void svgEscapesTextAndHoldsNoUrl()
    {
        SvgCanvas svg(100, 50, "a \"title\"");
        svg.text(1, 2, "a<b & c>'d'", {9}, {0, 0, 0});
        const std::string inline_ = svg.str(false), standalone = svg.str(true);
        QVERIFY(inline_.find(">a&lt;b &amp; c&gt;&#39;d&#39;</text>") != std::string::npos);
        QVERIFY(inline_.find("aria-label=\"a &quot;title&quot;\"") != std::string::npos);
        QVERIFY(inline_.find("http") == std::string::npos);
        QVERIFY(standalone.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    }

    void textWidthsAreHelveticaMetrics()
    {
        QCOMPARE(textWidth("Hello", {10}), (722 + 556 + 222 + 222 + 556) * 10 / 1000.0);
        QCOMPARE(textWidth("Hello", {10, true}), (722 + 556 + 278 + 278 + 611) * 10 / 1000.0);
        QCOMPARE(textWidth("ab c", {10, false, true}), 4 * 6.0);
        QCOMPARE(textWidth("\xC3\xA9", {10}), 5.56);  // one non-ASCII character, not two bytes
        QCOMPARE(textWidth("\xCE\xB1", {10}), textWidth("alpha", {10}));  // measured as drawn
        QCOMPARE(toWinAnsi("\xCE\xB1 = 0.95 \xE2\x80\x93 \xC2\xB5s \xC3\xA9"), std::string("alpha = 0.95 \x96 \xB5s \xE9"));
        QCOMPARE(toWinAnsi("\xE4\xB8\xAD"), std::string("?"));
    }

    // The file's cross-reference table points at every object, the stream lengths are exact and
    // strings are escaped; drawing coordinates are flipped to PDF's bottom-up y.
    void pdfHasValidXrefAndStreams()
    {
        PdfDocument doc("Report (test)");
        PdfCanvas& p1 = doc.addPage();
        p1.text(50, 100, "Hello (world) \\ \xC3\xA9", {12}, {0, 0, 0});
        p1.polyline({{10, 20}, {30, 40}}, {255, 0, 0}, 1.5);
        doc.addPage().rect(10, 10, 100, 50, Color{0, 0, 255});
        const std::string pdf = doc.bytes();

        QVERIFY(pdf.rfind("%PDF-1.4\n", 0) == 0);
        QVERIFY(pdf.size() > 6 && pdf.compare(pdf.size() - 6, 6, "%%EOF\n") == 0);
        const auto sx = pdf.rfind("startxref\n");
        QVERIFY(sx != std::string::npos);
        const std::size_t xref = std::stoul(pdf.substr(sx + 10));
        QCOMPARE(pdf.substr(xref, 5), std::string("xref\n"));
        std::istringstream in(pdf.substr(xref + 5));
        std::size_t first = 99, count = 0;
        in >> first >> count;
        QCOMPARE(first, std::size_t(0));
        QCOMPARE(count, std::size_t(11));  // free entry + catalog, pages, 3 fonts, info + 2 x (page, content)
        std::string offset, gen, kind;
        in >> offset >> gen >> kind;
        QCOMPARE(kind, std::string("f"));
        for (std::size_t k = 1; k < count; ++k) {
            in >> offset >> gen >> kind;
            QCOMPARE(offset.size(), std::size_t(10));
            QCOMPARE(kind, std::string("n"));
            const std::string head = std::to_string(k) + " 0 obj\n";
            QVERIFY2(pdf.compare(std::stoul(offset), head.size(), head) == 0, head.c_str());
        }
        QVERIFY(pdf.find("/Size 11 /Root 1 0 R") != std::string::npos);
        QVERIFY(pdf.find("/Count 2") != std::string::npos);
        QVERIFY(pdf.find("/BaseFont /Helvetica /Encoding /WinAnsiEncoding") != std::string::npos);
        QVERIFY(pdf.find("/Title (Report \\(test\\))") != std::string::npos);
        QVERIFY(pdf.find("(Hello \\(world\\) \\\\ \\351) Tj") != std::string::npos);
        QVERIFY(pdf.find("1 0 0 1 50 741.89 Tm") != std::string::npos);    // baseline at 841.89 - 100
        QVERIFY(pdf.find("10 821.89 m\n30 801.89 l\nS") != std::string::npos);
        QVERIFY(pdf.find("10 781.89 100 50 re f") != std::string::npos);  // top edge at y 10 -> 831.89

        for (const std::string& len : allMatches(pdf, "/Length (\\d+) >>")) {
            const std::string marker = "/Length " + len + " >>\nstream\n";
            const std::size_t start = pdf.find(marker) + marker.size();
            QCOMPARE(pdf.compare(start + std::stoul(len), 9, "endstream"), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestReportPlot)
#include "test_report_plot.moc"
