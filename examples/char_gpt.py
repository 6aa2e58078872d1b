"""A small character-level GPT trained on a text file, with sampling.

The model: token + position embeddings, ``--layers`` pre-norm transformer blocks (causal
self-attention through ``F.scaled_dot_product_attention``, a GELU MLP), a final LayerNorm and a
linear head; AdamW. Defaults match the benchmark: vocab from the text, 4 layers, 4 heads,
d_model 128, context 64, batch 32.

Run:  python examples/char_gpt.py --text path/to/input.txt --minutes 5
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/char_gpt.log, written by examples/record_runs.sh.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn


class Block(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: ndgrad.Tensor) -> ndgrad.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.drop(self.proj(att.transpose(1, 2).reshape(b, t, d)))
        return x + self.drop(self.mlp(self.ln2(x)))


class GPT(nn.Module):
    def __init__(
        self,
        vocab: int,
        context: int,
        d: int = 128,
        layers: int = 4,
        heads: int = 4,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(context, d)
        self.blocks = nn.Sequential(*[Block(d, heads, dropout) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx: ndgrad.Tensor) -> ndgrad.Tensor:
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(ndgrad.arange(t))
        return self.head(self.ln(self.blocks(x)))

    @ndgrad.no_grad()
    def generate(self, idx: ndgrad.Tensor, n: int, temperature: float = 1.0) -> ndgrad.Tensor:
        for _ in range(n):
            logits = self(idx[:, -self.context :])[:, -1, :] / temperature
            nxt = ndgrad.multinomial(F.softmax(logits, dim=-1), 1)
            idx = ndgrad.cat([idx, nxt], dim=1)
        return idx


def main(argv: list[str] | None = None) -> float:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--text", required=True, help="a plain-text file (e.g. tiny shakespeare)")
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument(
        "--max-steps", type=int, default=None, help="stop earlier, after this many steps"
    )
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    ndgrad.manual_seed(args.seed)
    text = open(args.text, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    model = GPT(len(chars), args.context, args.d_model, args.layers, args.heads)
    opt = ndgrad.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    rng = np.random.default_rng(args.seed)

    def batch(src: np.ndarray) -> tuple[ndgrad.Tensor, ndgrad.Tensor]:
        starts = rng.integers(0, len(src) - args.context - 1, args.batch_size)
        x = np.stack([src[s : s + args.context] for s in starts])
        y = np.stack([src[s + 1 : s + 1 + args.context] for s in starts])
        return ndgrad.from_numpy(x), ndgrad.from_numpy(y)

    def val_loss() -> float:
        model.eval()
        with ndgrad.no_grad():
            losses = [
                F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
                for x, y in (batch(val) for _ in range(10))
            ]
        model.train()
        return float(np.mean(losses))

    print(
        f"{len(chars)} characters, {sum(p.numel() for p in model.parameters()):,} parameters; "
        f"uniform loss would be {math.log(len(chars)):.3f}"
    )
    start = time.perf_counter()
    step = 0
    while time.perf_counter() - start < args.minutes * 60 and (
        args.max_steps is None or step < args.max_steps
    ):
        x, y = batch(train)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        ndgrad.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 100 == 0:
            elapsed = time.perf_counter() - start
            print(f"step {step}: train loss {loss.item():.3f}, {1000 * elapsed / step:.0f} ms/step")
    final_val = val_loss()
    minutes = (time.perf_counter() - start) / 60
    print(f"after {minutes:.1f} min ({step} steps): validation loss {final_val:.3f}")
    start_idx = ndgrad.tensor([[stoi["\n"]]] if "\n" in stoi else [[0]])
    sample = model.generate(start_idx, 300, temperature=0.8)[0].tolist()
    print("sample:\n" + "".join(chars[i] for i in sample))
    return final_val


if __name__ == "__main__":
    main()
