// Hugging Face GPT-2 directories, read and written: how GPT-2's published weights come in (`gpt sample
// --ckpt gpt2`) and how a gradschool model goes out to PyTorch (`gpt export --format hf`).
//
//   HfModel m = load_hf("gpt2");             // config.json, model.safetensors, encoder.json + vocab.bpe
//   save_hf(*m.model, *m.tok, "out/hf");     // the same layout back
//
// The directory, as Hugging Face publishes GPT-2 (gpt2, gpt2-medium, gpt2-large, gpt2-xl):
//   config.json         n_layer, n_head, n_embd, n_positions (our block_size), vocab_size,
//                       layer_norm_epsilon (1e-5), activation_function ("gelu_new", GELU's tanh form)
//   model.safetensors   wte.weight (V, C), wpe.weight (n_positions, C), h.{i}.ln_1/ln_2.{weight,bias},
//                       h.{i}.attn.c_attn/c_proj.{weight,bias}, h.{i}.mlp.c_fc/c_proj.{weight,bias},
//                       ln_f.{weight,bias}; names may carry a "transformer." prefix (a model saved from
//                       GPT2LMHeadModel), and then may include lm_head.weight, which must equal wte
//   encoder.json + vocab.bpe   the tokenizer (Hugging Face names them vocab.json + merges.txt; either pair)
// GPT-2's linear layers are Conv1D: the weight is stored (in, out), the transpose of our Linear's
// (out, in), so those four matrices per block are transposed on the way in and out. The causal-mask
// buffers Hugging Face saves with each layer (h.{i}.attn.bias, h.{i}.attn.masked_bias) are ignored:
// our attention masks by construction. F16 and BF16 weights become float32 as they are read.
//
// A character-level model has no BPE files to write. Its vocabulary goes out as chars.json, a JSON
// array of the characters in id order (nanoGPT's shakespeare_char keeps the same list in meta.pkl):
// `stoi = {c: i for i, c in enumerate(json.load(open("chars.json")))}` encodes text in Python. load_hf
// reads it back when there are no BPE files.
#pragma once
#include <memory>
#include <string>

#include "gpt/model.h"
#include "gpt/tokenizer.h"

namespace gs::gpt {

// True if dir holds config.json: a Hugging Face directory, not a gradschool run (which never has one).
bool is_hf_dir(const std::string& dir);

// config.json as our config: bias on, dropout = resid_pdrop (0 if absent). Throws std::runtime_error
// "<dir>/config.json: ..." for a missing or malformed file, a missing or out-of-range field, or a
// model ours cannot run (another activation, layer_norm_epsilon other than 1e-5, untied embeddings).
GPTConfig read_hf_config(const std::string& dir);

struct HfModel {
    std::unique_ptr<GPT> model;
    std::shared_ptr<const Tokenizer> tok;
};

// Reads a whole directory. Everything is checked before the model is built: the config, the tokenizer
// (its size must equal vocab_size), and every tensor's name, shape and dtype against the config.
// Then each tensor is read straight into its parameter (transposed through a small buffer where
// needed), so the weights are never held twice. Throws std::runtime_error with one line naming the
// file and the problem; nothing is returned half loaded.
HfModel load_hf(const std::string& dir);

// A model directory of either kind, for `gpt sample`, `gpt eval`, `gpt export` and `gpt train
// --init-from`: a Hugging Face one (is_hf_dir), else a gradschool run's model.safetensors (load_model).
HfModel load_model_dir(const std::string& dir);

// Only the config of such a directory: config.json, or the metadata of a run's model.safetensors.
GPTConfig model_dir_config(const std::string& dir);

// Writes config.json, model.safetensors (GPT-2's names and layout, F32, biases written as zeros for a
// model without them, which computes the same function) and the tokenizer: encoder.json + vocab.bpe
// for a BPE tokenizer, chars.json for a character one. Each file is written atomically. Creates dir if
// missing; throws std::runtime_error if it already holds files, unless overwrite (which replaces them
// and removes the tokenizer files of the other kind).
void save_hf(const GPT& model, const Tokenizer& tok, const std::string& dir, bool overwrite = false);

}  // namespace gs::gpt
