// A model directory's tokenizer: its metadata record, its files, and reading both back strictly. See
// tokenizer_io.h.
#include "gpt/tokenizer_io.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "gpt/bpe_files.h"
#include "nn/io/crc32.h"

namespace gs::gpt {

namespace {

namespace fs = std::filesystem;

const BpeTokenizer* as_bpe(const Tokenizer& tok) { return dynamic_cast<const BpeTokenizer*>(&tok); }
const CharTokenizer* as_char(const Tokenizer& tok) { return dynamic_cast<const CharTokenizer*>(&tok); }

[[noreturn]] void bad_record(const std::string& source, const std::string& why) {
    throw std::runtime_error("checkpoint " + source + ": " + why);
}

// Whether the file exists and holds exactly these bytes.
bool holds(const fs::path& path, const std::string& bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str() == bytes;
}

// "vocab_size" as the model config has it: decimal digits only, in [1, 2^31).
int64_t vocab_size_of(const Metadata& m, const std::string& source) {
    auto it = m.find("vocab_size");
    if (it == m.end()) bad_record(source, "metadata key \"vocab_size\" is missing");
    const std::string& v = it->second;
    if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(v) < 1 || std::stoll(v) > 2147483647)
        bad_record(source, "metadata \"vocab_size\" must be an integer in [1, 2147483647], got \"" + v + "\"");
    return std::stoll(v);
}

std::shared_ptr<const Tokenizer> load_char(const Metadata& m, int64_t vocab_size, const std::string& source) {
    if (m.count("tokenizer_crc32")) bad_record(source, "metadata \"tokenizer_crc32\" belongs to a BPE tokenizer, but \"tokenizer\" is \"char\"");
    auto it = m.find("vocab");
    if (it == m.end()) bad_record(source, "metadata key \"vocab\" is missing");
    std::shared_ptr<const CharTokenizer> tok;
    try {
        tok = std::make_shared<const CharTokenizer>(CharTokenizer::from_string(it->second));
    } catch (const std::invalid_argument& e) {
        bad_record(source, std::string("bad vocabulary: ") + e.what());
    }
    if (tok->vocab_size() != vocab_size)
        bad_record(source, "vocabulary has " + std::to_string(tok->vocab_size()) + " characters but vocab_size is " + std::to_string(vocab_size));
    return tok;
}

std::shared_ptr<const Tokenizer> load_bpe_beside(const std::string& dir, const Metadata& m, int64_t vocab_size,
                                                 const std::string& source) {
    if (m.count("vocab"))
        bad_record(source, "metadata \"vocab\" belongs to a character tokenizer, but \"tokenizer\" is \"bpe\"");
    // the files this checkpoint writes, or Hugging Face's names for them when only those are there
    const fs::path d(dir);
    const bool hf = !fs::exists(d / "encoder.json") && !fs::exists(d / "vocab.bpe") && fs::exists(d / "vocab.json") &&
                    fs::exists(d / "merges.txt");
    const std::string encoder = (d / (hf ? "vocab.json" : "encoder.json")).string();
    const std::string merges = (d / (hf ? "merges.txt" : "vocab.bpe")).string();
    for (const std::string& path : {encoder, merges})
        if (!fs::exists(path))
            throw std::runtime_error(path + ": missing: checkpoint " + source + " records a BPE tokenizer (\"tokenizer\" is "
                                     "\"bpe\") whose encoder.json and vocab.bpe must lie beside it");
    auto tok = std::make_shared<const BpeTokenizer>(load_bpe_files(encoder, merges));   // names the file at fault
    if (tok->vocab_size() != vocab_size)
        throw std::runtime_error(encoder + ": has " + std::to_string(tok->vocab_size()) + " tokens, but the model in " +
                                 source + " has vocab_size " + std::to_string(vocab_size));
    auto crc = m.find("tokenizer_crc32");
    if (crc != m.end() && crc->second != bpe_crc32(*tok))
        throw std::runtime_error(encoder + " and " + merges + " hold another tokenizer than " + source +
                                 " was trained with (their CRC-32 is " + bpe_crc32(*tok) + ", the checkpoint records " +
                                 crc->second + ")");
    return tok;
}

}  // namespace

std::string bpe_crc32(const BpeTokenizer& tok) {
    return io::crc32_hex(io::crc32(vocab_bpe_text(tok), io::crc32(encoder_json_text(tok))));
}

Metadata tokenizer_metadata(const Tokenizer& tok) {
    if (const CharTokenizer* c = as_char(tok)) return {{"tokenizer", "char"}, {"vocab", c->to_string()}};
    if (const BpeTokenizer* b = as_bpe(tok)) return {{"tokenizer", "bpe"}, {"tokenizer_crc32", bpe_crc32(*b)}};
    throw std::invalid_argument("tokenizer_metadata: a checkpoint can record a \"char\" or \"bpe\" tokenizer, not \"" +
                                tok.kind() + "\"");
}

void save_tokenizer(const Tokenizer& tok, const std::string& dir) {
    const BpeTokenizer* b = as_bpe(tok);
    if (!b) return;
    const fs::path d(dir);
    if (holds(d / "encoder.json", encoder_json_text(*b)) && holds(d / "vocab.bpe", vocab_bpe_text(*b))) return;
    save_bpe(*b, dir);
}

std::shared_ptr<const Tokenizer> load_tokenizer(const std::string& dir, const Metadata& m, const std::string& source_) {
    const std::string source = source_.empty() ? dir : source_;
    const int64_t vocab_size = vocab_size_of(m, source);
    auto kind = m.find("tokenizer");
    if (kind == m.end() || kind->second == "char") return load_char(m, vocab_size, source);
    if (kind->second == "bpe") return load_bpe_beside(dir, m, vocab_size, source);
    bad_record(source, "metadata \"tokenizer\" must be \"char\" or \"bpe\", got \"" + kind->second + "\"");
}

bool same_tokenizer(const Tokenizer& a, const Tokenizer& b) {
    if (a.kind() != b.kind() || a.vocab_size() != b.vocab_size()) return false;
    const CharTokenizer* ca = as_char(a);
    const CharTokenizer* cb = as_char(b);
    if (ca || cb) return ca && cb && ca->chars() == cb->chars();
    const BpeTokenizer* ba = as_bpe(a);
    const BpeTokenizer* bb = as_bpe(b);
    if (!ba || !bb) return false;
    if (ba->vocab() != bb->vocab() || ba->merges().size() != bb->merges().size()) return false;
    for (size_t r = 0; r < ba->merges().size(); r++) {
        const BpeMerge &x = ba->merges()[r], &y = bb->merges()[r];
        if (x.left != y.left || x.right != y.right || x.result != y.result) return false;
    }
    return true;
}

std::string describe_tokenizer(const Tokenizer& tok) {
    if (const BpeTokenizer* b = as_bpe(tok))
        return "a BPE tokenizer of " + std::to_string(b->vocab_size()) + " tokens (CRC-32 " + bpe_crc32(*b) + ")";
    if (as_char(tok)) return "the character tokenizer (" + std::to_string(tok.vocab_size()) + " characters)";
    return "a \"" + tok.kind() + "\" tokenizer of " + std::to_string(tok.vocab_size()) + " tokens";
}

}  // namespace gs::gpt
