// GPT-2's pre-tokenizer: before any merge, text is cut into pieces (words with their leading space,
// runs of digits, runs of punctuation, whitespace), and BPE then works inside each piece, so no token
// ever spans two of them. GPT-2 cuts with the regular expression
//
//     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// which this file implements as a hand-written scanner, rule by rule, with the character classes of
// gpt/unicode_tables.h (no regex library: std::regex has no \p{...} classes, and is slow).
//
//   pretokenize("Hello world's  end\n")   // "Hello", " world", "'s", " ", " end", "\n"
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gs::gpt {

// The pieces of `text`, in order, as views into it (keep `text` alive while using them); joined they
// are `text` again. Throws std::invalid_argument naming `what` and the offset if text is not UTF-8.
std::vector<std::string_view> pretokenize(const std::string& text, const std::string& what = "text");

}  // namespace gs::gpt
