"""A notebook turned into a script: cells of polynomial regression with torch.manual_seed, .item(),
.numpy() for plotting arrays, a manual train/validation split and a final prediction table."""

import numpy as np
import torch
from torch import nn

torch.manual_seed(42)
np.random.seed(42)

# %% data
x_np = np.linspace(-2, 2, 80).astype(np.float32)
y_np = (0.5 * x_np**3 - x_np + 0.3 + np.random.normal(0, 0.1, size=80)).astype(np.float32)
x = torch.from_numpy(x_np).unsqueeze(1)
y = torch.from_numpy(y_np).unsqueeze(1)
features = torch.cat([x, x**2, x**3], dim=1)
idx = np.random.permutation(80)
train_idx, val_idx = torch.from_numpy(idx[:60]), torch.from_numpy(idx[60:])

# %% model
model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, -0.2, 0.05]]))
    model.bias.fill_(0.0)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

# %% train
history = {"train": [], "val": []}
for epoch in range(60):
    model.train()
    pred = model(features[train_idx])
    loss = loss_fn(pred, y[train_idx])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = loss_fn(model(features[val_idx]), y[val_idx])
    history["train"].append(loss.item())
    history["val"].append(val_loss.item())
    if epoch % 20 == 0:
        print(f"epoch {epoch:3d}  train {loss.item():.4f}  val {val_loss.item():.4f}")

# %% inspect
with torch.no_grad():
    curve = model(features).numpy()
weights = model.weight.detach().numpy().ravel()

RESULT = {
    "losses": history["train"],
    "val_losses": history["val"],
    "weights": [float(w) for w in weights],
    "bias": model.bias.item(),
    "curve_shape": curve.shape,
    "curve_mean": float(curve.mean()),
}
print(RESULT)
