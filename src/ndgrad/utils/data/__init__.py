"""ndgrad.utils.data: datasets, samplers and the DataLoader (PyTorch's ``torch.utils.data``).

>>> from ndgrad.utils.data import DataLoader, TensorDataset, random_split
>>> train, val = random_split(TensorDataset(x, y), [0.9, 0.1])
>>> for xb, yb in DataLoader(train, batch_size=64, shuffle=True):
...     ...
"""

from __future__ import annotations

from ndgrad.utils.data._collate import default_collate, default_convert
from ndgrad.utils.data.dataloader import DataLoader, WorkerInfo, get_worker_info
from ndgrad.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ndgrad.utils.data.distributed import DistributedSampler
from ndgrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
