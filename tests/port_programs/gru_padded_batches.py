"""Variable-length sequences: a Dataset subclass, a padding collate_fn, a GRU, the last valid
step."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(8)


class RandomWalks(Dataset):
    """Walks of 3..9 steps in 2-d; the label says whether the walk ends right of where it began."""

    def __init__(self, n):
        self.walks = [rng.standard_normal((rng.integers(3, 10), 2)) for _ in range(n)]

    def __len__(self):
        return len(self.walks)

    def __getitem__(self, idx):
        walk = torch.tensor(self.walks[idx])
        return walk, int(walk[:, 0].sum() > 0)


def collate(batch):
    walks, labels = zip(*batch)
    lengths = torch.tensor([len(w) for w in walks])
    return pad_sequence(walks, batch_first=True), lengths, torch.tensor(labels)


class WalkClassifier(nn.Module):
    def __init__(self, hidden=10):
        super().__init__()
        self.gru = nn.GRU(2, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, padded, lengths):
        outputs, _ = self.gru(padded)
        last = outputs[torch.arange(outputs.size(0)), lengths - 1]  # each walk's final valid step
        return self.out(last)


model = WalkClassifier()
model.load_state_dict(
    {
        k: torch.tensor(rng.uniform(-0.3, 0.3, size=tuple(v.shape)))
        for k, v in model.state_dict().items()
    }
)
loader = DataLoader(RandomWalks(48), batch_size=12, collate_fn=collate)
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6, eta_min=1e-3)

losses = []
for _epoch in range(6):
    total, count = 0.0, 0
    for padded, lengths, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(padded, lengths), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    scheduler.step()
    losses.append(total / count)

with torch.no_grad():
    correct = sum((model(p, n).argmax(1) == y).sum().item() for p, n, y in loader)

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "accuracy": correct / 48,
    "lr": scheduler.get_last_lr()[0],
}
print(RESULT)
