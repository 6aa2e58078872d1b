"""``mp.spawn`` scripts under an MPI launcher: each MPI process is one of the spawned workers.

PyTorch's DDP tutorials start their workers with ``torch.multiprocessing.spawn(fn,
args=(world_size,), nprocs=world_size)``. Launched with ``mpiexec -n <world_size>`` instead, the
processes already exist: ``run_spawned`` runs ``fn(rank, *args)`` once, in this process, with
its MPI rank. ``ndgrad.multiprocessing.spawn`` asks it first and starts processes of its own only
when no MPI launcher started this one. It reads the launcher's environment only: asking does not
initialise MPI.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ndgrad.distributed._rank import launched_by_mpi, set_torchrun_env

__all__ = ["run_spawned"]


def run_spawned(fn: Callable[..., Any], args: tuple[Any, ...] = (), nprocs: int = 1) -> bool:
    """Under an MPI launcher, run ``fn(rank, *args)`` for this process's rank and return True;
    otherwise return False (the caller starts ``nprocs`` processes itself).

    Raises RuntimeError when the MPI job's size is not ``nprocs``.
    """
    if not launched_by_mpi():
        return False
    set_torchrun_env()
    world = int(os.environ["WORLD_SIZE"])
    if world != nprocs:
        raise RuntimeError(
            f"spawn(nprocs={nprocs}) in an MPI job of {world} processes: launch the script with "
            f"mpiexec -n {nprocs} (or ndgrad-run --nproc-per-node {nprocs})"
        )
    fn(int(os.environ["RANK"]), *args)
    return True
