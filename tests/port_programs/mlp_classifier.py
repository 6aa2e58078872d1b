"""A two-layer MLP classifier on a toy 3-class problem: DataLoader, SGD with momentum, accuracy."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)

centers = rng.standard_normal((3, 4)) * 2.0
labels = rng.integers(0, 3, size=96)
features = centers[labels] + rng.standard_normal((96, 4)) * 0.5
X = torch.tensor(features)
y = torch.tensor(labels, dtype=torch.long)


class MLP(nn.Module):
    def __init__(self, in_features, hidden, classes):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = MLP(4, 16, 3)
state = {
    name: torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.3)
    for name, p in model.state_dict().items()
}
model.load_state_dict(state)

loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=False)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

losses = []
for _epoch in range(5):
    model.train()
    running = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
    losses.append(running / len(loader.dataset))

model.eval()
with torch.no_grad():
    logits = model(X)
    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    probs = F.softmax(logits, dim=-1)

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "accuracy": accuracy,
    "prob_sum": probs.sum().item(),
}
print(RESULT)
