#!/usr/bin/python3
"""Writes a tiny GPT-2 in exactly Hugging Face's layout, for tests/test_hf.cpp to load.

Nothing here comes from the `transformers` package: GPT-2's modules are written out below (Conv1D with
its weight stored (in, out), GELU's tanh approximation, LayerNorm with eps 1e-5, learned positions, the
lm_head tied to wte, the causal-mask buffer `attn.bias` that Hugging Face saves with every layer), and
so are the safetensors writer and a byte-level BPE tokenizer trained on a line of text. Run from the
project root with Debian's PyTorch (`apt-get install python3-torch`):

    /usr/bin/python3 tests/gpt2_fixture/make_fixture.py

It writes into tests/gpt2_fixture/:
  config.json, model.safetensors, encoder.json, vocab.bpe   a Hugging Face GPT-2 directory
  model_f16.safetensors, model_bf16.safetensors             the same weights in F16 and BF16
  expected.safetensors   "ids" (T,) as F64, "logits" (T, V) in F32 computed in float64; metadata "text",
                         whose BPE encoding is "ids"
The weights are rounded so that F32, F16 and BF16 hold exactly the same values: one set of expected
logits serves all three files.
"""
import json
import math
import os
import re
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

N_LAYER, N_HEAD, N_EMBD, N_POSITIONS = 2, 2, 16, 96   # n_positions past 64: the tests run past 64 tokens
N_MERGES = 12
TRAIN_TEXT = "the theory of the thing is that the other three think the same thing the other day"
# ASCII only, so Python's re can split it as GPT-2's pattern does (\p{L} and \p{N} reduce to ASCII here)
TEXT = ("then the other three thought that the theory of the thing is the same as the other day's, "
        "and they think so still, though nobody else does.")
PRETOKENIZE = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+")


# ---- the tokenizer files ----

def byte_chars():
    """Byte -> the printable character GPT-2 writes it as: bytes that print stand for themselves, the
    other 68 take U+0100, U+0101, ... in byte order. The order of this list is the order of ids 0..255."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(0x100 + extra)
            extra += 1
    return chars, printable + [b for b in range(256) if b not in printable]


def words(text, chars):
    return [tuple(chars[b] for b in w.encode()) for w in PRETOKENIZE.findall(text)]


def train_merges(text, chars, n):
    """The most frequent adjacent pair inside the pre-tokenizer's pieces, n times (ties: the first seen)."""
    ws = words(text, chars)
    merges = []
    for _ in range(n):
        counts = {}
        for w in ws:
            for pair in zip(w, w[1:]):
                counts[pair] = counts.get(pair, 0) + 1
        best = max(counts, key=counts.get)   # max keeps the first of equal counts: dicts keep insertion order
        merges.append(best)
        ws = [merge_word(w, best) for w in ws]
    return merges


def merge_word(w, pair):
    out, i = [], 0
    while i < len(w):
        if i + 1 < len(w) and (w[i], w[i + 1]) == pair:
            out.append(w[i] + w[i + 1])
            i += 2
        else:
            out.append(w[i])
            i += 1
    return tuple(out)


def encode(text, chars, encoder, ranks):
    """GPT-2's BPE: in each piece, merge the lowest-ranked adjacent pair everywhere, until none is left."""
    ids = []
    for w in words(text, chars):
        while len(w) > 1:
            pair = min(zip(w, w[1:]), key=lambda p: ranks.get(p, math.inf))
            if pair not in ranks:
                break
            w = merge_word(w, pair)
        ids += [encoder[t] for t in w]
    return ids


# ---- the model: GPT-2's modules ----

class Conv1D(nn.Module):
    """GPT-2's linear layer: y = x @ W + b with W stored (in, out), the transpose of nn.Linear's."""
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out, dtype=torch.float64))
        self.bias = nn.Parameter(torch.empty(n_out, dtype=torch.float64))

    def forward(self, x):
        return x @ self.weight + self.bias


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = Conv1D(N_EMBD, 3 * N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)
        # Hugging Face keeps the causal mask as a saved buffer: (1, 1, n_positions, n_positions), lower triangle
        mask = torch.tril(torch.ones(N_POSITIONS, N_POSITIONS, dtype=torch.bool))
        self.register_buffer("bias", mask.view(1, 1, N_POSITIONS, N_POSITIONS))

    def forward(self, x):
        B, T, C = x.shape
        hs = C // N_HEAD
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, N_HEAD, hs).transpose(1, 2) for t in (q, k, v))   # (B, nh, T, hs)
        att = q @ k.transpose(-2, -1) / math.sqrt(hs)
        att = att.masked_fill(~self.bias[:, :, :T, :T], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(N_EMBD, 4 * N_EMBD)
        self.c_proj = Conv1D(4 * N_EMBD, N_EMBD)

    def forward(self, x):
        return self.c_proj(gelu_tanh(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD, eps=1e-5, dtype=torch.float64)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(N_EMBD, eps=1e-5, dtype=torch.float64)
        self.mlp = MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    """Named as Hugging Face's GPT2Model, whose state dict is what model.safetensors holds."""
    def __init__(self, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, N_EMBD, dtype=torch.float64)
        self.wpe = nn.Embedding(N_POSITIONS, N_EMBD, dtype=torch.float64)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD, eps=1e-5, dtype=torch.float64)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T   # the tied lm_head


def exactly_half_precision(t):
    """Values that F32, F16 and BF16 all hold exactly: rounded to BF16's 8 significant bits, and kept
    away from F16's subnormals (below 2^-14) and overflow."""
    t = t.clamp(-60000, 60000).to(torch.bfloat16).double()
    tiny = 2.0 ** -13
    return torch.where(t.abs() < tiny, torch.where(t < 0, -tiny, tiny), t)


# ---- files ----

def write_safetensors(path, tensors, dtype_of, metadata=None):
    """tensors: (name, tensor) in order; dtype_of(tensor) -> (safetensors dtype, torch dtype)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        st_dtype, torch_dtype = dtype_of(t)
        data = t.detach().to(torch_dtype).contiguous().view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(path + ".tmp", path)


def write_text(path, text):
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    chars, byte_order = byte_chars()
    merges = train_merges(TRAIN_TEXT, chars, N_MERGES)
    encoder = {chars[b]: i for i, b in enumerate(byte_order)}
    for a, b in merges:
        encoder[a + b] = len(encoder)
    encoder["<|endoftext|>"] = len(encoder)
    vocab = len(encoder)
    ranks = {m: r for r, m in enumerate(merges)}
    ids = encode(TEXT, chars, encoder, ranks)
    assert 64 < len(ids) <= N_POSITIONS, len(ids)

    torch.manual_seed(1234)
    model = GPT2Model(vocab)
    with torch.no_grad():
        for name, p in model.named_parameters():
            # GPT-2's init scaled up (std 0.2, LayerNorm weights near 1) so every path carries a visible signal
            base = 1.0 if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight" else 0.0
            p.copy_(exactly_half_precision(base + 0.2 * torch.randn(p.shape, dtype=torch.float64)))
        logits = model(torch.tensor([ids]))[0]   # (T, V), float64

    config = {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": vocab - 1, "embd_pdrop": 0.1, "eos_token_id": vocab - 1, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": N_POSITIONS, "n_embd": N_EMBD,
        "n_head": N_HEAD, "n_inner": None, "n_layer": N_LAYER, "n_positions": N_POSITIONS, "resid_pdrop": 0.1,
        "scale_attn_weights": True, "vocab_size": vocab,
    }
    write_text(os.path.join(HERE, "config.json"), json.dumps(config, indent=2) + "\n")
    write_text(os.path.join(HERE, "encoder.json"), json.dumps(encoder, ensure_ascii=False))
    write_text(os.path.join(HERE, "vocab.bpe"), "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))

    state = list(model.state_dict().items())   # the buffers h.{i}.attn.bias included, as Hugging Face saves them
    weights = [(n, t) for n, t in state if not n.endswith(".attn.bias")]

    def as_float(st_dtype, torch_dtype):
        return lambda t: ("BOOL", torch.bool) if t.dtype == torch.bool else (st_dtype, torch_dtype)

    write_safetensors(os.path.join(HERE, "model.safetensors"), state, as_float("F32", torch.float32), {"format": "pt"})
    write_safetensors(os.path.join(HERE, "model_f16.safetensors"), weights, as_float("F16", torch.float16))
    write_safetensors(os.path.join(HERE, "model_bf16.safetensors"), weights, as_float("BF16", torch.bfloat16))
    write_safetensors(os.path.join(HERE, "expected.safetensors"),
                      [("ids", torch.tensor(ids, dtype=torch.float64)), ("logits", logits)],
                      lambda t: ("F32", torch.float32) if t.dim() == 2 else ("F64", torch.float64), {"text": TEXT})
    print(f"vocab {vocab}, {len(ids)} tokens, logits range [{logits.min():.3f}, {logits.max():.3f}]")


if __name__ == "__main__":
    main()
