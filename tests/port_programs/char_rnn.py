"""A char-RNN: embedding -> GRU -> linear over a text, trained by truncated backprop through time
with the hidden state carried from chunk to chunk and detached, gradient clipping, then greedy
generation."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(3)
text = "hello world, hello torch. " * 8
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
V, H, CHUNK, BATCH = len(chars), 24, 12, 4


class CharRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, 16)
        self.rnn = nn.GRU(16, H, num_layers=1, batch_first=True)
        self.head = nn.Linear(H, V)

    def forward(self, x, hidden=None):
        out, hidden = self.rnn(self.embed(x), hidden)
        return self.head(out), hidden


model = CharRNN()
model.load_state_dict(
    {
        k: torch.from_numpy((rng.standard_normal(tuple(v.shape)) * 0.2).astype(np.float32))
        for k, v in model.state_dict().items()
    }
)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

# BATCH parallel streams over the text, each read in consecutive chunks
stream_len = (len(data) - 1) // BATCH
inputs = data[: stream_len * BATCH].view(BATCH, stream_len)
targets = data[1 : stream_len * BATCH + 1].view(BATCH, stream_len)

losses = []
for _epoch in range(3):
    hidden = None
    for start in range(0, stream_len - CHUNK + 1, CHUNK):
        x = inputs[:, start : start + CHUNK]
        y = targets[:, start : start + CHUNK]
        if hidden is not None:
            hidden = hidden.detach()  # truncated BPTT: keep the state, drop its history
        logits, hidden = model(x, hidden)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())

model.eval()
with torch.no_grad():
    idx = torch.tensor([[stoi["h"]]])
    hidden, out = None, "h"
    for _ in range(15):
        logits, hidden = model(idx, hidden)
        idx = logits[:, -1].argmax(dim=-1, keepdim=True)
        out += itos[idx.item()]

RESULT = {"losses": losses, "generated": out}
print(RESULT)
