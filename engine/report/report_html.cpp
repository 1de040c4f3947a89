#include <sstream>

#include "report/report_data.h"
#include "report/svg_canvas.h"

namespace tp::report {

namespace {

constexpr double kFigureWidth = 640, kChartHeight = 300, kHeatMapSize = 460;

const char* kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; color: #333; max-width: 980px; margin: 24px auto; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
p.description { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 14em; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
figcaption { font-size: 0.85em; color: #666; max-width: 640px; }
svg { background: #fff; border: 1px solid #eee; max-width: 100%; height: auto; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 10px; font-size: 0.85em; overflow-x: auto; }
.note { font-size: 0.85em; color: #666; }
)";

void keyValues(std::ostringstream& out, const std::vector<std::pair<std::string, std::string>>& rows)
{
    out << "<table class=\"kv\">\n";
    for (const auto& [k, v] : rows)
        out << "<tr><th>" << xmlEscape(k) << "</th><td>" << xmlEscape(v) << "</td></tr>\n";
    out << "</table>\n";
}

void table(std::ostringstream& out, const Table& t)
{
    out << "<table>\n<tr>";
    for (std::size_t c = 0; c < t.header.size(); ++c)
        out << (t.numeric[c] ? "<th class=\"num\">" : "<th>") << xmlEscape(t.header[c]) << "</th>";
    out << "</tr>\n";
    for (const auto& row : t.rows) {
        out << "<tr>";
        for (std::size_t c = 0; c < row.size(); ++c)
            out << (t.numeric[c] ? "<td class=\"num\">" : "<td>") << xmlEscape(row[c]) << "</td>";
        out << "</tr>\n";
    }
    out << "</table>\n";
}

void figure(std::ostringstream& out, const std::string& svg, const std::string& caption)
{
    out << "<figure>\n" << svg << "<figcaption>" << xmlEscape(caption) << "</figcaption>\n</figure>\n";
}

/// The document up to and including the page's <h1> `title`.
void pageHead(std::ostringstream& out, const std::string& title)
{
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\">\n<title>"
        << xmlEscape(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>" << xmlEscape(title)
        << "</h1>\n";
}

void lineFigure(std::ostringstream& out, const LineChart& chart, const std::string& caption)
{
    SvgCanvas svg(kFigureWidth, kChartHeight, chart.title);
    drawLineChart(svg, chart, 0, 0, kFigureWidth, kChartHeight);
    figure(out, svg.str(), caption);
}

} // namespace

std::string renderHtml(const ReportData& d)
{
    std::ostringstream out;
    pageHead(out, "TraceProp report: " + d.name());
    if (!d.description().empty())
        out << "<p class=\"description\">" << xmlEscape(d.description()) << "</p>\n";
    out << "<h2>Summary</h2>\n";
    keyValues(out, summary(d));

    const std::vector<LineChart> charts = lineCharts(d);
    const char* captions[] = {
        "Train accuracy is counted online while the weights change within the epoch; test accuracy after the epoch.",
        "Mean local loss per time step of each hidden layer (TP's layer-wise contrastive loss; BPTT has none) and "
        "the readout's cross-entropy (dashed).",
        "Input-path spikes per neuron and time step, averaged over the epoch's training batches.",
        "Training samples per second of each epoch (evaluation excluded)."};
    out << "<h2>Training curves</h2>\n<div class=\"figures\">\n";
    for (std::size_t i = 0; i < charts.size(); ++i)
        lineFigure(out, charts[i], captions[i]);
    out << "</div>\n<h2>Confusion matrix</h2>\n";
    if (d.confusion.classes > 0) {
        SvgCanvas svg(kHeatMapSize, kHeatMapSize, confusionHeatMap(d).title);
        drawHeatMap(svg, confusionHeatMap(d), 0, 0, kHeatMapSize, kHeatMapSize);
        figure(out, svg.str(),
               "Rows: true class, columns: predicted class; counts of test samples, shaded by the fraction of the "
               "true class's samples. " +
                   std::string(d.confusion_from_run ? "Recorded by the run." : "Computed by the report from the final weights."));
    } else {
        out << "<p class=\"note\">Not available: this run's results.h5 has no /confusion_matrix and the dataset was "
               "not opened to compute one.</p>\n";
    }

    out << "<h2>Memory</h2>\n<p>Measured on the run's first full batch (KiB). <em>model</em>: the paper's analytic "
           "count of TP's traces, 2&middot;B&middot;H per layer (+ S).</p>\n";
    table(out, memoryPartsTable(d));
    if (!d.memory_model.empty()) {
        out << "<p>Rule-state memory at this run's batch, steps and classes: analytic model "
               "(engine/train/memory_model.h) against the bytes this run's own rule allocated (other rules: model only).</p>\n";
        table(out, memoryModelTable(d));
    }
    out << "<h2>Seeds, versions, machine</h2>\n";
    keyValues(out, provenance(d));
    out << "<h2>Experiment file</h2>\n<p class=\"note\">As run (overrides applied), from results.h5 /config.</p>\n<pre>"
        << xmlEscape(d.experiment.dump(2)) << "</pre>\n";
    out << "<p class=\"note\">Files of this report: <a href=\"report.pdf\">report.pdf</a>, "
           "<a href=\"metrics.csv\">metrics.csv</a>, <a href=\"metrics.json\">metrics.json</a>, results.h5. "
           "Written by TraceProp Workbench without network access or external tools.</p>\n</body>\n</html>\n";
    return out.str();
}

std::string renderTablesHtml(const std::string& title, const std::string& intro, const std::vector<LineChart>& charts,
                             const std::vector<std::pair<std::string, Table>>& tables)
{
    std::ostringstream out;
    pageHead(out, title);
    out << "<p class=\"description\">" << xmlEscape(intro) << "</p>\n<div class=\"figures\">\n";
    for (const LineChart& chart : charts)
        lineFigure(out, chart, chart.title);
    out << "</div>\n";
    for (const auto& [heading, t] : tables) {
        out << "<h2>" << xmlEscape(heading) << "</h2>\n";
        table(out, t);
    }
    out << "</body>\n</html>\n";
    return out.str();
}

std::string renderComparisonHtml(const ComparisonData& c)
{
    std::ostringstream out;
    pageHead(out, "TraceProp rule comparison: " + c.name());
    if (!c.runs.front().description().empty())
        out << "<p class=\"description\">From the experiment file (before overrides, see Setup): "
            << xmlEscape(c.runs.front().description()) << "</p>\n";
    out << "<p>" << c.runs.size() << " runs of one experiment with the same data, network and seed, differing in the "
           "learning rule.</p>\n<h2>Setup</h2>\n";
    keyValues(out, comparisonSetup(c));
    out << "<h2>Summary</h2>\n<p class=\"note\">Best and final test accuracy after each epoch; samples/s: mean "
           "training throughput over the epochs (evaluation excluded); s/epoch: training + evaluation.</p>\n";
    table(out, comparisonSummaryTable(c));
    out << "<h2>Training curves</h2>\n<div class=\"figures\">\n";
    for (const LineChart& chart : comparisonCharts(c))
        lineFigure(out, chart, chart.title.rfind("Local loss", 0) == 0
                                   ? "Mean local loss per time step of the layer, for the rules that have one."
                                   : chart.title);
    out << "</div>\n<h2>Memory</h2>\n<p>Measured on each run's first full batch (MiB, summed over the network's "
           "parts).</p>\n";
    const BarChart bars = comparisonMemoryChart(c);
    SvgCanvas svg(kFigureWidth, kChartHeight, bars.title);
    drawBarChart(svg, bars, 0, 0, kFigureWidth, kChartHeight);
    figure(out, svg.str(), "Stacked from the bottom: weights, optimizer state, rule state, buffers; the total above "
                           "each bar.");
    table(out, comparisonMemoryTable(c));
    out << "<p class=\"note\">Files of this report: <a href=\"report.pdf\">report.pdf</a>, "
           "<a href=\"comparison.csv\">comparison.csv</a>, comparison.h5. Each run's own report: "
           "traceprop-cli report RUN. Written by TraceProp Workbench without network access or external tools.</p>\n"
           "</body>\n</html>\n";
    return out.str();
}

} // namespace tp::report
