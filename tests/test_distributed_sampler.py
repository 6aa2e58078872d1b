"""DistributedSampler against PyTorch's: the same indices, shuffled or not, and the partition's
properties."""

from __future__ import annotations

import pytest
import torch
import torch.utils.data.distributed as tdist

from ndgrad.utils.data import DataLoader, TensorDataset
from ndgrad.utils.data.distributed import DistributedSampler, pytorch_randperm

CASES = [
    (n, r, drop) for n in (1, 5, 10, 11, 17) for r in (1, 2, 3, 4, 7) for drop in (False, True)
]


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_unshuffled_matches_pytorch(n: int, replicas: int, drop_last: bool) -> None:
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = tdist.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_shuffled_matches_pytorch(n: int, replicas: int, drop_last: bool) -> None:
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, seed=11, drop_last=drop_last)
        theirs = tdist.DistributedSampler(data, replicas, rank, seed=11, drop_last=drop_last)
        for epoch in (0, 3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


@pytest.mark.parametrize(
    "n, seed", [(0, 0), (1, 3), (2, 5), (1000, 42), (60000, 7), (7, 2**33 + 3), (9, -4)]
)
def test_randperm_is_pytorchs(n: int, seed: int) -> None:
    expected = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    assert pytorch_randperm(n, seed) == expected


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_shuffled_ranks_partition_a_permutation(n: int, replicas: int, drop_last: bool) -> None:
    data = list(range(n))
    for epoch in range(3):
        shares = []
        for rank in range(replicas):
            s = DistributedSampler(data, replicas, rank, shuffle=True, seed=5, drop_last=drop_last)
            s.set_epoch(epoch)
            share = list(s)
            assert share == list(s)  # the same order when asked again
            assert (
                len(share)
                == len(s)
                == len(tdist.DistributedSampler(data, replicas, rank, drop_last=drop_last))
            )
            shares.append(share)
        everything = [i for share in shares for i in share]
        if drop_last:  # disjoint, and every rank as many
            assert len(set(everything)) == len(everything)
        else:  # every index at least once; only the padding repeats
            assert set(everything) == set(data)
            assert len(everything) - len(set(everything)) == len(everything) - n


def test_epochs_and_seeds_shuffle_differently() -> None:
    data = list(range(50))
    s = DistributedSampler(data, 2, 0, seed=1)
    first = list(s)
    s.set_epoch(1)
    assert list(s) != first
    assert list(DistributedSampler(data, 2, 0, seed=2)) != first
    assert list(DistributedSampler(data, 2, 0, seed=1)) == first


def test_invalid_rank_and_the_loader() -> None:
    with pytest.raises(
        ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"
    ):
        DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    import ndgrad

    ds = TensorDataset(ndgrad.arange(10))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]
