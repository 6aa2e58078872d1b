"""PyTorch's DDP tutorial shape: workers started by ``mp.spawn``; under MPI each rank is one
(``ndgrad.multiprocessing.spawn`` consults ``ndgrad.distributed.spawn.run_spawned``).

    python torch_spawn_program.py OUT.json          # PyTorch: spawns 2 processes (gloo)
    mpiexec -n 2 python as_torch.py torch_spawn_program.py OUT.json   # ndgrad as torch

Rank 0 writes the final weights to OUT.json.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP


def setup(rank, world_size):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ.setdefault("MASTER_PORT", "29531")
    dist.init_process_group("gloo", rank=rank, world_size=world_size)


def demo_basic(rank, world_size, out_path):
    setup(rank, world_size)
    model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 5))
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    ddp_model = DDP(model)
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.01)
    data = np.random.default_rng(rank + 1)
    for _ in range(3):
        optimizer.zero_grad()
        outputs = ddp_model(torch.from_numpy(data.standard_normal((20, 10)).astype(np.float32)))
        labels = torch.from_numpy(data.standard_normal((20, 5)).astype(np.float32))
        loss_fn(outputs, labels).backward()
        optimizer.step()
    if rank == 0:
        with open(out_path, "w") as f:
            json.dump([p.detach().numpy().tolist() for p in model.parameters()], f)
    dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(demo_basic, args=(2, sys.argv[1]), nprocs=2, join=True)
