"""Training with an LR scheduler and a checkpoint: save mid-run, rebuild everything, load,
resume."""

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR

torch.manual_seed(6)
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(6)

X = torch.tensor(rng.standard_normal((64, 5)))
true_w = torch.tensor(rng.standard_normal((5, 1)))
y = X @ true_w + 0.1 * torch.tensor(rng.standard_normal((64, 1)))
init = {
    "0.weight": torch.tensor(rng.standard_normal((8, 5)) * 0.3),
    "0.bias": torch.zeros(8),
    "2.weight": torch.tensor(rng.standard_normal((1, 8)) * 0.3),
    "2.bias": torch.zeros(1),
}


def build():
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(
        model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4, nesterov=True
    )
    scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
    return model, optimizer, scheduler


def train_epoch(model, optimizer, scheduler):
    model.train()
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X[i : i + 16]), y[i : i + 16])
        loss.backward()
        optimizer.step()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(model(X), y).item()


model, optimizer, scheduler = build()
model.load_state_dict(init)
losses, lrs = [], []
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "checkpoint.pt")
    for _epoch in range(4):
        losses.append(train_epoch(model, optimizer, scheduler))
        lrs.append(scheduler.get_last_lr()[0])
    torch.save(
        {
            "epoch": 4,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "losses": losses,
        },
        path,
    )
    del model, optimizer, scheduler

    model, optimizer, scheduler = build()
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    for _epoch in range(checkpoint["epoch"], 9):
        losses.append(train_epoch(model, optimizer, scheduler))
        lrs.append(optimizer.param_groups[0]["lr"])
    resumed_from = len(checkpoint["losses"])

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "lrs": lrs,
    "resumed_from": resumed_from,
    "momentum_buffers": len(optimizer.state_dict()["state"]),
}
print(RESULT)
