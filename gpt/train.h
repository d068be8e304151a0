// The training loop of `gpt train`: nanoGPT's loop, step for step, in its phases.
//   setup:  check every option, read the data, check the run fits in memory, take --out (create it, lock
//           it, refuse an earlier run unless --resume or --overwrite, check it is writable), build the
//           model and AdamW; with --resume load and check the state, the best model and the log
//   for iter in [start, max_iters]:
//     evaluate + checkpoint, every eval_interval and at the end: mean loss over fixed train and val
//           batches; save model.safetensors if val improved, log.csv, and state.safetensors (everything
//           --resume needs)
//     stop, if asked: save the state (only weights that are still finite) and return
//     one optimisation step: lr = warmup then cosine decay; loss = model(x, y) averaged over grad_accum
//           micro-batches; backward; clip the global grad norm; AdamW step; zero grads
//     log the step and redraw the progress line
// Nothing is written before every check has passed. A NaN or inf loss or gradient stops the run, naming
// the step, before anything is saved over the last good checkpoint.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "gpt/model.h"

namespace gs::gpt {

// The initial values are the defaults of `gpt train` (its --help prints them from here).
struct TrainOptions {
    std::string data;              // UTF-8 text file
    std::string out = "out";       // output directory
    GPTConfig model;               // vocab_size is set from the data
    int64_t batch_size = 12;
    int64_t grad_accum = 1;        // micro-batches per step; each step sees batch_size * grad_accum sequences
    int64_t max_iters = 2000;
    real lr = real(1e-3);
    real min_lr = real(1e-4);
    int64_t warmup_iters = 100;
    int64_t lr_decay_iters = 2000;
    real weight_decay = real(0.1);
    real beta1 = real(0.9);
    real beta2 = real(0.99);
    real grad_clip = 1;            // 0 = off
    int64_t eval_interval = 250;
    int64_t eval_iters = 20;       // batches per split at each eval
    uint64_t seed = 1337;
    bool resume = false;           // continue the run saved in `out`
    bool overwrite = false;        // replace the run saved in `out` (without either, an earlier run is refused)
    bool quiet = false;            // no progress or notes on stdout (tests)

    // Itself, or throws std::invalid_argument naming the flag and the value: every option in range,
    // including what the loop derives from them (tokens per step, ints the batcher takes).
    const TrainOptions& validated() const;
};

struct TrainResult {
    int64_t iters = 0;             // iterations completed in total (including before a resume)
    double train_loss = 0;         // last eval's mean train loss
    double val_loss = 0;           // last eval's mean val loss
    double best_val = 0;
    double seconds = 0;            // wall time of this process's training loop
    bool interrupted = false;      // stopped early because *stop became true; the state was saved
    bool already_done = false;     // --resume of a run already at or past max_iters: nothing was run
};

// Runs (or resumes) a training run. If `stop` is given, it is read before every step: once true, the
// state is saved and train() returns with interrupted set (the gpt program sets it from SIGINT, SIGTERM
// and SIGHUP). Throws std::invalid_argument for bad options and std::runtime_error for bad files,
// an output directory that is taken or holds another run, and numerical faults (NaN/inf).
TrainResult train(const TrainOptions& opt, const std::atomic<bool>* stop = nullptr);

}  // namespace gs::gpt
