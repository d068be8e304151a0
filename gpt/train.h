// The training loop of `gpt train`: nanoGPT's loop, step for step.
//   for iter in [start, max_iters):
//     every eval_interval: mean loss over fixed train and val batches; save model.safetensors if val
//                          improved, and state.safetensors (everything --resume needs)
//     lr = warmup then cosine decay;  loss = model(x, y) averaged over grad_accum micro-batches
//     backward;  clip the global grad norm;  AdamW step;  zero grads
// It logs every step to log.csv and redraws loss.svg at every eval. A NaN or inf loss or gradient
// stops the run, naming the step, before anything is saved over the last good checkpoint.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "gpt/model.h"

namespace gs::gpt {

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
    bool resume = false;
    bool quiet = false;            // no progress line (tests)
    void validate() const;         // throws std::invalid_argument naming the flag and value
};

struct TrainResult {
    int64_t iters = 0;             // iterations completed in total (including before a resume)
    double train_loss = 0;         // last eval's mean train loss
    double val_loss = 0;           // last eval's mean val loss
    double best_val = 0;
    double seconds = 0;            // wall time of this process's training loop
    bool interrupted = false;      // stopped early by a request (SIGINT); state was saved
};

// Set by a SIGINT handler (or a test) to stop at the next step boundary after saving state.
extern std::atomic<bool> g_stop_training;

// Throws std::runtime_error for a numerical fault (NaN/inf), bad files and the like.
TrainResult train(const TrainOptions& opt);

}  // namespace gs::gpt
