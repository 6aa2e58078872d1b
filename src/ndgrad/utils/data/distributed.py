"""DistributedSampler: each rank reads its own share of the dataset (PyTorch's
``torch.utils.data.distributed.DistributedSampler``).

The indices (shuffled with seed ``seed + epoch`` when ``shuffle``) are padded by repeating from
the start, or cut (``drop_last``), to a multiple of the number of replicas; rank r takes every
``num_replicas``-th index from position r. The shuffled order is PyTorch's exactly: its
``randperm`` on a generator seeded with ``seed + epoch`` is a Fisher-Yates shuffle driven by
MT19937's 32-bit outputs, reproduced here (NumPy's legacy ``RandomState`` is the same MT19937,
seeded the same way), so a job can move between PyTorch and ndgrad without changing what each
rank reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from ndgrad.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Restrict data loading to this rank's share of the dataset.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: how many ranks share it (default: the world size).
        rank: this rank (default: ``ndgrad.distributed.get_rank()``).
        shuffle: a new permutation each epoch (call ``set_epoch`` before each).
        seed: the permutation's seed; must be the same on every rank.
        drop_last: drop the tail instead of padding, so that every rank gets as many indices.

    >>> sampler = DistributedSampler(train_set)
    >>> loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    >>> for epoch in range(epochs):
    ...     sampler.set_epoch(epoch)
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            from ndgrad import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)  # drop the tail
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = pytorch_randperm(n, self.seed + self.epoch)
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, so that each epoch (and every rank alike) shuffles differently."""
        self.epoch = epoch


def pytorch_randperm(n: int, seed: int) -> list[int]:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``, as a list.

    PyTorch's CPU randperm (for n below 2**32 / 20) swaps r[i] with r[i + z], z = (a 32-bit
    MT19937 output) mod (n - i), for i = 0 .. n - 2.
    """
    if n <= 1:
        return list(range(n))
    raw = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2**32, size=n - 1, dtype=np.uint32)
    offsets = (raw.astype(np.int64) % (n - np.arange(n - 1))).tolist()
    r = list(range(n))
    for i, z in enumerate(offsets):  # sequential: each swap sees the previous ones
        j = i + z
        r[i], r[j] = r[j], r[i]
    return r
