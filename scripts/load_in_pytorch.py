#!/usr/bin/python3
"""Loads a gradschool model into a plain PyTorch GPT and prints its loss on a text file: the way out of
gradschool, onto PyTorch and bigger machines.

    /usr/bin/python3 scripts/load_in_pytorch.py --ckpt DIR --data FILE [--nanogpt-out DIR2]

DIR is a gradschool run's directory (model.safetensors with our metadata, and encoder.json + vocab.bpe
beside it for a BPE model) or a Hugging Face GPT-2 directory (`gpt export --format hf`, or GPT-2 itself
from scripts/get_gpt2). The model below is nanoGPT's GPT, written out here (Linear weights (out, in),
the lm_head tied to wte), so its state_dict carries nanoGPT's names. The loss is computed exactly as
`gpt eval --split all` computes it: the text cut into whole windows of block_size tokens, one after
another, mean cross-entropy over every prediction; the two must agree to 1e-4.

--nanogpt-out DIR2 also writes what nanoGPT's train.py needs to go on training with --init_from=resume:
DIR2/ckpt.pt (weights, model_args, a fresh AdamW state, iteration 0) and, from --data, DIR2/train.bin
and DIR2/val.bin (the token ids as uint16, split 90/10 as gradschool splits) plus meta.pkl for a
character model. Needs only PyTorch (Debian: apt-get install python3-torch) and, for a BPE tokenizer,
the `regex` module GPT-2's own encoder uses (apt-get install python3-regex).
"""
import argparse
import json
import math
import os
import pickle
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- the model: nanoGPT's GPT ----

class LayerNorm(nn.Module):
    def __init__(self, C, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(C))
        self.bias = nn.Parameter(torch.zeros(C)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.c_attn = nn.Linear(cfg["n_embd"], 3 * cfg["n_embd"], bias=cfg["bias"])
        self.c_proj = nn.Linear(cfg["n_embd"], cfg["n_embd"], bias=cfg["bias"])

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))   # (B, nh, T, hs)
        att = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["n_embd"], 4 * cfg["n_embd"], bias=cfg["bias"])
        self.c_proj = nn.Linear(4 * cfg["n_embd"], cfg["n_embd"], bias=cfg["bias"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1, self.attn = LayerNorm(cfg["n_embd"], cfg["bias"]), CausalSelfAttention(cfg)
        self.ln_2, self.mlp = LayerNorm(cfg["n_embd"], cfg["bias"]), MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg["vocab_size"], cfg["n_embd"]), wpe=nn.Embedding(cfg["block_size"], cfg["n_embd"]),
            h=nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])]), ln_f=LayerNorm(cfg["n_embd"], cfg["bias"])))
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight   # tied, as in GPT-2

    def forward(self, idx):
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.shape[1]))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))   # (B, T, V)


# ---- files ----

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path):
    """{name: float32 tensor} (other dtypes skipped) and the metadata."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        if e["dtype"] not in ("F32", "F64", "F16", "BF16"):
            continue   # Hugging Face's mask buffers
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=DTYPES[e["dtype"]]) if end > b else torch.zeros(0)
        out[name] = t.to(torch.float32).reshape(e["shape"])
    return out, meta


def byte_chars():
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(0x100 + extra)
            extra += 1
    return chars


class Bpe:
    """GPT-2's byte-level BPE from encoder.json + vocab.bpe (or vocab.json + merges.txt)."""
    def __init__(self, d):
        try:
            import regex
        except ImportError:
            sys.exit("load_in_pytorch: a BPE tokenizer needs the `regex` module (apt-get install python3-regex)")
        names = ("encoder.json", "vocab.bpe") if os.path.exists(os.path.join(d, "encoder.json")) else ("vocab.json", "merges.txt")
        with open(os.path.join(d, names[0]), encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(os.path.join(d, names[1]), encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(l.split(" ")) for l in lines[1:] if l]
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.chars = byte_chars()
        self.pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
        self.vocab_size = len(self.encoder)

    def encode(self, text):
        ids, cache = [], {}
        for piece in self.pattern.findall(text):
            if piece not in cache:
                w = [self.chars[b] for b in piece.encode("utf-8")]
                while len(w) > 1:   # merge the lowest-ranked pair everywhere, until no pair has a rank
                    pair = min(zip(w, w[1:]), key=lambda p: self.ranks.get(p, math.inf))
                    if pair not in self.ranks:
                        break
                    out, i = [], 0
                    while i < len(w):
                        if i + 1 < len(w) and (w[i], w[i + 1]) == pair:
                            out.append(w[i] + w[i + 1])
                            i += 2
                        else:
                            out.append(w[i])
                            i += 1
                    w = out
                cache[piece] = [self.encoder[t] for t in w]
            ids += cache[piece]
        return ids


class Chars:
    def __init__(self, chars):
        self.itos = chars
        self.stoi = {c: i for i, c in enumerate(chars)}
        self.vocab_size = len(chars)

    def encode(self, text):
        return [self.stoi[c] for c in text]


def load(d):
    """(model, tokenizer) from a gradschool run directory or a Hugging Face GPT-2 directory."""
    if os.path.exists(os.path.join(d, "config.json")):
        with open(os.path.join(d, "config.json")) as f:
            hf = json.load(f)
        cfg = dict(n_layer=hf["n_layer"], n_head=hf["n_head"], n_embd=hf["n_embd"],
                   block_size=hf.get("n_positions", hf.get("n_ctx")), vocab_size=hf["vocab_size"], bias=True)
        tensors, _ = read_safetensors(os.path.join(d, "model.safetensors"))
        state = {}
        for name, t in tensors.items():
            name = name[len("transformer."):] if name.startswith("transformer.") else name
            if name == "lm_head.weight":
                continue
            conv1d = name.endswith(".weight") and (".attn.c_" in name or ".mlp.c_" in name)
            state["transformer." + name] = t.t().contiguous() if conv1d else t   # Conv1D (in, out) -> Linear (out, in)
        if os.path.exists(os.path.join(d, "chars.json")) and not os.path.exists(os.path.join(d, "encoder.json")):
            with open(os.path.join(d, "chars.json"), encoding="utf-8") as f:
                tok = Chars(json.load(f))
        else:
            tok = Bpe(d)
    else:
        state, meta = read_safetensors(os.path.join(d, "model.safetensors"))
        cfg = dict(n_layer=int(meta["n_layer"]), n_head=int(meta["n_head"]), n_embd=int(meta["n_embd"]),
                   block_size=int(meta["block_size"]), vocab_size=int(meta["vocab_size"]), bias=meta["bias"] == "true")
        tok = Bpe(d) if meta.get("tokenizer", "char") == "bpe" else Chars(list(meta["vocab"]))
    model = GPT(cfg)
    state["lm_head.weight"] = state["transformer.wte.weight"]
    model.load_state_dict(state, strict=True)
    assert tok.vocab_size == cfg["vocab_size"], (tok.vocab_size, cfg["vocab_size"])
    return model.eval(), tok


@torch.no_grad()
def mean_loss(model, ids, batch=32):
    """gpt eval's windows: whole windows of T, back to back; the targets are the next tokens."""
    T = model.cfg["block_size"]
    ids = torch.tensor(ids, dtype=torch.long)
    W = (len(ids) - 1) // T
    if W < 1:
        sys.exit(f"load_in_pytorch: {len(ids)} tokens, fewer than the T+1 = {T + 1} one window needs")
    total, count = 0.0, 0
    for w0 in range(0, W, batch):
        rows = range(w0, min(W, w0 + batch))
        x = torch.stack([ids[r * T:r * T + T] for r in rows])
        y = torch.stack([ids[r * T + 1:r * T + T + 1] for r in rows])
        logits = model(x)
        total += F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), reduction="sum").double().item()
        count += y.numel()
    return total / count, count


def write_nanogpt(model, tok, ids, out):
    """ckpt.pt for nanoGPT's train.py --init_from=resume, and its data files."""
    os.makedirs(out, exist_ok=True)
    cfg = model.cfg
    model_args = dict(n_layer=cfg["n_layer"], n_head=cfg["n_head"], n_embd=cfg["n_embd"], block_size=cfg["block_size"],
                      bias=cfg["bias"], vocab_size=cfg["vocab_size"], dropout=0.0)
    # nanoGPT's optimizer groups: matrices decay, the rest do not; a fresh AdamW has no moments yet
    params = [p for p in model.parameters()]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95))
    state = {k: v for k, v in model.state_dict().items()}
    torch.save(dict(model=state, optimizer=optimizer.state_dict(), model_args=model_args, iter_num=0,
                    best_val_loss=1e9, config={}), os.path.join(out, "ckpt.pt"))
    if ids is not None:
        import numpy as np
        assert cfg["vocab_size"] <= 65536, "uint16 .bin files hold ids below 65536"
        n = len(ids) * 9 // 10   # as gpt/data.cpp splits: integer arithmetic
        np.array(ids[:n], dtype=np.uint16).tofile(os.path.join(out, "train.bin"))
        np.array(ids[n:], dtype=np.uint16).tofile(os.path.join(out, "val.bin"))
        if isinstance(tok, Chars):
            with open(os.path.join(out, "meta.pkl"), "wb") as f:
                pickle.dump(dict(vocab_size=tok.vocab_size, itos=dict(enumerate(tok.itos)), stoi=tok.stoi), f)
    print(f"wrote {out}/ckpt.pt" + (", train.bin, val.bin" if ids is not None else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", required=True, help="a gradschool run directory or a Hugging Face GPT-2 directory")
    ap.add_argument("--data", help="UTF-8 text to compute the loss on")
    ap.add_argument("--nanogpt-out", help="also write ckpt.pt (and train.bin/val.bin from --data) for nanoGPT")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    model, tok = load(a.ckpt)
    ids = None
    if a.data:
        with open(a.data, encoding="utf-8") as f:
            ids = tok.encode(f.read())
        loss, count = mean_loss(model, ids)
        print(f"{a.data}: mean cross-entropy {loss:.6f} nats over {count} predictions (PyTorch {torch.__version__})")
    if a.nanogpt_out:
        write_nanogpt(model, tok, ids, a.nanogpt_out)


if __name__ == "__main__":
    main()
