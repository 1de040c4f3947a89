#include "report/chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace tp::report {

namespace {

// Advance widths (1/1000 em) of ASCII 32..126, from Adobe's Helvetica and Helvetica-Bold AFM files.
constexpr std::array<short, 95> kHelvetica{
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};
constexpr std::array<short, 95> kHelveticaBold{
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
    722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
    278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584};

const Color kInk{51, 51, 51}, kGrid{224, 224, 224}, kAxis{90, 90, 90};
constexpr double kTitleSize = 11, kLabelSize = 9, kLegendRow = 14;

double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

} // namespace

std::string Color::hex() const
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
    return buf;
}

Color seriesColor(std::size_t i)
{
    static constexpr std::array<Color, 10> palette{{{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                                                    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                                    {188, 189, 34}, {23, 190, 207}}};
    return palette[i % palette.size()];
}

std::string toWinAnsi(const std::string& utf8)
{
    // Code points above U+00FF that cp1252 has, and spelled-out Greek letters.
    static const std::map<char32_t, std::string> special{
        {0x2013, "\x96"}, {0x2014, "\x97"}, {0x2018, "\x91"}, {0x2019, "\x92"}, {0x201C, "\x93"},
        {0x201D, "\x94"}, {0x2022, "\x95"}, {0x2026, "\x85"}, {0x2212, "-"},    {0x2264, "<="},
        {0x2265, ">="},   {0x2192, "->"},   {0x2190, "<-"},   {0x2248, "~"},    {0x03B1, "alpha"},
        {0x03B2, "beta"}, {0x03B3, "gamma"}, {0x03B4, "delta"}, {0x03B5, "epsilon"}, {0x03B7, "eta"},
        {0x03BA, "kappa"}, {0x03BB, "lambda"}, {0x03BC, "\xB5"}, {0x03C3, "sigma"}, {0x03C4, "tau"},
        {0x03C8, "psi"}, {0x0394, "Delta"}, {0x2207, "nabla"}};
    std::string out;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        char32_t cp = c;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (c >= 0x80 && c < 0xC0)
            extra = 0, cp = U'?';
        else if (extra)
            cp = c & (0x3F >> extra);
        ++i;
        for (int k = 0; k < extra && i < utf8.size(); ++k, ++i)
            cp = (cp << 6) | (static_cast<unsigned char>(utf8[i]) & 0x3F);
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
            out += char(cp);
        else if (auto it = special.find(cp); it != special.end())
            out += it->second;
        else
            out += '?';
    }
    return out;
}

double textWidth(const std::string& text, const Font& font)
{
    double units = 0;
    for (const unsigned char c : toWinAnsi(text))
        units += font.mono ? 600 : (c >= 32 && c <= 126) ? (font.bold ? kHelveticaBold : kHelvetica)[c - 32] : 556;
    return units * font.size / 1000.0;
}

std::vector<double> niceTicks(double lo, double hi, int target, bool integer)
{
    if (!std::isfinite(lo) || !std::isfinite(hi))
        lo = 0, hi = 1;
    if (hi < lo)
        std::swap(lo, hi);
    if (hi == lo) {
        const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
        lo -= pad, hi += pad;
    }
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    if (integer)
        step = std::max(1.0, std::round(step));
    const double first = std::floor(lo / step + 1e-9) * step, last = std::ceil(hi / step - 1e-9) * step;
    std::vector<double> ticks;
    for (double t = first; t <= last + step * 1e-6; t += step)
        ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

std::string formatTick(double value, double step)
{
    int decimals = 0;  // the fewest that show the step exactly (2.5 -> 1, 0.02 -> 2)
    while (decimals < 12 && step > 0) {
        const double scaled = step * std::pow(10.0, decimals);
        if (std::abs(scaled - std::round(scaled)) <= 1e-6 * scaled)
            break;
        ++decimals;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 12), value);
    return buf;
}

namespace {

/// Where each legend entry of `names` goes: rows from `baseline` down, wrapped at [left, right].
std::vector<std::pair<double, double>> legendPlaces(const std::vector<std::string>& names, double left, double right,
                                                    double baseline)
{
    std::vector<std::pair<double, double>> places;
    double x = left, y = baseline;
    for (const auto& name : names) {
        const double w = 22 + textWidth(name, Font{kLabelSize}) + 14;
        if (x > left && x + w > right)
            x = left, y += kLegendRow;
        places.emplace_back(x, y);
        x += w;
    }
    return places;
}

/// The plot frame shared by line and bar charts, for `l.y_ticks` set: the plot area left of the
/// tick labels, under the title and the legend of `names`, above the x axis labels.
void layoutFrame(ChartLayout& l, const std::vector<std::string>& names, double x0, double y0, double width,
                 double height)
{
    const double step = l.y_ticks.size() > 1 ? l.y_ticks[1] - l.y_ticks[0] : 1;
    double tickWidth = 0;
    for (double t : l.y_ticks)
        tickWidth = std::max(tickWidth, textWidth(formatTick(t, step), Font{kLabelSize}));
    l.left = x0 + 18 + tickWidth + 6;
    l.right = x0 + width - 14;
    l.legend_y = y0 + 22 + kLabelSize;
    const auto places = legendPlaces(names, l.left, l.right, l.legend_y);
    const double rows = places.empty() ? 0 : (places.back().second - l.legend_y) / kLegendRow + 1;
    l.top = y0 + 22 + rows * kLegendRow + 8;
    l.bottom = y0 + height - 32;
    l.y = {l.y_ticks.front(), l.y_ticks.back(), l.bottom, l.top};
}

/// Title, horizontal grid lines with their tick labels, the y axis and its label.
void drawFrame(Canvas& canvas, const ChartLayout& l, const std::string& title, const std::string& yLabel, double x0,
               double y0, double width)
{
    const Font label{kLabelSize};
    canvas.text(x0 + width / 2, y0 + 14, title, {kTitleSize, true}, kInk, Anchor::Middle);
    const double yStep = l.y_ticks.size() > 1 ? l.y_ticks[1] - l.y_ticks[0] : 1;
    for (double t : l.y_ticks) {
        const double y = l.y(t);
        canvas.line(l.left, y, l.right, y, kGrid, 0.6);
        canvas.text(l.left - 5, y + 3, formatTick(t, yStep), label, kInk, Anchor::End);
    }
    canvas.line(l.left, l.top, l.left, l.bottom, kAxis, 0.8);
    canvas.line(l.left, l.bottom, l.right, l.bottom, kAxis, 0.8);
    canvas.text(x0 + 10, (l.top + l.bottom) / 2, yLabel, label, kInk, Anchor::Middle, true);
}

std::vector<std::string> seriesNames(const LineChart& chart)
{
    std::vector<std::string> names;
    for (const auto& s : chart.series)
        names.push_back(s.name);
    return names;
}

Color colorOf(const Series& s, std::size_t i) { return seriesColor(s.color >= 0 ? std::size_t(s.color) : i); }

} // namespace

ChartLayout layoutLineChart(const LineChart& chart, double x0, double y0, double width, double height)
{
    ChartLayout l;
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    for (const auto& s : chart.series)
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]))
                continue;
            xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
            ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
        }
    xmin = finiteOr(xmin, 0), xmax = finiteOr(xmax, 1), ymin = finiteOr(ymin, 0), ymax = finiteOr(ymax, 1);
    if (xmax == xmin)  // one epoch: half a step either side, one tick under the point
        xmin -= 0.5, xmax += 0.5;
    l.y_ticks = niceTicks(chart.y_min.value_or(ymin), chart.y_max.value_or(std::max(ymax, chart.y_min.value_or(ymax))), 5);
    for (double t : niceTicks(xmin, xmax, 8, chart.integer_x))
        if (t >= xmin - 1e-9 && t <= xmax + 1e-9)
            l.x_ticks.push_back(t);
    layoutFrame(l, seriesNames(chart), x0, y0, width, height);
    l.x = {xmin, xmax, l.left, l.right};
    return l;
}

void drawLineChart(Canvas& canvas, const LineChart& chart, double x0, double y0, double width, double height)
{
    const ChartLayout l = layoutLineChart(chart, x0, y0, width, height);
    const Font label{kLabelSize};
    drawFrame(canvas, l, chart.title, chart.y_label, x0, y0, width);
    const auto places = legendPlaces(seriesNames(chart), l.left, l.right, l.legend_y);
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
        const auto [lx, ly] = places[i];
        canvas.polyline({{lx, ly - 3}, {lx + 18, ly - 3}}, colorOf(chart.series[i], i), 2, chart.series[i].dashed);
        canvas.text(lx + 22, ly, chart.series[i].name, label, kInk);
    }
    const double xStep = l.x_ticks.size() > 1 ? l.x_ticks[1] - l.x_ticks[0] : 1;
    for (double t : l.x_ticks) {
        const double x = l.x(t);
        canvas.line(x, l.bottom, x, l.bottom + 4, kAxis, 0.8);
        canvas.text(x, l.bottom + 14, formatTick(t, xStep), label, kInk, Anchor::Middle);
    }
    canvas.text((l.left + l.right) / 2, l.bottom + 28, chart.x_label, label, kInk, Anchor::Middle);
    // Data: one polyline per run of finite points; square markers when the points are few.
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
        const auto& s = chart.series[i];
        const Color color = colorOf(s, i);
        const std::size_t n = std::min(s.x.size(), s.y.size());
        std::vector<std::pair<double, double>> run;
        auto flush = [&] {
            if (run.size() > 1)
                canvas.polyline(run, color, 1.6, s.dashed);
            run.clear();
        };
        for (std::size_t k = 0; k < n; ++k) {
            if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k])) {
                flush();
                continue;
            }
            const double x = l.x(s.x[k]), y = l.y(s.y[k]);
            run.emplace_back(x, y);
            const double marker = n <= 3 ? 5 : 3.2;  // a lone point must stay visible
            if (n <= 40)
                canvas.rect(x - marker / 2, y - marker / 2, marker, marker, color);
        }
        flush();
    }
}

void drawBarChart(Canvas& canvas, const BarChart& chart, double x0, double y0, double width, double height)
{
    const auto value = [&chart](const BarChart::Stack& s, std::size_t c) {
        return c < s.values.size() && std::isfinite(s.values[c]) ? std::max(0.0, s.values[c]) : 0.0;
    };
    std::vector<double> totals(chart.categories.size(), 0.0);
    for (const auto& s : chart.stacks)
        for (std::size_t c = 0; c < totals.size(); ++c)
            totals[c] += value(s, c);
    const double top = totals.empty() ? 1 : *std::max_element(totals.begin(), totals.end());
    ChartLayout l;
    l.y_ticks = niceTicks(0, top > 0 ? top * 1.08 : 1, 5);  // room for the totals above the bars
    std::vector<std::string> names;
    for (const auto& s : chart.stacks)
        names.push_back(s.name);
    layoutFrame(l, names, x0, y0, width, height);
    drawFrame(canvas, l, chart.title, chart.y_label, x0, y0, width);
    const Font label{kLabelSize};
    const auto places = legendPlaces(names, l.left, l.right, l.legend_y);
    for (std::size_t i = 0; i < names.size(); ++i) {
        canvas.rect(places[i].first + 4, places[i].second - 8, 10, 10, seriesColor(i));
        canvas.text(places[i].first + 22, places[i].second, names[i], label, kInk);
    }
    const double slot = (l.right - l.left) / double(std::max<std::size_t>(1, totals.size()));
    const double barWidth = std::min(slot * 0.6, 90.0);
    for (std::size_t c = 0; c < totals.size(); ++c) {
        const double center = l.left + slot * (double(c) + 0.5);
        double base = 0;
        for (std::size_t i = 0; i < chart.stacks.size(); ++i) {
            const double v = value(chart.stacks[i], c);
            if (v > 0)
                canvas.rect(center - barWidth / 2, l.y(base + v), barWidth, l.y(base) - l.y(base + v), seriesColor(i));
            base += v;
        }
        char text[48];
        std::snprintf(text, sizeof text, "%.*f", chart.total_decimals, totals[c]);
        canvas.text(center, l.y(totals[c]) - 4, text, label, kInk, Anchor::Middle);
        canvas.text(center, l.bottom + 14, chart.categories[c], label, kInk, Anchor::Middle);
    }
}

void drawHeatMap(Canvas& canvas, const HeatMap& map, double x0, double y0, double width, double height)
{
    const Font label{kLabelSize};
    canvas.text(x0 + width / 2, y0 + 14, map.title, {kTitleSize, true}, kInk, Anchor::Middle);
    if (map.rows <= 0 || map.cols <= 0 || map.counts.size() != std::size_t(map.rows) * std::size_t(map.cols))
        return;
    const double tickWidth = textWidth(std::to_string(std::max(map.rows, map.cols) - 1), label);
    const double left = x0 + 18 + tickWidth + 6, top = y0 + 24;
    const double side = std::max(1.0, std::min(x0 + width - 10 - left, y0 + height - 34 - top));
    const double cw = side / map.cols, ch = side / map.rows;
    const auto every = [&](double cell) { return std::max(1, int(std::ceil((tickWidth + 4) / cell))); };
    const int rowEvery = std::max(1, int(std::ceil((kLabelSize + 1) / ch))), colEvery = every(cw);
    const bool numbers = std::min(cw, ch) >= 14;
    for (int r = 0; r < map.rows; ++r) {
        std::int64_t rowTotal = 0;
        for (int c = 0; c < map.cols; ++c)
            rowTotal += map.counts[std::size_t(r) * map.cols + c];
        for (int c = 0; c < map.cols; ++c) {
            const std::int64_t n = map.counts[std::size_t(r) * map.cols + c];
            const double f = rowTotal ? double(n) / double(rowTotal) : 0.0;
            const auto mix = [f](int from, int to) { return static_cast<unsigned char>(std::lround(from + (to - from) * f)); };
            const Color fill{mix(255, 8), mix(255, 48), mix(255, 107)};
            const double x = left + c * cw, y = top + r * ch;
            canvas.rect(x, y, cw, ch, fill, Color{255, 255, 255});
            if (numbers && n > 0) {
                const Font small{std::min(9.0, ch * 0.45)};
                canvas.text(x + cw / 2, y + ch / 2 + small.size * 0.35, std::to_string(n), small,
                            f > 0.5 ? Color{255, 255, 255} : kInk, Anchor::Middle);
            }
        }
    }
    canvas.rect(left, top, side, side, std::nullopt, kAxis);
    for (int r = 0; r < map.rows; r += rowEvery)
        canvas.text(left - 4, top + (r + 0.5) * ch + 3, std::to_string(r), label, kInk, Anchor::End);
    for (int c = 0; c < map.cols; c += colEvery)
        canvas.text(left + (c + 0.5) * cw, top + side + 12, std::to_string(c), label, kInk, Anchor::Middle);
    canvas.text(left + side / 2, top + side + 26, map.x_label, label, kInk, Anchor::Middle);
    canvas.text(x0 + 10, top + side / 2, map.y_label, label, kInk, Anchor::Middle, true);
}

} // namespace tp::report
