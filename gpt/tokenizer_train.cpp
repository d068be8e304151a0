// `gpt tokenizer train`: the checks, train_bpe, the files. See tokenizer_train.h.
#include "gpt/tokenizer_train.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "autograd/check.h"
#include "gpt/bpe_files.h"
#include "gpt/data.h"
#include "gpt/run_dir.h"

namespace gs::gpt {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& why) { throw std::runtime_error("gpt tokenizer train: " + why); }

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

// --out: a directory (or nothing yet) that holds no run and, unless overwrite, no tokenizer.
void check_out(const TokenizerTrainOptions& o) {
    std::error_code ec;
    const fs::file_status st = fs::status(o.out, ec);
    if (!fs::exists(st)) return;
    if (!fs::is_directory(st)) refuse("--out " + o.out + " exists and is not a directory");
    const std::vector<std::string> run = run_files(o.out);
    if (!run.empty())
        refuse("--out " + o.out + " holds a training run (" + joined(run) +
               "), whose tokenizer belongs to it: choose another --out");
    std::vector<std::string> found;
    for (const char* f : {"encoder.json", "vocab.bpe", "vocab.json", "merges.txt"})
        if (fs::exists(fs::path(o.out) / f)) found.push_back(f);
    if (!found.empty() && !o.overwrite)
        refuse("--out " + o.out + " already holds a tokenizer (" + joined(found) +
               "): choose a new --out, or replace it with --overwrite");
    if (::access(o.out.c_str(), W_OK) != 0) refuse("--out " + o.out + " is not writable (" + std::strerror(errno) + ")");
}

}  // namespace

const TokenizerTrainOptions& TokenizerTrainOptions::validated() const {
    const char* op = "gpt tokenizer train";
    check(!data.empty(), op, "--data is required");
    check(!out.empty(), op, "--out is required");
    check(vocab_size >= 256 && vocab_size <= std::numeric_limits<int32_t>::max(), op,
          "--vocab-size must be in [256, 2147483647] (the 256 byte tokens, then one per merge), got ", vocab_size);
    return *this;
}

TokenizerTrainResult train_tokenizer(const TokenizerTrainOptions& opt,
                                     const std::function<void(const BpeMerge&, int64_t count)>& on_merge) {
    const TokenizerTrainOptions& o = opt.validated();
    const std::string text = read_text_file(o.data);
    check_out(o);
    const bool created = !fs::exists(o.out);
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec) refuse("cannot create --out " + o.out + ": " + ec.message());
    try {
        const auto t0 = std::chrono::steady_clock::now();
        BpeTokenizer tok = train_bpe(text, int(o.vocab_size), o.data, on_merge);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        save_bpe(tok, o.out);   // read before Hugging Face's vocab.json and merges.txt, if those are there too
        const int64_t tokens = int64_t(tok.encode(text, o.data).size());
        return TokenizerTrainResult{std::move(tok), int64_t(text.size()), tokens, seconds};
    } catch (...) {
        if (created) fs::remove(o.out, ec);   // only if still empty
        throw;
    }
}

}  // namespace gs::gpt
