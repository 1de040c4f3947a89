#pragma once
/// A page of tables and line charts as self-contained HTML (report_html.cpp): what the sweep
/// summary and the reports render with. Depends on nothing above it (no run files).
#include <string>
#include <utility>
#include <vector>

#include "report/chart.h"

namespace tp::report {

/// A table: header cells and rows of cells; numeric columns are right-aligned.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> numeric;
};
/// A self-contained page in the report's style (inline CSS and SVG, no script, no URL): a title,
/// an introduction, line charts, then tables with a heading each. Used for sweep summaries.
std::string renderTablesHtml(const std::string& title, const std::string& intro, const std::vector<LineChart>& charts,
                             const std::vector<std::pair<std::string, Table>>& tables);

} // namespace tp::report
