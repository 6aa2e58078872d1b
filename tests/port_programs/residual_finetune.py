"""Fine-tuning idioms: device moves, ModuleList, frozen layers, param groups, plateau scheduling."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(7)
rng = np.random.default_rng(7)

X_np = rng.standard_normal((80, 6))
y_np = (X_np[:, 0] * X_np[:, 1] > 0).astype(np.int64) + (X_np[:, 2] > 1.0)  # 3 classes
X = torch.tensor(X_np, dtype=torch.float64).to(device)
y = torch.as_tensor(y_np).to(device)


class ResidualMLP(nn.Module):
    def __init__(self, width=12, depth=3, classes=3):
        super().__init__()
        self.stem = nn.Linear(6, width)
        self.blocks = nn.ModuleList(
            [
                nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU())
                for _ in range(depth)
            ]
        )
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            h = h + block(h)
        return self.head(h)


model = ResidualMLP().double().to(device)
params = {name: p for name, p in model.named_parameters()}
with torch.no_grad():
    for name in sorted(params):
        values = rng.standard_normal(tuple(params[name].shape)) * (
            0.3 if "weight" in name else 0.05
        )
        params[name].copy_(torch.from_numpy(values))

# freeze the stem, give the head a larger learning rate
for p in model.stem.parameters():
    p.requires_grad_(False)
optimizer = torch.optim.Adam(
    [
        {"params": model.blocks.parameters()},
        {"params": model.head.parameters(), "lr": 3e-2},
    ],
    lr=1e-2,
    betas=(0.9, 0.99),
)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
    optimizer, mode="min", factor=0.5, patience=1
)
class_weights = torch.tensor([1.0, 1.0, 2.0], dtype=torch.float64, device=device)

losses = []
stem_before = model.stem.weight.detach().clone()
for _epoch in range(20):
    model.train()
    optimizer.zero_grad()
    logits = model(X)
    loss = F.cross_entropy(logits, y, weight=class_weights)
    loss.backward()
    optimizer.step()
    scheduler.step(loss.item())
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    probs = F.softmax(model(X), dim=1)
    top2 = torch.topk(probs, k=2, dim=1).indices
    onehot = F.one_hot(y, num_classes=3)
    confident = torch.where(probs.max(dim=1).values > 0.5, 1, 0).sum().item()
    predictions = probs.argmax(dim=1).cpu().numpy()

RESULT = {
    "losses": losses,
    "final_loss": losses[-1],
    "stem_frozen": bool(torch.equal(stem_before, model.stem.weight)),
    "lrs": [group["lr"] for group in optimizer.param_groups],
    "top2_hit": (top2 == y.unsqueeze(1)).any(dim=1).double().mean().item(),
    "onehot_sum": int(onehot.sum()),
    "confident": confident,
    "accuracy": float((predictions == y_np).mean()),
    "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
}
print(RESULT)
