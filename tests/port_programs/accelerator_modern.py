"""A PyTorch 2.x script: device picked with torch.accelerator, backend flags set, AdamW with a
cosine schedule, bf16-free autocast, torch.inference_mode for evaluation."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
torch.backends.cudnn.benchmark = True
torch.backends.cuda.matmul.allow_tf32 = True
torch.set_float32_matmul_precision("high")
rng = np.random.default_rng(11)

X = rng.standard_normal((64, 6)).astype(np.float32)
true_w = rng.standard_normal((6, 2)).astype(np.float32)
Y = np.argmax(X @ true_w, axis=1)
X_train, Y_train = torch.from_numpy(X).to(device), torch.from_numpy(Y).to(device)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 2))

    def forward(self, x):
        return self.net(x)


model = Classifier()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.3).astype(np.float32)))
model = model.to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)

losses = []
for _step in range(30):
    model.train()
    with torch.autocast(device_type=device, enabled=False):
        logits = model(X_train)
        loss = F.cross_entropy(logits, Y_train)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())

model.eval()
with torch.inference_mode():
    accuracy = (model(X_train).argmax(dim=-1) == Y_train).float().mean().item()
if torch.accelerator.is_available():
    torch.accelerator.synchronize()

RESULT = {
    "losses": losses,
    "accuracy": accuracy,
    "last_lr": scheduler.get_last_lr()[0],
    "device": str(device),
}
print(RESULT)
