// GPT checkpoints. A run's output directory holds two safetensors files:
//   model.safetensors  the weights with the best validation loss so far, plus what is needed to use
//                      them: the model config and the vocabulary (read by `gpt sample` and `gpt eval`)
//   state.safetensors  the latest training state, for --resume: weights ("model.<name>"), optimizer
//                      moments ("optim.<name>"), the iteration, both RNG states, the best val loss and
//                      the settings the run was started with
// Both carry string metadata (README.md lists every key) and a "crc32" over the header and the data,
// and are written atomically (temp + rename), so a run killed at any moment leaves the previous files
// intact. Reading checks everything before anything is built or copied: the checksum, every metadata
// value (parsed strictly and checked against the others), every tensor's name and shape, finite weights.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "gpt/model.h"
#include "gpt/tokenizer.h"
#include "nn/optim.h"

namespace gs::gpt {

using Metadata = std::map<std::string, std::string>;

// The format version written into every checkpoint; a file with another version is refused. Version 2
// added the header to the checksum and the run settings to the state; version 1 files are refused
// with a message saying so.
constexpr const char* kCheckpointVersion = "2";

// The "crc32" a checkpoint with these tensors and metadata carries: CRC-32 of the header that
// save_safetensors writes for them without the "crc32" key (so every name, dtype, shape, offset and
// other metadata value), then of the tensors' bytes in order. It catches accidents (a flipped bit, a
// truncated copy); anyone editing the file on purpose can recompute it, so the values are checked too.
std::string checkpoint_crc32(const std::vector<std::pair<std::string, Tensor>>& tensors, const Metadata& metadata);

void save_model(const std::string& path, const GPT& model, const CharTokenizer& tok, const Metadata& extra = {});

struct LoadedModel {
    std::unique_ptr<GPT> model;
    CharTokenizer tok;
    Metadata metadata;
};
// Rebuilds the model from the file's config and loads its weights. Throws std::runtime_error naming the
// file on anything wrong: not a gradschool GPT checkpoint, another version, a checksum that does not
// match, a bad config or vocabulary, tensors missing or of the wrong shape, a weight that is NaN or inf.
LoadedModel load_model(const std::string& path);

// What a training run was started with. The state records it so that --resume can refuse to continue
// a different run (gpt/train.cpp decides which differences are allowed).
struct RunSettings {
    uint64_t seed = 0;
    int64_t batch_size = 1;
    int64_t grad_accum = 1;
    std::string data;           // the --data path as given
    int64_t data_bytes = 0;     // the corpus's size and CRC-32: the same text under any name
    uint32_t data_crc32 = 0;
    real lr = 0, min_lr = 0;    // the schedule
    int64_t warmup_iters = 0, lr_decay_iters = 0;
    real weight_decay = 0, beta1 = 0, beta2 = 0, grad_clip = 0;   // AdamW and clipping
};

struct TrainState {
    int64_t iter = 0;           // the next iteration to run; also the optimizer steps taken so far
    double best_val = 1e30;     // best val loss seen so far
    RngState data_rng{};        // where the batch sampler stands
    RngState dropout_rng{};     // where dropout stands
    RunSettings run;
};

// Throws std::invalid_argument (writing nothing) unless st.iter equals opt.step_count(): every
// iteration takes one optimizer step, and loading checks that the two agree.
void save_train_state(const std::string& path, const GPT& model, const CharTokenizer& tok, const nn::Optimizer& opt,
                      const TrainState& st, const Metadata& extra = {});

// Loads weights and optimizer moments in place. The file's model config and vocabulary must equal the
// given model's and tokenizer's (a resumed run must be the same run). Returns the saved state and
// fills `metadata` with the file's metadata. On any error nothing is loaded.
TrainState load_train_state(const std::string& path, GPT& model, const CharTokenizer& tok, nn::Optimizer& opt,
                            Metadata* metadata = nullptr);

// The model config as metadata strings, and back (strictly: throws naming the file and the key).
Metadata config_metadata(const GPTConfig& cfg);
GPTConfig config_from_metadata(const Metadata& m, const std::string& path);

}  // namespace gs::gpt
