// Minimal SVG line charts (see svg_plot.h).
#include "svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace syskit::route::internal {

std::string RenderLineChart(const std::string& title, const std::string& x_label,
                            const std::string& y_label, const std::vector<double>& x,
                            const std::vector<SvgSeries>& series) {
  constexpr double kWidth = 900, kHeight = 420, kLeft = 70, kRight = 170, kTop = 40, kBottom = 50;
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  double x_min = x.empty() ? 0 : x.front(), x_max = x.empty() ? 1 : x.back();
  double y_min = 1e300, y_max = -1e300;
  for (const auto& s : series) {
    for (double v : s.y) {
      if (!std::isfinite(v)) continue;
      y_min = std::min(y_min, v);
      y_max = std::max(y_max, v);
    }
  }
  if (y_min > y_max) y_min = 0, y_max = 1;
  if (y_max - y_min < 1e-12) y_max = y_min + 1;
  if (x_max - x_min < 1e-12) x_max = x_min + 1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (v - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double v) { return kTop + (1 - (v - y_min) / (y_max - y_min)) * plot_h; };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{0}\" height=\"{1}\" "
      "fill=\"white\"/>\n<text x=\"{2}\" y=\"22\" font-size=\"15\">{3}</text>\n",
      kWidth, kHeight, kLeft, title);
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
      kLeft, kTop, plot_w, plot_h);
  for (int tick = 0; tick <= 4; ++tick) {
    const double yv = y_min + (y_max - y_min) * tick / 4, xv = x_min + (x_max - x_min) * tick / 4;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3g}</text><line x1=\"{}\" x2=\"{}\" "
        "y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>\n",
        kLeft - 5, py(yv) + 4, yv, kLeft, kLeft + plot_w, py(yv), py(yv));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.3g}</text>\n", px(xv),
                       kTop + plot_h + 18, xv);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     kLeft + plot_w / 2, kHeight - 10, x_label);
  svg += fmt::format(
      "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">{}</text>\n",
      kTop + plot_h / 2, kTop + plot_h / 2, y_label);
  for (size_t i = 0; i < series.size(); ++i) {
    const char* color = kColors[i % 10];
    std::string points;
    for (size_t k = 0; k < std::min(x.size(), series[i].y.size()); ++k) {
      if (!std::isfinite(series[i].y[k])) continue;
      points += fmt::format("{:.1f},{:.1f} ", px(x[k]), py(series[i].y[k]));
    }
    svg +=
        fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.3\" points=\"{}\"/>\n",
                    color, points);
    const double ly = kTop + 14 + 16 * static_cast<double>(i);
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/><text "
        "x=\"{}\" y=\"{}\">{}</text>\n",
        kLeft + plot_w + 10, kLeft + plot_w + 30, ly, ly, color, kLeft + plot_w + 35, ly + 4,
        series[i].label);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace syskit::route::internal
