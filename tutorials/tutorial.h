// What every chapter program shares, so that the chapters themselves hold only what they teach:
// section banners, the "check:" lines each program ends with, `--quick`, finding Tiny Shakespeare, and
// where figures go (out/tutorials/NN/, next to the copies committed in tutorials/figures/).
// Header-only: each chapter still builds from its one .cpp file.
#pragma once
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/io/svg.h"

namespace tut {

inline void banner(const std::string& title) { std::printf("\n=== %s ===\n", title.c_str()); }

// printf into a std::string: fmt("%.4f", x)
template <typename... Args> std::string fmt(const char* format, Args... args) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

// The claims a program verifies. Each becomes one line of the summary that ends the output:
// "check: <claim>" if it held, "check: FAILED: <claim>" if not; the exit status is 1 if any failed.
class Checks {
public:
    template <typename... Args> bool operator()(bool ok, const char* format, Args... args) {
        lines_.push_back(std::string(ok ? "check: " : "check: FAILED: ") + fmt(format, args...));
        failed_ += !ok;
        return ok;
    }
    int summary() const {   // prints the lines; returns the exit status for main
        banner("Summary");
        for (const std::string& s : lines_) std::printf("%s\n", s.c_str());
        return failed_ ? 1 : 0;
    }

private:
    std::vector<std::string> lines_;
    int failed_ = 0;
};

// Chapter 1's central difference on element i of a tensor: d loss / d t[i], the loss recomputed without
// a graph (nothing is differentiated, so nothing need be recorded). t[i] ± h is rounded to the tensor's
// type before the loss sees it, so the slope is taken over the step actually made, not over 2h.
inline double finite_diff(const std::function<double()>& loss, const gs::Tensor& t, int64_t i, double h = 1e-5) {
    gs::NoGradGuard no_grad;
    gs::real keep = t.data()[i], up = gs::real(keep + h), down = gs::real(keep - h);
    t.data()[i] = up;
    double at_up = loss();
    t.data()[i] = down;
    double at_down = loss();
    t.data()[i] = keep;
    return (at_up - at_down) / (double(up) - double(down));
}

// Writes a figure to out/tutorials/<chapter>/<chapter>_<name>.svg (making the folder) and says so. The
// chapter's .md shows the committed copy, tutorials/figures/<chapter>_<name>.svg (`make figures`).
inline void save_figure(const gs::io::Svg& svg, const std::string& chapter, const std::string& name) {
    std::string dir = "out/tutorials/" + chapter, path = dir + "/" + chapter + "_" + name + ".svg";
    std::filesystem::create_directories(dir);
    svg.save(path);
    std::printf("figure: %s\n", path.c_str());
}

// The message of the std::invalid_argument that f() throws, or "" if it runs: how a chapter shows an error.
template <typename F> std::string error_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

struct Args {
    bool quick = false;   // --quick: a shorter run of the same program
    std::string data;     // the first other argument: a path to the text to train on
};

inline Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; i++) {
        std::string s = argv[i];
        if (s == "--quick") a.quick = true;
        else if (s.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + s + " (only --quick)");
        else a.data = s;
    }
    return a;
}

// The path to Tiny Shakespeare: the one given, else data/tinyshakespeare.txt from the repository root.
inline std::string find_data(const std::string& given) {
    std::string path = given.empty() ? "data/tinyshakespeare.txt" : given;
    if (!std::ifstream(path))
        throw std::runtime_error(path + " not found; from the repository root run: "
                                        "bash scripts/get_data data/tinyshakespeare.txt");
    return path;
}

}  // namespace tut
