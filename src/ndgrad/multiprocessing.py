"""``ndgrad.multiprocessing``: Python's ``multiprocessing`` with PyTorch's additions.

Everything of the standard library's module is here under its own name (``Process``, ``Queue``,
``Pool``, ``get_context``, ``set_start_method``, ``cpu_count`` ...), plus PyTorch's ``spawn`` /
``start_processes`` (run ``fn(i, *args)`` in ``nprocs`` processes and re-raise a child's error in
the parent) and the sharing-strategy switches. ndgrad tensors hold NumPy arrays, which pickle by
value: there is no shared-memory tensor transport, so the sharing strategy is recorded and
reported but changes nothing (PyTorch's names are accepted so that programs run unchanged).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable
from multiprocessing import *  # noqa: F403
from typing import Any

__all__ = [  # the standard library's names, then PyTorch's
    *multiprocessing.__all__,
    "spawn",
    "start_processes",
    "ProcessContext",
    "ProcessRaisedException",
    "ProcessExitedException",
    "get_sharing_strategy",
    "set_sharing_strategy",
    "get_all_sharing_strategies",
]

_SHARING_STRATEGIES = {"file_descriptor", "file_system"}
_sharing_strategy = ["file_descriptor"]


def get_all_sharing_strategies() -> set[str]:
    return set(_SHARING_STRATEGIES)


def get_sharing_strategy() -> str:
    return _sharing_strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Accepted for PyTorch programs; arrays are pickled by value, so nothing else changes."""
    if new_strategy not in _SHARING_STRATEGIES:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}")
    _sharing_strategy[0] = new_strategy


class ProcessException(Exception):
    def __init__(self, msg: str, error_index: int, pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid


class ProcessRaisedException(ProcessException):
    """A child process raised: the message carries its traceback."""


class ProcessExitedException(ProcessException):
    """A child process died without raising (a signal or ``os._exit``)."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code


def _wrap(fn: Callable[..., Any], i: int, args: tuple[Any, ...], error_queue: Any) -> None:
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent is interrupting us
    except Exception:
        error_queue.put(traceback.format_exc())
        raise SystemExit(1) from None


class ProcessContext:
    """The processes of one ``start_processes`` call; ``join`` waits and re-raises a child's
    error."""

    def __init__(self, processes: list[Any], error_queues: list[Any]) -> None:
        self.processes = processes
        self.error_queues = error_queues

    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the processes; True when all ended well, False while some still run (after
        ``timeout``). The first failure terminates the others and raises in the parent."""
        running = [p.sentinel for p in self.processes if p.exitcode is None]
        if running:  # wakes when any process ends, so one failure is seen at once
            multiprocessing.connection.wait(running, timeout)
        for index, p in enumerate(self.processes):
            if p.exitcode not in (None, 0):
                self._raise(index)
        return all(p.exitcode == 0 for p in self.processes)

    def _raise(self, index: int) -> None:
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join()
        failed = self.processes[index]
        queue = self.error_queues[index]
        if not queue.empty():
            msg = f"\n\n-- Process {index} terminated with the following error:\n{queue.get()}"
            raise ProcessRaisedException(msg, index, failed.pid)
        code = failed.exitcode
        raise ProcessExitedException(
            f"process {index} terminated with exit code {code}", index, failed.pid, code
        )


def start_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Run ``fn(i, *args)`` for i in 0..nprocs-1, each in its own process.

    Under ``mpiexec`` the ranks already are the processes: each runs ``fn(rank, *args)`` itself, so
    tutorial scripts built on ``mp.spawn`` scale out unchanged (see docs/distributed.md).
    """
    from ndgrad.distributed.spawn import run_spawned

    if run_spawned(fn, args, nprocs):  # under mpiexec this process is worker `rank`: run it here
        return None
    ctx = multiprocessing.get_context(start_method)
    processes, queues = [], []
    for i in range(nprocs):
        queue = ctx.SimpleQueue()
        p = ctx.Process(  # type: ignore[attr-defined]
            target=_wrap, args=(fn, i, args, queue), daemon=daemon
        )
        p.start()
        processes.append(p)
        queues.append(queue)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """``start_processes`` with the ``spawn`` start method (PyTorch's ``mp.spawn``).

    >>> import ndgrad.multiprocessing as mp
    >>> mp.spawn(train, args=(world_size,), nprocs=world_size)  # train(rank, world_size)
    """
    if start_method != "spawn":
        raise ValueError(f"spawn() only supports start_method='spawn', got {start_method!r}")
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
