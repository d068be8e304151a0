// libFuzzer target for every reader of checkpoint files: load_safetensors, load_into, load_model and
// load_train_state. Each input is written to a temp file and handed to all four. A bad file must end in
// std::runtime_error or std::invalid_argument, the two types the readers promise; anything else (a crash,
// an ASan or UBSan report, another exception type, a hang, a huge allocation) is a finding.
// A mutation almost never keeps a checkpoint's CRC-32 right, which would stop the GPT readers at the
// checksum; so every input that is valid safetensors is also handed to them again "resealed", with the
// crc32 it needs, to reach the checks of every metadata value and tensor behind it.
// Built and run by `make fuzz`; see tests/fuzz/README.md. Not here: fuzzing the writers.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "gpt/checkpoint.h"
#include "nn/io/safetensors.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::io;

namespace {

// One temp file per process (parallel fuzzing jobs must not share it), removed at exit.
const std::string& input_path() {
    static const std::string path = [] {
        char tmpl[] = "/tmp/gs_fuzz_safetensors_XXXXXX";
        int fd = ::mkstemp(tmpl);
        if (fd < 0) std::abort();
        ::close(fd);
        return std::string(tmpl);
    }();
    return path;
}
void remove_input() { ::unlink(input_path().c_str()); }

void write_input(const uint8_t* data, size_t size) {
    FILE* f = std::fopen(input_path().c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
}

// The tensors of tests/data/safetensors/valid_two_tensors.safetensors, so mutations of that seed reach
// the name and shape matching and the copy at the end of load_into.
std::vector<std::pair<std::string, Tensor>> two_params() {
    static const std::vector<std::pair<std::string, Tensor>> params = {{"weight", Tensor::zeros({2, 3})},
                                                                      {"bias", Tensor::zeros({3})}};
    return params;
}

// The run that wrote tests/fuzz/seeds/gpt_state_tiny.safetensors (see the README): the same config,
// vocabulary and optimizer layout, so load_train_state gets past its checks on mutations of that seed.
struct TinyRun {
    GPTConfig cfg;
    CharTokenizer tok = CharTokenizer::from_text("ab\n");
    std::unique_ptr<GPT> model;
    std::unique_ptr<nn::AdamW> optim;
    TinyRun() {
        cfg.n_layer = 1, cfg.n_head = 1, cfg.n_embd = 2, cfg.block_size = 2, cfg.vocab_size = tok.vocab_size();
        model = std::make_unique<GPT>(cfg, 1337);
        nn::ParamGroup decay{{}, real(0.1)}, no_decay{{}, 0};   // the groups gpt/train.cpp makes
        for (auto& [name, p] : model->named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
        optim = std::make_unique<nn::AdamW>(std::vector<nn::ParamGroup>{decay, no_decay}, real(1e-3));
    }
};

// Runs one reader. The readers' documented failures are swallowed; anything else escapes to libFuzzer.
template <typename F> void expect_clean(F read) {
    try {
        read();
    } catch (const std::runtime_error&) {
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool registered = (std::atexit(remove_input), true);
    (void)registered;
    static TinyRun run;
    write_input(data, size);
    const std::string& path = input_path();
    expect_clean([&] { load_safetensors(path); });
    expect_clean([&] { load_into(path, two_params()); });
    expect_clean([&] { load_model(path); });
    expect_clean([&] { load_train_state(path, *run.model, run.tok, *run.optim); });
    expect_clean([&] {
        SafetensorsFile f = load_safetensors(path);
        f.metadata["crc32"] = checkpoint_crc32(f.tensors, f.metadata);
        save_safetensors(path, f.tensors, f.metadata);
        expect_clean([&] { load_model(path); });
        expect_clean([&] { load_train_state(path, *run.model, run.tok, *run.optim); });
    });
    return 0;
}
