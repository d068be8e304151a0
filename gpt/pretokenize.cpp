// GPT-2's pre-tokenizer as a scanner. See pretokenize.h.
//
// The pattern's alternatives are tried in order at each position, and some alternative always matches
// (every character is a letter, a number, whitespace or something else), so the pieces tile the text.
// The rules, with what the regular expression would do on backtracking spelled out:
//   1. 's 't 're 've 'm 'll 'd       a contraction, lower case only ("'S" is not one)
//   2-4. ` ?\p{L}+` ` ?\p{N}+` ` ?[^\s\p{L}\p{N}]+`
//                                    one optional U+0020 space, then a run of letters, of numbers or of
//                                    other characters; the three classes are disjoint, so the character
//                                    after the space alone picks the rule
//   5. `\s+(?!\S)`                   a run of whitespace not followed by a non-space: the whole run at
//                                    the end of the text, otherwise the run minus its last character
//                                    (which then starts the next piece, so " word" keeps its space)
//   6. `\s+`                         what 5 leaves: a single whitespace character before a non-space
#include "gpt/pretokenize.h"

#include <cstring>

#include "gpt/unicode_tables.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

namespace {

class Scanner {
public:
    Scanner(const std::string& s, const std::string& what) : s_(s), what_(what) {}

    // Where the piece that starts at byte `pos` (< size) ends.
    size_t piece_end(size_t pos) const {
        const size_t n = s_.size();
        if (s_[pos] == '\'') {   // rule 1
            for (const char* c : {"s", "t", "re", "ve", "m", "ll", "d"}) {
                const size_t len = std::strlen(c);
                if (s_.compare(pos + 1, len, c) == 0) return pos + 1 + len;
            }
        }
        // rules 2-4: the space joins the run that follows it, unless whitespace (or the end) follows
        size_t start = pos;
        if (s_[pos] == ' ' && pos + 1 < n && class_at(pos + 1).cls != CharClass::Space) start = pos + 1;
        const Char first = class_at(start);
        if (first.cls != CharClass::Space) {
            size_t end = first.next;
            while (end < n) {
                const Char c = class_at(end);
                if (c.cls != first.cls) break;
                end = c.next;
            }
            return end;
        }
        // rules 5 and 6: a run of whitespace; `last` is where its last character starts
        size_t end = pos, last = pos;
        while (end < n) {
            const Char c = class_at(end);
            if (c.cls != CharClass::Space) break;
            last = end;
            end = c.next;
        }
        if (end < n && last > pos) return last;   // rule 5 backs off one character before a non-space
        return end;                               // rule 5 at the end of the text, or rule 6
    }

private:
    struct Char {
        CharClass cls;
        size_t next;   // byte offset just past the character
    };
    // The class of the character at byte `pos` (< size). Every character of the text passes through
    // here at least once, so invalid UTF-8 is always found, and reported with its offset.
    Char class_at(size_t pos) const {
        const unsigned char b = static_cast<unsigned char>(s_[pos]);
        if (b < 0x80) return {kAsciiCharClass[b], pos + 1};
        size_t next = pos;
        const uint32_t cp = io::next_code_point(s_, next, what_);
        return {char_class(cp), next};
    }

    const std::string& s_;
    const std::string& what_;
};

}  // namespace

std::vector<std::string_view> pretokenize(const std::string& text, const std::string& what) {
    Scanner scanner(text, what);
    std::vector<std::string_view> pieces;
    for (size_t pos = 0; pos < text.size();) {
        const size_t end = scanner.piece_end(pos);
        pieces.emplace_back(text.data() + pos, end - pos);
        pos = end;
    }
    return pieces;
}

}  // namespace gs::gpt
