"""The classic MNIST example's training loop on synthetic 12x12 digits: Conv2d/Dropout/max_pool,
log_softmax + nll_loss, model.train()/eval(), zero_grad(set_to_none=True), torch.no_grad() test
with argmax accuracy, StepLR."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
rng = np.random.default_rng(1)
templates = rng.random((4, 12, 12)) > 0.6
labels = rng.integers(0, 4, size=160)
images = templates[labels] + 0.3 * rng.standard_normal((160, 12, 12))
images = ((images - images.mean()) / images.std()).astype(np.float32)[:, None]
train_set = TensorDataset(torch.from_numpy(images[:128]), torch.from_numpy(labels[:128]))
test_set = TensorDataset(torch.from_numpy(images[128:]), torch.from_numpy(labels[128:]))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, loader, optimizer):
    model.train()
    total = 0.0
    for data, target in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(data)
    return total / len(loader.dataset)


def test(model, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(loader.dataset), correct / len(loader.dataset)


model = Net()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.15).astype(np.float32)))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
test_loader = DataLoader(test_set, batch_size=64)
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)

losses, accuracies = [], []
for _epoch in range(1, 5):
    losses.append(train(model, train_loader, optimizer))
    _, accuracy = test(model, test_loader)
    accuracies.append(accuracy)
    scheduler.step()

RESULT = {"losses": losses, "final_loss": losses[-1], "accuracy": accuracies[-1]}
print(RESULT)
