#pragma once
// A small SVG plotter for the experiments' figures: panels of line series (with markers, optional
// +-std bands, gaps where a value is not finite) in a grid, axes with round ticks, one legend for
// the whole figure. Plain SVG 1.1 that any browser and rsvg-convert show.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minnow::experiments::plot {

enum class Marker { None, Circle, Square, Triangle, Diamond };

/// One line. Points whose y is not finite are left out and break the line.
struct Series {
    std::string label;            ///< the legend's text; empty: not in the legend
    std::vector<double> x, y;
    std::vector<double> low, high;  ///< a band (same length as x), or empty
    std::string colour = "#1f77b4";
    bool dashed = false;
    Marker marker = Marker::Circle;
    bool hollow = false;          ///< the marker's inside left white
    bool connect = true;          ///< a line through the points (else markers only)
    bool error_bars = false;      ///< low..high as error bars at each point instead of a band
};

/// Text at a point of a panel (data coordinates), e.g. where a run diverged.
struct Note {
    double x = 0, y = 0;
    std::string text;
    std::string colour = "#333";
};

struct Panel {
    std::string title, x_label, y_label;
    bool log_x = false;
    std::optional<double> y_min, y_max;  ///< fixed y range; else from the data, padded
    std::vector<Series> series;
    std::vector<Note> notes;
    /// Ticks at these x values with these labels (for a grid of settings); empty: round ticks.
    std::vector<std::pair<double, std::string>> x_ticks;
};

struct LegendEntry {
    std::string label;
    std::string colour;
    bool dashed = false;
    Marker marker = Marker::Circle;
    bool hollow = false;
};

struct Figure {
    std::string title, subtitle;
    int columns = 2;
    std::vector<Panel> panels;
    /// Shown once, under the panels. Empty: made from the series' labels (each label once).
    std::vector<LegendEntry> legend;
};

/// The figure as an SVG document.
std::string render(const Figure& figure);

/// Distinct colours for up to eight curves, then repeating.
const char* colour(size_t i);

/// Text made safe for SVG.
std::string escape(const std::string& text);

}  // namespace minnow::experiments::plot
