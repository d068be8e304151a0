// GPT-2's tokenizer files: reading with a check of everything the two files must agree on, and
// writing. See bpe_files.h.
#include "gpt/bpe_files.h"

#include <filesystem>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "gpt/data.h"
#include "nn/io/atomic_file.h"
#include "nn/io/json.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

const std::array<uint32_t, 256>& byte_to_unicode() {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        uint32_t next = 256;   // the next stand-in for a byte that does not print
        for (uint32_t b = 0; b < 256; b++) {
            const bool prints = ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF);
            t[b] = prints ? b : next++;
        }
        return t;
    }();
    return table;
}

namespace {

[[noreturn]] void bad_file(const std::string& name, const std::string& what) {
    throw std::runtime_error(name + ": " + what);
}

// A token as the files write it: its bytes, each as its stand-in character.
std::string written(const std::string& bytes) {
    std::string out;
    for (unsigned char b : bytes) io::append_utf8(out, byte_to_unicode()[b]);
    return out;
}

// The bytes of a token as the files write it; an empty string if a character stands for no byte.
std::string bytes_of(const std::string& text) {
    // (324,) the byte each stand-in character means, or -1: the stand-ins all lie below U+0144
    static const std::array<int16_t, 0x144> byte_of = [] {
        std::array<int16_t, 0x144> t;
        t.fill(-1);
        for (int b = 0; b < 256; b++) t[byte_to_unicode()[size_t(b)]] = int16_t(b);
        return t;
    }();
    std::string out;
    for (size_t pos = 0; pos < text.size();) {
        const uint32_t cp = io::next_code_point(text, pos, "token");   // JSON strings are UTF-8 already
        if (cp >= byte_of.size() || byte_of[cp] < 0) return {};
        out += char(byte_of[cp]);
    }
    return out;
}

std::string shown(const std::string& utf8) { return io::json_quote(utf8); }

// A special token looks like GPT-2's "<|endoftext|>".
bool is_special(const std::string& t) {
    return t.size() > 4 && t.compare(0, 2, "<|") == 0 && t.compare(t.size() - 2, 2, "|>") == 0;
}

struct Encoder {
    std::vector<std::string> vocab;                    // (V,) id -> bytes
    std::unordered_map<std::string, int32_t> id_of;    // written token -> id
};

Encoder read_encoder(const std::string& text, const std::string& name) {
    io::Json j;
    try {
        j = io::parse_json(text);
    } catch (const std::runtime_error& e) {
        std::string why = e.what();
        if (why.compare(0, 6, "json: ") == 0) why.erase(0, 6);
        bad_file(name, "not valid JSON: " + why);
    }
    if (j.type != io::Json::Type::Object)
        bad_file(name, std::string("expected a JSON object of token -> id, found a ") + io::json_type_name(j.type));
    const int64_t V = int64_t(j.object.size());
    if (V == 0) bad_file(name, "has no tokens");
    Encoder enc;
    enc.vocab.resize(size_t(V));
    enc.id_of.reserve(size_t(V));
    std::vector<const std::string*> token_of(size_t(V), nullptr);   // id -> written token, for messages
    for (const auto& [token, value] : j.object) {
        if (value.type != io::Json::Type::Integer)
            bad_file(name, "token " + shown(token) + " has a " + io::json_type_name(value.type) +
                               " for its id, not an integer");
        const int64_t id = value.integer;
        if (id < 0 || id >= V)
            bad_file(name, "token " + shown(token) + " has id " + std::to_string(id) + ", but with " +
                               std::to_string(V) + " tokens the ids must be 0 to " + std::to_string(V - 1));
        if (token_of[size_t(id)])
            bad_file(name, "id " + std::to_string(id) + " is given twice: to " + shown(*token_of[size_t(id)]) +
                               " and to " + shown(token));
        token_of[size_t(id)] = &token;
        enc.vocab[size_t(id)] = bytes_of(token);
        if (enc.vocab[size_t(id)].empty())
            bad_file(name, "token " + shown(token) + " (id " + std::to_string(id) +
                               ") is empty or has a character that stands for no byte");
        enc.id_of[token] = int32_t(id);
    }
    return enc;
}

// One line of vocab.bpe: two written tokens separated by one space.
void split_merge_line(const std::string& line, size_t number, const std::string& name, std::string* left,
                      std::string* right) {
    auto where = [&] { return "line " + std::to_string(number) + ": "; };
    if (!line.empty() && line.back() == '\r') bad_file(name, where() + "ends in a carriage return (Windows line endings?)");
    const size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == line.size() || line.find(' ', sp + 1) != std::string::npos)
        bad_file(name, where() + "expected two tokens separated by one space, found " + shown(line));
    *left = line.substr(0, sp);
    *right = line.substr(sp + 1);
}

// The merges by rank. Fills made_by: for each id, 0 if it is a byte, the line that made it if a merge
// did, -1 if neither.
std::vector<BpeMerge> read_merges(const std::string& text, const Encoder& enc, const std::string& name,
                                  const std::string& encoder_name, std::vector<int64_t>* made_by_out) {
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < text.size();) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    std::vector<int64_t>& made_by = *made_by_out;
    made_by.assign(enc.vocab.size(), -1);
    for (int b = 0; b < 256; b++) {
        const std::string token = written(std::string(1, char(b)));
        auto it = enc.id_of.find(token);
        if (it == enc.id_of.end())
            bad_file(encoder_name, "has no token for byte " + std::to_string(b) + " (written " + shown(token) + ")");
        made_by[size_t(it->second)] = 0;
    }
    auto id_of = [&](const std::string& token) {
        auto it = enc.id_of.find(token);
        return it == enc.id_of.end() ? -1 : it->second;
    };
    std::vector<BpeMerge> merges;
    const size_t first = !lines.empty() && lines[0].compare(0, 8, "#version") == 0 ? 1 : 0;   // GPT-2's header
    for (size_t i = first; i < lines.size(); i++) {
        auto where = [&] { return "line " + std::to_string(i + 1) + ": "; };   // for messages only
        std::string left, right;
        split_merge_line(lines[i], i + 1, name, &left, &right);
        const int32_t a = id_of(left), b = id_of(right), r = id_of(left + right);
        if (a < 0 || b < 0) bad_file(name, where() + shown(a < 0 ? left : right) + " is not in " + encoder_name);
        if (r < 0)
            bad_file(name, where() + "the merge of " + shown(left) + " and " + shown(right) + " makes " +
                               shown(left + right) + ", which is not in " + encoder_name);
        if (made_by[size_t(a)] < 0 || made_by[size_t(b)] < 0)
            bad_file(name, where() + shown(made_by[size_t(a)] < 0 ? left : right) + " is used before any line makes it");
        if (made_by[size_t(r)] > 0)
            bad_file(name, where() + shown(left + right) + " was already made by line " + std::to_string(made_by[size_t(r)]));
        made_by[size_t(r)] = int64_t(i + 1);
        merges.push_back({a, b, r});
    }
    return merges;
}

// Every token must be a byte, a merge's result, or a special token like "<|endoftext|>": then the
// vocabulary has 256 + merges + specials tokens. made_by[id] < 0 marks the tokens no line made.
void check_vocabulary_size(const Encoder& enc, const std::vector<int64_t>& made_by, size_t n_merges,
                           const std::string& encoder_name, const std::string& merges_name) {
    std::vector<const std::string*> token_of(enc.vocab.size());
    for (const auto& [token, id] : enc.id_of) token_of[size_t(id)] = &token;
    size_t special = 0;
    const std::string* stray = nullptr;   // the first token that is none of the three
    int32_t stray_id = -1;
    for (size_t id = 0; id < enc.vocab.size(); id++) {
        if (made_by[id] >= 0) continue;
        if (is_special(*token_of[id])) {
            special++;
        } else if (!stray) {
            stray = token_of[id];
            stray_id = int32_t(id);
        }
    }
    if (!stray) return;
    bad_file(encoder_name, "has " + std::to_string(enc.vocab.size()) + " tokens, but 256 bytes + " +
                               std::to_string(n_merges) + " merges (" + merges_name + ") + " + std::to_string(special) +
                               " special tokens make " + std::to_string(256 + n_merges + special) + ": " +
                               shown(*stray) + " (id " + std::to_string(stray_id) +
                               ") is not a byte, not made by a merge and not a special token like <|endoftext|>");
}

}  // namespace

BpeTokenizer parse_bpe(const std::string& encoder_json, const std::string& vocab_bpe, const std::string& encoder_name,
                       const std::string& merges_name) {
    try {   // the merges are read line by line as UTF-8 (the encoder's JSON reader checks its own)
        io::decode_utf8(vocab_bpe, merges_name);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(e.what());   // already "<name>: invalid UTF-8 at byte offset ..."
    }
    const Encoder enc = read_encoder(encoder_json, encoder_name);
    std::vector<int64_t> made_by;
    std::vector<BpeMerge> merges = read_merges(vocab_bpe, enc, merges_name, encoder_name, &made_by);
    check_vocabulary_size(enc, made_by, merges.size(), encoder_name, merges_name);
    try {
        return BpeTokenizer(enc.vocab, std::move(merges));
    } catch (const std::invalid_argument& e) {   // the checks above should leave nothing for this to find
        bad_file(merges_name, e.what());
    }
}

BpeTokenizer load_bpe_files(const std::string& encoder_path, const std::string& merges_path) {
    return parse_bpe(read_text_file(encoder_path), read_text_file(merges_path), encoder_path, merges_path);
}

BpeTokenizer load_bpe(const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path d(dir);
    for (auto [encoder, merges] : {std::pair{"encoder.json", "vocab.bpe"}, std::pair{"vocab.json", "merges.txt"}})
        if (fs::exists(d / encoder) && fs::exists(d / merges))
            return load_bpe_files((d / encoder).string(), (d / merges).string());
    bad_file(dir, "no tokenizer files: expected encoder.json and vocab.bpe (or Hugging Face's vocab.json and merges.txt)");
}

std::string encoder_json_text(const BpeTokenizer& tok) {
    std::string out = "{\n";
    for (size_t id = 0; id < tok.vocab().size(); id++)
        out += "  " + shown(written(tok.vocab()[id])) + ": " + std::to_string(id) +
               (id + 1 < tok.vocab().size() ? ",\n" : "\n");
    return out + "}\n";
}

std::string vocab_bpe_text(const BpeTokenizer& tok) {
    std::string out = "#version: 0.2\n";
    for (const BpeMerge& m : tok.merges())
        out += written(tok.vocab()[size_t(m.left)]) + " " + written(tok.vocab()[size_t(m.right)]) + "\n";
    return out;
}

void save_bpe(const BpeTokenizer& tok, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) bad_file(dir, "cannot create the directory: " + ec.message());
    io::write_file_atomic((fs::path(dir) / "encoder.json").string(), encoder_json_text(tok), "save_bpe");
    io::write_file_atomic((fs::path(dir) / "vocab.bpe").string(), vocab_bpe_text(tok), "save_bpe");
}

}  // namespace gs::gpt
