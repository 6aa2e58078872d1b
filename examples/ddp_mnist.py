"""Data-parallel MNIST on MPI ranks: DistributedDataParallel + DistributedSampler.

Run (one machine):   mpiexec -n 2 python examples/ddp_mnist.py --data-dir path/to/mnist
             or:     ndgrad-run --nproc-per-node 2 examples/ddp_mnist.py --data-dir path/to/mnist
Several machines:    mpiexec -n 8 -f hosts python examples/ddp_mnist.py ...   (see
docs/distributed.md) One process:         python examples/ddp_mnist.py ...   (MPI starts a world of
one)

The global batch (``--batch-size``) is split evenly across the ranks, and DistributedSampler
hands each rank every world_size-th index of the same seeded permutation: step k's global batch is
the same set of examples whatever the number of ranks, so training follows the single process's
up to float rounding (no dropout, whose masks would differ). Rank 0 saves a checkpoint after each
epoch (atomically: ``ndgrad.save``); ``--resume`` continues from it on any number of ranks.
Measured runs: benchmarks/results/ddp_mnist_*.txt.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ndgrad
import ndgrad.distributed as dist
import ndgrad.nn.functional as F
from ndgrad import nn
from ndgrad.datasets import MNIST
from ndgrad.nn.parallel import DistributedDataParallel as DDP
from ndgrad.utils.data import DataLoader, Subset, TensorDataset
from ndgrad.utils.data.distributed import DistributedSampler


def load(data_dir: str, download: bool, limit: int | None) -> tuple[TensorDataset, TensorDataset]:
    def prep(ds: MNIST, n: int | None) -> TensorDataset:
        x = ((ds.data[:n].astype(np.float32) / 255.0 - 0.1307) / 0.3081).reshape(
            len(ds.data[:n]), -1
        )
        return TensorDataset(ndgrad.from_numpy(x), ndgrad.from_numpy(ds.targets[:n]))

    train = MNIST(data_dir, train=True, download=download)
    test = MNIST(data_dir, train=False, download=download)
    return prep(train, limit), prep(test, None if limit is None else max(limit // 6, 100))


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def accuracy(model: nn.Module, ds: TensorDataset) -> float:
    """Rank r scores test examples r, r + world_size, ...; the counts are summed across ranks."""
    mine = Subset(ds, list(range(dist.get_rank(), len(ds), dist.get_world_size())))
    correct = ndgrad.zeros(1, dtype=ndgrad.float64)
    model.eval()
    with ndgrad.no_grad():
        for x, y in DataLoader(mine, batch_size=1000):
            correct += (model(x).argmax(1) == y).sum().double()
    model.train()
    dist.all_reduce(correct)
    return float(correct.item()) / len(ds)


def main(argv: list[str] | None = None) -> float:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data-dir", default="data/mnist")
    p.add_argument("--download", action="store_true")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument(
        "--batch-size", type=int, default=128, help="the global batch, split across ranks"
    )
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use the first N training images")
    p.add_argument("--checkpoint", default=None, help="save here after each epoch (rank 0)")
    p.add_argument("--resume", default=None, help="continue from this checkpoint")
    args = p.parse_args(argv)

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the {world} ranks")
    ndgrad.manual_seed(args.seed)
    train, test = load(args.data_dir, args.download, args.limit)
    model = DDP(build_model())  # rank 0's initial weights reach every rank
    opt = ndgrad.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    first_epoch = 0
    if args.resume:
        state = ndgrad.load(args.resume)
        model.module.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        first_epoch = int(state["epoch"]) + 1
    sampler = DistributedSampler(train, shuffle=True, seed=args.seed, drop_last=True)
    loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler, drop_last=True)
    acc = 0.0
    for epoch in range(first_epoch, args.epochs):
        sampler.set_epoch(epoch)
        t0 = time.perf_counter()
        total = ndgrad.zeros(1, dtype=ndgrad.float64)
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach().double()
        dist.all_reduce(total, op=dist.ReduceOp.AVG)
        acc = accuracy(model, test)
        if rank == 0:
            print(
                f"epoch {epoch + 1}: mean train loss {total.item() / len(loader):.6f}, test "
                "accuracy "
                f"{acc:.4f}, {time.perf_counter() - t0:.1f} s "
                f"({world} ranks, global batch {args.batch_size})",
                flush=True,
            )
            if args.checkpoint:  # written on rank 0 only, atomically
                state = {
                    "model": model.module.state_dict(),
                    "optimizer": opt.state_dict(),
                    "epoch": epoch,
                }
                ndgrad.save(state, args.checkpoint)
        dist.barrier()  # the checkpoint is complete before any rank might read it
    return acc


if __name__ == "__main__":
    main()
