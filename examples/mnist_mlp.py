"""An MLP on the real MNIST: 784-512-256-10 with ReLU and dropout, Adam, a cosine schedule.

Run:  python examples/mnist_mlp.py --data-dir path/to/mnist   (the four *-ubyte.gz files;
      add --download to fetch them)
What a run of the current code printed (accuracy, losses, wall time, with the date, the
commit and the machine's load): examples/logs/mnist_mlp.log, written by examples/record_runs.sh.
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
        x = ((ds.data.astype(np.float32) / 255.0 - 0.1307) / 0.3081).reshape(len(ds), -1)
        return TensorDataset(ndgrad.from_numpy(x), ndgrad.from_numpy(ds.targets))

    return prep(MNIST(data_dir, train=True, download=download)), prep(
        MNIST(data_dir, train=False, download=download)
    )


def accuracy(model: nn.Module, ds: TensorDataset) -> float:
    model.eval()
    correct = 0
    with ndgrad.no_grad():
        for x, y in DataLoader(ds, batch_size=1000):
            correct += int((model(x).argmax(1) == y).sum().item())
    model.train()
    return correct / len(ds)


def build_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(256, 10),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data-dir", default="data/mnist")
    p.add_argument("--download", action="store_true")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    ndgrad.manual_seed(args.seed)
    train, test = load(args.data_dir, args.download)
    model = build_model()
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
