#pragma once
/// Small vector charts for reports: line charts and a heat map drawn onto an abstract Canvas,
/// which the SVG writer (svg_canvas.h) and the PDF writer (pdf_writer.h) implement, so the HTML
/// and the PDF report show the same figures. Coordinates are points, origin top-left, y down.
/// Plain C++ (no Qt): the CLI writes reports too.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tp::report {

struct Color {
    unsigned char r = 0, g = 0, b = 0;
    std::string hex() const;  ///< "#rrggbb"
};

/// The i-th colour of a ten-colour qualitative palette (wraps around).
Color seriesColor(std::size_t i);

enum class Anchor { Start, Middle, End };

struct Font {
    double size = 9;     ///< points
    bool bold = false;   ///< Helvetica-Bold
    bool mono = false;   ///< Courier (bold ignored)
};

/// UTF-8 text as WinAnsi (cp1252) bytes, the encoding of the PDF's standard fonts; characters
/// outside it become '?' (Greek letters are spelled out: "alpha").
std::string toWinAnsi(const std::string& utf8);

/// Width in points of UTF-8 text as drawn in the standard Type1 fonts after toWinAnsi
/// (Helvetica, Helvetica-Bold: their AFM widths for ASCII, 556/1000 em otherwise; Courier:
/// 600/1000 em).
double textWidth(const std::string& text, const Font& font);

/// What a chart draws on. y grows downwards; text() places the baseline at y.
class Canvas {
public:
    virtual ~Canvas() = default;
    virtual void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width,
                          bool dashed = false) = 0;
    virtual void rect(double x, double y, double w, double h, std::optional<Color> fill,
                      std::optional<Color> stroke = std::nullopt) = 0;
    /// `vertical`: rotated 90 degrees counter-clockwise about (x, y), reading bottom to top.
    virtual void text(double x, double y, const std::string& text, Font font, Color color,
                      Anchor anchor = Anchor::Start, bool vertical = false) = 0;
    void line(double x1, double y1, double x2, double y2, Color color, double width)
    {
        polyline({{x1, y1}, {x2, y2}}, color, width);
    }
};

/// Maps [d0, d1] linearly onto [r0, r1].
struct LinearScale {
    double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
    double operator()(double v) const { return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) * (r1 - r0) / (d1 - d0); }
};

/// About `target` round tick values (steps 1, 2, 2.5, 5 x 10^k) covering [lo, hi]; the first and
/// last tick enclose the range. `integer`: steps of at least 1.
std::vector<double> niceTicks(double lo, double hi, int target, bool integer = false);
/// A tick value with as many decimals as the tick step needs ("0.25", "40", "7.5" for step 2.5).
std::string formatTick(double value, double step);

struct Series {
    std::string name;
    std::vector<double> x, y;
    bool dashed = false;
    int color = -1;  ///< palette index (seriesColor); -1: the series' position in the chart
};

struct LineChart {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    std::optional<double> y_min, y_max;  ///< fixed ends of the y axis (else from the data)
    bool integer_x = true;               ///< x ticks on whole numbers (epochs)
};

/// Where a line chart of `width` x `height` at (x0, y0) puts its plot area and ticks.
struct ChartLayout {
    double left = 0, top = 0, right = 0, bottom = 0;  ///< the plot area
    LinearScale x, y;                                  ///< data -> canvas coordinates
    std::vector<double> x_ticks, y_ticks;
    double legend_y = 0;                               ///< baseline of the first legend row
};
ChartLayout layoutLineChart(const LineChart& chart, double x0, double y0, double width, double height);
void drawLineChart(Canvas& canvas, const LineChart& chart, double x0, double y0, double width, double height);

/// A count matrix (row-major, rows x cols) drawn as cells shaded by each row's fraction.
struct HeatMap {
    std::string title, x_label, y_label;
    int rows = 0, cols = 0;
    std::vector<std::int64_t> counts;
};
void drawHeatMap(Canvas& canvas, const HeatMap& map, double x0, double y0, double width, double height);

/// Stacked bars: one bar per category (x axis), one segment per stack from the bottom up, in
/// the stacks' palette colours with a legend; each bar's total is written above it.
struct BarChart {
    struct Stack {
        std::string name;
        std::vector<double> values;  ///< one per category (missing or non-finite: 0)
    };
    std::string title, y_label;
    std::vector<std::string> categories;
    std::vector<Stack> stacks;
    int total_decimals = 2;  ///< of the totals written above the bars
};
void drawBarChart(Canvas& canvas, const BarChart& chart, double x0, double y0, double width, double height);

} // namespace tp::report
