"""Functions for the multiprocessing tests to run in child processes: a module without torch, so
that a spawned child starts in a fraction of a second."""

from __future__ import annotations

from typing import Any


def write_rank(rank: int, queue: Any) -> None:
    import ndgrad

    queue.put((rank, float(ndgrad.ones(3).sum().item()) * rank))


def fail_on_rank_one(rank: int) -> None:
    if rank == 1:
        raise ValueError("rank one fails")
