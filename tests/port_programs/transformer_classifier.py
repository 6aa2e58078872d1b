"""A small transformer-encoder classifier: sinusoidal positions as a buffer, padding mask, AdamW."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)

VOCAB, SEQ, D_MODEL = 12, 6, 8
tokens = rng.integers(1, VOCAB, size=(16, SEQ))
tokens[::4, -2:] = 0  # some padded sequences
labels = (tokens[:, 0] > tokens[:, 1]).astype(np.int64)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=32):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1).double()
        div_term = torch.exp(torch.arange(0, d_model, 2).double() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class TransformerClassifier(nn.Module):
    def __init__(self, vocab, d_model, nhead=2, layers=2, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward=16, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, classes)

    def forward(self, tokens):
        pad = tokens == 0
        h = self.encoder(
            self.pos(self.embed(tokens) * math.sqrt(self.embed.embedding_dim)),
            src_key_padding_mask=pad,
        )
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        pooled = (h * keep).sum(dim=1) / keep.sum(dim=1)
        return self.head(self.norm(pooled))


model = TransformerClassifier(VOCAB, D_MODEL)
weights = {}
for name, value in model.state_dict().items():
    if name.endswith("pe"):
        weights[name] = value
    else:
        weights[name] = torch.tensor(rng.standard_normal(tuple(value.shape)) * 0.2)
model.load_state_dict(weights)

x, y = torch.tensor(tokens), torch.tensor(labels)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.01)
losses = []
model.train()
for _step in range(20):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    accuracy = (model(x).argmax(dim=1) == y).double().mean().item()

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "accuracy": accuracy,
    "buffers": [n for n, _ in model.named_buffers()],
}
print(RESULT)
