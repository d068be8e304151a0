// A training run's record: every step's loss, lr and gradient norm, and every evaluation's train and
// val loss. Written as log.csv (one row per iteration) and drawn as loss.svg, a self-contained SVG
// line chart that any browser opens. Both files are replaced atomically.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gs::gpt {

struct StepRow {
    int64_t iter;
    double loss, lr, grad_norm;
};
struct EvalRow {
    int64_t iter;
    double train, val;
};
struct RunLog {
    std::vector<StepRow> steps;
    std::vector<EvalRow> evals;
};

// dir/log.csv and dir/loss.svg
void write_run_log(const std::string& dir, const RunLog& log);

// The rows of an earlier run that come before a resume at `resume_iter`: steps before it and evals up
// to and including it (the eval at resume_iter ran before its state was saved). The log is written
// before the state, so it must reach the state: hold the step resume_iter - 1 (or the eval at 0 when
// resume_iter is 0). Throws std::runtime_error naming the file (and line) if it is missing, not a
// regular file, not our header, or has a row that is not exactly numbers in increasing order.
RunLog read_run_log(const std::string& csv_path, int64_t resume_iter);

std::string loss_svg(const RunLog& log);

}  // namespace gs::gpt
