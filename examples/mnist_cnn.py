"""A CNN on the real MNIST: conv32-pool-conv64-pool-fc128-fc10, Adam, a cosine schedule.

Run:  python examples/mnist_cnn.py --data-dir path/to/mnist   (add --download to fetch the files)
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/mnist_cnn.log, written by examples/record_runs.sh.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ndgrad
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad.datasets import MNIST
from ndgrad.utils.data import DataLoader, TensorDataset


def load(data_dir: str, download: bool) -> tuple[TensorDataset, TensorDataset]:
    def prep(ds: MNIST) -> TensorDataset:
        x = ((ds.data.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None]
        return TensorDataset(
            ndgrad.from_numpy(np.ascontiguousarray(x)), ndgrad.from_numpy(ds.targets)
        )

    return prep(MNIST(data_dir, train=True, download=download)), prep(
        MNIST(data_dir, train=False, download=download)
    )


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: ndgrad.Tensor) -> ndgrad.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def accuracy(model: nn.Module, ds: TensorDataset) -> float:
    model.eval()
    correct = 0
    with ndgrad.no_grad():
        for x, y in DataLoader(ds, batch_size=500):
            correct += int((model(x).argmax(1) == y).sum().item())
    model.train()
    return correct / len(ds)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data-dir", default="data/mnist")
    p.add_argument("--download", action="store_true")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    ndgrad.manual_seed(args.seed)
    train, test = load(args.data_dir, args.download)
    model = Net()
    loader = DataLoader(
        train,
        batch_size=args.batch_size,
        shuffle=True,
        generator=ndgrad.Generator().manual_seed(args.seed),
    )
    opt = ndgrad.optim.Adam(model.parameters(), lr=args.lr)
    sched = ndgrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * len(loader))
    start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(
            f"epoch {epoch + 1}: last loss {loss.item():.4f}, test accuracy "
            f"{accuracy(model, test):.4f}, "
            f"{time.perf_counter() - t0:.1f} s/epoch"
        )
    print(f"final test accuracy {accuracy(model, test):.4f} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
