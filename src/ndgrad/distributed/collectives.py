"""Collectives on Tensors, in place, with ``torch.distributed``'s names and arguments.

Each one starts MPI's non-blocking call (``Iallreduce``, ``Ibcast``...) and either returns a
``Work`` handle (``async_op=True``) or waits on it. Before the data moves, the ranks compare the
shape and dtype of what they pass (one small all-gather), so a mismatch raises the same clear error
on every rank instead of corrupting memory or hanging. ``src`` / ``dst`` are global ranks;
``group_src`` / ``group_dst`` are ranks inside ``group``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ndgrad._backend import xp_of
from ndgrad.distributed._mpi import _WIDEN, Staged, mpi, wait_all, writable
from ndgrad.distributed.process_group import ProcessGroup, resolve
from ndgrad.tensor import Tensor

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "gather",
    "irecv",
    "isend",
    "recv",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "send",
]


class ReduceOp(enum.Enum):
    """How ``all_reduce``, ``reduce`` and the reduce-scatters combine the ranks' values."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


_MPI_OPS = {"sum": "SUM", "avg": "SUM", "product": "PROD", "min": "MIN", "max": "MAX"}
_MPI_OPS.update(band="BAND", bor="BOR", bxor="BXOR")


def _mpi_op(op: ReduceOp) -> Any:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a ReduceOp, got {op!r}")
    return getattr(mpi(), _MPI_OPS[op.value])


class Work:
    """A collective in flight: ``wait()`` blocks until it is done, ``is_completed()`` asks."""

    def __init__(
        self,
        pg: ProcessGroup,
        what: str,
        requests: list[Any],
        finish: Callable[[], None] | None = None,
        result: list[Tensor] | None = None,
        statuses: list[Any] | None = None,
    ) -> None:
        self._pg = pg
        self._what = what
        self._requests = requests
        self._finish = finish
        self._result = result or []
        self._statuses = statuses  # filled by MPI on completion (irecv reads the sender)
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and mpi().Request.Testall(self._requests, self._statuses):
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Block until done; after ``timeout`` (default: the group's) the job is aborted."""
        if not self._done:
            limit = self._pg.timeout if timeout is None else _seconds(timeout)
            wait_all(self._requests, limit, self._what, self._statuses)
            self._complete()
        return True

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self) -> None:
        return None

    def result(self) -> list[Tensor]:
        self.wait()
        return self._result

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()


def _seconds(timeout: Any) -> float:
    return float(timeout.total_seconds()) if hasattr(timeout, "total_seconds") else float(timeout)


def _run(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


# -- checks ------------------------------------------------------------------------------------
_DTYPES = [
    np.dtype(n)
    for n in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
] + [np.dtype("complex64"), np.dtype("complex128")]
_SIG = 11  # dtype, ndim, up to 8 dims, the number of elements


def _signature(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    sig = np.full(_SIG, -1, dtype=np.int64)
    dt = np.dtype(getattr(dtype, "np", dtype))  # an ndgrad dtype or a NumPy one
    sig[0] = _DTYPES.index(dt) if dt in _DTYPES else 99
    sig[1] = len(shape)
    sig[2 : 2 + min(len(shape), 8)] = shape[:8]
    sig[10] = int(np.prod(shape, dtype=np.int64))
    return sig


def _describe(sig: np.ndarray) -> str:
    dtype = _DTYPES[sig[0]].name if 0 <= sig[0] < len(_DTYPES) else "(unknown)"
    dims = tuple(int(d) for d in sig[2 : 2 + min(int(sig[1]), 8)])
    shape = str(dims) if sig[1] <= 8 else f"{str(dims)[:-1]}, ...) ({sig[1]} dims)"
    return f"shape {shape} dtype {dtype}"


def _check_same(pg: ProcessGroup, what: str, shape: tuple[int, ...], dtype: Any) -> None:
    """Every rank compares what each rank passes; all raise the same RuntimeError on a mismatch."""
    mine = _signature(tuple(shape), dtype)
    everyone = np.empty((pg.size(), _SIG), dtype=np.int64)
    wait_all([pg.comm.Iallgather(mine, everyone)], pg.timeout, what)
    for j in range(1, pg.size()):
        if not np.array_equal(everyone[j], everyone[0]):
            raise RuntimeError(
                f"{what}: the tensors differ across ranks: rank {pg.ranks[0]} has "
                f"{_describe(everyone[0])}, rank {pg.ranks[j]} has {_describe(everyone[j])}"
            )


def _check_tensor(t: Any, name: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor "
            f"but got {type(t)} instead."
        )
    writable(t)


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, name: str) -> int:
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"Can not specify both {name} and group_{name}")
        return group_rank
    if rank is None:
        raise ValueError(f"Either {name} or group_{name} must be specified")
    return pg.group_rank(rank)


def _assign(dst: Any, src: Any) -> None:
    """Write ``src`` (host or device) into the array ``dst`` of any backend."""
    dst[...] = src if type(dst) is type(src) else xp_of(dst).asarray(src)


def _stack(arrays: Sequence[Any], device_ok: bool) -> Any:
    """One contiguous (n, ...) buffer holding ``arrays`` (host memory unless MPI reads devices)."""
    staged = [Staged(a, False, device_ok).buf for a in arrays]
    return xp_of(staged[0]).stack(staged)


# -- the collectives ---------------------------------------------------------------------------
def all_reduce(
    tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Any:
    """Combine ``tensor`` across ranks, in place on every rank: x = x_0 (op) x_1 (op) ...
    x_{n-1}."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    _check_same(pg, "all_reduce", tensor.shape, tensor.dtype)
    return _run(all_reduce_array(pg, tensor.array, op), async_op)


def all_reduce_array(pg: ProcessGroup, array: Any, op: ReduceOp = ReduceOp.SUM) -> Work:
    """``all_reduce`` of a raw array, unchecked and non-blocking (DDP's buckets use it)."""
    st = Staged(array, True, pg.cuda_aware)
    req = pg.comm.Iallreduce(mpi().IN_PLACE, st.buf, _mpi_op(op))
    n = pg.size()

    def finish() -> None:
        if op is ReduceOp.AVG:
            _divide(st.buf, n)
        st.finish()

    return Work(pg, "all_reduce", [req], finish)


def _divide(buf: Any, n: int) -> None:
    if buf.dtype.kind in "fc":
        buf /= n
    else:
        buf //= n


def broadcast(
    tensor: Tensor,
    src: int | None = None,
    group: Any = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Any:
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every other rank."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    root = _root(pg, src, group_src, "src")
    _check_same(pg, "broadcast", tensor.shape, tensor.dtype)
    st = Staged(tensor.array, pg.rank() != root, pg.cuda_aware)
    return _run(Work(pg, "broadcast", [pg.comm.Ibcast(st.buf, root)], st.finish), async_op)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op: ReduceOp = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Any:
    """Combine ``tensor`` across ranks into ``tensor`` on rank ``dst`` (others keep theirs)."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    _check_same(pg, "reduce", tensor.shape, tensor.dtype)
    mine = pg.rank() == root
    st = Staged(tensor.array, mine, pg.cuda_aware)
    send = mpi().IN_PLACE if mine else st.buf
    req = pg.comm.Ireduce(send, st.buf if mine else None, _mpi_op(op), root)
    n = pg.size()

    def finish() -> None:
        if mine and op is ReduceOp.AVG:
            _divide(st.buf, n)
        st.finish()

    return _run(Work(pg, "reduce", [req], finish), async_op)


def _check_list(what: str, tensors: Sequence[Any], n: int, like: Tensor, name: str) -> None:
    if len(tensors) != n:
        raise ValueError(f"{what}: {name} must hold {n} tensors (one per rank), got {len(tensors)}")
    for t in tensors:
        _check_tensor(t, name)
        if t.shape != like.shape or t.dtype != like.dtype:
            raise RuntimeError(
                f"{what}: every tensor in {name} must have shape {tuple(like.shape)} and dtype "
                f"{like.dtype}, got shape {tuple(t.shape)} dtype {t.dtype}"
            )


def all_gather(
    tensor_list: list[Tensor], tensor: Tensor, group: Any = None, async_op: bool = False
) -> Any:
    """``tensor_list[i]`` = rank i's ``tensor``, on every rank."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    _check_list("all_gather", tensor_list, pg.size(), tensor, "tensor_list")
    _check_same(pg, "all_gather", tensor.shape, tensor.dtype)
    send = Staged(tensor.array, False, pg.cuda_aware).buf
    recv = xp_of(send).empty((pg.size(),) + send.shape, dtype=send.dtype)

    def finish() -> None:
        for i, t in enumerate(tensor_list):
            _assign(t.array, recv[i])

    return _run(
        Work(pg, "all_gather", [pg.comm.Iallgather(send, recv)], finish, tensor_list), async_op
    )


def _check_sizes(what: str, big: Tensor, small: Tensor, n: int) -> None:
    if big.numel() != n * small.numel():
        raise ValueError(
            f"{what}: the output (or input) must have world_size ({n}) times the elements of the "
            f"other tensor: got shapes {tuple(big.shape)} and {tuple(small.shape)}"
        )
    if big.dtype != small.dtype:
        raise TypeError(
            f"{what}: input and output must have the same dtype, got {big.dtype} and {small.dtype}"
        )


def all_gather_into_tensor(
    output_tensor: Tensor, input_tensor: Tensor, group: Any = None, async_op: bool = False
) -> Any:
    """Concatenate (along dim 0, or stack) every rank's ``input_tensor`` into ``output_tensor``."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = resolve(group)
    _check_sizes("all_gather_into_tensor", output_tensor, input_tensor, pg.size())
    _check_same(pg, "all_gather_into_tensor", input_tensor.shape, input_tensor.dtype)
    send = Staged(input_tensor.array, False, pg.cuda_aware).buf
    out = Staged(output_tensor.array, True, pg.cuda_aware)
    work = Work(pg, "all_gather_into_tensor", [pg.comm.Iallgather(send, out.buf)], out.finish)
    return _run(work, async_op)


def reduce_scatter(
    output: Tensor,
    input_list: list[Tensor],
    op: ReduceOp = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
) -> Any:
    """``output`` on rank i = input_list[i] combined across ranks."""
    _check_tensor(output, "output")
    pg = resolve(group)
    _check_list("reduce_scatter", input_list, pg.size(), output, "input_list")
    _check_same(pg, "reduce_scatter", (pg.size(),) + tuple(output.shape), output.dtype)
    send = _stack([t.array for t in input_list], pg.cuda_aware)
    return _run(_reduce_scatter(pg, send, output, op), async_op)


def reduce_scatter_tensor(
    output: Tensor,
    input: Tensor,
    op: ReduceOp = ReduceOp.SUM,
    group: Any = None,
    async_op: bool = False,
) -> Any:
    """``output`` on rank i = the i-th of world_size equal chunks (dim 0) of ``input``, combined."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = resolve(group)
    _check_sizes("reduce_scatter_tensor", input, output, pg.size())
    _check_same(pg, "reduce_scatter_tensor", input.shape, input.dtype)
    return _run(
        _reduce_scatter(pg, Staged(input.array, False, pg.cuda_aware).buf, output, op), async_op
    )


def _reduce_scatter(pg: ProcessGroup, send: Any, output: Tensor, op: ReduceOp) -> Work:
    out = Staged(output.array, True, pg.cuda_aware)
    if out.buf is output.array and send.dtype != out.buf.dtype:  # a widened float16 input
        out = Staged(output.array.astype(send.dtype), True)
        out.array, out.writeback = output.array, True
    req = pg.comm.Ireduce_scatter_block(send, out.buf, _mpi_op(op))
    n = pg.size()

    def finish() -> None:
        if op is ReduceOp.AVG:
            _divide(out.buf, n)
        out.finish()

    return Work(pg, "reduce_scatter", [req], finish, [output])


def _rooted(
    what: str,
    tensor: Tensor,
    tensors: list[Tensor] | None,
    group: Any,
    rank: int | None,
    group_rank: int | None,
) -> tuple[ProcessGroup, int, bool]:
    """The checks of ``gather`` and ``scatter``: the root holds one tensor per rank in its list,
    the others pass no list, and every rank's ``tensor`` has the same shape and dtype.

    Returns the group, the root's rank in it, and whether this rank is the root.
    """
    _check_tensor(tensor, "tensor")
    name, role = ("dst", "destination") if what == "gather" else ("src", "source")
    pg = resolve(group)
    root = _root(pg, rank, group_rank, name)
    mine = pg.rank() == root
    if mine:
        _check_list(what, tensors or [], pg.size(), tensor, f"{what}_list")
    elif tensors:
        raise ValueError(f"Argument ``{what}_list`` must NOT be specified on non-{role} ranks.")
    _check_same(pg, what, tensor.shape, tensor.dtype)
    return pg, root, mine


def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int | None = None,
    group: Any = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Any:
    """``gather_list[i]`` on rank ``dst`` = rank i's ``tensor``."""
    pg, root, mine = _rooted("gather", tensor, gather_list, group, dst, group_dst)
    send = Staged(tensor.array, False, pg.cuda_aware).buf
    recv = xp_of(send).empty((pg.size(),) + send.shape, dtype=send.dtype) if mine else None

    def finish() -> None:
        if recv is not None:
            for i, t in enumerate(gather_list or []):
                _assign(t.array, recv[i])

    return _run(Work(pg, "gather", [pg.comm.Igather(send, recv, root)], finish), async_op)


def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int | None = None,
    group: Any = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Any:
    """``tensor`` on rank i = ``scatter_list[i]`` of rank ``src``."""
    pg, root, mine = _rooted("scatter", tensor, scatter_list, group, src, group_src)
    out = Staged(tensor.array, True, pg.cuda_aware)
    send = _stack([t.array for t in scatter_list or []], pg.cuda_aware) if mine else None
    return _run(Work(pg, "scatter", [pg.comm.Iscatter(send, out.buf, root)], out.finish), async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Any:
    """Wait until every rank of the group has reached this call."""
    pg = resolve(group)
    return _run(Work(pg, "barrier", [pg.comm.Ibarrier()]), async_op)


# -- point to point: a small header (shape, dtype) goes first, so a mismatch is named ----------
def isend(
    tensor: Tensor,
    dst: int | None = None,
    group: Any = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> Work:
    """Start sending ``tensor`` to rank ``dst``."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    peer = _root(pg, dst, group_dst, "dst")
    header = _signature(tuple(tensor.shape), tensor.dtype)
    buf = Staged(tensor.array, False, pg.cuda_aware).buf
    reqs = [pg.comm.Isend(header, peer, tag), pg.comm.Isend(buf, peer, tag)]
    return Work(pg, "send", reqs)


def send(
    tensor: Tensor,
    dst: int | None = None,
    group: Any = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> None:
    """Send ``tensor`` to rank ``dst`` (blocks until MPI has taken it)."""
    isend(tensor, dst, group, tag, group_dst).wait()


def irecv(
    tensor: Tensor,
    src: int | None = None,
    group: Any = None,
    tag: int = 0,
    group_src: int | None = None,
) -> Work:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    MPI = mpi()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _root(pg, src, group_src, "src")
    header = np.empty(_SIG, dtype=np.int64)
    status = MPI.Status()
    req = pg.comm.Irecv(header, peer, tag)
    work = Work(pg, "recv", [req], result=[tensor], statuses=[status])

    def finish() -> None:
        sender = status.Get_source()  # known once the header is in
        work.source = pg.ranks[sender]  # type: ignore[attr-defined]
        _recv_payload(pg, tensor, header, sender, tag)

    work._finish = finish
    return work


def _recv_payload(
    pg: ProcessGroup, tensor: Tensor, header: np.ndarray, sender: int, tag: int
) -> None:
    mine = _signature(tuple(tensor.shape), tensor.dtype)
    if np.array_equal(header, mine):
        out = Staged(tensor.array, True, pg.cuda_aware)
        wait_all([pg.comm.Irecv(out.buf, sender, tag)], pg.timeout, "recv")
        out.finish()
        return
    if 0 <= header[0] < len(_DTYPES) and header[1] <= 8:  # take the message off the wire first
        dtype = _DTYPES[header[0]]
        shape = tuple(int(d) for d in header[2 : 2 + header[1]])
        scratch = np.empty(shape, dtype=_WIDEN.get(dtype, dtype))
        wait_all([pg.comm.Irecv(scratch, sender, tag)], pg.timeout, "recv")
    raise RuntimeError(
        f"recv: rank {pg.ranks[sender]} sent shape/dtype {_describe(header)} but rank "
        f"{pg.ranks[pg.rank()]} receives into {_describe(mine)}"
    )


def recv(
    tensor: Tensor,
    src: int | None = None,
    group: Any = None,
    tag: int = 0,
    group_src: int | None = None,
) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return int(work.source)  # type: ignore[attr-defined]
