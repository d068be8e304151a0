// `gpt tokenizer train`: learn a byte-level BPE tokenizer from a text file with train_bpe (gpt/bpe.h)
// and write it as encoder.json + vocab.bpe (gpt/bpe_files.h), the files `gpt train --tokenizer DIR`
// reads. Everything is checked before anything is written: the options, the text, and --out, which must
// not already hold a tokenizer (unless overwrite) nor a training run (whose tokenizer belongs to it).
//
//   TokenizerTrainOptions o;  o.data = "input.txt";  o.vocab_size = 1024;  o.out = "tok";
//   TokenizerTrainResult r = train_tokenizer(o);       // tok/encoder.json, tok/vocab.bpe
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "gpt/bpe.h"

namespace gs::gpt {

// The initial values are the defaults of `gpt tokenizer train` (its --help prints them from here).
struct TokenizerTrainOptions {
    std::string data;              // UTF-8 text file
    int64_t vocab_size = 512;      // 256 byte tokens + vocab_size - 256 merges
    std::string out;               // directory for encoder.json and vocab.bpe, created if missing
    bool overwrite = false;        // replace a tokenizer already in out

    // Itself, or throws std::invalid_argument naming the flag and the value.
    const TokenizerTrainOptions& validated() const;
};

struct TokenizerTrainResult {
    BpeTokenizer tok;
    int64_t text_bytes = 0;        // the size of the text
    int64_t text_tokens = 0;       // the text encoded with the new tokenizer
    double seconds = 0;            // wall time of train_bpe
};

// Trains, saves into o.out, and encodes the text once to report its length in tokens. on_merge hears
// of each merge as train_bpe makes it. Throws std::invalid_argument for bad options and
// std::runtime_error for a bad text file or --out; on any error nothing is written (a directory it
// created for --out is removed again).
TokenizerTrainResult train_tokenizer(const TokenizerTrainOptions& o,
                                     const std::function<void(const BpeMerge&, int64_t count)>& on_merge = {});

}  // namespace gs::gpt
