#include "experiments/plot.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <set>

namespace minnow::experiments::plot {

namespace {

constexpr double kPanelWidth = 420, kPanelHeight = 260;
constexpr double kMarginLeft = 80, kCellWidth = 520, kCellHeight = 360;
constexpr double kTop = 70;  // below the title and subtitle
constexpr const char* kFont = "Helvetica, Arial, sans-serif";

// Round tick spacing (1, 2 or 5 times a power of ten) giving about `count` ticks over [lo, hi].
double nice_step(double lo, double hi, int count) {
    const double raw = (hi - lo) / count;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * power) return m * power;
    return 10 * power;
}

std::string number(double v, double step) {
    if (step >= 1 && std::fabs(v) >= 1e4) return fmt::format("{:.0f}", v);
    const int digits = step >= 1 ? 0 : std::clamp(static_cast<int>(std::ceil(-std::log10(step))), 0, 6);
    return fmt::format("{:.{}f}", v, digits);
}

// Maps data coordinates into a panel's box.
struct Frame {
    double left, top;
    double x_lo, x_hi, y_lo, y_hi;
    bool log_x;
    double tx(double x) const { return log_x ? std::log10(x) : x; }
    double px(double x) const {
        const double lo = tx(x_lo), hi = tx(x_hi);
        return left + (hi > lo ? kPanelWidth * (tx(x) - lo) / (hi - lo) : kPanelWidth / 2);
    }
    double py(double y) const { return top + kPanelHeight * (1.0 - (y - y_lo) / (y_hi - y_lo)); }
};

std::string marker_svg(Marker m, double x, double y, const std::string& colour, bool hollow) {
    const std::string fill = hollow ? "white" : colour;
    switch (m) {
        case Marker::None: return "";
        case Marker::Circle:
            return fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}" stroke="{}" stroke-width="1.3"/>)", x, y,
                               fill, colour);
        case Marker::Square:
            return fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="6" height="6" fill="{}" stroke="{}" stroke-width="1.3"/>)",
                               x - 3, y - 3, fill, colour);
        case Marker::Triangle:
            return fmt::format(R"(<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}" stroke="{}" stroke-width="1.3"/>)",
                               x, y - 4, x - 3.5, y + 3, x + 3.5, y + 3, fill, colour);
        case Marker::Diamond:
            return fmt::format(R"(<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}" stroke="{}" stroke-width="1.3"/>)",
                               x, y - 4, x + 4, y, x, y + 4, x - 4, y, fill, colour);
    }
    return "";
}

Frame frame_for(const Panel& p, double left, double top) {
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    auto take = [](double v, double& lo, double& hi) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    };
    for (const Series& s : p.series)
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i]) || (p.log_x && !(s.x[i] > 0))) continue;
            take(s.x[i], x_lo, x_hi);
            take(s.y[i], y_lo, y_hi);
            if (!s.low.empty()) take(s.low[i], y_lo, y_hi), take(s.high[i], y_lo, y_hi);
        }
    for (const auto& [x, label] : p.x_ticks) take(x, x_lo, x_hi);
    if (!(x_hi >= x_lo)) x_lo = 0, x_hi = 1;
    if (x_hi == x_lo || (!p.x_ticks.empty() && !p.log_x)) x_lo -= 0.5, x_hi += 0.5;  // categories: room at the ends
    if (p.y_min) y_lo = *p.y_min;
    if (p.y_max) y_hi = *p.y_max;
    if (!(y_hi >= y_lo)) y_lo = 0, y_hi = 1;
    if (y_hi - y_lo < 1e-9) y_lo -= 0.5, y_hi += 0.5;
    if (!p.y_min || !p.y_max) {
        const double pad = (y_hi - y_lo) * 0.06;
        if (!p.y_min) y_lo -= pad;
        if (!p.y_max) y_hi += pad;
    }
    return {left, top, x_lo, x_hi, y_lo, y_hi, p.log_x};
}

std::string axes(const Panel& p, const Frame& f) {
    std::string out = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="white" stroke="#333"/>)", f.left,
                                  f.top, kPanelWidth, kPanelHeight) + "\n";
    const double step = nice_step(f.y_lo, f.y_hi, 5);
    for (double v = std::ceil(f.y_lo / step) * step; v <= f.y_hi + step * 1e-6; v += step) {
        out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#e4e4e4"/>)", f.left,
                           f.left + kPanelWidth, f.py(v), f.py(v));
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)", f.left - 6, f.py(v) + 4,
                           number(std::fabs(v) < step * 1e-6 ? 0.0 : v, step)) + "\n";
    }
    std::vector<std::pair<double, std::string>> ticks = p.x_ticks;
    if (ticks.empty() && f.log_x) {
        for (double d = std::floor(std::log10(f.x_lo)); d <= std::ceil(std::log10(f.x_hi)); ++d)
            if (std::pow(10.0, d) >= f.x_lo * 0.999 && std::pow(10.0, d) <= f.x_hi * 1.001)
                ticks.emplace_back(std::pow(10.0, d), fmt::format("1e{}", d));
    } else if (ticks.empty()) {
        const double xs = nice_step(f.x_lo, f.x_hi, 6);
        for (double v = std::ceil(f.x_lo / xs) * xs; v <= f.x_hi + xs * 1e-6; v += xs)
            ticks.emplace_back(v, number(v, xs));
    }
    // A label wider than its share of the axis (about 6.5 pixels a character) goes on two lines.
    const double room = kPanelWidth / double(std::max<size_t>(ticks.size(), 1));
    for (const auto& [x, label] : ticks) {
        const size_t cut = double(label.size()) * 6.5 > room ? label.find(' ', label.size() / 2 - std::min(label.size() / 2, size_t(4))) : std::string::npos;
        if (cut == std::string::npos) {
            out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", f.px(x),
                               f.top + kPanelHeight + 16, escape(label)) + "\n";
        } else {
            out += fmt::format(R"(<text x="{0:.1f}" y="{1:.1f}" text-anchor="middle"><tspan x="{0:.1f}">{2}</tspan><tspan x="{0:.1f}" dy="13">{3}</tspan></text>)",
                               f.px(x), f.top + kPanelHeight + 16, escape(label.substr(0, cut)), escape(label.substr(cut + 1))) + "\n";
        }
    }
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="13">{}</text>)",
                       f.left + kPanelWidth / 2, f.top + kPanelHeight + 44, escape(p.x_label)) + "\n";
    out += fmt::format(R"svg(<text transform="translate({:.1f},{:.1f}) rotate(-90)" text-anchor="middle" font-size="13">{}</text>)svg",
                       f.left - 56, f.top + kPanelHeight / 2, escape(p.y_label)) + "\n";
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="15" font-weight="bold" text-anchor="middle">{}</text>)",
                       f.left + kPanelWidth / 2, f.top - 10, escape(p.title)) + "\n";
    return out;
}

std::string series_svg(const Series& s, const Frame& f) {
    std::string out;
    auto inside = [&](size_t i) { return std::isfinite(s.y[i]) && (!f.log_x || s.x[i] > 0); };
    if (!s.low.empty() && s.error_bars) {
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!inside(i) || !std::isfinite(s.low[i]) || !std::isfinite(s.high[i])) continue;
            const double x = f.px(s.x[i]), lo = f.py(s.low[i]), hi = f.py(s.high[i]);
            out += fmt::format(R"(<path d="M{0:.1f},{1:.1f} V{2:.1f} M{3:.1f},{1:.1f} H{4:.1f} M{3:.1f},{2:.1f} H{4:.1f}" stroke="{5}" stroke-width="1.5" fill="none"/>)",
                               x, lo, hi, x - 4, x + 4, s.colour) + "\n";
        }
    } else if (!s.low.empty()) {
        // The band, one polygon per unbroken run.
        for (size_t i = 0; i < s.x.size();) {
            size_t j = i;
            while (j < s.x.size() && inside(j) && std::isfinite(s.low[j]) && std::isfinite(s.high[j])) ++j;
            if (j > i + 0) {
                std::string points;
                for (size_t k = i; k < j; ++k) points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[k]), f.py(s.high[k]));
                for (size_t k = j; k-- > i;) points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[k]), f.py(s.low[k]));
                out += fmt::format(R"(<polygon fill="{}" fill-opacity="0.15" stroke="none" points="{}"/>)", s.colour, points) + "\n";
            }
            i = std::max(j, i + 1);
        }
    }
    std::string points;
    auto flush = [&] {
        if (!points.empty())
            out += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)", s.colour,
                               s.dashed ? R"( stroke-dasharray="6,4")" : "", points) + "\n";
        points.clear();
    };
    for (size_t i = 0; i < s.x.size() && s.connect; ++i) {
        if (!inside(i)) {
            flush();
            continue;
        }
        points += fmt::format("{:.1f},{:.1f} ", f.px(s.x[i]), f.py(s.y[i]));
    }
    flush();
    for (size_t i = 0; i < s.x.size(); ++i)
        if (inside(i)) out += marker_svg(s.marker, f.px(s.x[i]), f.py(s.y[i]), s.colour, s.hollow);
    return out + "\n";
}

std::vector<LegendEntry> legend_of(const Figure& figure) {
    if (!figure.legend.empty()) return figure.legend;
    std::vector<LegendEntry> out;
    std::set<std::string> seen;
    for (const Panel& p : figure.panels)
        for (const Series& s : p.series)
            if (!s.label.empty() && seen.insert(s.label).second)
                out.push_back({s.label, s.colour, s.dashed, s.marker, s.hollow});
    return out;
}

}  // namespace

const char* colour(size_t i) {
    static constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
    return kColours[i % 8];
}

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

std::string render(const Figure& figure) {
    const int columns = std::max(1, std::min<int>(figure.columns, static_cast<int>(figure.panels.size())));
    const int rows = static_cast<int>((figure.panels.size() + size_t(columns) - 1) / size_t(columns));
    const std::vector<LegendEntry> legend = legend_of(figure);
    const int legend_columns = 3;
    const int legend_rows = static_cast<int>((legend.size() + legend_columns - 1) / legend_columns);
    // Wide enough for the panels and for the title (about 10.5 pixels a character at its size).
    const double width = std::max({600.0, columns * kCellWidth + 40, double(figure.title.size()) * 11.5 + 40,
                                   double(figure.subtitle.size()) * 7.0 + 40});
    const double height = kTop + rows * kCellHeight + legend_rows * 22 + 20;
    std::string out = fmt::format(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{0:.0f}" height="{1:.0f}" viewBox="0 0 {0:.0f} {1:.0f}">
<rect width="100%" height="100%" fill="white"/>
<text x="{2:.0f}" y="26" font-family="{5}" font-size="19" font-weight="bold" text-anchor="middle">{3}</text>
<text x="{2:.0f}" y="46" font-family="{5}" font-size="13" fill="#555" text-anchor="middle">{4}</text>
)",
        width, height, width / 2, escape(figure.title), escape(figure.subtitle), kFont);
    for (size_t i = 0; i < figure.panels.size(); ++i) {
        const Panel& p = figure.panels[i];
        const double left = kMarginLeft + double(i % size_t(columns)) * kCellWidth;
        const double top = kTop + 30 + double(i / size_t(columns)) * kCellHeight;
        const Frame f = frame_for(p, left, top);
        out += fmt::format(R"(<g font-family="{}" font-size="12">)", kFont) + "\n" + axes(p, f);
        for (const Series& s : p.series) out += series_svg(s, f);
        for (const Note& n : p.notes)
            out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" fill="{}" font-size="12" font-weight="bold">{}</text>)",
                               std::isfinite(n.x) ? f.px(n.x) : f.left + 8, std::isfinite(n.y) ? f.py(n.y) : f.top + 18,
                               n.colour, escape(n.text)) + "\n";
        out += "</g>\n";
    }
    const double legend_top = kTop + rows * kCellHeight + 12;
    for (size_t i = 0; i < legend.size(); ++i) {
        const LegendEntry& e = legend[i];
        const double lx = kMarginLeft + double(i % legend_columns) * 300, ly = legend_top + double(i / legend_columns) * 22;
        out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2"{}/>)", lx,
                           lx + 34, ly - 4, ly - 4, e.colour, e.dashed ? R"( stroke-dasharray="6,4")" : "");
        out += marker_svg(e.marker, lx + 17, ly - 4, e.colour, e.hollow);
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-family="{}" font-size="12">{}</text>)", lx + 42, ly, kFont,
                           escape(e.label)) + "\n";
    }
    return out + "</svg>\n";
}

}  // namespace minnow::experiments::plot
