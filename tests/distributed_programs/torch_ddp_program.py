"""A PyTorch DDP training script as the tutorials write it (torchrun-style), for torch or ndgrad.

    torchrun --nproc-per-node 2 torch_ddp_program.py OUT.json      # PyTorch
    mpiexec -n 2 python as_torch.py torch_ddp_program.py OUT.json  # ndgrad, imported as torch

It trains with a fixed global batch (split across the ranks by DistributedSampler), checkpoints
on rank 0, and rank 0 writes the losses and the final weights to OUT.json. The weights start from
NumPy (the two libraries' random streams differ); DistributedSampler shuffles as PyTorch's does.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

GLOBAL_BATCH = 16
EPOCHS = 3


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net1 = nn.Linear(10, 32)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(32, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def dataset():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 10)).astype(np.float32)
    y = (x[:, :5].argmax(1) + (x[:, 5] > 1)).clip(0, 4)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)))


def main(out_path):
    local_rank = int(os.environ["LOCAL_RANK"])
    dist.init_process_group(backend="gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    assert local_rank == rank  # one machine

    model = ToyModel()
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(
                torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.3).astype(np.float32))
            )
    ddp_model = DDP(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.1, momentum=0.9)

    data = dataset()
    sampler = DistributedSampler(data, num_replicas=world_size, rank=rank, shuffle=True, seed=3)
    loader = DataLoader(data, batch_size=GLOBAL_BATCH // world_size, sampler=sampler)
    losses = []
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp_model(x), y)
            loss.backward()
            optimizer.step()
            reduced = loss.detach().clone()
            dist.all_reduce(reduced, op=dist.ReduceOp.AVG)  # the global batch's mean loss
            losses.append(reduced.item())

    ckpt = out_path + ".ckpt"
    if rank == 0:
        torch.save(ddp_model.module.state_dict(), ckpt)
    dist.barrier()
    restored = ToyModel()
    restored.load_state_dict(torch.load(ckpt))
    for a, b in zip(restored.parameters(), ddp_model.module.parameters()):
        assert torch.equal(a, b)

    with torch.no_grad():
        accuracy = (ddp_model(data.tensors[0]).argmax(1) == data.tensors[1]).float().mean().item()
    gathered = [None] * world_size
    dist.all_gather_object(gathered, [p.detach().numpy().tolist() for p in model.parameters()])
    assert all(g == gathered[0] for g in gathered), "replicas diverged"
    if rank == 0:
        result = {
            "losses": losses,
            "accuracy": accuracy,
            "weights": gathered[0],
            "world_size": world_size,
        }
        with open(out_path, "w") as f:
            json.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
