"""``ndgrad.multiprocessing.spawn``: PyTorch's ``mp.spawn`` for programs launched by MPI.

PyTorch's DDP tutorials start their workers with ``mp.spawn(fn, args=(world_size,),
nprocs=world_size)``. In ndgrad the processes are MPI's: launch the same script with
``mpiexec -n <world_size>`` (or ``ndgrad-run``), and ``spawn`` runs ``fn(rank, *args)`` once in
each of them, with that process's rank. Run without a launcher, it is a world of one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["spawn"]


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> None:
    """Run ``fn(rank, *args)`` as this process's rank of an ``nprocs``-process MPI job."""
    from ndgrad.distributed._rank import set_torchrun_env

    set_torchrun_env()
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world != nprocs:
        raise RuntimeError(
            f"spawn(nprocs={nprocs}): ndgrad's processes are started by MPI, and this one belongs to a "
            f"job of {world}; launch the script with mpiexec -n {nprocs} (or ndgrad-run --nproc-per-node "
            f"{nprocs})"
        )
    fn(int(os.environ.get("RANK", 0)), *args)
