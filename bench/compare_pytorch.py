#!/usr/bin/python3
"""gradschool's training step against the same step in PyTorch, timed in one run on one machine.

The PyTorch model below is gradschool's GPT (gpt/model.h) written the way nanoGPT writes it: pre-LN
blocks, no biases, LayerNorm eps 1e-5, GELU with the tanh approximation, attention as a plain masked
softmax (1.13 has no scaled_dot_product_attention; baddbmm with an additive mask was the fastest of the
plain forms), lm_head tied to wte. The step is gpt/train.cpp's:
forward with the loss, loss.item(), backward, clip the global grad norm to 1, AdamW (betas 0.9/0.99,
weight decay 0.1 on the 2-D tensors only, eps 1e-8), zero the grads. Both frameworks see the same
batch: PCG32 below() draws it here exactly as bench/bench_train.cpp draws it.

PyTorch gets its best shot: 1 and 2 threads, each with OMP_WAIT_POLICY=passive and with the default
(a separate process for each, since the OpenMP runtime reads the variable at start), each with
torch.optim.AdamW's plain loop and with foreach=True; the best variant is reported. Debian's torch
does its GEMMs in OpenBLAS, whose pthreads pool torch.set_num_threads does not reach: the processes
set OPENBLAS_NUM_THREADS to the thread count and, with 2 threads, also try 1 ("blas1"), which keeps
the two pools from spinning against each other on 2 cores. gradschool's figure
comes from its Google Benchmark program (build/bench/bench_train), run in between. The machine may be
shared, so the measurement goes in rounds, alternating the two, and each figure is the median over
rounds of each round's median step time.

  /usr/bin/python3 bench/compare_pytorch.py [--bench build/bench/bench_train] [--configs default,gpt2]
                                           [--rounds 3] [--json results.json]

With --generate it compares generation instead: 2,000 tokens (--gen-tokens) sampled from the default
model with random weights after a 1-token prompt, at temperature 1, by gradschool's generate() (the
BM_generate entries of build/bench/bench_sample, with and without the KV cache) and by the same model
in PyTorch. PyTorch gets its best here too: a full recompute of the last block_size tokens per token
(ln_f and lm_head on the last position only) and a KV-cache variant of its own (the prompt prefilled,
then one position per token; once the window slides, the window run again, refilling the cache), each
under torch.no_grad() and torch.inference_mode(), on 1 and 2 threads (2 threads with OpenBLAS on 2 and
on 1), each with OMP_WAIT_POLICY=passive and the default (--policies; gradschool runs with each too).
The target is gradschool on 2 threads with the default policy, as `gpt sample` runs.

  /usr/bin/python3 bench/compare_pytorch.py --generate [--bench-sample build/bench/bench_sample]
                                           [--gen-tokens 2000] [--policies passive,default] [--rounds 3]
                                           [--json results.json]
Needs Debian's python3-torch (1.13) at /usr/bin/python3, not a pyenv python.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (n_layer, n_head, n_embd, block_size, vocab_size, batch), as in bench_train.cpp's bench_config
CONFIGS = {
    "default": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, batch=12, index=0),
    "gpt2": dict(n_layer=12, n_head=12, n_embd=768, block_size=64, vocab_size=50257, batch=4, index=1),
}
# timed steps per PyTorch process and per variant (after the warm-up), and Google Benchmark's min time
STEPS = {"default": 20, "gpt2": 3}
WARMUP = 2
GS_MIN_TIME = {"default": 1.0, "gpt2": 0.5}


# ---- the batch: PCG32 (pcg32_srandom / pcg32_random_r), as autograd/rng.h --------------------------
class PCG32:
    MASK = (1 << 64) - 1

    def __init__(self, seed, stream=0xDA3E39CB94B95BDB):
        self.state, self.inc = 0, ((stream << 1) | 1) & self.MASK
        self.next_u32()
        self.state = (self.state + seed) & self.MASK
        self.next_u32()

    def next_u32(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & self.MASK
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & 0xFFFFFFFF

    def below(self, n):
        threshold = ((1 << 32) - n) % n
        while True:
            r = self.next_u32()
            if r >= threshold:
                return r % n


def random_batch(B, T, V):
    """B rows of T+1 tokens from PCG32(42).below(V) in row order; x the first T of each, y the last T."""
    rng = PCG32(42)
    rows = [[rng.below(V) for _ in range(T + 1)] for _ in range(B)]
    return [r[:-1] for r in rows], [r[1:] for r in rows]


# ---- the model -------------------------------------------------------------------------------------
def build_model(torch, cfg):
    nn, F = torch.nn, torch.nn.functional
    C, NH, L, T = cfg["n_embd"], cfg["n_head"], cfg["n_layer"], cfg["block_size"]

    class LayerNorm(nn.Module):   # torch 1.13's nn.LayerNorm always has a bias
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(C))

        def forward(self, x):
            return F.layer_norm(x, (C,), self.weight, None, 1e-5)

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(C, 3 * C, bias=False)
            self.c_proj = nn.Linear(C, C, bias=False)
            # -inf above the diagonal, added to the scores: baddbmm fuses the add, the scale and the
            # batched matmul, a little faster in 1.13 than matmul, then masked_fill
            causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
            self.register_buffer("mask", torch.zeros(T, T).masked_fill(~causal, float("-inf")))

        def forward(self, x):
            B, Tx, _ = x.shape
            hs = C // NH
            q, k, v = self.c_attn(x).split(C, dim=2)
            q, k, v = (t.view(B, Tx, NH, hs).transpose(1, 2).reshape(B * NH, Tx, hs) for t in (q, k, v))
            att = torch.baddbmm(self.mask[:Tx, :Tx].expand(B * NH, Tx, Tx), q, k.transpose(1, 2),
                                alpha=1.0 / math.sqrt(hs)).softmax(dim=-1)            # (B*NH, T, T)
            y = torch.bmm(att, v).view(B, NH, Tx, hs).transpose(1, 2).reshape(B, Tx, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2 = LayerNorm(), Attention(), LayerNorm()
            self.c_fc = nn.Linear(C, 4 * C, bias=False)
            self.c_proj = nn.Linear(4 * C, C, bias=False)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(cfg["vocab_size"], C)
            self.wpe = nn.Embedding(T, C)
            self.h = nn.ModuleList(Block() for _ in range(L))
            self.ln_f = LayerNorm()
            for name, p in self.named_parameters():   # GPT-2's init, residual projections scaled down
                if p.dim() >= 2:
                    std = 0.02 / math.sqrt(2 * L) if name.endswith("c_proj.weight") else 0.02
                    nn.init.normal_(p, 0.0, std)

        def forward(self, idx, targets):
            pos = torch.arange(idx.shape[1])
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            logits = F.linear(self.ln_f(x), self.wte.weight)   # tied lm_head
            return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    return GPT()


def cosine_lr(it, max_lr=1e-3, min_lr=1e-4, warmup=100, decay=2000):
    if it < warmup:
        return max_lr * (it + 1) / warmup
    if it > decay:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (it - warmup) / (decay - warmup))) * (max_lr - min_lr)


def child(args):
    """One process: one thread count and wait policy; times each AdamW variant. Prints one JSON line."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)
    cfg = CONFIGS[args.config]
    x, y = random_batch(cfg["batch"], cfg["block_size"], cfg["vocab_size"])
    x, y = torch.tensor(x, dtype=torch.long), torch.tensor(y, dtype=torch.long)
    model = build_model(torch, cfg)
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    out = {}
    for foreach in (False, True):
        opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99), eps=1e-8, foreach=foreach)
        times, cpu_times = [], []
        for it in range(WARMUP + args.steps):
            t0, c0 = time.perf_counter(), time.process_time()
            for g in opt.param_groups:
                g["lr"] = cosine_lr(it)
            loss = model(x, y)
            loss_val = loss.item()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
            if not (math.isfinite(loss_val) and math.isfinite(float(norm))):
                raise RuntimeError("loss or grad norm is not finite")
            opt.step()
            opt.zero_grad(set_to_none=True)
            if it >= WARMUP:
                times.append(time.perf_counter() - t0)
                cpu_times.append(time.process_time() - c0)
        out["foreach" if foreach else "loop"] = [statistics.median(times), statistics.median(cpu_times)]
        del opt
    print(json.dumps(out))


# ---- the parent: alternate PyTorch processes and gradschool runs ------------------------------------
def run_child(flags, threads, policy, blas_threads):
    """The JSON line a fresh child process (--child or --child-generate, with `flags`) prints."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(blas_threads))
    env.pop("OMP_WAIT_POLICY", None)
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "passive"
    cmd = [sys.executable, os.path.abspath(__file__)] + flags + ["--threads", str(threads)]
    res = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_pytorch(config, threads, policy, blas_threads):
    """{variant: (wall, cpu)} median seconds per step, from a fresh process."""
    out = run_child(["--child", "--config", config, "--steps", str(STEPS[config])], threads, policy, blas_threads)
    blas = "" if blas_threads == threads else f"blas{blas_threads}/"
    return {f"{policy}/{blas}{opt}": tuple(v) for opt, v in out.items()}


def run_gradschool(bench, config, threads, policy="default"):
    """(wall, cpu) median seconds per step and heap allocations per step, from bench_train's JSON."""
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "passive"
    flt = f"^BM_train_step/config:{CONFIGS[config]['index']}/threads:{threads}/"
    cmd = [bench, f"--benchmark_filter={flt}", "--benchmark_format=json",
           f"--benchmark_min_time={GS_MIN_TIME[config]}"]
    res = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    runs = json.loads(res.stdout)["benchmarks"]
    if len(runs) != 1 or "error_message" in runs[0]:
        raise RuntimeError(f"{bench} with filter {flt} gave {runs}")
    r = runs[0]
    return (r["median_ms"] / 1000.0, r["median_cpu_ms"] / 1000.0), r["heap_allocs/step"]


def measure(bench, config, threads, rounds):
    """Alternates gradschool and every PyTorch variant for `rounds` rounds; medians over the rounds."""
    tokens = CONFIGS[config]["batch"] * CONFIGS[config]["block_size"]
    gs_times, gs_passive, pt_times, allocs = [], [], {}, 0
    for r in range(rounds):
        t, allocs = run_gradschool(bench, config, threads)
        gs_times.append(t)
        gs_passive.append(run_gradschool(bench, config, threads, "passive")[0])
        for policy in ("passive", "default"):
            for blas_threads in sorted({threads, 1}, reverse=True):
                for variant, v in run_pytorch(config, threads, policy, blas_threads).items():
                    pt_times.setdefault(variant, []).append(v)
        print(f"  [{config}, {threads} thread(s), round {r + 1}/{rounds}, load {os.getloadavg()[0]:.1f}] tok/s: "
              f"gradschool {tokens / t[0]:,.0f} (passive {tokens / gs_passive[-1][0]:,.0f}); torch "
              + ", ".join(f"{k} {tokens / v[-1][0]:,.0f}" for k, v in pt_times.items()), flush=True)

    def med(ts):
        return statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts)

    pt = {k: med(v) for k, v in pt_times.items()}
    best = min(pt, key=lambda k: pt[k][0])   # by wall time
    gs = med(gs_times)
    return dict(config=config, threads=threads, tokens_per_step=tokens, gradschool_s=gs[0], gradschool_cpu_s=gs[1],
                gradschool_passive_s=med(gs_passive)[0],
                gradschool_heap_allocs_per_step=allocs, torch_best_variant=best, torch_best_s=pt[best][0],
                torch_best_cpu_s=min(v[1] for v in pt.values()), torch_variants_s=pt,
                ratio=pt[best][0] / gs[0], rounds=rounds)


def announce(what, path, option):
    """The gradschool program's absolute path, after printing what runs against what, where and when."""
    import torch
    bench = os.path.abspath(path)
    if not os.access(bench, os.X_OK):
        sys.exit(f"compare_pytorch: no gradschool benchmark at {bench}; build it (make bench) or pass {option}")
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    head = head.strip() or "unknown: not a git checkout"
    print(f"compare_pytorch{what}: torch {torch.__version__}, gradschool {bench} (commit {head}), "
          f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.1f}", flush=True)
    return bench


def compare(args):
    bench = announce("", args.bench, "--bench")
    results = [measure(bench, c, t, args.rounds) for c in args.configs.split(",") for t in (1, 2)]

    print(f"\ntokens/s, wall clock, median over {args.rounds} rounds (torch: its best variant)")
    print("(gradschool as `make train` runs it; its OMP_WAIT_POLICY=passive figure is shown apart, for information)")
    print(f"{'config':8} {'threads':>7} {'gradschool':>11} {'(passive)':>10} {'torch':>9}  {'torch variant':22} "
          f"{'ratio':>6}")
    for r in results:
        tok = r["tokens_per_step"]
        print(f"{r['config']:8} {r['threads']:>7} {tok / r['gradschool_s']:>11,.0f} "
              f"{tok / r['gradschool_passive_s']:>10,.0f} {tok / r['torch_best_s']:>9,.0f}  "
              f"{r['torch_best_variant']:22} {r['ratio']:>5.2f}x")
    for config in dict.fromkeys(r["config"] for r in results):
        rs = [r for r in results if r["config"] == config]
        tok = rs[0]["tokens_per_step"]
        g, t = min(r["gradschool_s"] for r in rs), min(r["torch_best_s"] for r in rs)
        print(f"{config:8} best thread count each: gradschool {tok / g:,.0f}, torch {tok / t:,.0f}, ratio {t / g:.2f}x")
        one = next(r for r in rs if r["threads"] == 1)   # per CPU-second: less moved by other jobs
        g_cpu, t_cpu = one["gradschool_cpu_s"], one["torch_best_cpu_s"]
        print(f"{config:8} 1 thread, tokens per CPU-second: gradschool {tok / g_cpu:,.0f}, torch {tok / t_cpu:,.0f}, "
              f"ratio {t_cpu / g_cpu:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


# ---- generation ------------------------------------------------------------------------------------
def gpt_trunk(torch, model, idx, pos0, cache):
    """ln_f of the last position after the blocks, for tokens idx (1, Tn) at positions pos0..; with a
    cache (a list of [k, v] per layer, each (1, NH, block_size, hs)), the keys and values of positions
    0..pos0-1 come from it and the new ones are written into it."""
    F = torch.nn.functional
    Tn = idx.shape[1]
    x = model.wte(idx) + model.wpe(torch.arange(pos0, pos0 + Tn))
    if cache is None:
        for block in model.h:
            x = block(x)
        return model.ln_f(x[:, -1])
    for block, (kc, vc) in zip(model.h, cache):
        a = block.attn
        C = x.shape[2]
        NH, hs = kc.shape[1], kc.shape[3]
        q, k, v = a.c_attn(block.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(1, Tn, NH, hs).transpose(1, 2) for t in (q, k, v))   # (1, NH, Tn, hs)
        kc[:, :, pos0:pos0 + Tn] = k
        vc[:, :, pos0:pos0 + Tn] = v
        K, V = kc[:, :, :pos0 + Tn], vc[:, :, :pos0 + Tn]
        att = torch.matmul(q, K.transpose(2, 3)) * (1.0 / math.sqrt(hs))
        if Tn > 1:
            att = att + a.mask[pos0:pos0 + Tn, :pos0 + Tn]
        y = torch.matmul(att.softmax(dim=-1), V).transpose(1, 2).reshape(1, Tn, C)
        x = x + a.c_proj(y)
        x = x + block.c_proj(F.gelu(block.c_fc(block.ln_2(x)), approximate="tanh"))
    return model.ln_f(x[:, -1])


def torch_generate(torch, model, cfg, n_tokens, use_cache):
    """n_tokens sampled after the prompt [0], as gradschool's generate() does (temperature 1)."""
    F = torch.nn.functional
    T, C, NH = cfg["block_size"], cfg["n_embd"], cfg["n_head"]
    context = [0]
    cache = [[torch.zeros(1, NH, T, C // NH), torch.zeros(1, NH, T, C // NH)] for _ in model.h] if use_cache else None
    filled = 0
    for i in range(n_tokens):
        if not use_cache:
            h = gpt_trunk(torch, model, torch.tensor([context[-T:]]), 0, None)
        elif i == 0 or filled == T:   # the prompt, or the window slid: run the last T tokens, refilling
            window = context[-T:]
            h = gpt_trunk(torch, model, torch.tensor([window]), 0, cache)
            filled = len(window)
        else:
            h = gpt_trunk(torch, model, torch.tensor([[context[-1]]]), filled, cache)
            filled += 1
        probs = F.linear(h, model.wte.weight).softmax(dim=-1)   # (1, V), tied lm_head
        context.append(int(torch.multinomial(probs, 1)))
    return context[1:]


def child_generate(args):
    """One process: one thread count and wait policy; times each generation variant. One JSON line."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)
    cfg = CONFIGS["default"]
    model = build_model(torch, cfg).eval()
    out = {}
    for use_cache in (False, True):
        for mode in ("no_grad", "inference_mode"):
            ctx = torch.no_grad if mode == "no_grad" else torch.inference_mode
            with ctx():
                torch_generate(torch, model, cfg, 2 * cfg["block_size"], use_cache)   # warm-up, past one window
                t0, c0 = time.perf_counter(), time.process_time()
                torch_generate(torch, model, cfg, args.steps, use_cache)
                out[("kvcache" if use_cache else "recompute") + "/" + mode] = [time.perf_counter() - t0,
                                                                               time.process_time() - c0]
    print(json.dumps(out))


def run_pytorch_generate(threads, policy, blas_threads, tokens):
    """{variant: (wall, cpu) seconds for `tokens` tokens}, from a fresh process."""
    out = run_child(["--child-generate", "--steps", str(tokens)], threads, policy, blas_threads)
    blas = "" if blas_threads == threads else f"blas{blas_threads}/"
    return {f"{threads}t/{policy}/{blas}{k}": tuple(v) for k, v in out.items()}


def run_gradschool_generate(bench, threads, use_cache, tokens, policy):
    """(wall, cpu) seconds for `tokens` tokens from bench_sample's BM_generate (one iteration)."""
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "passive"
    flt = f"^BM_generate/cache:{int(use_cache)}/tokens:{tokens}/block:64/threads:{threads}/"
    res = subprocess.run([bench, f"--benchmark_filter={flt}", "--benchmark_format=json"], env=env, check=True,
                         capture_output=True, text=True)
    runs = json.loads(res.stdout)["benchmarks"]
    if len(runs) != 1 or "error_message" in runs[0]:
        raise RuntimeError(f"{bench} with filter {flt} gave {runs}: BM_generate runs {tokens} tokens?")
    return runs[0]["real_time"] / 1000.0, runs[0]["cpu_time"] / 1000.0   # ms -> s


def compare_generate(args):
    n = args.gen_tokens
    bench = announce(f" --generate ({n} tokens, default model)", args.bench_sample, "--bench-sample")
    gs, pt = {}, {}
    for r in range(args.rounds):
        for threads in (1, 2):
            for policy in args.policies.split(","):
                for use_cache in (False, True):
                    key = f"{threads}t/{policy}/" + ("kvcache" if use_cache else "recompute")
                    gs.setdefault(key, []).append(run_gradschool_generate(bench, threads, use_cache, n, policy))
        for threads in (1, 2):
            for policy in args.policies.split(","):
                for blas_threads in sorted({threads, 1}, reverse=True):
                    for k, v in run_pytorch_generate(threads, policy, blas_threads, n).items():
                        pt.setdefault(k, []).append(v)
        best_pt = min(pt, key=lambda k: pt[k][-1][0])
        print(f"  [round {r + 1}/{args.rounds}, load {os.getloadavg()[0]:.1f}] tok/s: gradschool "
              + ", ".join(f"{k} {n / v[-1][0]:,.0f}" for k, v in gs.items())
              + f"; torch best {best_pt} {n / pt[best_pt][-1][0]:,.0f}", flush=True)

    def med(ts):   # medians over the rounds of the wall and the CPU seconds
        return statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts)

    gs_med, pt_med = {k: med(v) for k, v in gs.items()}, {k: med(v) for k, v in pt.items()}
    print(f"\n{n} tokens, tokens/s, median over {args.rounds} rounds: wall clock (per CPU-second)")
    for who, d in (("gradschool", gs_med), ("torch", pt_med)):
        for k in sorted(d, key=lambda k: d[k][0]):
            print(f"  {who:10} {k:40} {n / d[k][0]:>8,.0f} ({n / d[k][1]:,.0f})")
    best = min(pt_med, key=lambda k: pt_med[k][0])
    default = "default" if "default" in args.policies.split(",") else args.policies.split(",")[0]
    for threads in (1, 2):
        c, f = gs_med[f"{threads}t/{default}/kvcache"][0], gs_med[f"{threads}t/{default}/recompute"][0]
        print(f"gradschool {threads} thread(s), {default} policy: KV cache {n / c:,.0f} tok/s, full recompute "
              f"{n / f:,.0f}: the cache is {f / c:.2f}x as fast")
    g = gs_med[f"2t/{default}/kvcache"][0]
    print(f"gradschool (2 threads, KV cache, {default} policy) {n / g:,.0f} tok/s vs torch's best ({best}) "
          f"{n / pt_med[best][0]:,.0f}: {pt_med[best][0] / g:.2f}x")
    g1 = gs_med[f"1t/{default}/kvcache"][1]
    t1 = min(v[1] for k, v in pt_med.items() if k.startswith("1t/"))
    print(f"1 thread, tokens per CPU-second: gradschool (KV cache) {n / g1:,.0f}, torch's best {n / t1:,.0f}: "
          f"{t1 / g1:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(tokens=n, rounds=args.rounds, gradschool_s=gs, torch_s=pt), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.environ.get("GRADSCHOOL_BENCH_TRAIN",
                                                      os.path.join(ROOT, "build", "bench", "bench_train")),
                    help="gradschool's bench_train program (or set GRADSCHOOL_BENCH_TRAIN)")
    ap.add_argument("--configs", default="default,gpt2", help="comma-separated: default, gpt2")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; figures are medians over them")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--generate", action="store_true", help="compare generation instead of training")
    ap.add_argument("--bench-sample", default=os.path.join(ROOT, "build", "bench", "bench_sample"),
                    help="gradschool's bench_sample program, for --generate")
    ap.add_argument("--gen-tokens", type=int, default=2000,
                    help="tokens per generation (bench_sample's BM_generate must run the same number)")
    ap.add_argument("--policies", default="passive,default",
                    help="OMP_WAIT_POLICY values both sides of --generate run with (default: both)")
    ap.add_argument("--child-generate", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    for c in args.configs.split(","):
        if c not in CONFIGS:
            ap.error(f"unknown config {c!r}; choose from {', '.join(CONFIGS)}")
    if args.child_generate:
        child_generate(args)
    elif args.child:
        child(args)
    else:
        compare_generate(args) if args.generate else compare(args)


if __name__ == "__main__":
    main()
