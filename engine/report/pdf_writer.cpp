#include "report/pdf_writer.h"

#include <cstdio>

namespace tp::report {

namespace {

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

std::string rgb(Color c)
{
    return num(c.r / 255.0) + ' ' + num(c.g / 255.0) + ' ' + num(c.b / 255.0);
}

/// A PDF literal string: (text) with \, ( and ) escaped, bytes >= 128 as octal escapes.
std::string literal(const std::string& bytes)
{
    std::string out = "(";
    for (unsigned char c : bytes) {
        if (c == '\\' || c == '(' || c == ')')
            out += '\\', out += char(c);
        else if (c < 32 || c >= 127) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        } else
            out += char(c);
    }
    return out + ")";
}

} // namespace

void PdfCanvas::polyline(const std::vector<std::pair<double, double>>& points, Color color, double width, bool dashed)
{
    if (points.size() < 2)
        return;
    m_ops += rgb(color) + " RG " + num(width) + " w " + (dashed ? "[5 3] 0 d\n" : "[] 0 d\n");
    for (std::size_t i = 0; i < points.size(); ++i)
        m_ops += num(points[i].first) + ' ' + num(m_height - points[i].second) + (i ? " l\n" : " m\n");
    m_ops += "S\n";
}

void PdfCanvas::rect(double x, double y, double w, double h, std::optional<Color> fill, std::optional<Color> stroke)
{
    const std::string box = num(x) + ' ' + num(m_height - y - h) + ' ' + num(w) + ' ' + num(h) + " re ";
    if (fill)
        m_ops += rgb(*fill) + " rg " + box + "f\n";
    if (stroke)
        m_ops += rgb(*stroke) + " RG 0.8 w [] 0 d " + box + "S\n";
}

void PdfCanvas::text(double x, double y, const std::string& text, Font font, Color color, Anchor anchor, bool vertical)
{
    const std::string bytes = toWinAnsi(text);
    const double shift = anchor == Anchor::Start ? 0 : textWidth(text, font) / (anchor == Anchor::Middle ? 2 : 1);
    const char* name = font.mono ? "/F3" : font.bold ? "/F2" : "/F1";
    const double py = m_height - y;
    const std::string matrix = vertical ? "0 1 -1 0 " + num(x) + ' ' + num(py - shift)
                                        : "1 0 0 1 " + num(x - shift) + ' ' + num(py);
    m_ops += "BT " + rgb(color) + " rg " + name + ' ' + num(font.size) + " Tf " + matrix + " Tm " + literal(bytes) +
             " Tj ET\n";
}

PdfCanvas& PdfDocument::addPage()
{
    m_pages.push_back(std::make_unique<PdfCanvas>(kA4Height));
    return *m_pages.back();
}

std::string PdfDocument::bytes() const
{
    // Objects: 1 catalog, 2 page tree, 3-5 fonts, 6 info, then a page and its content per page.
    std::vector<std::string> objects;
    std::string kids;
    for (std::size_t p = 0; p < m_pages.size(); ++p)
        kids += (p ? " " : "") + std::to_string(7 + 2 * p) + " 0 R";
    objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(m_pages.size()) + " >>");
    for (const char* font : {"Helvetica", "Helvetica-Bold", "Courier"})
        objects.push_back(std::string("<< /Type /Font /Subtype /Type1 /BaseFont /") + font +
                          " /Encoding /WinAnsiEncoding >>");
    objects.push_back("<< /Title " + literal(toWinAnsi(m_title)) + " /Producer (TraceProp Workbench) >>");
    for (std::size_t p = 0; p < m_pages.size(); ++p) {
        objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(kA4Width) + ' ' + num(kA4Height) +
                          "] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents " +
                          std::to_string(8 + 2 * p) + " 0 R >>");
        const std::string& ops = m_pages[p]->operators();
        objects.push_back("<< /Length " + std::to_string(ops.size()) + " >>\nstream\n" + ops + "endstream");
    }
    std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t off : offsets) {
        char entry[24];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
        out += entry;
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R /Info 6 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

} // namespace tp::report
