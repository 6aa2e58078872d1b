"""An LSTM sequence model: embedding -> 2-layer LSTM -> last step -> linear; gradient clipping."""

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(2)
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2)

VOCAB, SEQ, BATCH = 10, 7, 12
tokens = rng.integers(0, VOCAB, size=(BATCH, SEQ))
targets = (tokens.sum(axis=1) / (VOCAB * SEQ)).reshape(-1, 1)  # predict the normalised token sum
x = torch.tensor(tokens, dtype=torch.long)
y = torch.tensor(targets)


class SequenceRegressor(nn.Module):
    def __init__(self, vocab, embed_dim=6, hidden=8, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        out, (h, c) = self.lstm(self.embed(x), state)
        return self.head(out[:, -1, :]), (h, c)


model = SequenceRegressor(VOCAB)
model.load_state_dict(
    {
        k: torch.tensor(rng.uniform(-0.4, 0.4, size=tuple(v.shape)))
        for k, v in model.state_dict().items()
    }
)

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = nn.MSELoss()
losses, grad_norms = [], []
for _step in range(30):
    optimizer.zero_grad()
    pred, (h, c) = model(x)
    loss = loss_fn(pred, y)
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    grad_norms.append(float(total_norm))
    optimizer.step()
    losses.append(loss.item())

# carry the hidden state across two halves of the sequence, detached (truncated BPTT style)
with torch.no_grad():
    h0 = torch.zeros(2, BATCH, 8)
    c0 = torch.zeros(2, BATCH, 8)
    _, state = model(x[:, :3], (h0, c0))
    state = tuple(s.detach() for s in state)
    split_pred, _ = model(x[:, 3:], state)
    full_pred, _ = model(x)

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "grad_norms": grad_norms,
    "h_shape": list(h.shape),
    "split_matches_full": torch.allclose(split_pred, full_pred),
}
print(RESULT)
