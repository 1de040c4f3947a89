#include <algorithm>
#include <sstream>

#include "report/pdf_writer.h"
#include "report/report_data.h"

namespace tp::report {

namespace {

constexpr double kMargin = 50, kBottom = PdfDocument::kA4Height - 50;
constexpr double kWidth = PdfDocument::kA4Width - 2 * kMargin;
const Color kInk{51, 51, 51}, kMuted{110, 110, 110}, kRule{200, 200, 200};

/// Top-to-bottom flow of blocks over A4 pages; a block that does not fit starts a new page.
class Flow {
public:
    explicit Flow(PdfDocument& doc) : m_doc(doc) { newPage(); }

    PdfCanvas& canvas() { return *m_page; }
    double y() const { return m_y; }
    /// Reserve `height` points (a new page when they do not fit); returns the top of the block.
    double take(double height)
    {
        if (m_y + height > kBottom && m_y > kMargin)
            newPage();
        const double top = m_y;
        m_y += height;
        return top;
    }
    /// A section title, kept on one page with the first `keep` points of what follows.
    void heading(const std::string& text, double keep = 90)
    {
        if (m_y + 34 + keep > kBottom)
            newPage();
        const double top = take(34);
        m_page->text(kMargin, top + 22, text, {13, true}, kInk);
        m_page->line(kMargin, top + 27, kMargin + kWidth, top + 27, kRule, 0.6);
    }
    void paragraph(const std::string& text, Font font = {9.5}, Color color = kInk)
    {
        for (const auto& line : wrap(text, font, kWidth)) {
            const double top = take(font.size * 1.35);
            m_page->text(kMargin, top + font.size, line, font, color);
        }
        m_y += 4;
    }
    void keyValues(const std::vector<std::pair<std::string, std::string>>& rows)
    {
        const Font key{9, true}, value{9};
        const double keyWidth = 150;
        for (const auto& [k, v] : rows) {
            const auto lines = wrap(v, value, kWidth - keyWidth);
            const double top = take(13 * double(std::max<std::size_t>(1, lines.size())));
            m_page->text(kMargin, top + 10, k, key, kInk);
            for (std::size_t i = 0; i < lines.size(); ++i)
                m_page->text(kMargin + keyWidth, top + 10 + 13 * double(i), lines[i], value, kInk);
        }
        m_y += 6;
    }
    void table(const Table& t)
    {
        const Font head{8.5, true}, cell{8.5};
        std::vector<double> widths(t.header.size());
        for (std::size_t c = 0; c < widths.size(); ++c) {
            widths[c] = textWidth(t.header[c], head);
            for (const auto& row : t.rows)
                widths[c] = std::max(widths[c], textWidth(row[c], cell));
        }
        double total = 0;
        for (double w : widths)
            total += w;
        const double gap = std::max(8.0, (kWidth - total) / double(widths.size()));
        auto row = [&](const std::vector<std::string>& cells, const Font& font) {
            const double top = take(13);
            double x = kMargin;
            for (std::size_t c = 0; c < cells.size(); ++c) {
                if (t.numeric[c])
                    m_page->text(x + widths[c], top + 10, cells[c], font, kInk, Anchor::End);
                else
                    m_page->text(x, top + 10, cells[c], font, kInk);
                x += widths[c] + gap;
            }
            m_page->line(kMargin, top + 13, kMargin + std::min(kWidth, x - gap), top + 13, kRule, 0.4);
        };
        row(t.header, head);
        for (const auto& r : t.rows)
            row(r, cell);
        m_y += 8;
    }
    void code(const std::string& text)
    {
        const Font mono{7.5, false, true};
        const double maxChars = kWidth / (0.6 * mono.size);
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);)
            for (std::size_t pos = 0; pos == 0 || pos < line.size(); pos += std::size_t(maxChars)) {
                const double top = take(9.5);
                m_page->text(kMargin, top + 7.5, line.substr(pos, std::size_t(maxChars)), mono, kInk);
            }
    }

    /// Greedy word wrap at `width` points.
    static std::vector<std::string> wrap(const std::string& text, const Font& font, double width)
    {
        std::vector<std::string> lines;
        std::istringstream words(text);
        std::string line;
        for (std::string w; words >> w;) {
            const std::string candidate = line.empty() ? w : line + " " + w;
            if (!line.empty() && textWidth(candidate, font) > width) {
                lines.push_back(line);
                line = w;
            } else
                line = candidate;
        }
        if (!line.empty() || lines.empty())
            lines.push_back(line);
        return lines;
    }

private:
    void newPage()
    {
        m_page = &m_doc.addPage();
        m_y = kMargin;
    }
    PdfDocument& m_doc;
    PdfCanvas* m_page = nullptr;
    double m_y = 0;
};

/// "TITLE  -  page 2 of 5" at the foot of every page; the file's bytes.
std::string finish(PdfDocument& doc, const std::string& footer)
{
    for (std::size_t p = 0; p < doc.pages(); ++p)
        doc.page(p).text(PdfDocument::kA4Width / 2, PdfDocument::kA4Height - 24,
                         footer + "  -  page " + std::to_string(p + 1) + " of " + std::to_string(doc.pages()), {7.5},
                         kMuted, Anchor::Middle);
    return doc.bytes();
}

void title(Flow& flow, const std::string& text)
{
    const double top = flow.take(30);
    flow.canvas().text(kMargin, top + 20, text, {18, true}, kInk);
}

constexpr double kChartHeight = 228;
constexpr double kComparisonChartHeight = 205;  ///< three charts and a heading on a page

} // namespace

std::string renderPdf(const ReportData& d)
{
    PdfDocument doc("TraceProp report: " + d.name());
    Flow flow(doc);
    title(flow, "TraceProp report: " + d.name());
    if (!d.description().empty())
        flow.paragraph(d.description(), {9.5}, kMuted);
    flow.heading("Summary");
    flow.keyValues(summary(d));

    const auto charts = lineCharts(d);
    for (std::size_t i = 0; i < charts.size(); ++i) {
        if (i == 0)
            flow.heading("Training curves", 240);
        const double top = flow.take(kChartHeight + 12);
        drawLineChart(flow.canvas(), charts[i], kMargin, top, kWidth, kChartHeight);
    }
    flow.heading("Confusion matrix", d.confusion.classes > 0 ? 368 : 20);
    if (d.confusion.classes > 0) {
        const double side = 360, top = flow.take(side + 8);
        drawHeatMap(flow.canvas(), confusionHeatMap(d), kMargin + (kWidth - side) / 2, top, side, side);
        flow.paragraph("Rows: true class, columns: predicted class; counts of test samples, shaded by the fraction of "
                       "the true class's samples. " +
                           std::string(d.confusion_from_run ? "Recorded by the run." : "Computed by the report."),
                       {8.5}, kMuted);
    } else {
        flow.paragraph("Not available: the run's results.h5 has no /confusion_matrix.", {9.5}, kMuted);
    }
    flow.heading("Memory");
    flow.paragraph("Measured on the run's first full batch (KiB); model: the paper's analytic count of TP's traces, "
                   "2*B*H per layer (+ S).");
    flow.table(memoryPartsTable(d));
    if (!d.memory_model.empty()) {
        flow.paragraph("Rule-state memory at this run's batch, steps and classes: analytic model against the bytes "
                       "this run's own rule allocated (other rules: model only).");
        flow.table(memoryModelTable(d));
    }
    flow.heading("Seeds, versions, machine");
    flow.keyValues(provenance(d));
    flow.heading("Experiment file");
    flow.paragraph("As run (overrides applied), from results.h5 /config.", {8.5}, kMuted);
    flow.code(d.experiment.dump(2));

    return finish(doc, "TraceProp report: " + d.name());
}

std::string renderComparisonPdf(const ComparisonData& c)
{
    const std::string heading = "TraceProp rule comparison: " + c.name();
    PdfDocument doc(heading);
    Flow flow(doc);
    title(flow, heading);
    if (!c.runs.front().description().empty())
        flow.paragraph("From the experiment file (before overrides, see Setup): " + c.runs.front().description(), {9.5},
                       kMuted);
    flow.paragraph(std::to_string(c.runs.size()) + " runs of one experiment with the same data, network and seed, "
                   "differing in the learning rule.");
    flow.heading("Setup");
    flow.keyValues(comparisonSetup(c));
    flow.heading("Summary");
    flow.paragraph("Best and final test accuracy after each epoch; samples/s: mean training throughput over the "
                   "epochs (evaluation excluded); s/epoch: training + evaluation.", {8.5}, kMuted);
    flow.table(comparisonSummaryTable(c));
    const auto charts = comparisonCharts(c);
    for (std::size_t i = 0; i < charts.size(); ++i) {
        if (i == 0)
            flow.heading("Training curves", kComparisonChartHeight + 12);
        const double top = flow.take(kComparisonChartHeight + 12);
        drawLineChart(flow.canvas(), charts[i], kMargin, top, kWidth, kComparisonChartHeight);
    }
    flow.heading("Memory", kComparisonChartHeight + 40);
    flow.paragraph("Measured on each run's first full batch (MiB, summed over the network's parts); stacked from the "
                   "bottom: weights, optimizer state, rule state, buffers.");
    const double top = flow.take(kComparisonChartHeight + 12);
    drawBarChart(flow.canvas(), comparisonMemoryChart(c), kMargin, top, kWidth, kComparisonChartHeight);
    flow.table(comparisonMemoryTable(c));
    return finish(doc, heading);
}

} // namespace tp::report
