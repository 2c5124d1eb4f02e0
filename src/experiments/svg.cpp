// curves.svg: the tutorial's figure. Two panels (accuracy, loss), each with the train (dashed) and
// validation (solid) curves of both arms, a band of +-1 std when there are several seeds, axes,
// ticks, labels and a legend. Plain SVG 1.1: any browser shows it.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "experiments/series.hpp"

namespace minnow::experiments {

namespace {

using detail::Series;

constexpr double kWidth = 1100, kHeight = 500;
constexpr double kPlotTop = 80, kPlotHeight = 300, kPlotWidth = 420;
constexpr double kPanelLeft[] = {80, 620};
const char* kColour[] = {"#1f77b4", "#d62728"};  // with BN: blue, without BN: red

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

// Round tick spacing (1, 2 or 5 times a power of ten) giving about `count` ticks over [lo, hi].
double nice_step(double lo, double hi, int count) {
    const double raw = (hi - lo) / count;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * power) return m * power;
    return 10 * power;
}

struct Panel {
    double left;
    double y_lo, y_hi;
    size_t epochs;
    double x(size_t e) const {  // e from 0
        return left + (epochs <= 1 ? kPlotWidth / 2 : kPlotWidth * double(e) / double(epochs - 1));
    }
    double y(double v) const { return kPlotTop + kPlotHeight * (1.0 - (v - y_lo) / (y_hi - y_lo)); }
};

std::string polyline(const Panel& p, const std::vector<double>& v, const char* colour, bool dashed) {
    std::string points;
    for (size_t e = 0; e < v.size(); ++e) points += fmt::format("{:.1f},{:.1f} ", p.x(e), p.y(v[e]));
    std::string out = fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)", colour,
                                  dashed ? R"( stroke-dasharray="6,4")" : "", points);
    for (size_t e = 0; e < v.size(); ++e)
        out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"/>)", p.x(e), p.y(v[e]), colour);
    return out + "\n";
}

std::string band(const Panel& p, const Series& s, const char* colour) {
    std::string points;
    for (size_t e = 0; e < s.mean.size(); ++e) points += fmt::format("{:.1f},{:.1f} ", p.x(e), p.y(s.mean[e] + s.std[e]));
    for (size_t e = s.mean.size(); e-- > 0;) points += fmt::format("{:.1f},{:.1f} ", p.x(e), p.y(s.mean[e] - s.std[e]));
    return fmt::format(R"(<polygon fill="{}" fill-opacity="0.15" stroke="none" points="{}"/>)", colour, points) + "\n";
}

std::string panel(const CompareResult& result, size_t index, const std::string& metric, const std::string& title) {
    const size_t epochs = detail::epoch_count(result);
    std::vector<std::pair<Series, const char*>> curves;  // (series, colour) with dashed for train
    double lo = INFINITY, hi = -INFINITY;
    const NormKind norm = result.options.norm;
    for (int a = 0; a < 2; ++a) {
        const std::string arm = arm_name(norm, a == 0);
        for (const std::string& key : {metric, "val_" + metric}) {
            const Series s = detail::series(result, arm, key);
            for (size_t e = 0; e < s.mean.size(); ++e) {
                lo = std::min(lo, s.mean[e] - s.std[e]);
                hi = std::max(hi, s.mean[e] + s.std[e]);
            }
        }
    }
    if (!(hi > lo)) {
        lo = std::isfinite(lo) ? lo - 0.5 : 0.0;
        hi = lo + 1.0;
    }
    const double pad = (hi - lo) * 0.08;
    const double step = nice_step(lo - pad, hi + pad, 5);
    Panel p{kPanelLeft[index], std::floor((lo - pad) / step) * step, std::ceil((hi + pad) / step) * step, epochs};

    std::string out = fmt::format(R"(<g font-family="Helvetica, Arial, sans-serif" font-size="12">)") + "\n";
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="16" font-weight="bold" text-anchor="middle">{}</text>)",
                       p.left + kPlotWidth / 2, kPlotTop - 14, escape(title)) + "\n";
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="white" stroke="#333"/>)", p.left, kPlotTop,
                       kPlotWidth, kPlotHeight) + "\n";
    // Y ticks and grid.
    for (double v = p.y_lo; v <= p.y_hi + step / 2; v += step) {
        out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#ddd"/>)", p.left,
                           p.left + kPlotWidth, p.y(v), p.y(v));
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)", p.left - 6, p.y(v) + 4,
                           fmt::format("{:.{}f}", v, step < 0.01 ? 3 : (step < 0.1 ? 2 : 1))) + "\n";
    }
    // X ticks: every epoch, or a round stride when there are many.
    const size_t stride = std::max<size_t>(1, (epochs + 9) / 10);
    for (size_t e = 0; e < epochs; e += stride)
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", p.x(e),
                           kPlotTop + kPlotHeight + 18, e + 1) + "\n";
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="13">epoch</text>)",
                       p.left + kPlotWidth / 2, kPlotTop + kPlotHeight + 38) + "\n";
    out += fmt::format(R"svg(<text transform="translate({:.1f},{:.1f}) rotate(-90)" text-anchor="middle" font-size="13">{}</text>)svg",
                       p.left - 52, kPlotTop + kPlotHeight / 2, escape(metric)) + "\n";
    for (int a = 0; a < 2; ++a) {
        const std::string arm = arm_name(norm, a == 0);
        for (bool validation : {false, true}) {
            const Series s = detail::series(result, arm, validation ? "val_" + metric : metric);
            if (s.empty()) continue;
            if (result.options.seeds > 1) out += band(p, s, kColour[a]);
            out += polyline(p, s.mean, kColour[a], !validation);
        }
    }
    // Legend under the panel.
    const std::string n = norm_abbreviation(norm);
    const std::string labels[] = {"with " + n + ", train", "with " + n + ", validation", "without " + n + ", train",
                                  "without " + n + ", validation"};
    for (int i = 0; i < 4; ++i) {
        const double lx = p.left + (i % 2) * 210, ly = kPlotTop + kPlotHeight + 62 + (i / 2) * 20;
        out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2"{}/>)", lx,
                           lx + 30, ly - 4, ly - 4, kColour[i / 2], i % 2 == 0 ? R"( stroke-dasharray="6,4")" : "");
        out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", lx + 38, ly, labels[i]) + "\n";
    }
    return out + "</g>\n";
}

}  // namespace

std::string curves_svg(const CompareResult& result) {
    const CompareOptions& o = result.options;
    const std::string title = fmt::format("{} on {}: with vs without {}", o.model == ModelKind::Mlp ? "MLP" : "CNN",
                                          o.dataset_name, norm_class_name(o.norm));
    const std::string subtitle =
        fmt::format("batch {}, Adam lr {}, {} seed{}{}", o.batch_size, o.learning_rate, o.seeds, o.seeds > 1 ? "s" : "",
                    o.seeds > 1 ? " (mean, band = \u00b11 std)" : "");
    std::string out = fmt::format(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}">
<rect width="100%" height="100%" fill="white"/>
<text x="{2}" y="28" font-family="Helvetica, Arial, sans-serif" font-size="20" font-weight="bold" text-anchor="middle">{3}</text>
<text x="{2}" y="50" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#555" text-anchor="middle">{4}</text>
)",
        kWidth, kHeight, kWidth / 2, escape(title), escape(subtitle));
    out += panel(result, 0, "accuracy", "Accuracy");
    out += panel(result, 1, "loss", "Loss");
    return out + "</svg>\n";
}

}  // namespace minnow::experiments
