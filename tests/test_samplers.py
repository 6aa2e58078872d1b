"""Samplers never materialise more than they must: with replacement they draw in chunks, so a huge
``num_samples`` yields its first index at once and in constant memory (as PyTorch's samplers)."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

import ndgrad
from ndgrad.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)

HUGE = 10**10


def _first_items(iterable, k):
    it = iter(iterable)
    return [next(it) for _ in range(k)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: RandomSampler(range(7), replacement=True, num_samples=HUGE),
        lambda: WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=HUGE),
        lambda: BatchSampler(RandomSampler(range(7), replacement=True, num_samples=HUGE), 4, False),
    ],
)
def test_huge_num_samples_first_index_at_once_in_constant_memory(make):
    tracemalloc.start()
    try:
        start = time.perf_counter()
        sampler = make()
        first = _first_items(sampler, 100)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sampler) == HUGE or len(sampler) == HUGE // 4
    assert elapsed < 2.0
    assert peak < 2_000_000  # a materialised draw would be 80 GB
    flat = [i for b in first for i in b] if isinstance(first[0], list) else first
    assert all(0 <= i < 7 for i in flat)


def test_dataloader_over_a_huge_sampler_starts_at_once():
    ds = TensorDataset(ndgrad.arange(7.0))
    loader = DataLoader(
        ds, batch_size=3, sampler=RandomSampler(ds, replacement=True, num_samples=HUGE)
    )
    assert len(loader) == -(-HUGE // 3)
    start = time.perf_counter()
    (batch,) = next(iter(loader))
    assert batch.shape == (3,) and time.perf_counter() - start < 2.0


def test_chunked_draws_are_uniform_and_seeded():
    draws = list(
        RandomSampler(
            range(5),
            replacement=True,
            num_samples=20_001,
            generator=ndgrad.Generator().manual_seed(3),
        )
    )
    again = list(
        RandomSampler(
            range(5),
            replacement=True,
            num_samples=20_001,
            generator=ndgrad.Generator().manual_seed(3),
        )
    )
    assert draws == again and len(draws) == 20_001
    counts = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(counts, 0.2, atol=0.02)


def test_weighted_with_replacement_is_the_multinomial_stream():
    weights = [0.5, 0.0, 2.0, 1.5]
    ours = list(WeightedRandomSampler(weights, 9000, generator=ndgrad.Generator().manual_seed(1)))
    one_call = ndgrad.multinomial(
        ndgrad.tensor(weights, dtype=ndgrad.float64),
        9000,
        True,
        generator=ndgrad.Generator().manual_seed(1),
    ).tolist()
    assert ours == one_call
    counts = np.bincount(ours, minlength=4) / len(ours)
    np.testing.assert_allclose(counts, np.array(weights) / 4.0, atol=0.03)
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        next(iter(WeightedRandomSampler([0.0, 0.0], 3)))


def test_without_replacement_repeats_permutations_as_pytorch():
    drawn = list(
        RandomSampler(range(4), num_samples=10, generator=ndgrad.Generator().manual_seed(0))
    )
    assert len(drawn) == 10 and sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    assert len(set(drawn[8:])) == 2
