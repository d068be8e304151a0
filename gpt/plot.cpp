// log.csv and loss.svg. See plot.h.
#include "gpt/plot.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
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

namespace {

// The whole cell as a finite number: "0.5junk", " 1", "nan" are not.
bool parse_cell(const std::string& cell, double* out) {
    if (cell.empty() || cell.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
    char* end = nullptr;
    *out = std::strtod(cell.c_str(), &end);
    return *end == '\0' && std::isfinite(*out);
}

bool parse_iter(const std::string& cell, int64_t* out) {
    if (cell.empty() || cell.size() > 18 || cell.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoll(cell);
    return true;
}

}  // namespace

RunLog read_run_log(const std::string& csv_path, int64_t resume_iter) {
    struct stat st;
    if (::stat(csv_path.c_str(), &st) != 0) throw std::runtime_error(csv_path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw std::runtime_error(csv_path + ": is a directory, not a file");
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(csv_path + ": is not a regular file");
    std::ifstream in(csv_path);
    if (!in) throw std::runtime_error(csv_path + ": cannot open for reading");
    std::string line;
    int lineno = 1;
    if (!std::getline(in, line) || line != kHeader)
        throw std::runtime_error(csv_path + ": line 1 is not the header \"" + std::string(kHeader) + "\"");
    RunLog log;
    int64_t prev = -1;
    bool reached = false;   // holds the row the state's iteration needs (see plot.h)
    while (std::getline(in, line)) {
        lineno++;
        auto bad = [&](const std::string& why) {
            throw std::runtime_error(csv_path + ": line " + std::to_string(lineno) + " " + why + ": " + line);
        };
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) f.push_back(cell);
        if (!line.empty() && line.back() == ',') f.push_back("");
        if (f.size() != 6) bad("has " + std::to_string(f.size()) + " fields, expected 6");
        int64_t iter;
        double v[5] = {0, 0, 0, 0, 0};
        if (!parse_iter(f[0], &iter)) bad("does not start with an iteration number");
        if (iter <= prev) bad("is not after iteration " + std::to_string(prev));
        prev = iter;
        bool step = !f[1].empty(), eval = !f[4].empty();
        for (int k = 1; k <= 5; k++) {
            bool wanted = k <= 3 ? step : eval;
            if (wanted ? !parse_cell(f[size_t(k)], &v[k - 1]) : !f[size_t(k)].empty()) bad("is not numeric");
        }
        if (!step && !eval) bad("has neither a step nor an eval");
        if (step && iter < resume_iter) log.steps.push_back({iter, v[0], v[1], v[2]});
        if (eval && iter <= resume_iter) log.evals.push_back({iter, v[3], v[4]});
        if ((resume_iter == 0 && eval && iter == 0) || (resume_iter > 0 && step && iter == resume_iter - 1))
            reached = true;
    }
    if (!reached)
        throw std::runtime_error(csv_path + " ends " + (prev < 0 ? "after its header" : "at iteration " + std::to_string(prev)) +
                                 ", before the state's iteration " + std::to_string(resume_iter) +
                                 ": rows are missing");
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
