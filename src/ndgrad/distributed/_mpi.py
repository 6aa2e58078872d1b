"""The one door to MPI: the lazy mpi4py import, buffers for arrays of any backend, and waiting.

MPI reads and writes memory through the buffer protocol. A NumPy array that is C-contiguous is its
own buffer; anything else is *staged*: copied to a contiguous buffer MPI can use, and copied back
into the array once the call completes. Device arrays (CuPy) go to MPI as they are when the MPI is
CUDA-aware, and through host memory otherwise.
"""

from __future__ import annotations

import sys
import time
from types import ModuleType
from typing import Any

import numpy as np

from ndgrad._backend import to_numpy, xp_of

# float16 has no MPI datatype with reductions everywhere: it travels (and is reduced) as float32
_WIDEN = {np.dtype(np.float16): np.dtype(np.float32)}


def mpi() -> ModuleType:
    """``mpi4py.MPI``, imported on first use (importing it initialises MPI)."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            "ndgrad.distributed needs mpi4py and an MPI library: pip install 'ndgrad[distributed]'"
        ) from e
    return MPI


def cuda_aware() -> bool:
    """Whether the MPI library can read device memory directly (asked of MPI, never guessed)."""
    query = getattr(mpi(), "Query_cuda_support", None)
    try:
        return bool(query()) if query is not None else False
    except Exception:  # an MPI without the MPIX extension
        return False


def writable(t: Any) -> Any:
    """The array of Tensor ``t``, made writable in place: a 0-d tensor may hold a NumPy scalar
    (what NumPy's 0-d results are), which becomes a 0-d array."""
    if isinstance(t.array, np.generic):
        t.array = np.array(t.array)
    return t.array


class Staged:
    """A contiguous buffer standing for ``array`` during one MPI call; ``finish`` copies it back."""

    __slots__ = ("array", "buf", "writeback")

    def __init__(self, array: Any, writeback: bool, device_ok: bool = False) -> None:
        self.array = array
        self.writeback = writeback
        if type(array) is np.ndarray:
            wide = _WIDEN.get(array.dtype)
            if wide is not None:
                self.buf = array.astype(wide)
            else:
                self.buf = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        elif device_ok:
            self.buf = xp_of(array).ascontiguousarray(array)
        else:
            host = to_numpy(array)
            wide = _WIDEN.get(host.dtype)
            self.buf = host.astype(wide) if wide is not None else np.ascontiguousarray(host)
        if self.buf is array:
            self.writeback = False

    def finish(self) -> None:
        if self.writeback:
            src = (
                self.buf if type(self.array) is np.ndarray else xp_of(self.array).asarray(self.buf)
            )
            self.array[...] = src


def wait_all(
    requests: list[Any], timeout: float, what: str, statuses: list[Any] | None = None
) -> None:
    """Wait for MPI requests; past ``timeout`` seconds abort the whole job (a peer died or hangs).

    MPI's own waits block forever, so this polls ``Testall`` (which also drives MPI's progress)
    against a deadline: a job never hangs silently on a lost rank.
    """
    MPI = mpi()
    if MPI.Request.Testall(requests, statuses):
        return
    deadline = time.monotonic() + timeout
    while not MPI.Request.Testall(requests, statuses):
        if time.monotonic() > deadline:
            abort(f"{what} did not complete within {timeout:g} s (a peer rank died or is stuck)")


def abort(message: str, code: int = 1) -> None:
    """Print why and abort every rank of the job (``MPI_Abort`` on the world communicator)."""
    MPI = mpi()
    rank = MPI.COMM_WORLD.Get_rank()
    sys.stderr.write(f"ndgrad.distributed: rank {rank}: {message}; aborting the job\n")
    sys.stderr.flush()
    time.sleep(0.5)  # mpiexec forwards output asynchronously: let this message out before the kill
    MPI.COMM_WORLD.Abort(code)
