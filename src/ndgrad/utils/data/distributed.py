"""DistributedSampler: each rank reads its own share of the dataset (PyTorch's
``torch.utils.data.distributed.DistributedSampler``).

The indices (shuffled with seed ``seed + epoch`` when ``shuffle``) are padded by repeating from
the start, or cut (``drop_last``), to a multiple of the number of replicas; rank r takes every
``num_replicas``-th index from position r. Without shuffling the sequences are PyTorch's exactly.
With shuffling they are a permutation drawn from ndgrad's generator (NumPy's PCG64), not
PyTorch's Mersenne Twister: the same seed gives the same order on every rank and every run, but
not the order PyTorch would give.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

from ndgrad.ops.random import Generator, randperm
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
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
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
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
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
