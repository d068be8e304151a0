// log.csv and loss.svg. See plot.h.
#include "gpt/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "nn/io/atomic_file.h"

namespace gs::gpt {

namespace {

const char* kHeader = "iter,loss,lr,grad_norm,eval_train_loss,eval_val_loss";

std::string num(double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", x);   // round-trips a double exactly
    return buf;
}

}  // namespace

void write_run_log(const std::string& dir, const RunLog& log) {
    std::map<int64_t, std::pair<const StepRow*, const EvalRow*>> rows;   // one line per iteration, in order
    for (const StepRow& s : log.steps) rows[s.iter].first = &s;
    for (const EvalRow& e : log.evals) rows[e.iter].second = &e;
    std::string csv = std::string(kHeader) + "\n";
    for (auto& [iter, r] : rows) {
        csv += std::to_string(iter) + ",";
        csv += r.first ? num(r.first->loss) + "," + num(r.first->lr) + "," + num(r.first->grad_norm) : ",,";
        csv += ",";
        csv += r.second ? num(r.second->train) + "," + num(r.second->val) : ",";
        csv += "\n";
    }
    io::write_file_atomic(dir + "/log.csv", csv, "gpt train");
    io::write_file_atomic(dir + "/loss.svg", loss_svg(log), "gpt train");
}

RunLog read_run_log(const std::string& csv_path, int64_t resume_iter) {
    RunLog log;
    std::ifstream in(csv_path);
    if (!in) return log;
    std::string line;
    int lineno = 1;
    if (!std::getline(in, line) || line != kHeader)
        throw std::runtime_error(csv_path + ": line 1 is not the header \"" + std::string(kHeader) + "\"");
    while (std::getline(in, line)) {
        lineno++;
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) f.push_back(cell);
        if (!line.empty() && line.back() == ',') f.push_back("");
        if (f.size() != 6) throw std::runtime_error(csv_path + ": line " + std::to_string(lineno) + " has " +
                                                    std::to_string(f.size()) + " fields, expected 6");
        try {
            int64_t iter = std::stoll(f[0]);
            if (!f[1].empty() && iter < resume_iter) log.steps.push_back({iter, std::stod(f[1]), std::stod(f[2]), std::stod(f[3])});
            if (!f[4].empty() && iter <= resume_iter) log.evals.push_back({iter, std::stod(f[4]), std::stod(f[5])});
        } catch (const std::exception&) {
            throw std::runtime_error(csv_path + ": line " + std::to_string(lineno) + " is not numeric: " + line);
        }
    }
    return log;
}

std::string loss_svg(const RunLog& log) {
    const double W = 800, H = 480, L = 60, R = 20, Tm = 30, Bm = 50;   // size and margins
    double xmax = 1, ymin = 1e300, ymax = -1e300;
    auto see = [&](int64_t it, double y) {
        if (!std::isfinite(y)) return;
        xmax = std::max(xmax, double(it));
        ymin = std::min(ymin, y);
        ymax = std::max(ymax, y);
    };
    for (auto& s : log.steps) see(s.iter, s.loss);
    for (auto& e : log.evals) see(e.iter, e.train), see(e.iter, e.val);
    if (ymin > ymax) ymin = 0, ymax = 1;
    if (ymax - ymin < 1e-9) ymax = ymin + 1;
    auto px = [&](double it) { return L + (W - L - R) * it / xmax; };
    auto py = [&](double y) { return H - Bm - (H - Tm - Bm) * (y - ymin) / (ymax - ymin); };

    std::ostringstream o;
    o.precision(5);
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">gpt train: loss</text>\n";
    for (int i = 0; i <= 5; i++) {   // grid lines with tick labels
        double y = ymin + (ymax - ymin) * i / 5, x = xmax * i / 5;
        o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << py(y) << "\" y2=\"" << py(y) << "\" stroke=\"#eee\"/>"
          << "<text x=\"" << L - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">" << y << "</text>\n"
          << "<text x=\"" << px(x) << "\" y=\"" << H - Bm + 16 << "\" text-anchor=\"middle\">" << int64_t(x) << "</text>\n";
    }
    o << "<line x1=\"" << L << "\" x2=\"" << L << "\" y1=\"" << Tm << "\" y2=\"" << H - Bm << "\" stroke=\"black\"/>"
      << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << H - Bm << "\" y2=\"" << H - Bm << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << W / 2 << "\" y=\"" << H - 12 << "\" text-anchor=\"middle\">iteration</text>\n";
    auto polyline = [&](const std::vector<std::pair<double, double>>& pts, const char* color, double width) {
        o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"" << width << "\" points=\"";
        for (auto& p : pts)
            if (std::isfinite(p.second)) o << px(p.first) << "," << py(p.second) << " ";
        o << "\"/>\n";
    };
    std::vector<std::pair<double, double>> steps, tr, va;
    for (auto& s : log.steps) steps.push_back({double(s.iter), s.loss});
    for (auto& e : log.evals) tr.push_back({double(e.iter), e.train}), va.push_back({double(e.iter), e.val});
    polyline(steps, "#9ecae1", 1);
    polyline(tr, "#1f77b4", 2);
    polyline(va, "#ff7f0e", 2);
    const char* names[3] = {"train loss (each step)", "train loss (eval)", "val loss (eval)"};
    const char* colors[3] = {"#9ecae1", "#1f77b4", "#ff7f0e"};
    for (int i = 0; i < 3; i++)
        o << "<line x1=\"" << W - 220 << "\" x2=\"" << W - 195 << "\" y1=\"" << Tm + 12 + 18 * i << "\" y2=\"" << Tm + 12 + 18 * i
          << "\" stroke=\"" << colors[i] << "\" stroke-width=\"2\"/><text x=\"" << W - 188 << "\" y=\"" << Tm + 16 + 18 * i
          << "\">" << names[i] << "</text>\n";
    o << "</svg>\n";
    return o.str();
}

}  // namespace gs::gpt
