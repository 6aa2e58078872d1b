"""A small CNN with BatchNorm and Dropout on 8x8 'images': Adam, eval mode, running statistics."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
rng = np.random.default_rng(1)

labels = rng.integers(0, 2, size=64)
images = rng.standard_normal((64, 1, 8, 8)).astype(np.float32) * 0.3
images[labels == 1, :, 2:6, 2:6] += 1.0  # class 1 has a bright square
X = torch.from_numpy(images)
y = torch.from_numpy(labels).long()


class SmallCNN(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(p=0.25)
        self.fc = nn.Linear(8 * 2 * 2, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = x.view(x.size(0), -1)
        return self.fc(self.dropout(x))


model = SmallCNN()
with torch.no_grad():
    for name, param in model.named_parameters():
        if "bn" not in name:
            param.copy_(torch.from_numpy(rng.standard_normal(param.shape).astype(np.float32) * 0.3))

optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for _step in range(25):
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

model.eval()
with torch.no_grad():
    out = model(X)
    accuracy = (out.argmax(dim=1) == y).sum().item() / len(y)
    eval_loss = F.cross_entropy(out, y).item()

RESULT = {
    "losses": losses,
    "final_loss": eval_loss,
    "accuracy": accuracy,
    "batches_tracked": int(model.bn1.num_batches_tracked),
    "running_var_positive": bool((model.bn2.running_var > 0).all()),
    "n_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
}
print(RESULT)
