"""What each rank runs under ``ndgrad.distributed.run``: torchrun's environment, then the program.

torchrun tells each process who it is through ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``LOCAL_WORLD_SIZE`` (programs read ``LOCAL_RANK`` to pick a GPU). mpiexec says the same in its own
variables (MPICH's ``PMI_RANK``..., Open MPI's ``OMPI_COMM_WORLD_RANK``...); this copies them over,
then runs the script (or ``-m`` module) as ``__main__`` with its arguments.
"""

from __future__ import annotations

import os
import runpy
import sys

_SOURCES = {  # torchrun's name: (MPICH/hydra's, Open MPI's)
    "RANK": ("PMI_RANK", "OMPI_COMM_WORLD_RANK"),
    "WORLD_SIZE": ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"),
    "LOCAL_RANK": ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK"),
    "LOCAL_WORLD_SIZE": ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE"),
}


def launched_by_mpi() -> bool:
    """Whether an MPI launcher (MPICH's hydra, Open MPI's mpirun) started this process."""
    return any(src in os.environ for sources in _SOURCES.values() for src in sources)


def set_torchrun_env() -> None:
    """Under an MPI launcher, give this process torchrun's variables (those not already set)."""
    env = os.environ
    found = False
    for name, sources in _SOURCES.items():
        for src in sources:
            if src in env:
                found = True
                env.setdefault(name, env[src])
    if found:  # env:// programs read these; MPI needs no rendezvous address, so any value serves
        env.setdefault("MASTER_ADDR", "127.0.0.1")
        env.setdefault("MASTER_PORT", "29500")


def main(argv: list[str]) -> None:
    set_torchrun_env()
    if argv and argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
