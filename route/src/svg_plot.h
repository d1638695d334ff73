// A minimal SVG line chart writer for the simulator's plots (no external
// plotting tool needed at run time).
#pragma once

#include <string>
#include <vector>

namespace syskit::route::internal {

struct SvgSeries {
  std::string label;
  std::vector<double> y;  // one value per x in the chart's x vector
};

// A 900x420 chart: axes with min/max ticks, one polyline per series, a
// legend, a title and axis labels.
std::string RenderLineChart(const std::string& title, const std::string& x_label,
                            const std::string& y_label, const std::vector<double>& x,
                            const std::vector<SvgSeries>& series);

}  // namespace syskit::route::internal
