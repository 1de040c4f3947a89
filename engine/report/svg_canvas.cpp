#include "report/svg_canvas.h"

#include <cstdio>

namespace tp::report {

namespace {

/// A coordinate with at most two decimals and no trailing zeros ("12.5", "40").
std::string num(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0')
        s.pop_back();
    if (s.back() == '.')
        s.pop_back();
    return s == "-0" ? "0" : s;
}

} // namespace

std::string xmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

SvgCanvas::SvgCanvas(double width, double height, std::string title)
    : m_width(width), m_height(height), m_title(std::move(title))
{
}

void SvgCanvas::polyline(const std::vector<std::pair<double, double>>& points, Color color, double width, bool dashed)
{
    m_body << "<polyline fill=\"none\" stroke=\"" << color.hex() << "\" stroke-width=\"" << num(width) << "\"";
    if (dashed)
        m_body << " stroke-dasharray=\"5 3\"";
    m_body << " points=\"";
    for (std::size_t i = 0; i < points.size(); ++i)
        m_body << (i ? " " : "") << num(points[i].first) << ',' << num(points[i].second);
    m_body << "\"/>\n";
}

void SvgCanvas::rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke)
{
    m_body << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
           << "\" fill=\"" << (fill ? fill->hex() : "none") << "\"";
    if (stroke)
        m_body << " stroke=\"" << stroke->hex() << "\" stroke-width=\"0.8\"";
    m_body << "/>\n";
}

void SvgCanvas::text(double x, double y, const std::string& text, Font font, Color color, Anchor anchor, bool vertical)
{
    static const char* anchors[] = {"start", "middle", "end"};
    m_body << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" font-size=\"" << num(font.size) << "\"";
    if (font.bold)
        m_body << " font-weight=\"bold\"";
    if (font.mono)
        m_body << " font-family=\"Courier, monospace\"";
    if (anchor != Anchor::Start)
        m_body << " text-anchor=\"" << anchors[int(anchor)] << "\"";
    if (color.r || color.g || color.b)
        m_body << " fill=\"" << color.hex() << "\"";
    if (vertical)
        m_body << " transform=\"rotate(-90 " << num(x) << ' ' << num(y) << ")\"";
    m_body << '>' << xmlEscape(text) << "</text>\n";
}

std::string SvgCanvas::str(bool standalone) const
{
    return std::string(standalone ? "<svg xmlns=\"http://www.w3.org/2000/svg\"" : "<svg") + " width=\"" + num(m_width) + "\" height=\"" + num(m_height) +
           "\" viewBox=\"0 0 " + num(m_width) + ' ' + num(m_height) + "\" role=\"img\" aria-label=\"" +
           xmlEscape(m_title) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n<title>" + xmlEscape(m_title) +
           "</title>\n" + m_body.str() + "</svg>\n";
}

} // namespace tp::report
