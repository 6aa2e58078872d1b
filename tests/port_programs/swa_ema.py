"""Weight averaging: an EMA copy of the model and SWA with SWALR, then BatchNorm statistics
refreshed."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(10)
X_np = rng.standard_normal((64, 5))
X = torch.tensor(X_np)
y = torch.tensor((X_np @ rng.standard_normal(5) > 0).astype(np.int64))
loader = DataLoader(TensorDataset(X, y), batch_size=16)

model = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.4))

ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
swa_model = AveragedModel(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=3, anneal_strategy="linear")
swa_start = 4

losses, lrs = [], []
for epoch in range(8):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        ema_model.update_parameters(model)
    losses.append(loss.item())
    if epoch >= swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    lrs.append(optimizer.param_groups[0]["lr"])

update_bn(loader, swa_model)
results = {}
for name, net in (("model", model), ("ema", ema_model), ("swa", swa_model)):
    net.eval()
    with torch.no_grad():
        results[name] = F.cross_entropy(net(X), y).item()

RESULT = {
    "losses": losses,
    "final_loss": results["swa"],
    "eval_losses": results,
    "lrs": lrs,
    "n_averaged": int(swa_model.n_averaged),
    "ema_n_averaged": ema_model.n_averaged.item(),
    "swa_running_mean": swa_model.module[1].running_mean[:3].tolist(),
}
print(RESULT)
