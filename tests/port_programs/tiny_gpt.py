"""A tiny GPT-style language model: causal self-attention, weight tying, greedy generation."""

import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(9)
text = "hello world, hello torch, hello numpy. " * 4
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
VOCAB, BLOCK, EMBD, HEADS = len(chars), 12, 16, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(EMBD, 3 * EMBD)
        self.proj = nn.Linear(EMBD, EMBD)
        self.register_buffer("mask", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(x).split(EMBD, dim=2)
        q, k, v = (t.view(B, T, HEADS, C // HEADS).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(EMBD), nn.LayerNorm(EMBD)
        self.attn = CausalSelfAttention()
        self.mlp = nn.Sequential(
            nn.Linear(EMBD, 4 * EMBD), nn.GELU(approximate="tanh"), nn.Linear(4 * EMBD, EMBD)
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, EMBD)
        self.pos = nn.Parameter(torch.zeros(1, BLOCK, EMBD))
        self.blocks = nn.Sequential(Block(), Block())
        self.ln_f = nn.LayerNorm(EMBD)
        self.head = nn.Linear(EMBD, VOCAB, bias=False)
        self.head.weight = self.tok.weight  # weight tying

    def forward(self, idx, targets=None):
        x = self.ln_f(self.blocks(self.tok(idx) + self.pos[:, : idx.size(1)]))
        logits = self.head(x)
        loss = (
            None
            if targets is None
            else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        )
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, steps):
        for _ in range(steps):
            logits, _ = self(idx[:, -BLOCK:])
            idx = torch.cat((idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)), dim=1)
        return idx


model = TinyGPT()
model.load_state_dict(
    {
        k: torch.tensor(rng.standard_normal(tuple(v.shape)) * 0.1) if not k.endswith("mask") else v
        for k, v in model.state_dict().items()
    }
)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1)
starts = rng.integers(0, len(data) - BLOCK - 1, size=(15, 8))
losses = []
for step in range(15):
    xb = torch.stack([data[s : s + BLOCK] for s in starts[step]])
    yb = torch.stack([data[s + 1 : s + 1 + BLOCK] for s in starts[step]])
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())

out = model.generate(torch.tensor([[stoi["h"]]]), steps=10)
RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "sample": "".join(chars[i] for i in out[0].tolist()),
    "n_params": sum(p.numel() for p in model.parameters()),
}
print(RESULT)
