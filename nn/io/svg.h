// SVG figures: a canvas of shapes and text (Svg), and two charts drawn on it: line_chart (curves over a
// step axis, linear or logarithmic y) and heat_map (a matrix as shaded cells with a colour bar).
// The output is deterministic: every coordinate is printed with one decimal, so the same inputs give the
// same bytes, and a committed figure can be compared with a fresh one byte for byte.
// Left out: paths and curves, gradients, embedded fonts, interactivity (any browser or rsvg-convert shows it).
//
//   gs::io::Svg svg(300, 120);
//   svg.rect(20, 20, 120, 40, "#deebf7", "#333");
//   svg.text(80, 45, "x = 1.5", 14, "middle");
//   svg.arrow(140, 40, 260, 40, "#333");
//   svg.save("out/tutorials/01/example.svg");          // written whole or not at all (temp + rename)
//
//   gs::io::Series s{"val loss", {0, 100, 200}, {4.17, 2.52, 2.41}};
//   gs::io::ChartOptions opt;
//   opt.title = "loss";  opt.x_label = "step";  opt.y_label = "cross-entropy";
//   gs::io::line_chart({s}, opt).save("out/loss.svg");
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace gs::io {

using Points = std::vector<std::pair<double, double>>;   // (x, y) in pixels, y growing downwards

class Svg {
public:
    // width x height pixels on a filled background ("none" for a transparent one)
    Svg(double width, double height, const std::string& background = "white");

    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none",
              double stroke_width = 1, double corner_radius = 0);
    // dash: "" for solid, or an SVG dash pattern such as "5 3"
    void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
              const std::string& dash = "");
    // a line ending in a filled arrowhead at (x2, y2)
    void arrow(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1.3);
    void polyline(const Points& pts, const std::string& stroke, double width = 1.5, const std::string& dash = "");
    void polygon(const Points& pts, const std::string& fill, const std::string& stroke = "none");
    void circle(double cx, double cy, double r, const std::string& fill, const std::string& stroke = "none",
                double stroke_width = 1);
    // anchor: "start", "middle" or "end" (where x is along the text); y is the baseline; rotate in
    // degrees about (x, y), e.g. -90 for a vertical axis label. The text is escaped (&, <, >, ").
    void text(double x, double y, const std::string& s, double size = 13, const std::string& anchor = "start",
              const std::string& fill = "#222", bool bold = false, double rotate = 0);

    double width() const { return width_; }
    double height() const { return height_; }
    std::string str() const;                 // the whole document
    void save(const std::string& path) const;   // atomically; throws std::runtime_error naming the path

private:
    double width_, height_;
    std::string body_;
};

// A colour-blind-safe palette (Okabe and Ito): "#0072B2", "#D55E00", "#009E73", ... cycling past 8.
const char* palette(int i);
// A shade from white (t = 0) to dark blue (t = 1), t clamped to [0, 1], as "#rrggbb".
std::string blues(double t);
// "1.5" for 1.5, "1" for 1.0: a short, fixed rendering of a number for labels (%.*f, then trailing zeros cut).
std::string fmt(double v, int max_decimals = 1);

struct Series {
    Series() = default;
    Series(std::string name_, std::vector<double> x_, std::vector<double> y_, std::string color_ = "")
        : name(std::move(name_)), x(std::move(x_)), y(std::move(y_)), color(std::move(color_)) {}

    std::string name;            // in the legend ("" = not listed)
    std::vector<double> x, y;    // the same length; a non-finite y leaves a gap in the curve
    std::string color;           // "" = palette(index of the series)
    double width = 2;
    std::string dash;            // "" solid, "6 3" dashed
    bool markers = false;        // a dot at every point
};

struct ChartOptions {
    std::string title, x_label, y_label;
    bool log_y = false;              // every plotted y must then be > 0
    double width = 720, height = 420;
    std::string legend = "top right";   // or "top left", "bottom left", "bottom right", "none"
};

// Curves on shared axes with ticks at round numbers, a title, axis labels and a legend. Throws
// std::invalid_argument for no series, x and y of different lengths, or no finite point at all.
Svg line_chart(const std::vector<Series>& series, const ChartOptions& opt);

struct HeatMapOptions {
    std::string title, x_label, y_label;
    std::vector<std::string> row_labels, col_labels;   // empty, or one per row / column
    double lo = 0, hi = 1;     // the colour scale: lo white, hi dark blue
    int decimals = 2;          // each value is written in its cell with this many decimals (-1: none)
    double cell = 46;          // cell size in pixels
    std::string nan_text;      // written in NaN cells (drawn light grey), e.g. "masked"
};

// values is (rows, cols), row-major; row 0 at the top. Throws std::invalid_argument if the sizes
// disagree, a label list has the wrong length, or hi <= lo.
Svg heat_map(const std::vector<double>& values, int rows, int cols, const HeatMapOptions& opt);

}  // namespace gs::io
