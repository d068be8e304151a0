#!/usr/bin/env python3
"""Do GEMM's threading paths earn their code? Runs bench_gemm_paths with repetitions in random
interleaved order, so a slow minute on a shared machine hits every variant alike, and prints for each
product the median wall time of each path and the ratios that decide it (>1: the first path is faster).
A ratio's spread is the 25th-75th percentile of the per-repetition ratios.

  /usr/bin/python3 bench/gemm_paths.py --bench build/bench/bench_gemm_paths --repetitions 9
"""
import argparse
import json
import statistics
import subprocess
import sys

PATHS = {0: "auto", 1: "team", 2: "columns", 3: "rows", 4: "rows1"}
LAYOUTS = {0: "NN", 1: "NT", 2: "TN"}


def args_of(name):
    """'BM_product/M:768/K:128/.../real_time' -> ('BM_product', {'M': 768, ...})"""
    parts = name.split("/")
    return parts[0], {k: int(v) for k, v in (p.split(":") for p in parts[1:] if ":" in p)}


def run(bench, repetitions, min_time, extra):
    cmd = [bench, f"--benchmark_repetitions={repetitions}", "--benchmark_enable_random_interleaving=true",
           f"--benchmark_min_time={min_time}", "--benchmark_format=json"] + extra
    print("#", " ".join(cmd), file=sys.stderr)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = {}   # (kind, frozen args) -> [seconds per repetition, in repetition order]
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        kind, a = args_of(b["run_name"])
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        times.setdefault((kind, tuple(sorted(a.items()))), []).append((b["repetition_index"], b["real_time"] * scale))
    return {k: [t for _, t in sorted(v)] for k, v in times.items()}


def ratio(slow, fast):
    """median of slow/fast over paired repetitions, and its 25-75% spread"""
    r = sorted(s / f for s, f in zip(slow, fast))
    q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
    return statistics.median(r), q[0], q[2]


def fmt_ratio(r):
    return f"{r[0]:.2f}x [{r[1]:.2f}-{r[2]:.2f}]"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default="build/bench/bench_gemm_paths")
    p.add_argument("--repetitions", type=int, default=9)
    p.add_argument("--min-time", type=float, default=0.1)
    p.add_argument("--filter", default="", help="passed on as --benchmark_filter")
    o = p.parse_args()
    extra = [f"--benchmark_filter={o.filter}"] if o.filter else []
    times = run(o.bench, o.repetitions, o.min_time, extra)

    def get(kind, **a):
        return times.get((kind, tuple(sorted(a.items()))))

    def ms(t):
        return f"{statistics.median(t) * 1e3:9.3f}"

    shapes = sorted({(dict(k[1])["M"], dict(k[1])["K"], dict(k[1])["N"], dict(k[1])["layout"])
                     for k in times if k[0] == "BM_product"}, key=lambda s: (s[0] == 1, s))
    print("\n## Blocked products, 2 threads: gemm_team against gemm_columns (ms, medians)")
    print(f"{'M x K x N':>20} op {'team':>9} {'columns':>9} {'gemm()':>9}  picks    columns/team")
    for M, K, N, lay in shapes:
        team, cols, auto = (get("BM_product", M=M, K=K, N=N, layout=lay, threads=2, path=x) for x in (1, 2, 0))
        if not (team and cols and auto):
            continue
        picks = "team" if N <= M else "columns"
        print(f"{M:>6} x {K:>5} x {N:>5} {LAYOUTS[lay]} {ms(team)} {ms(cols)} {ms(auto)}  {picks:8} "
              f"{fmt_ratio(ratio(cols, team))}")

    print("\n## One-row products: gemm_rows against the packed path (ms, medians)")
    print(f"{'M x K x N':>20} op thr {'rows':>9} {'rows 1t':>9} {'packed':>9}  packed/rows         rows1t/rows")
    for M, K, N, lay in shapes:
        if M != 1:
            continue
        for thr in (1, 2):
            rows = get("BM_product", M=M, K=K, N=N, layout=lay, threads=thr, path=3 if thr == 2 else 4)
            rows1 = get("BM_product", M=M, K=K, N=N, layout=lay, threads=thr, path=4)
            packed = get("BM_product", M=M, K=K, N=N, layout=lay, threads=thr, path=2)
            if not (rows and rows1 and packed):
                continue
            thread_gain = fmt_ratio(ratio(rows1, rows)) if thr == 2 else ""
            print(f"{M:>6} x {K:>5} x {N:>5} {LAYOUTS[lay]} {thr:>3} {ms(rows)} {ms(rows1)} {ms(packed)}  "
                  f"{fmt_ratio(ratio(packed, rows)):19} {thread_gain}")

    print("\n## Batches of 48 products: one thread per product against each product across the team (ms)")
    print(f"{'M x K x N':>20} op thr {'per-thread':>10} {'in turn':>9}  in-turn/per-thread")
    bshapes = sorted({(dict(k[1])["M"], dict(k[1])["K"], dict(k[1])["N"], dict(k[1])["layout"], dict(k[1])["threads"])
                      for k in times if k[0] == "BM_batch"}, key=lambda s: (s[4], s))
    for M, K, N, lay, thr in bshapes:
        per = get("BM_batch", M=M, K=K, N=N, layout=lay, batch=48, threads=thr, per_thread=1)
        turn = get("BM_batch", M=M, K=K, N=N, layout=lay, batch=48, threads=thr, per_thread=0)
        if per and turn:
            print(f"{M:>6} x {K:>5} x {N:>5} {LAYOUTS[lay]} {thr:>3} {ms(per):>10} {ms(turn)}  {fmt_ratio(ratio(turn, per))}")


if __name__ == "__main__":
    main()
