"""``ndgrad.nn.parallel``: DataParallel (one device) and DistributedDataParallel (MPI ranks)."""

from __future__ import annotations

from typing import Any

from ndgrad.nn.parallel.data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


def __getattr__(name: str) -> Any:
    # DistributedDataParallel pulls in ndgrad.distributed; importing ndgrad.nn stays light
    if name == "DistributedDataParallel":
        from ndgrad.nn.parallel.distributed import DistributedDataParallel

        return DistributedDataParallel
    raise AttributeError(f"module 'ndgrad.nn.parallel' has no attribute {name!r}")
