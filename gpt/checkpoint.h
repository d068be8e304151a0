// GPT checkpoints. A run's output directory holds two safetensors files:
//   model.safetensors  the weights with the best validation loss so far, plus what is needed to use
//                      them: the model config and the vocabulary (read by `gpt sample` and `gpt eval`)
//   state.safetensors  the latest training state, for --resume: weights ("model.<name>"), optimizer
//                      moments ("optim.<name>"), the iteration, both RNG states and the best val loss
// Both carry string metadata (README.md lists every key) and are written atomically (temp + rename),
// so a run killed at any moment leaves the previous files intact.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "gpt/model.h"
#include "gpt/tokenizer.h"
#include "nn/optim.h"

namespace gs::gpt {

using Metadata = std::map<std::string, std::string>;

// The format version written into every checkpoint; a file with another version is refused.
constexpr const char* kCheckpointVersion = "1";

void save_model(const std::string& path, const GPT& model, const CharTokenizer& tok, const Metadata& extra = {});

struct LoadedModel {
    std::unique_ptr<GPT> model;
    CharTokenizer tok;
    Metadata metadata;
};
// Rebuilds the model from the file's config and loads its weights. Throws std::runtime_error naming the
// file on anything wrong: not a gradschool GPT checkpoint, another version, bad config, missing tensors.
LoadedModel load_model(const std::string& path);

struct TrainState {
    int64_t iter = 0;           // the next iteration to run
    double best_val = 1e30;     // best val loss seen so far
    RngState data_rng{};        // where the batch sampler stands
    RngState dropout_rng{};     // where dropout stands
};

void save_train_state(const std::string& path, const GPT& model, const CharTokenizer& tok, const nn::Optimizer& opt,
                      const TrainState& st, const Metadata& extra = {});

// Loads weights and optimizer moments in place. The file's model config and vocabulary must equal the
// given model's and tokenizer's (a resumed run must be the same run). Returns the saved state and
// fills `metadata` with the file's metadata.
TrainState load_train_state(const std::string& path, GPT& model, const CharTokenizer& tok, nn::Optimizer& opt,
                            Metadata* metadata = nullptr);

// The model config as metadata strings, and back (throws naming the file and the key).
Metadata config_metadata(const GPTConfig& cfg);
GPTConfig config_from_metadata(const Metadata& m, const std::string& path);

}  // namespace gs::gpt
