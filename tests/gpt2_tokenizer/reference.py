#!/usr/bin/env python3
"""A second reference for compare.sh: GPT-2's encoding restated in Python with the `regex` module, as
GPT-2's own encoder uses it. It differs from the JavaScript reference in what \\s means: here it is
Unicode's White_Space (with U+0085, without U+FEFF), in JavaScript the other way round.

    python3 reference.py DIR TEXT IDS     encodes TEXT with DIR/encoder.json and DIR/vocab.bpe, writes
                                          the ids to IDS one per line, prints the count and CPU time
Needs `pip install regex`; exits 3 with a message if it is missing.
"""
import json
import sys
import time

try:
    import regex
except ImportError:
    print("python reference: the `regex` module is not installed (pip install regex)")
    sys.exit(3)

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def byte_chars():
    """Byte -> the printable character the files write it as."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


def merge_all(word, ranks):
    """The merges replayed by rank: the lowest-ranked adjacent pair, all its occurrences, repeat."""
    while len(word) > 1:
        best = min(zip(word, word[1:]), key=lambda p: ranks.get(p, len(ranks)))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                merged.append(word[i] + word[i + 1])
                i += 2
            else:
                merged.append(word[i])
                i += 1
        word = merged
    return word


def main():
    directory, text_path, ids_path = sys.argv[1:4]
    with open(directory + "/encoder.json", encoding="utf-8") as f:
        encoder = json.load(f)
    with open(directory + "/vocab.bpe", encoding="utf-8") as f:
        lines = f.read().split("\n")[1:-1]
    ranks = {tuple(line.split(" ")): rank for rank, line in enumerate(lines)}
    chars = byte_chars()
    with open(text_path, encoding="utf-8", newline="") as f:
        text = f.read()
    start = time.process_time()
    cache, ids = {}, []
    for piece in PATTERN.findall(text):
        if piece not in cache:
            cache[piece] = [encoder[t] for t in merge_all([chars[b] for b in piece.encode("utf-8")], ranks)]
        ids.extend(cache[piece])
    seconds = time.process_time() - start
    with open(ids_path, "w") as f:
        f.write("\n".join(map(str, ids)) + "\n")
    print("python regex %s: %d tokens; CPU time: encoding %.1f ms" % (regex.__version__, len(ids), 1000 * seconds))


if __name__ == "__main__":
    main()
