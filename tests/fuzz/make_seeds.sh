#!/usr/bin/env bash
# Writes the two GPT seeds of the fuzz corpus, tests/fuzz/seeds/gpt_{model,state}_tiny.safetensors: a
# 64-parameter run of zero steps, whose config and vocabulary match the TinyRun in fuzz_safetensors.cpp.
# Run from the repository root after `make build/gpt`; the same build writes the same bytes.
#   bash tests/fuzz/make_seeds.sh [path/to/gpt]
set -euo pipefail
gpt=$(realpath "${1:-build/gpt}")
seeds=$(realpath tests/fuzz/seeds)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # relative paths, so the state's "data" key does not depend on the temp directory
printf 'ab\nba\naab\n%.0s' 1 2 3 4 5 > tiny.txt
"$gpt" train --data tiny.txt --out tiny --n-layer 1 --n-head 1 --n-embd 2 --block-size 2 --batch-size 1 \
    --max-iters 0 --lr-decay-iters 0 --warmup-iters 0 --eval-iters 1 --threads 1 > /dev/null
cp tiny/model.safetensors "$seeds/gpt_model_tiny.safetensors"
cp tiny/state.safetensors "$seeds/gpt_state_tiny.safetensors"
ls -l "$seeds"
