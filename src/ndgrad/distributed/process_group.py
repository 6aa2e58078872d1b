"""Process groups on MPI: ``init_process_group``, ranks and sizes, ``new_group``, teardown.

The default group is ``MPI.COMM_WORLD``; ``new_group`` makes a sub-communicator. Ranks given to
and returned by the public functions are global ranks (as in PyTorch); a group translates them.
Once initialised, an uncaught exception on any rank aborts the whole job (``MPI_Abort``): the
other ranks would otherwise wait forever in their next collective.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import timedelta
from types import TracebackType
from typing import Any

from ndgrad.distributed._mpi import abort, cuda_aware, mpi

__all__ = [
    "Backend",
    "GroupMember",
    "ProcessGroup",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "new_group",
]

_DEFAULT_TIMEOUT = timedelta(minutes=30)  # PyTorch's default for its CPU backends


class Backend(str):
    """Backend names. Every name runs on MPI here; "gloo" and "nccl" are accepted so that
    programs written for them run unchanged (``get_backend`` then says "mpi")."""

    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UNDEFINED = "undefined"

    def __new__(cls, name: str) -> Backend:
        value = name.lower()
        if value.split(":")[0] not in ("mpi", "gloo", "nccl", "cpu", "cuda") and "," not in value:
            raise ValueError(f"Invalid backend: '{name}'")
        return super().__new__(cls, value)


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator and its global ranks."""

    def __init__(self, comm: Any, ranks: list[int], timeout: float) -> None:
        self.comm = comm
        self.ranks = ranks  # global rank of each member, in group-rank order
        self.timeout = timeout
        self.cuda_aware = cuda_aware()

    def rank(self) -> int:
        return int(self.comm.Get_rank())

    def size(self) -> int:
        return int(self.comm.Get_size())

    def group_rank(self, global_rank: int) -> int:
        """The rank inside this group of a global rank (ValueError when it is not a member)."""
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"Global rank {global_rank} is not part of group {self}") from None

    def name(self) -> str:
        return "mpi"

    def __repr__(self) -> str:
        return f"ProcessGroup(mpi, ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group once initialised; ``NON_GROUP_MEMBER`` is what
    ``new_group`` returns on ranks outside the new group."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


class group:
    """``dist.group.WORLD``: the default group (None before ``init_process_group``)."""

    WORLD: ProcessGroup | None = None


_group_namespace = group  # the functions below take a parameter named ``group``, as PyTorch's do


class _Session:
    """What ``init_process_group`` set up, so that ``destroy_process_group`` can undo it."""

    def __init__(self) -> None:
        self.prev_excepthook: Any = None
        self.subgroups: list[ProcessGroup] = []


_session = _Session()


def is_available() -> bool:
    """True when mpi4py (and so an MPI) can be imported; nothing is initialised by asking."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_initialized() -> bool:
    return GroupMember.WORLD is not None


def _seconds(timeout: timedelta | float | None) -> float:
    if timeout is None:
        return _DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _check_claim(what: str, claimed: int, actual: int) -> None:
    if claimed not in (-1, None) and int(claimed) != actual:
        raise ValueError(
            f"init_process_group: {what}={claimed} was given, but MPI started this process as "
            f"{what} {actual} (launch with mpiexec -n N, or ndgrad-run)"
        )


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | float | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the default process group: MPI's world communicator.

    MPI already knows every process, so ``init_method`` (``env://``, ``tcp://...``, ``file://...``)
    needs no rendezvous; a ``rank`` / ``world_size`` given here or in the ``RANK`` /
    ``WORLD_SIZE`` environment variables is checked against what MPI says.

    Args:
        backend: "mpi" (also "gloo", "nccl": the same MPI transport).
        timeout: how long a collective may wait for its peers before the job is aborted.
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None:
        Backend(backend)
    MPI = mpi()
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    _check_claim("world_size", world_size, size)
    _check_claim("rank", rank, me)
    if init_method is None or init_method.startswith("env://"):
        _check_claim("WORLD_SIZE", int(os.environ.get("WORLD_SIZE", -1)), size)
        _check_claim("RANK", int(os.environ.get("RANK", -1)), me)
    pg = ProcessGroup(world, list(range(size)), _seconds(timeout))
    GroupMember.WORLD = _group_namespace.WORLD = pg
    _session.prev_excepthook = sys.excepthook
    sys.excepthook = _abort_on_uncaught


def _abort_on_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Print the traceback as usual, then take the other ranks down with this one."""
    hook = _session.prev_excepthook or sys.__excepthook__
    hook(exc_type, exc, tb)
    if GroupMember.WORLD is not None and GroupMember.WORLD.size() > 1:
        abort(f"uncaught {exc_type.__name__}")


def default_group() -> ProcessGroup:
    """The default group, or PyTorch's error when ``init_process_group`` was not called."""
    pg = GroupMember.WORLD
    if pg is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )
    return pg


def resolve(group: Any) -> ProcessGroup:
    """The group a collective runs on: the given one, or the default."""
    pg = default_group()
    if group is None:
        return pg
    if group is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("this rank is not a member of the group")
    return group  # type: ignore[no-any-return]


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group when None); -1 outside the group."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many processes are in ``group`` (the default group when None); -1 outside the group."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    resolve(group)
    return Backend.MPI


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    return group.ranks[group_rank]


def get_process_group_ranks(group: ProcessGroup) -> list[int]:
    return list(group.ranks)


def new_group(
    ranks: list[int] | None = None,
    timeout: timedelta | float | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
) -> Any:
    """A group of some of the ranks (every rank must call it, as in PyTorch).

    Returns the group on its members and ``GroupMember.NON_GROUP_MEMBER`` elsewhere.
    """
    world = default_group()
    members = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r} is not in the world of size {world.size()}")
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks {ranks} contain duplicates")
    sub = world.comm.Create(world.comm.Get_group().Incl(members))
    if sub == mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(sub, members, world.timeout if timeout is None else _seconds(timeout))
    _session.subgroups.append(pg)
    return pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free a group's communicator; with no argument, leave the default group (and every other)."""
    if group is not None and group is not GroupMember.WORLD:
        if group in _session.subgroups:
            _session.subgroups.remove(group)
            group.comm.Free()
        return
    default_group()
    for pg in _session.subgroups:
        pg.comm.Free()
    _session.subgroups.clear()
    GroupMember.WORLD = _group_namespace.WORLD = None
    if sys.excepthook is _abort_on_uncaught:
        sys.excepthook = _session.prev_excepthook or sys.__excepthook__
