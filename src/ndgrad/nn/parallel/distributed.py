"""DistributedDataParallel: one model replica per rank, gradients averaged across ranks.

PyTorch DDP's design on MPI. At construction the parameters and buffers of rank 0 are broadcast,
so every replica starts equal. The parameters are split into *buckets* of about ``bucket_cap_mb``,
in reverse registration order (roughly the order backward produces their gradients). Each
parameter has a post-accumulate-grad hook: when backward has accumulated its ``.grad`` the hook
copies it into its bucket, and once a bucket is full a non-blocking all-reduce of the whole bucket
starts, so communication overlaps the rest of backward. Gradients enter their bucket already
divided by the world size (one pass with the copy), so the all-reduced sum is the average. When
the last bucket is started the hooks wait for them all and set every ``.grad`` to it:

    grad_p = (1 / world_size) * sum_r grad_p^(r)

Every replica applies the same averaged gradient, so the parameters stay identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ndgrad._backend import xp_of
from ndgrad.autograd.grad_mode import is_grad_enabled
from ndgrad.distributed._mpi import Staged, wait_all, writable
from ndgrad.distributed.collectives import ReduceOp, Work, all_reduce_array
from ndgrad.distributed.objects import all_gather_object
from ndgrad.distributed.process_group import ProcessGroup, resolve
from ndgrad.nn.module import Module
from ndgrad.nn.parameter import Parameter
from ndgrad.tensor import Tensor

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer (one dtype, one device)."""

    def __init__(self, params: list[Parameter]) -> None:
        self.params = params
        self.offsets: list[int] = []
        total = 0
        for p in params:
            self.offsets.append(total)
            total += p.numel()
        self.numel = total
        self.flat: Any = None
        self.filled = [False] * len(params)
        self.pending = len(params)
        self.work: Work | None = None

    def arm(self) -> None:
        """A fresh buffer for this iteration (last iteration's ``.grad`` arrays may be views of
        the old)."""
        like = self.params[0].array
        self.flat = xp_of(like).empty(self.numel, dtype=like.dtype)
        self.filled = [False] * len(self.params)
        self.pending = len(self.params)
        self.work = None

    def fill(self, i: int, grad: Any, scale: float) -> None:
        """Copy a gradient into its slot, times ``scale`` (1 / world size: the sum is the mean)."""
        p = self.params[i]
        off = self.offsets[i]
        slot = self.flat[off : off + p.numel()]
        if grad is None:
            slot[...] = 0
        elif scale == 1:
            slot[...] = grad.reshape(-1)
        else:  # one pass for the copy and the division, as PyTorch divides before reducing
            xp_of(slot).multiply(grad.reshape(-1), scale, out=slot)
        self.filled[i] = True
        self.pending -= 1

    def view(self, i: int) -> Any:
        p = self.params[i]
        off = self.offsets[i]
        return self.flat[off : off + p.numel()].reshape(p.shape)


_FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's: a small first bucket starts communicating early


def _make_buckets(params: list[Parameter], cap_bytes: int) -> list[_Bucket]:
    """Reverse registration order, a new bucket when the cap is reached or the dtype/device changes.

    The first bucket (the last layers, whose gradients come first) is capped at 1 MiB, as PyTorch's.
    """
    buckets: list[_Bucket] = []
    current: list[Parameter] = []
    size = 0
    for p in reversed(params):
        kind = (p.array.dtype, type(p.array))
        cap = min(cap_bytes, _FIRST_BUCKET_BYTES) if not buckets else cap_bytes
        if current and (size >= cap or kind != (current[0].array.dtype, type(current[0].array))):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += p.array.nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


def broadcast_coalesced(pg: ProcessGroup, tensors: list[Tensor], root: int = 0) -> None:
    """Copy rank ``root``'s values of ``tensors`` to every rank, one message per dtype and
    device."""
    groups: dict[Any, list[Tensor]] = {}
    for t in tensors:
        groups.setdefault((t.array.dtype, type(t.array)), []).append(t)
    for ts in groups.values():
        flat = xp_of(ts[0].array).concatenate([t.array.reshape(-1) for t in ts])
        st = Staged(flat, True, pg.cuda_aware)
        wait_all([pg.comm.Ibcast(st.buf, root)], pg.timeout, "DistributedDataParallel broadcast")
        st.finish()
        off = 0
        for t in ts:
            n = t.numel()
            writable(t)[...] = flat[off : off + n].reshape(t.shape)
            off += n


class DistributedDataParallel(Module):
    """Data parallelism across processes (PyTorch's ``torch.nn.parallel.DistributedDataParallel``).

    Args:
        module: the model; every rank builds the same one.
        device_ids, output_device, dim: accepted for PyTorch's signature (one device per rank).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running stats) at each forward.
        init_sync: broadcast rank 0's parameters and buffers now.
        process_group: the group to average over (default: the whole world).
        bucket_cap_mb: the size of a gradient bucket (default 25 MiB, PyTorch's).
        find_unused_parameters: allow parameters that get no gradient in an iteration.

    >>> model = DistributedDataParallel(nn.Linear(4, 2))
    >>> model(x).sum().backward()        # .grad is averaged over the ranks
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params: Any = None,
        param_to_hook_all_reduce: Any = None,
        mixed_precision: Any = None,
        device_mesh: Any = None,
        skip_all_reduce_unused_params: bool = False,
    ) -> None:
        for name, value in (
            ("delay_all_reduce_named_params", delay_all_reduce_named_params),
            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
            ("mixed_precision", mixed_precision),
            ("device_mesh", device_mesh),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"DistributedDataParallel: {name} is not supported by ndgrad"
                )
        super().__init__()
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.process_group = resolve(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int(
            (25.0 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024
        )
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        params: list[Parameter] = []
        seen: set[int] = set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        self._params = params
        self._verify_same_model()
        if init_sync:
            broadcast_coalesced(self.process_group, [*params, *self._buffers_to_sync()])
        self._buckets = _make_buckets(params, self.bucket_bytes_cap)
        self._where = {
            id(p): (b, i)
            for b, bucket in enumerate(self._buckets)
            for i, p in enumerate(bucket.params)
        }
        self._armed = False  # this iteration's forward ran: the hooks fill the buckets
        self._in_backward = False  # some hook has fired since
        self._launched: list[_Bucket] = []
        self._used_work: tuple[Work, Any] | None = None
        self._hook_handles = [
            p.register_post_accumulate_grad_hook(self._grad_ready) for p in params
        ]

    def _buffers_to_sync(self) -> list[Tensor]:
        return [b for b in self.module.buffers() if b is not None]

    def _verify_same_model(self) -> None:
        """Every rank must hold the same parameters (count, shapes, dtypes), as PyTorch checks."""
        pg = self.process_group
        mine = [(tuple(p.shape), str(p.array.dtype)) for p in self._params]
        everyone: list[Any] = [None] * pg.size()
        all_gather_object(everyone, mine, group=pg)
        for r, theirs in enumerate(everyone):
            if theirs == mine:
                continue
            if len(theirs) != len(mine):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank {pg.rank()} has "
                    f"{len(mine)} "
                    f"params, while rank {r} has inconsistent {len(theirs)} params."
                )
            i = next(i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b)
            raise RuntimeError(
                f"DDP expects same model across all ranks, but parameter {i} has shape/dtype "
                f"{mine[i]} on rank {pg.rank()} and {theirs[i]} on rank {r}."
            )

    # -- forward -------------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._armed and self._in_backward:  # a backward began and left buckets unfilled
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new "
                "one. "
                "This error indicates that your module has parameters that were not used in "
                "producing "
                "loss. You can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, "
                "and by "
                "making sure all `forward` function outputs participate in calculating loss."
            )
        if self.broadcast_buffers and self.require_forward_param_sync:
            buffers = self._buffers_to_sync()
            if buffers:
                broadcast_coalesced(self.process_group, buffers)
        out = self.module(*inputs, **kwargs)
        if self.require_backward_grad_sync and is_grad_enabled() and self._params:
            self._arm(out)
        return out

    def _arm(self, out: Any) -> None:
        """Get the buckets ready for this iteration's backward."""
        for b in self._buckets:
            b.arm()
        self._launched = []
        self._armed = True
        self._in_backward = False
        if self._used_work is not None:  # a forward whose backward never came: finish its count
            self._used_work[0].wait()
            self._used_work = None
        if self.find_unused_parameters:
            used = _reachable_leaves(out)
            flags = xp_of(self._params[0].array).asarray(
                [1.0 if id(p) in used else 0.0 for p in self._params]
            )
            flags = flags.astype("float64")
            self._used_work = (all_reduce_array(self.process_group, flags), flags)
            for p in self._params:
                if id(p) not in used:
                    self._mark(p, None)

    # -- backward: the hooks ---------------------------------------------------------------------
    def _grad_ready(self, p: Tensor) -> None:
        if not self._armed:  # a backward outside DDP's forward, or inside no_sync()
            return
        self._in_backward = True
        self._mark(p, p.grad.array if p.grad is not None else None)  # type: ignore[arg-type]

    def _mark(self, p: Parameter, grad: Any) -> None:
        b, i = self._where[id(p)]
        bucket = self._buckets[b]
        if bucket.filled[i]:
            raise RuntimeError(
                "Expected to mark a variable ready only once. Parameter index "
                f"{self._params.index(p)} "
                "got its gradient twice in one iteration (a second backward through the same "
                "forward, "
                "or a parameter shared outside DDP's view)."
            )
        bucket.fill(i, grad, 1.0 / self.process_group.size())
        for launched in self._launched:  # drive MPI's progress on what is already in flight
            launched.work.is_completed()  # type: ignore[union-attr]
        if bucket.pending == 0:
            bucket.work = all_reduce_array(self.process_group, bucket.flat, ReduceOp.SUM)
            self._launched.append(bucket)
            if len(self._launched) == len(self._buckets):
                self._finish()

    def _finish(self) -> None:
        """Wait for every bucket and set each ``.grad`` to the average over the ranks."""
        self._armed = False
        used = None
        if self._used_work is not None:
            work, used = self._used_work
            work.wait()
            self._used_work = None
        index = {id(p): k for k, p in enumerate(self._params)}
        for bucket in self._launched:
            bucket.work.wait()  # type: ignore[union-attr]
            for i, p in enumerate(bucket.params):
                if used is not None and used[index[id(p)]] == 0:
                    continue  # no rank used it: its .grad stays as it was, as in PyTorch
                p.grad = Tensor._make(bucket.view(i), False, None)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Gradients of backward passes inside accumulate locally; the next one outside syncs
        them all."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


def _reachable_leaves(out: Any) -> set[int]:
    """ids of the leaf tensors the graph of ``out`` (tensors, possibly nested) reaches."""
    stack: list[Any] = []
    found: set[int] = set()
    todo = [out]
    while todo:
        o = todo.pop()
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            else:
                found.add(id(o))
        elif isinstance(o, (list, tuple)):
            todo.extend(o)
        elif isinstance(o, dict):
            todo.extend(o.values())
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for edge in node.next_functions:
            if edge is None:
                continue
            nxt = edge[0]
            if isinstance(nxt, Tensor):
                found.add(id(nxt))
            else:
                stack.append(nxt)
    return found
