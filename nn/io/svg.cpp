// The SVG canvas and the two charts of svg.h. Every number goes through fmt(), so the bytes of a figure
// depend only on its inputs.
#include "nn/io/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "nn/io/atomic_file.h"

namespace gs::io {

std::string fmt(double v, int max_decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", max_decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s == "-0" ? "0" : s;
}

namespace {

std::string fixed(double v, int decimals) {   // always `decimals` digits: "0.30", so a column of values lines up
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string out = buf;
    if (out[0] == '-' && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);   // no "-0.00"
    return out;
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

std::string attr(const char* name, double v) { return std::string(" ") + name + "=\"" + fmt(v) + "\""; }
std::string attr(const char* name, const std::string& v) { return std::string(" ") + name + "=\"" + escape(v) + "\""; }

std::string points_attr(const Points& pts) {
    std::string s;
    for (const auto& [x, y] : pts) s += (s.empty() ? "" : " ") + fmt(x) + "," + fmt(y);
    return attr("points", s);
}

}  // namespace

Svg::Svg(double width, double height, const std::string& background) : width_(width), height_(height) {
    if (!(width > 0 && height > 0))
        throw std::invalid_argument("Svg: size must be positive, got " + fmt(width) + " x " + fmt(height));
    if (background != "none") rect(0, 0, width, height, background);
}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
               double stroke_width, double corner_radius) {
    body_ += "<rect" + attr("x", x) + attr("y", y) + attr("width", w) + attr("height", h) + attr("fill", fill);
    if (stroke != "none") body_ += attr("stroke", stroke) + attr("stroke-width", stroke_width);
    if (corner_radius > 0) body_ += attr("rx", corner_radius);
    body_ += "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
               const std::string& dash) {
    body_ += "<line" + attr("x1", x1) + attr("y1", y1) + attr("x2", x2) + attr("y2", y2) + attr("stroke", stroke) +
             attr("stroke-width", width) + (dash.empty() ? "" : attr("stroke-dasharray", dash)) + "/>\n";
}

void Svg::arrow(double x1, double y1, double x2, double y2, const std::string& stroke, double width) {
    double dx = x2 - x1, dy = y2 - y1, len = std::hypot(dx, dy);
    if (len == 0) return;
    double ux = dx / len, uy = dy / len, head = 7 + 2 * width, half = 3.5 + width;
    double bx = x2 - ux * head, by = y2 - uy * head;   // where the head's base meets the shaft
    line(x1, y1, bx, by, stroke, width);
    polygon({{x2, y2}, {bx - uy * half, by + ux * half}, {bx + uy * half, by - ux * half}}, stroke);
}

void Svg::polyline(const Points& pts, const std::string& stroke, double width, const std::string& dash) {
    if (pts.size() < 2) return;
    body_ += "<polyline fill=\"none\"" + attr("stroke", stroke) + attr("stroke-width", width) +
             (dash.empty() ? "" : attr("stroke-dasharray", dash)) + " stroke-linejoin=\"round\"" + points_attr(pts) +
             "/>\n";
}

void Svg::polygon(const Points& pts, const std::string& fill, const std::string& stroke) {
    body_ += "<polygon" + attr("fill", fill) + (stroke == "none" ? "" : attr("stroke", stroke)) + points_attr(pts) +
             "/>\n";
}

void Svg::circle(double cx, double cy, double r, const std::string& fill, const std::string& stroke,
                 double stroke_width) {
    body_ += "<circle" + attr("cx", cx) + attr("cy", cy) + attr("r", r) + attr("fill", fill);
    if (stroke != "none") body_ += attr("stroke", stroke) + attr("stroke-width", stroke_width);
    body_ += "/>\n";
}

void Svg::text(double x, double y, const std::string& s, double size, const std::string& anchor,
               const std::string& fill, bool bold, double rotate) {
    body_ += "<text" + attr("x", x) + attr("y", y) + attr("font-size", size) + attr("fill", fill);
    if (anchor != "start") body_ += attr("text-anchor", anchor);
    if (bold) body_ += " font-weight=\"bold\"";
    if (rotate != 0) body_ += " transform=\"rotate(" + fmt(rotate) + " " + fmt(x) + " " + fmt(y) + ")\"";
    body_ += ">" + escape(s) + "</text>\n";
}

std::string Svg::str() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\"" + attr("width", width_) + attr("height", height_) +
           " viewBox=\"0 0 " + fmt(width_) + " " + fmt(height_) + "\"" +
           " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n" +
           body_ + "</svg>\n";
}

void Svg::save(const std::string& path) const { write_file_atomic(path, str(), "Svg::save"); }

const char* palette(int i) {
    static const char* colors[8] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#999999"};
    return colors[((i % 8) + 8) % 8];
}

std::string blues(double t) {
    // white -> light blue -> mid blue -> dark blue, linear between four stops
    static const double stops[4][3] = {{255, 255, 255}, {198, 219, 239}, {66, 146, 198}, {8, 48, 107}};
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 3;
    int k = std::min(2, int(t));
    double f = t - k;
    char buf[8];
    int c[3];
    for (int i = 0; i < 3; i++) c[i] = int(std::lround(stops[k][i] + f * (stops[k + 1][i] - stops[k][i])));
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
    return buf;
}

namespace {

// Tick values at round steps (1, 2 or 5 times a power of ten), about `want` of them across [lo, hi].
double nice_step(double lo, double hi, int want) {
    double raw = (hi - lo) / want, mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw * 0.999) return m * mag;
    return 10 * mag;
}

int decimals_for(double step) { return std::max(0, int(-std::floor(std::log10(step) + 1e-9))); }

struct Axis {            // a value range mapped onto a pixel range
    double lo, hi;       // in data units (log10 of the value for a log axis)
    bool log;
    double p0, p1;       // pixels of lo and hi
    double to_px(double v) const {
        double u = log ? std::log10(v) : v;
        return p0 + (p1 - p0) * (u - lo) / (hi - lo);
    }
};

// Ticks and their labels for a linear axis whose range is widened to whole steps, or a log axis.
std::vector<std::pair<double, std::string>> ticks_for(Axis& a, double dmin, double dmax, bool widen) {
    std::vector<std::pair<double, std::string>> ticks;
    if (a.log) {
        double l0 = std::log10(dmin), l1 = std::log10(dmax), span = std::max(l1 - l0, 0.3);
        a.lo = l0 - 0.04 * span, a.hi = l1 + 0.04 * span;
        std::vector<double> mult = {1};   // labels at 1, 2 and 5 times each power of ten if they fit
        if (span < 3.5) mult = {1, 2, 5};
        if (span < 1.3) mult = {1, 2, 3, 5};
        for (int k = int(std::floor(a.lo)); k <= int(std::ceil(a.hi)); k++)
            for (double m : mult) {
                double v = m * std::pow(10.0, k);
                if (std::log10(v) < a.lo || std::log10(v) > a.hi) continue;
                char buf[32];
                std::snprintf(buf, sizeof buf, "%g", v);
                ticks.push_back({v, buf});
            }
        return ticks;
    }
    if (dmax - dmin < 1e-12 * std::max(1.0, std::fabs(dmax))) dmin -= 0.5, dmax += 0.5;
    double step = nice_step(dmin, dmax, 5);
    a.lo = widen ? std::floor(dmin / step + 1e-9) * step : dmin;
    a.hi = widen ? std::ceil(dmax / step - 1e-9) * step : dmax;
    for (double v = std::ceil(a.lo / step - 1e-9) * step; v <= a.hi + step * 1e-9; v += step)
        ticks.push_back({v, fmt(v, decimals_for(step))});
    return ticks;
}

}  // namespace

Svg line_chart(const std::vector<Series>& series, const ChartOptions& opt) {
    if (series.empty()) throw std::invalid_argument("line_chart: no series to draw");
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (const Series& s : series) {
        if (s.x.size() != s.y.size())
            throw std::invalid_argument("line_chart: series \"" + s.name + "\" has " + std::to_string(s.x.size()) +
                                        " x values but " + std::to_string(s.y.size()) + " y values");
        for (size_t i = 0; i < s.x.size(); i++) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (opt.log_y && s.y[i] <= 0)) continue;
            xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
            ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
        }
    }
    if (!(xmin <= xmax))
        throw std::invalid_argument(std::string("line_chart: no finite point") + (opt.log_y ? " above 0" : "") +
                                    " in any series");
    const double L = 74, R = 24, T = opt.title.empty() ? 20 : 44, B = opt.x_label.empty() ? 36 : 58;
    Svg svg(opt.width, opt.height);
    Axis ax{0, 1, false, L, opt.width - R}, ay{0, 1, opt.log_y, opt.height - B, T};
    auto xt = ticks_for(ax, xmin, xmax, false), yt = ticks_for(ay, ymin, ymax, true);
    for (const auto& [v, label] : yt) {
        double py = ay.to_px(v);
        svg.line(L, py, opt.width - R, py, "#e4e4e4");
        svg.text(L - 8, py + 4, label, 12, "end", "#333");
    }
    for (const auto& [v, label] : xt) {
        double px = ax.to_px(v);
        svg.line(px, T, px, opt.height - B, "#f0f0f0");
        svg.text(px, opt.height - B + 18, label, 12, "middle", "#333");
    }
    svg.line(L, opt.height - B, opt.width - R, opt.height - B, "#444");
    svg.line(L, T, L, opt.height - B, "#444");
    if (!opt.title.empty()) svg.text(opt.width / 2, 26, opt.title, 15, "middle", "#111", true);
    if (!opt.x_label.empty()) svg.text((L + opt.width - R) / 2, opt.height - 14, opt.x_label, 13, "middle");
    if (!opt.y_label.empty()) svg.text(18, (T + opt.height - B) / 2, opt.y_label, 13, "middle", "#222", false, -90);
    for (size_t k = 0; k < series.size(); k++) {
        const Series& s = series[k];
        std::string color = s.color.empty() ? palette(int(k)) : s.color;
        Points run;   // consecutive drawable points; a gap ends the run
        for (size_t i = 0; i <= s.x.size(); i++) {
            bool ok = i < s.x.size() && std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && !(opt.log_y && s.y[i] <= 0);
            if (ok) run.push_back({ax.to_px(s.x[i]), ay.to_px(s.y[i])});
            if (ok && s.markers) svg.circle(run.back().first, run.back().second, 3, color);
            if (!ok) svg.polyline(run, color, s.width, s.dash), run.clear();
        }
    }
    std::vector<size_t> named;
    size_t longest = 0;
    for (size_t k = 0; k < series.size(); k++)
        if (!series[k].name.empty()) named.push_back(k), longest = std::max(longest, series[k].name.size());
    if (named.empty() || opt.legend == "none") return svg;
    const double lw = 50 + 7.8 * double(longest), lh = 8 + 20 * double(named.size());
    double lx = opt.legend.find("left") != std::string::npos ? L + 10 : opt.width - R - 10 - lw;
    double ly = opt.legend.find("bottom") != std::string::npos ? opt.height - B - 10 - lh : T + 10;
    svg.rect(lx, ly, lw, lh, "white", "#bbb");
    for (size_t j = 0; j < named.size(); j++) {
        const Series& s = series[named[j]];
        double y = ly + 14 + 20 * double(j);
        std::string color = s.color.empty() ? palette(int(named[j])) : s.color;
        svg.line(lx + 8, y, lx + 32, y, color, std::max(2.0, s.width), s.dash);
        svg.text(lx + 38, y + 4.5, s.name, 12.5);
    }
    return svg;
}

Svg heat_map(const std::vector<double>& values, int rows, int cols, const HeatMapOptions& opt) {
    if (rows <= 0 || cols <= 0 || values.size() != size_t(rows) * size_t(cols))
        throw std::invalid_argument("heat_map: " + std::to_string(values.size()) + " values for " +
                                    std::to_string(rows) + " x " + std::to_string(cols) + " cells");
    if ((!opt.row_labels.empty() && opt.row_labels.size() != size_t(rows)) ||
        (!opt.col_labels.empty() && opt.col_labels.size() != size_t(cols)))
        throw std::invalid_argument("heat_map: " + std::to_string(opt.row_labels.size()) + " row labels and " +
                                    std::to_string(opt.col_labels.size()) + " column labels for " +
                                    std::to_string(rows) + " x " + std::to_string(cols) + " cells");
    if (!(opt.hi > opt.lo)) throw std::invalid_argument("heat_map: the colour scale needs hi > lo, got lo " +
                                                        fmt(opt.lo, 6) + ", hi " + fmt(opt.hi, 6));
    size_t row_chars = 0;
    for (const std::string& s : opt.row_labels) row_chars = std::max(row_chars, s.size());
    const double c = opt.cell, L = 14 + (opt.y_label.empty() ? 0 : 22) + 8.0 * double(row_chars);
    const double T = (opt.title.empty() ? 12 : 40) + (opt.col_labels.empty() ? 0 : 22) + (opt.x_label.empty() ? 0 : 20);
    const double W = L + cols * c + 90, H = T + rows * c + 16;
    Svg svg(W, H);
    if (!opt.title.empty()) svg.text(W / 2, 26, opt.title, 15, "middle", "#111", true);
    if (!opt.x_label.empty())
        svg.text(L + cols * c / 2, T - (opt.col_labels.empty() ? 8 : 30), opt.x_label, 13, "middle");
    if (!opt.y_label.empty()) svg.text(18, T + rows * c / 2, opt.y_label, 13, "middle", "#222", false, -90);
    for (int j = 0; j < int(opt.col_labels.size()); j++)
        svg.text(L + (j + 0.5) * c, T - 8, opt.col_labels[size_t(j)], 13, "middle", "#222", true);
    for (int i = 0; i < rows; i++) {
        if (!opt.row_labels.empty())
            svg.text(L - 8, T + (i + 0.5) * c + 4.5, opt.row_labels[size_t(i)], 13, "end", "#222", true);
        for (int j = 0; j < cols; j++) {
            double v = values[size_t(i) * size_t(cols) + size_t(j)], t = (v - opt.lo) / (opt.hi - opt.lo);
            double x = L + j * c, y = T + i * c;
            if (std::isnan(v)) {
                svg.rect(x, y, c, c, "#f2f2f2", "white", 1.5);
                if (!opt.nan_text.empty()) svg.text(x + c / 2, y + c / 2 + 3.5, opt.nan_text, 10, "middle", "#999");
                continue;
            }
            svg.rect(x, y, c, c, blues(t), "white", 1.5);
            if (opt.decimals >= 0)
                svg.text(x + c / 2, y + c / 2 + 4, fixed(v, opt.decimals), 12, "middle", t > 0.55 ? "white" : "#222");
        }
    }
    const double bx = L + cols * c + 22, bh = rows * c;   // the colour bar, hi at the top
    for (int k = 0; k < 40; k++) svg.rect(bx, T + bh * k / 40, 14, bh / 40 + 0.5, blues(1 - (k + 0.5) / 40));
    svg.rect(bx, T, 14, bh, "none", "#888");
    for (int k = 0; k <= 2; k++)
        svg.text(bx + 20, T + bh * k / 2 + 4, fmt(opt.hi - (opt.hi - opt.lo) * k / 2, 2), 11, "start", "#333");
    return svg;
}

}  // namespace gs::io
