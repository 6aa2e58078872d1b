"""A small regression driven by learning-rate schedules: a warm-up LambdaLR chained into
MultiStepLR, then ReduceLROnPlateau on a validation loss, with the lr recorded every epoch."""

import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ChainedScheduler, LambdaLR, MultiStepLR, ReduceLROnPlateau

rng = np.random.default_rng(21)
X = torch.from_numpy(rng.standard_normal((48, 5)).astype(np.float32))
w_true = torch.from_numpy(rng.standard_normal((5, 1)).astype(np.float32))
y = X @ w_true + 0.1 * torch.from_numpy(rng.standard_normal((48, 1)).astype(np.float32))
X_val, y_val = X[36:], y[36:]
X, y = X[:36], y[:36]

model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.4).astype(np.float32)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
warmup = LambdaLR(optimizer, lr_lambda=lambda epoch: min(1.0, (epoch + 1) / 5))
steps = MultiStepLR(optimizer, milestones=[15, 25], gamma=0.5)
scheduler = ChainedScheduler([warmup, steps])
loss_fn = nn.MSELoss()

losses, lrs = [], []
for _epoch in range(30):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
    lrs.append(optimizer.param_groups[0]["lr"])

plateau = ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
val_losses = []
for _epoch in range(15):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        val = loss_fn(model(X_val), y_val).item()
    plateau.step(val)
    val_losses.append(val)
    lrs.append(optimizer.param_groups[0]["lr"])

RESULT = {
    "losses": losses,
    "val_losses": val_losses,
    "lrs": lrs,
    "state_keys": sorted(plateau.state_dict()),
}
print(RESULT)
