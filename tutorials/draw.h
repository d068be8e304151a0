// The chapters' hand-drawn figures: boxes, arrows and labels placed with gs::io::Svg (nn/io/svg.h).
// Each function returns the picture; the chapter saves it with tut::save_figure. Charts of curves and
// heat maps need no code here: the chapters call gs::io::line_chart and gs::io::heat_map directly.
// Nothing in this file is needed to follow a chapter: it only turns what the program computed into a picture.
#pragma once
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "autograd/value.h"
#include "nn/io/svg.h"
#include "tutorials/tutorial.h"

namespace draw {

using gs::io::Svg;

// Chapter 1: a graph of Values as boxes (value and gradient in each), an arrow from every input to its use.
// `nodes` are those of the chapter's neuron: x, w, b, t, wx, z, y, err, loss.
inline Svg graph(const std::vector<gs::Value>& nodes) {
    const std::map<std::string, std::pair<double, double>> at = {   // the box's column and row
        {"w", {0, 0}}, {"x", {0, 1}}, {"b", {0, 2}}, {"t", {0, 3}}, {"wx", {1, 0.5}},
        {"z", {2, 1.25}}, {"y", {3, 1.25}}, {"err", {4, 2.1}}, {"loss", {5, 2.1}}};
    const double bw = 140, bh = 62;
    auto left = [&](const std::string& l) { return 20 + at.at(l).first * 172; };
    auto top = [&](const std::string& l) { return 58 + at.at(l).second * 88; };
    Svg svg(20 + 5 * 172 + bw + 20, 58 + 3 * 88 + bh + 20);
    svg.text(svg.width() / 2, 24, "loss = (tanh(w·x + b) − t)²: each node's value and d loss / d node", 15,
             "middle", "#111", true);
    svg.text(svg.width() / 2, 44, "forward: values flow left to right; backward(): gradients flow right to left",
             12.5, "middle", "#555");
    for (const gs::Value& v : nodes)
        for (int i = 0; i < v.node()->n_inputs; i++) {
            const std::string& in = v.node()->inputs[i].node->label;
            svg.arrow(left(in) + bw, top(in) + bh / 2, left(v.label()), top(v.label()) + bh / 2, "#777");
        }
    for (const gs::Value& v : nodes) {
        const gs::ValueNode& n = *v.node();
        bool leaf = n.n_inputs == 0;
        std::string name = leaf ? v.label()
                         : v.label() + " = " + (n.n_inputs == 2 ? n.inputs[0].node->label + " " + v.op() + " " +
                                                                      n.inputs[1].node->label
                                                                : v.op() + ("(" + n.inputs[0].node->label + ")"));
        double x = left(v.label()), y = top(v.label());
        svg.rect(x, y, bw, bh, leaf ? "#eeeeee" : v.label() == "loss" ? "#fde0c5" : "#deebf7", "#555", 1, 6);
        svg.text(x + bw / 2, y + 19, name, 14, "middle", "#111", true);
        svg.text(x + bw / 2, y + 37, "value " + tut::fmt("%.4f", v.data()), 12.5, "middle", "#222");
        svg.text(x + bw / 2, y + 54, "grad " + tut::fmt("%.4f", v.grad()), 12.5, "middle", "#b04000", true);
    }
    return svg;
}

// Chapter 2: the plane shaded by the model's confidence sigmoid(score(x0, x1)) that a point belongs to the
// upper moon, in six bands; train points filled, test points as rings. Points have x0, x1 and label (+1/-1).
// Neighbouring cells of one colour are merged into one box, which keeps the file small.
template <typename Score, typename Point>
Svg boundary(const Score& score, const std::vector<Point>& train, const std::vector<Point>& test) {
    const double x0min = -1.5, x0max = 2.5, x1min = -0.9, x1max = 1.4, L = 20, T = 40, PW = 640;
    const int W = 200, H = int(W * (x1max - x1min) / (x0max - x0min));   // square cells
    const double cell = PW / W;
    const char* band[6] = {"#f4a582", "#fbd3bd", "#fdeee5", "#e6f0f8", "#c0d8ec", "#86b4da"};   // lower ... upper
    const char *blue = "#0072B2", *orange = "#D55E00";
    Svg svg(L + PW + 200, T + H * cell + 20);
    svg.text(L + PW / 2, 26, "What the trained MLP says, everywhere in the plane", 15, "middle", "#111", true);
    for (int r = 0; r < H; r++)
        for (int c = 0, start = 0, prev = -1; c <= W; c++) {
            int b = -1;
            if (c < W) {
                double p = 1 / (1 + std::exp(-score(x0min + (c + 0.5) * (x0max - x0min) / W,
                                                    x1max - (r + 0.5) * (x1max - x1min) / H)));
                b = p < 0.1 ? 0 : p < 0.3 ? 1 : p < 0.5 ? 2 : p < 0.7 ? 3 : p < 0.9 ? 4 : 5;
            }
            // one pixel of overlap, so that no seam of background shows between rows
            if (b != prev && prev >= 0)
                svg.rect(L + start * cell, T + r * cell, (c - start) * cell + 1, cell + 1, band[prev]);
            if (b != prev) start = c, prev = b;
        }
    svg.rect(L, T, PW, H * cell, "none", "#888");
    auto x_of = [&](const Point& p) { return L + (p.x0 - x0min) / (x0max - x0min) * PW; };
    auto y_of = [&](const Point& p) { return T + (x1max - p.x1) / (x1max - x1min) * H * cell; };
    for (const Point& p : train) svg.circle(x_of(p), y_of(p), 4.2, p.label > 0 ? blue : orange, "white", 1.2);
    for (const Point& p : test) svg.circle(x_of(p), y_of(p), 3.6, "white", p.label > 0 ? blue : orange, 1.8);
    const char* legend[6] = {"above 0.9", "0.7 to 0.9", "0.5 to 0.7", "0.3 to 0.5", "0.1 to 0.3", "below 0.1"};
    const double lx = L + PW + 16;
    svg.text(lx, T + 12, "model's P(upper moon)", 12, "start", "#111", true);
    for (int i = 0; i < 6; i++) {
        svg.rect(lx, T + 22 + 22 * i, 16, 16, band[5 - i], "#999");
        svg.text(lx + 23, T + 35 + 22 * i, legend[i], 12);
    }
    svg.circle(lx + 8, T + 172, 4.2, blue, "white", 1.2), svg.text(lx + 23, T + 176, "train point", 12);
    svg.circle(lx + 8, T + 194, 3.6, "white", blue, 1.8), svg.text(lx + 23, T + 198, "test point", 12);
    svg.text(lx, T + 226, "blue: upper moon", 12, "start", blue);
    svg.text(lx, T + 244, "orange: lower moon", 12, "start", orange);
    return svg;
}

// Chapter 3: (top) the 24 numbers of a [2, 3, 4] tensor in their flat buffer, with the strides as jumps,
// and the same buffer seen as two 3 x 4 blocks; (bottom) a [4, 3] + [3] broadcast, b read 4 times over.
// x: arange(24); a: [4, 3]; b: [3]; sum: a + b.
inline Svg strides_and_broadcasting(const gs::Tensor& x, const gs::Tensor& a, const gs::Tensor& b,
                                    const gs::Tensor& sum) {
    const char* fill[2] = {"#deebf7", "#fde0c5"};   // by the first index
    const double w = 34, h = 28, X0 = 40;
    Svg svg(X0 + 24 * (w + 2) + 150, 560);
    auto box = [&](double x0, double y0, const std::string& text, const std::string& f, bool ghost = false) {
        svg.rect(x0, y0, w, h, f, ghost ? "#aaa" : "#555", 1);
        svg.text(x0 + w / 2, y0 + h / 2 + 4.5, text, 13, "middle", ghost ? "#888" : "#111");
    };
    auto num = [](double v) { return gs::io::fmt(v, 0); };
    svg.text(svg.width() / 2, 24, "A tensor is a shape over one flat buffer; broadcasting reads a buffer again and again",
             15, "middle", "#111", true);
    svg.text(X0, 52, "x = arange(24) as [2, 3, 4] in its buffer: each value is its offset "
                     "(blue: x[0, j, k], orange: x[1, j, k])", 13);
    const double yb = 150;   // the flat buffer
    for (int k = 0; k < 24; k++) box(X0 + k * (w + 2), yb, num(x.data()[k]), fill[k / 12]);
    svg.rect(X0 + 23 * (w + 2) - 2, yb - 2, w + 4, h + 4, "none", "#D55E00", 2.5);   // x(1, 2, 3) at 23
    const int jumps[3] = {1, 4, 12};
    const char* what[3] = {"k + 1: +1", "j + 1: +4", "i + 1: +12"};
    for (int s = 0; s < 3; s++) {   // a bracket from element 0 to element `jumps[s]`, higher for longer jumps
        double x0 = X0 + w / 2, x1 = X0 + jumps[s] * (w + 2) + w / 2, top = yb - 16 - 28 * s;
        svg.polyline({{x0, yb - 2}, {x0, top}, {x1, top}}, "#0072B2", 1.5);
        svg.arrow(x1, top, x1, yb - 2, "#0072B2", 1.5);
        svg.text(x1 + 7, top + 4, what[s], 12.5, "start", "#0072B2", true);
    }
    svg.text(X0 + 24 * (w + 2) - 2, yb + h + 20, "x(1, 2, 3) is at offset 1·12 + 2·4 + 3 = 23", 12.5, "end",
             "#D55E00", true);
    const double yg = 240;   // the same buffer as two blocks of 3 rows x 4 columns
    for (int i = 0; i < 2; i++) {
        double gx = X0 + 20 + i * 190;
        svg.text(gx + 2 * (w + 2), yg - 8, "x[" + std::to_string(i) + ", j, k]", 13, "middle", "#111", true);
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                box(gx + k * (w + 2), yg + j * (h + 2), num(x.data()[i * 12 + j * 4 + k]), fill[i]);
    }
    svg.rect(X0 + 210 + 3 * (w + 2) - 2, yg + 2 * (h + 2) - 2, w + 4, h + 4, "none", "#D55E00", 2.5);   // x(1, 2, 3)
    const char* notes[4] = {"The same 24 numbers as 2 blocks of 3 rows of 4. Strides (12, 4, 1):",
                            "moving k steps 1 through the buffer, j a row of 4, i a block of 12.",
                            "reshape keeps the buffer and changes only the shape; transpose",
                            "would visit it in another order, so gradschool copies it instead."};
    for (int k = 0; k < 4; k++) svg.text(X0 + 420, yg + 14 + 20 * k, notes[k], 12.5);
    const double yB = 410;   // broadcasting
    svg.text(X0, yB - 34, "a [4, 3] + b [3] -> [4, 3]: b is read with strides (0, 1), the same 3 numbers for every row",
             13);
    auto grid = [&](double gx, const gs::Tensor& t, const std::string& title) {
        svg.text(gx + 1.5 * (w + 2), yB - 8, title, 13, "middle", "#111", true);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 3; c++) box(gx + c * (w + 2), yB + r * (h + 2), num(t.data()[r * 3 + c]), "#eeeeee");
    };
    grid(X0 + 20, a, "a");
    svg.text(X0 + 160, yB + 2 * (h + 2) + 6, "+", 24, "middle");
    const double bx = X0 + 190;
    svg.text(bx + 1.5 * (w + 2), yB - 8, "b", 13, "middle", "#111", true);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 3; c++)   // row 0 is b's buffer; rows 1-3 the same numbers read again (stride 0)
            box(bx + c * (w + 2), yB + r * (h + 2), num(b.data()[c]), r ? "white" : "#c7e9c0", r > 0);
    svg.text(bx + 3 * (w + 2) + 8, yB + 19, "← b's buffer", 12.5, "start", "#2a7a2a", true);
    svg.text(bx + 3 * (w + 2) + 8, yB + 49, "↑ read again:", 12.5, "start", "#777");
    svg.text(bx + 3 * (w + 2) + 8, yB + 67, "no copy", 12.5, "start", "#777");
    svg.text(X0 + 440, yB + 2 * (h + 2) + 6, "=", 24, "middle");
    grid(X0 + 470, sum, "a + b");
    const char* back[3] = {"backward: b[j] was read by all 4 rows, so its",
                           "gradient is the sum of theirs, db = sum(dy, dim 0):",
                           "db[j] = dy[0, j] + dy[1, j] + dy[2, j] + dy[3, j]"};
    for (int k = 0; k < 3; k++)
        svg.text(X0 + 620, yB + 14 + 22 * k, back[k], 12.5, "start", k == 2 ? "#D55E00" : "#222", k == 2);
    svg.text(X0 + 620, yB + 84, "da = dy: each a[r, j] is read once", 12.5);
    return svg;
}

// Chapter 9: attention weights att (T, T) as a heat map; a weight of exactly 0 above the diagonal is drawn
// as masked.
inline Svg attention(const gs::Tensor& att, const std::string& text) {
    const int T = int(text.size());
    std::vector<double> cells;
    std::vector<std::string> labels;
    for (int i = 0; i < T; i++) {
        labels.push_back(std::to_string(i) + ": " + text[size_t(i)]);
        for (int j = 0; j < T; j++) {
            double w = att.data()[i * T + j];
            cells.push_back(j > i && w == 0 ? NAN : w);   // exactly 0 above the diagonal: hidden by the mask
        }
    }
    gs::io::HeatMapOptions opt;
    opt.title = "Causal self-attention weights for \"" + text + "\"";
    opt.x_label = "key position j (what is read)", opt.y_label = "query position i (who reads)";
    opt.row_labels = opt.col_labels = labels;
    opt.decimals = 3, opt.cell = 62, opt.nan_text = "masked";
    return gs::io::heat_map(cells, T, T, opt);
}

// Chapter 10: one pre-LN block as boxes, with the symbolic and the measured shape of every step. `shapes` are
// the 9 shapes the chapter prints in part 1: x, c_attn, heads, att, att·v, merged, h, c_fc, out.
inline Svg block(const std::vector<std::string>& shapes, const std::string& sizes) {
    struct Row { const char* what; const char* sym; int shape; };   // shape: index into `shapes`
    const std::vector<Row> attn = {{"ln_1: LayerNorm", "(B, T, C)", 0},
                                   {"c_attn: Linear C → 3C (q, k, v)", "(B, T, 3C)", 1},
                                   {"split into NH heads", "(B, NH, T, hs)", 2},
                                   {"softmax(mask(q kᵀ / √hs))", "(B, NH, T, T)", 3},
                                   {"att · v: weighted sums of values", "(B, NH, T, hs)", 4},
                                   {"heads side by side", "(B, T, C)", 5},
                                   {"c_proj: Linear C → C", "(B, T, C)", 5}};
    const std::vector<Row> mlp = {{"ln_2: LayerNorm", "(B, T, C)", 6}, {"c_fc: Linear C → 4C", "(B, T, 4C)", 7},
                                  {"GELU", "(B, T, 4C)", 7}, {"c_proj: Linear 4C → C", "(B, T, C)", 8}};
    const double spine = 115, bx = 250, bw = 520, bh = 32, pitch = 44;
    const double p1 = 150 + (attn.size() - 1) * pitch + bh / 2, yh = p1 + 36;   // where the two additions go
    const double p2 = yh + 100 + (mlp.size() - 1) * pitch + bh / 2, yo = p2 + 36;
    Svg svg(bx + bw + 40, yo + 64);
    svg.text(svg.width() / 2, 26, "One transformer block (pre-LN, as in GPT-2), with the shape after every step", 15,
             "middle", "#111", true);
    svg.text(svg.width() / 2, 46, "measured in the chapter's program at " + sizes, 12.5, "middle", "#555");
    auto node = [&](double y, const std::string& what, const std::string& shape) {   // a box on the residual stream
        svg.rect(spine - 100, y, 200, bh + 8, "#eeeeee", "#555", 1, 6);
        svg.text(spine, y + 17, what, 13, "middle", "#111", true);
        svg.text(spine, y + 33, shape, 11.5, "middle", "#333");
    };
    auto plus = [&](double y) {
        svg.circle(spine, y, 12, "white", "#333", 1.5);
        svg.text(spine, y + 7, "+", 20, "middle", "#111", true);
    };
    auto branch = [&](const std::vector<Row>& rows, double y0, const char* title, const char* fill, const char* edge) {
        svg.rect(bx - 14, y0 - 28, bw + 28, rows.size() * pitch + 34, fill, edge, 1.2, 8);
        svg.text(bx - 4, y0 - 10, title, 12.5, "start", "#333", true);
        for (size_t i = 0; i < rows.size(); i++) {
            double y = y0 + i * pitch;
            svg.rect(bx, y, bw, bh, "white", "#777", 1, 4);
            svg.text(bx + 12, y + 21, rows[i].what, 13);
            std::string shape = std::string(rows[i].sym) + " = " + shapes.at(size_t(rows[i].shape));
            svg.text(bx + bw - 12, y + 21, shape, 12.5, "end", "#0b4f8a");
            if (i > 0) svg.arrow(bx + 60, y - pitch + bh, bx + 60, y, "#777");
        }
        svg.arrow(spine, y0 + bh / 2, bx, y0 + bh / 2, "#555");   // the branch reads the stream ...
        double yl = y0 + (rows.size() - 1) * pitch + bh / 2;
        svg.arrow(bx, yl, spine + 12, yl, "#555");                  // ... and adds its result back
    };
    node(64, "x", "(B, T, C) = " + shapes.at(0));
    branch(attn, 150, "attn: multi-head causal self-attention (chapter 9)", "#eef4fb", "#9ecae1");
    node(yh, "h = x + attn(ln_1(x))", "(B, T, C) = " + shapes.at(6));
    branch(mlp, yh + 100, "mlp: the same small network at every position", "#fdf1e6", "#fdae6b");
    node(yo, "out = h + mlp(ln_2(h))", "(B, T, C) = " + shapes.at(8));
    svg.line(spine, 64 + bh + 8, spine, p1 - 12, "#333", 3);   // the residual stream: additions only
    svg.line(spine, p1 + 12, spine, yh, "#333", 3);
    svg.line(spine, yh + bh + 8, spine, p2 - 12, "#333", 3);
    svg.line(spine, p2 + 12, spine, yo, "#333", 3);
    plus(p1), plus(p2);
    svg.text(spine - 10, 300, "the residual stream: only additions", 12, "middle", "#555", false, -90);
    return svg;
}

// Chapter 11: the loss of every training step, the train and val losses of every evaluation, and the
// bigram's val loss as a reference line.
inline Svg losses(const std::vector<double>& steps, const std::vector<double>& batch, const std::vector<double>& evals,
                  const std::vector<double>& train, const std::vector<double>& val, double bigram, int64_t n_params) {
    gs::io::ChartOptions opt;
    opt.title = tut::fmt("A %.0fk-parameter GPT learning Tiny Shakespeare", double(n_params) / 1000);
    opt.x_label = "step", opt.y_label = "loss (cross-entropy, nats per character)";
    std::vector<gs::io::Series> lines = {{"batch loss, each step", steps, batch, "#9ecae1"},
                                         {"train, 8 fixed batches", evals, train, "#0072B2"},
                                         {"val, 8 fixed batches", evals, val, "#D55E00"},
                                         {"chapter 6's bigram, val", {0, evals.back()}, {bigram, bigram}, "#555555"}};
    lines[0].width = 1.2, lines[1].markers = lines[2].markers = true, lines[3].dash = "6 4", lines[3].width = 1.5;
    return gs::io::line_chart(lines, opt);
}

}  // namespace draw
