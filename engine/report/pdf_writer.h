#pragma once
/// A minimal PDF 1.4 writer: A4 pages of vector lines, rectangles and text in the standard Type1
/// fonts Helvetica, Helvetica-Bold and Courier (WinAnsiEncoding), which every viewer has, so
/// nothing is embedded. Uncompressed content streams, one cross-reference table.
#include <memory>
#include <string>
#include <vector>

#include "report/chart.h"

namespace tp::report {

/// One page's drawing operations; y grows downwards from the top of the page (flipped here).
class PdfCanvas : public Canvas {
public:
    explicit PdfCanvas(double pageHeight) : m_height(pageHeight) {}
    void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width,
                  bool dashed = false) override;
    void rect(double x, double y, double w, double h, std::optional<Color> fill,
              std::optional<Color> stroke = std::nullopt) override;
    void text(double x, double y, const std::string& text, Font font, Color color, Anchor anchor = Anchor::Start,
              bool vertical = false) override;
    const std::string& operators() const { return m_ops; }

private:
    double m_height;
    std::string m_ops;
};

class PdfDocument {
public:
    static constexpr double kA4Width = 595.276, kA4Height = 841.89;  ///< points
    explicit PdfDocument(std::string title) : m_title(std::move(title)) {}
    /// A new page at the end; the canvas stays valid as long as the document.
    PdfCanvas& addPage();
    std::size_t pages() const { return m_pages.size(); }
    PdfCanvas& page(std::size_t index) { return *m_pages.at(index); }
    /// The whole file: header, objects, xref table, trailer, %%EOF.
    std::string bytes() const;

private:
    std::string m_title;
    std::vector<std::unique_ptr<PdfCanvas>> m_pages;
};

} // namespace tp::report
