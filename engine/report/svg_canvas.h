#pragma once
/// A Canvas that writes an inline SVG element (no external references, no script).
#include <sstream>
#include <string>

#include "report/chart.h"

namespace tp::report {

/// Text with &, <, >, " and ' escaped for XML/HTML content and attribute values.
std::string xmlEscape(const std::string& text);

class SvgCanvas : public Canvas {
public:
    /// `title` becomes the element's accessible name (role="img" + <title>).
    SvgCanvas(double width, double height, std::string title);
    void polyline(const std::vector<std::pair<double, double>>& points, Color color, double width,
                  bool dashed = false) override;
    void rect(double x, double y, double w, double h, std::optional<Color> fill,
              std::optional<Color> stroke = std::nullopt) override;
    void text(double x, double y, const std::string& text, Font font, Color color, Anchor anchor = Anchor::Start,
              bool vertical = false) override;
    /// The complete <svg> element; `standalone` adds the xmlns an .svg file needs (HTML5 inline
    /// SVG does without, so the report page holds no URL at all).
    std::string str(bool standalone = false) const;

private:
    double m_width, m_height;
    std::string m_title;
    std::ostringstream m_body;
};

} // namespace tp::report
