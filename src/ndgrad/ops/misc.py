"""Miscellaneous PyTorch names: dtype queries, global switches, and ops composed from the families.

Most ops here are compositions of existing ops (their gradients come for free); the ones with a
custom backward (``DiagEmbed``, ``LogCumSumExp``) or no gradient (``unique``, ``bincount``,
``searchsorted``, ...) say so. Global settings (threads, determinism, print options) are small
module-level records.
"""

from __future__ import annotations

import math
import os
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import to_numpy, xp_of
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as _ew
from ndgrad.ops import index as _index
from ndgrad.ops import reduce as _reduce
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import binary_operands, inplace, normalize_dim
from ndgrad.tensor import Tensor

__all__ = [
    # settings and dtype queries
    "set_num_threads",
    "get_num_threads",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "set_printoptions",
    "finfo",
    "iinfo",
    "promote_types",
    "result_type",
    "can_cast",
    "is_floating_point",
    "is_nonzero",
    "compile",
    # matrices and grids
    "diag",
    "diag_embed",
    "diagflat",
    "trace",
    "kron",
    "meshgrid",
    "cartesian_prod",
    "broadcast_tensors",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "column_stack",
    "ravel",
    "diff",
    "repeat_interleave",
    "masked_scatter",
    # counting, searching, statistics
    "unique",
    "bincount",
    "bucketize",
    "searchsorted",
    "histc",
    "kthvalue",
    "quantile",
    "nanquantile",
    "nanmean",
    "mode",
    "cummax",
    "cummin",
    # elementwise math
    "heaviside",
    "sinc",
    "logit",
    "xlogy",
    "clamp_min",
    "clamp_max",
    "logaddexp",
    "hypot",
    "deg2rad",
    "rad2deg",
    # more names from ported programs
    "triu_indices",
    "tril_indices",
    "rot90",
    "fliplr",
    "flipud",
    "dstack",
    "row_stack",
    "take_along_dim",
    "isin",
    "signbit",
    "copysign",
    "erfc",
    "logcumsumexp",
    "cov",
    "corrcoef",
    "block_diag",
    "trapezoid",
    "unique_consecutive",
    "addmv",
    "addr",
    "is_complex",
    "is_same_size",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "dist",
    "msort",
    "adjoint",
    "positive",
    "rsub",
    "gcd",
    "lcm",
    "logaddexp2",
    "unravel_index",
    "narrow_copy",
    "index_copy",
    "floor_",
    "ceil_",
    "trunc_",
    "round_",
    "log_",
    "sin_",
    "square_",
    "reciprocal_",
    "nan_to_num_",
]

_KthvalueResult = namedtuple("kthvalue", ["values", "indices"])  # type: ignore[name-match]
_ModeResult = namedtuple("mode", ["values", "indices"])  # type: ignore[name-match]
_CummaxResult = namedtuple("cummax", ["values", "indices"])  # type: ignore[name-match]
_CumminResult = namedtuple("cummin", ["values", "indices"])  # type: ignore[name-match]


def _const(data: Any) -> Tensor:
    return Tensor._make(data, False, None)


def _float(x: Tensor) -> Tensor:
    """Integer and bool inputs are promoted to the default float dtype, as PyTorch's math ops do."""
    return x if x.data.dtype.kind == "f" else x.to(dtype=_dtype.get_default_dtype())


# -- settings ---------------------------------------------------------------------------------

_settings: dict[str, Any] = {"num_threads": None, "deterministic": False, "warn_only": False}

# Read by ``ndgrad._format`` (where it chooses to); PyTorch's defaults.
print_options: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_num_threads(n: int) -> None:
    """Set the number of threads NumPy's BLAS uses (through ``threadpoolctl`` when installed).

    Without threadpoolctl the number is only recorded: NumPy's BLAS thread count is fixed when it
    is loaded, by the ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``
    environment variables.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _settings["num_threads"] = n
    try:
        import threadpoolctl
    except ImportError:
        return
    threadpoolctl.threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """The number of BLAS threads (as set, else as threadpoolctl reports, else the CPU count)."""
    if _settings["num_threads"] is not None:
        return int(_settings["num_threads"])
    try:
        import threadpoolctl
    except ImportError:
        return os.cpu_count() or 1
    infos = threadpoolctl.threadpool_info()
    counts = [info["num_threads"] for info in infos if info["user_api"] == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag. ndgrad's ops are deterministic already (NumPy on the CPU; on CuPy, the
    scatter-adds of index backward passes may sum in any order)."""
    _settings["deterministic"] = bool(mode)
    _settings["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return bool(_settings["deterministic"])


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print (PyTorch's options); stored in ``ndgrad.ops.misc.print_options``."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        print_options.update(_PROFILES[profile])
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            print_options[key] = value
    print_options["sci_mode"] = sci_mode


class finfo:  # noqa: N801  (PyTorch's name)
    """Machine limits of a floating dtype, with PyTorch's attribute names.

    Example:
        >>> ndgrad.finfo(ndgrad.float32).eps
        1.1920928955078125e-07
    """

    def __init__(self, type: Any = None) -> None:
        d = _dtype.get_default_dtype() if type is None else _dtype.to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo expects a floating point dtype, got {d.name}")
        info = np.finfo(d.np)
        self.dtype = d.name
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # as a double, like PyTorch's

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801  (PyTorch's name)
    """Limits of an integer (or bool) dtype: ``bits``, ``min``, ``max``, ``dtype``."""

    def __init__(self, type: Any) -> None:
        d = _dtype.to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo expects an integer dtype, got {d.name}")
        if d is _dtype.bool_:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            info = np.iinfo(d.np)
            self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def promote_types(type1: Any, type2: Any) -> _dtype.dtype:
    """The smallest dtype both can be cast to, by PyTorch's rules (int64 with float32 -> float32)."""
    return _dtype.promote_types(_dtype.to_dtype(type1), _dtype.to_dtype(type2))


def result_type(tensor1: Any, tensor2: Any) -> _dtype.dtype:
    """The dtype an arithmetic op on the two operands (tensors or numbers) gives."""
    tensors = [(t.dtype, t.ndim == 0) for t in (tensor1, tensor2) if isinstance(t, Tensor)]
    scalars = [s for s in (tensor1, tensor2) if not isinstance(s, Tensor)]
    return _dtype.result_type(tensors, scalars)


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's type promotion allows the cast: no float -> int, no int/float -> bool."""
    a, b = _dtype.to_dtype(from_), _dtype.to_dtype(to)
    return bool(a._rank <= b._rank)


def is_floating_point(input: Tensor) -> bool:
    return input.data.dtype.kind == "f"


def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor; RuntimeError for any other size."""
    if input.data.size != 1:
        if input.data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.data.reshape(()).item() != 0)


def compile(model: Any = None, **kwargs: Any) -> Any:
    """Returns ``model`` (a function or module) unchanged: ndgrad has no compiler, so code written
    for ``torch.compile`` runs eagerly. Usable as ``@compile`` and ``@compile(mode=...)``."""
    if model is None:

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            return fn

        return decorate
    return model


# -- matrices and grids -----------------------------------------------------------------------


class DiagEmbed(Op):
    """out[..., i, i + offset] = x[..., i] over output dims (dim1, dim2), zeros elsewhere"""

    @staticmethod
    def forward(ctx: Any, x: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        ctx.args = (offset, dim1, dim2)
        xp = xp_of(x)
        n = x.shape[-1]
        m = n + abs(offset)
        out = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
        i = xp.arange(n)
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x
        return xp.moveaxis(out, (-2, -1), (dim1, dim2))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        offset, dim1, dim2 = ctx.args
        return _shape.diagonal(grad, offset, dim1, dim2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """out[..., i, i + offset] = input[..., i]: the last dim of input as diagonals over (dim1, dim2)"""
    ndim = input.ndim + 1
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.ndim == 0:
        input = _shape.reshape(input, (1,))
    return DiagEmbed.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d input as the ``diagonal``-th diagonal of a square matrix; a 2-d input's diagonal (a copy)"""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return _ew.clone(_shape.diagonal(input, diagonal, 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """out = a square matrix with the flattened input on diagonal ``offset``"""
    return diag_embed(_shape.reshape(input, (-1,)), offset, 0, 1)


def trace(input: Tensor) -> Tensor:
    """out = sum_i input[i, i] (a 2-d input)"""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return _reduce.sum(_shape.diagonal(input, 0, 0, 1))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """out[i*m + k, j*n + l] = input[i, j] * other[k, l] (the Kronecker product, any ndim)"""
    nd = max(input.ndim, other.ndim)
    a_shape = (1,) * (nd - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (nd - other.ndim) + tuple(other.shape)
    # interleave the dims: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...), then merge pairs
    a = _shape.reshape(input, tuple(s for d in a_shape for s in (d, 1)))
    b = _shape.reshape(other, tuple(s for d in b_shape for s in (1, d)))
    return _shape.reshape(_ew.mul(a, b), tuple(x * y for x, y in zip(a_shape, b_shape)))


def _tensor_list(tensors: tuple[Any, ...]) -> list[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        return list(tensors[0])
    return list(tensors)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids: out[k][i0, i1, ...] = tensors[k][i_k] ('ij'); 'xy' swaps the first two dims"""
    ts = _tensor_list(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but received: {indexing}")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D"
            )
    sizes = [int(t.data.size) for t in ts]
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        axes[0], axes[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for t, ax in zip(ts, axes):
        shape = [1] * len(ts)
        shape[ax] = -1
        out.append(_shape.expand(_shape.reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)


def cartesian_prod(*tensors: Any) -> Tensor:
    """out = every combination of the 1-d inputs' elements, one per row (itertools.product order)"""
    ts = _tensor_list(tensors)
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return _shape.stack([_shape.reshape(g, (-1,)) for g in grids], 1)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The inputs expanded to their common broadcast shape (views)"""
    ts = _tensor_list(tensors)
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in ts))
    except ValueError:
        shapes = ", ".join(str(list(t.shape)) for t in ts)
        raise RuntimeError(
            f"shape mismatch: tensors with shapes {shapes} cannot be broadcast together"
        ) from None
    return tuple(t if tuple(t.shape) == shape else _shape.expand(t, shape) for t in ts)


def _atleast(tensors: tuple[Any, ...], fix: Callable[[Tensor], Tensor]) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fix(tensors[0])
    return tuple(fix(t) for t in _tensor_list(tensors))


def atleast_1d(*tensors: Any) -> Any:
    """Each input with at least 1 dim (a 0-d tensor becomes shape (1,))"""
    return _atleast(tensors, lambda t: _shape.reshape(t, (1,)) if t.ndim == 0 else t)


def atleast_2d(*tensors: Any) -> Any:
    """Each input with at least 2 dims (new dims in front)"""
    return _atleast(
        tensors, lambda t: _shape.reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t
    )


def _to_3d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return _shape.reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return _shape.reshape(t, (1, -1, 1))
    if t.ndim == 2:
        return _shape.unsqueeze(t, -1)
    return t


def atleast_3d(*tensors: Any) -> Any:
    """Each input with at least 3 dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)"""
    return _atleast(tensors, _to_3d)


def column_stack(tensors: Any) -> Tensor:
    """out = the inputs side by side as columns (0-d and 1-d inputs become columns)"""
    ts = [_shape.reshape(t, (-1, 1)) if t.ndim < 2 else t for t in tensors]
    return _shape.cat(ts, 1)


def ravel(input: Tensor) -> Tensor:
    """out = input flattened to 1-d"""
    return _shape.reshape(input, (-1,))


def diff(
    input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None
) -> Tensor:
    """out[i] = input[i + 1] - input[i] along ``dim``, ``n`` times (logical xor for bool)"""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = normalize_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = _shape.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = _shape.narrow(x, d, 1, length - 1), _shape.narrow(x, d, 0, length - 1)
        x = _ew.logical_xor(hi, lo) if x.data.dtype.kind == "b" else _ew.sub(hi, lo)
    return x


def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """out = each element (or slice along ``dim``) of input repeated ``repeats`` times in place.

    With ``input`` alone (an int vector r), out = arange(len(r)) with element i repeated r[i] times.
    """
    if repeats is None:
        return _const(input.xp.asarray(_repeat_index(input.data)))
    if dim is None:
        input, d = _shape.reshape(input, (-1,)), 0
    else:
        d = normalize_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.data.size == 1 and repeats.ndim <= 1:
        repeats = int(repeats.data.reshape(()).item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        shape = tuple(input.shape)
        x = _shape.unsqueeze(input, d + 1)
        x = _shape.expand(x, shape[: d + 1] + (repeats,) + shape[d + 1 :])
        return _shape.reshape(x, shape[:d] + (shape[d] * repeats,) + shape[d + 1 :])
    counts = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.shape[0] != input.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim")
    return _index.index_select(input, d, _const(input.xp.asarray(_repeat_index(counts))))


def _repeat_index(counts: Any) -> np.ndarray:
    """arange(len(counts)) with element i repeated counts[i] times (on the host: the output size
    depends on the values, and CuPy's repeat takes no array of counts)"""
    counts = to_numpy(counts)
    if counts.ndim != 1 or counts.dtype.kind not in "iu":
        raise RuntimeError("repeat_interleave only accepts a 1-d integer tensor of repeats")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """out = input with the positions where ``mask`` (broadcast to input) is True filled, in order,
    by the first elements of ``source``; gradients flow to both"""
    if not isinstance(mask, Tensor) or mask.data.dtype.kind != "b":
        raise RuntimeError("masked_scatter_ only supports boolean masks")
    if source.dtype != input.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got {input.dtype.name} "
            f"and {source.dtype.name}"
        )
    xp = input.xp
    try:
        flat_mask = xp.broadcast_to(mask.data, input.data.shape).reshape(-1)
    except ValueError:
        raise RuntimeError(
            f"The size of mask {list(mask.shape)} must be broadcastable to input {list(input.shape)}"
        ) from None
    positions = xp.flatnonzero(flat_mask)
    k = int(positions.shape[0])
    if k > source.data.size:
        raise RuntimeError(
            "masked_scatter: expected source to have at least as many elements as ones in mask"
        )
    values = _shape.narrow(_shape.reshape(source, (-1,)), 0, 0, k)
    out = _index.index_put(_shape.reshape(input, (-1,)), (_const(positions),), values)
    return _shape.reshape(out, tuple(input.shape))


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In place: input[mask] = the first elements of source, in order"""
    return inplace(input, masked_scatter(input, mask, source))


def fill_diagonal_(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """In place: input[i, i, ...] = fill_value (all dims equal beyond 2-d; ``wrap`` restarts tall
    matrices below the first square block, as NumPy's fill_diagonal)"""
    if input.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if input.ndim > 2 and len(set(input.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = input.xp
    mask = xp.zeros(tuple(input.shape), dtype=bool)
    xp.fill_diagonal(mask, True, wrap=wrap)
    return inplace(input, _index.masked_fill(input, _const(mask), fill_value))


def index_fill_(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """In place: input[..., index, ...] = value along ``dim``"""
    return inplace(input, _index.index_fill(input, dim, index, value))


# -- counting and searching (no gradients) ----------------------------------------------------


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements (or slices along ``dim``) of input, sorted; optionally the index of
    each input element in the result (``inverse``) and how often each occurs (``counts``)"""
    xp = input.xp
    data = input.data
    if dim is None:
        values, inverse, counts = xp.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        d = normalize_dim(dim, input.ndim)
        values, inverse, counts = xp.unique(data, return_inverse=True, return_counts=True, axis=d)
        inverse = inverse.reshape(-1)
    out = _const(values)
    if not return_inverse and not return_counts:
        return out
    result = [out]
    if return_inverse:
        result.append(_const(inverse.astype(xp.int64)))
    if return_counts:
        result.append(_const(counts.astype(xp.int64)))
    return tuple(result)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """out[v] = the number of times v occurs in the non-negative int vector input (or the sum of
    ``weights`` there)"""
    if input.ndim != 1 or input.data.dtype.kind not in "iub":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = input.xp
    data = input.data
    if data.size and int(data.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _const(xp.bincount(data, minlength=minlength).astype(xp.int64))
    if weights.shape != input.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = weights.data
    out_dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return _const(xp.bincount(data, weights=w, minlength=minlength).astype(out_dtype))


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """out = the index where each value would be inserted to keep ``sorted_sequence`` sorted (its
    last dim; leading dims batch). ``right``/side='right' puts equal values after their matches."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("side and right can't be set to opposites")
        right = side == "right"
    seq = sorted_sequence.data
    xp = sorted_sequence.xp
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.data, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input.data
    out_dtype = xp.int32 if out_int32 else xp.int64
    side_ = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(seq, values, side=side_)
    else:
        if values.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}"
            )
        # count, per value, the sequence elements before it: O(n * m) but batched without loops
        cmp = seq[..., None, :] <= values[..., :, None] if right else seq[..., None, :] < values[..., :, None]
        out = cmp.sum(-1)
    return _const(xp.asarray(out).astype(out_dtype))


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """out = the bucket index of each element: boundaries[i-1] < x <= boundaries[i] (right=False),
    boundaries[i-1] <= x < boundaries[i] (right=True)"""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """out = counts of input in ``bins`` equal bins over [min, max] (the data's range if min == max);
    elements outside are ignored"""
    if input.data.dtype.kind != "f":
        raise RuntimeError(f'"histogram_cpu" not implemented for {input.dtype.name!r}')
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    xp = input.xp
    data = input.data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = xp.histogram(data, bins=bins, range=(lo, hi))
    return _const(counts.astype(data.dtype))


# -- order statistics (gradients through sort / gather) ---------------------------------------


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """(values, indices) of the k-th smallest element along ``dim`` (k counts from 1)"""
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    xp = input.xp
    if input.ndim == 0:
        return _KthvalueResult(_ew.clone(input), _const(xp.zeros((), dtype=np.int64)))
    # a partial sort (O(n)) puts the k-th smallest at position k - 1; the gradient goes through gather
    order = xp.argpartition(input.data, k - 1, axis=d)
    idx = _const(xp.take(order, [k - 1], axis=d).astype(np.int64))
    v, i = _index.gather(input, d, idx), idx
    if not keepdim:
        v, i = _shape.squeeze(v, d), _shape.squeeze(i, d)
    return _KthvalueResult(v, i)


_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """out = the q-th quantile of input along ``dim`` (all elements if None): the sorted values at
    rank q * (n - 1), interpolated. A NaN in a row makes its quantiles NaN. With a 1-d ``q``, the
    quantiles are the first dim of the result."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """quantile ignoring NaNs (a row of only NaNs gives NaN)"""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    name = "nanquantile" if ignore_nan else "quantile"
    if input.data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _QUANTILE_MODES:
        raise ValueError(
            f"{name}() interpolation must be one of {', '.join(_QUANTILE_MODES)}. Got {interpolation}"
        )
    xp = input.xp
    q_scalar = not isinstance(q, Tensor)
    qa = xp.asarray([float(q)] if q_scalar else q.data, dtype=input.data.dtype).reshape(-1)
    if not q_scalar and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if qa.size and (bool((qa < 0).any()) or bool((qa > 1).any())):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    orig_ndim = input.ndim
    if dim is None:
        x, d = _shape.reshape(input, (-1,)), 0
    else:
        d = normalize_dim(dim, orig_ndim)
        x = input if orig_ndim else _shape.reshape(input, (1,))
    x = _shape.movedim(x, d, -1)  # rows along the last dim
    values = _reduce.sort(x, -1)[0]  # NaNs sort last
    nan = xp.isnan(x.data)
    n_valid = (
        (x.shape[-1] - nan.sum(-1, keepdims=True))
        if ignore_nan
        else xp.full(x.shape[:-1] + (1,), x.shape[-1])
    )
    # ranks per (row, q): shape (*rows, nq)
    rank = (qa * xp.maximum(n_valid - 1, 0)).astype(qa.dtype)
    if interpolation == "lower":
        rank = xp.floor(rank)
    elif interpolation == "higher":
        rank = xp.ceil(rank)
    elif interpolation == "nearest":
        rank = xp.round(rank)
    lo, hi = xp.floor(rank), xp.ceil(rank)
    weight = (rank - lo) if interpolation != "midpoint" else xp.full_like(rank, 0.5)
    lo, hi = lo.astype(np.int64), hi.astype(np.int64)
    v_lo = _index.gather(values, -1, _const(lo))
    v_hi = _index.gather(values, -1, _const(hi))
    out = _ew.add(v_lo, _ew.mul(_ew.sub(v_hi, v_lo), _const(weight)))
    bad = (n_valid == 0) if ignore_nan else nan.any(-1, keepdims=True)
    if bool(bad.any()):
        out = _ew.where(_const(xp.broadcast_to(bad, out.shape)), float("nan"), out)
    # out: (*rows, nq) -> q first, then the reduced dims
    out = _shape.movedim(out, -1, 0)
    if keepdim:
        if dim is None:
            out = _shape.reshape(out, (out.shape[0],) + (1,) * orig_ndim)
        else:
            out = _shape.unsqueeze(out, d + 1) if orig_ndim else out
    if q_scalar:
        out = _shape.squeeze(out, 0)
    return out


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = mean of the non-NaN elements of input over ``dim``"""
    if input.data.dtype.kind != "f":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point dtype but got {input.dtype.name}"
        )
    if dtype is not None:
        input = input.to(dtype=dtype)
    count = _reduce.sum(_ew.logical_not(_ew.isnan(input)), dim, keepdim).to(dtype=input.dtype)
    return _ew.div(_reduce.nansum(input, dim, keepdim), count)


def _run_bounds(xp: Any, s: Any) -> tuple[Any, Any]:
    """For each position of the sorted rows ``s`` (last dim), the first and last index of its run
    of equal values."""
    n = s.shape[-1]
    pos = xp.broadcast_to(xp.arange(n), s.shape)
    new = xp.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    start = xp.maximum.accumulate(xp.where(new, pos, 0), axis=-1)
    last = xp.ones(s.shape, dtype=bool)
    last[..., :-1] = new[..., 1:]
    end = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(last, pos, n), -1), axis=-1), -1)
    return start, end


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """(values, indices): the most frequent value along ``dim`` (the smallest among ties) and the
    index of its last occurrence; the gradient flows to that index"""
    xp = input.xp
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _ModeResult(_ew.clone(input), _const(xp.zeros((), dtype=np.int64)))
    d = normalize_dim(dim, input.ndim)
    data = xp.moveaxis(input.data, d, -1)
    order = xp.argsort(data, axis=-1, kind="stable")
    s = xp.take_along_axis(data, order, axis=-1)
    start, end = _run_bounds(xp, s)
    best = xp.argmax(end - start, axis=-1)[..., None]  # first longest run: the smallest value
    last = xp.take_along_axis(end, best, axis=-1)  # stable sort: the run's last is the last index
    idx = xp.take_along_axis(order, last, axis=-1).astype(np.int64)
    idx = xp.moveaxis(idx, -1, d)
    values = _index.gather(input, d, _const(idx))
    indices = _const(idx)
    if not keepdim:
        values, indices = _shape.squeeze(values, d), _shape.squeeze(indices, d)
    return _ModeResult(values, indices)


def _cum_extreme(input: Tensor, dim: int, largest: bool) -> tuple[Tensor, Tensor]:
    xp = input.xp
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _ew.clone(input), _const(xp.zeros((), dtype=np.int64))
    d = normalize_dim(dim, input.ndim)
    data = input.data
    if data.shape[d] == 0:
        return _ew.clone(input), _const(xp.zeros(data.shape, dtype=np.int64))
    ufunc = xp.maximum if largest else xp.minimum
    running = ufunc.accumulate(data, axis=d)
    shape = [1] * data.ndim
    shape[d] = -1
    pos = xp.arange(data.shape[d]).reshape(shape)
    # a new extreme (or a tie, or NaN) moves the index forward, as PyTorch's >= / <= scan does
    hit = (data == running) | (data != data)
    idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d).astype(np.int64)
    return _index.gather(input, d, _const(idx)), _const(idx)


def cummax(input: Tensor, dim: int) -> Any:
    """(values, indices): out[i] = max(input[:i+1]) along ``dim`` and where it was (the latest tie)"""
    return _CummaxResult(*_cum_extreme(input, dim, True))


def cummin(input: Tensor, dim: int) -> Any:
    """(values, indices): out[i] = min(input[:i+1]) along ``dim`` and where it was (the latest tie)"""
    return _CumminResult(*_cum_extreme(input, dim, False))


# -- elementwise math --------------------------------------------------------------------------


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """out = 0 where input < 0, values where input == 0, 1 where input > 0 (no gradient)"""
    a, b = binary_operands(input, values)
    xp = a.xp
    bv = b.data if isinstance(b, Tensor) else b
    out = xp.where(a.data == 0, bv, (a.data > 0).astype(a.data.dtype))
    return _const(xp.asarray(out, dtype=a.data.dtype))


def sinc(input: Tensor) -> Tensor:
    """out = sin(pi x) / (pi x), and 1 at x = 0"""
    x = _float(input)
    zero = _ew.eq(x, 0)
    safe = _ew.where(zero, 1.0, x) * math.pi
    return _ew.where(zero, 1.0, _ew.sin(safe) / safe)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """out = log(x / (1 - x)), x clamped to [eps, 1 - eps] when ``eps`` is given"""
    x = _float(input)
    if eps is not None:
        x = _ew.clamp(x, eps, 1.0 - eps)
    return _ew.log(x / (1.0 - x))


def xlogy(input: Any, other: Any) -> Tensor:
    """out = input * log(other), and 0 where input == 0 (unless other is NaN).

    Where input == 0 the output is held at 0, so both gradients there are 0 (PyTorch's formulas give
    log(0) = -inf and 0/0 = NaN at input == other == 0, as in entropies of zero probabilities).
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): at least one argument must be a Tensor")
    a, b = binary_operands(input, other)
    ref = _float(a if isinstance(a, Tensor) else b)
    a_t = _float(a) if isinstance(a, Tensor) else _const(ref.xp.asarray(a, dtype=ref.data.dtype))
    b_t = _float(b) if isinstance(b, Tensor) else _const(ref.xp.asarray(b, dtype=ref.data.dtype))
    zero = _ew.logical_and(_ew.eq(a_t, 0), _ew.logical_not(_ew.isnan(b_t)))
    safe_b = _ew.where(zero, 1.0, b_t)  # keeps log(0) out of the gradient where the output is 0
    return _ew.where(zero, 0.0, a_t * _ew.log(safe_b))


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """out = max(input, min)"""
    return _ew.clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """out = min(input, max)"""
    return _ew.clamp(input, max=max)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """out = log(e^input + e^other), computed as m + log(e^(input-m) + e^(other-m)), m the max"""
    a, b = binary_operands(input, other)
    a, b = _float(a), _float(b)
    with grad_mode.no_grad():
        m = _ew.maximum(a, b)
        m = _ew.where(_ew.isfinite(m), m, 0.0)  # both -inf (or an inf): no inf - inf
    return _ew.log(_ew.exp(a - m) + _ew.exp(b - m)) + m


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """out = sqrt(input^2 + other^2)"""
    a, b = binary_operands(input, other)
    return _ew.sqrt(a * a + b * b)


def deg2rad(input: Tensor) -> Tensor:
    """out = input * pi / 180"""
    return _float(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """out = input * 180 / pi"""
    return _float(input) * (180.0 / math.pi)


# -- more names from ported programs: composed from the families ------------------------------


def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None, layout: Any = None
) -> Tensor:
    """out = the (2, N) row and column indices of the upper triangle (j - i >= offset), row-major"""
    from ndgrad.ops.factory import tensor

    rows, cols = np.triu_indices(row, offset, col)
    return tensor(np.stack([rows, cols]), dtype=dtype or _dtype.int64, device=device)


def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None, layout: Any = None
) -> Tensor:
    """out = the (2, N) row and column indices of the lower triangle (j - i <= offset), row-major"""
    from ndgrad.ops.factory import tensor

    rows, cols = np.tril_indices(row, offset, col)
    return tensor(np.stack([rows, cols]), dtype=dtype or _dtype.int64, device=device)


def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:
    """out = input rotated by k * 90 degrees in the plane ``dims``, from dims[0] towards dims[1]"""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = normalize_dim(dims[0], input.ndim), normalize_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return _shape.transpose(_shape.flip(input, (d1,)), d0, d1)
    if k == 2:
        return _shape.flip(input, (d0, d1))
    if k == 3:
        return _shape.flip(_shape.transpose(input, d0, d1), (d1,))
    return _ew.clone(input)


def fliplr(input: Tensor) -> Tensor:
    """out = input with its columns (dim 1) reversed"""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _shape.flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """out = input with its rows (dim 0) reversed"""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _shape.flip(input, (0,))


def dstack(tensors: Any) -> Tensor:
    """out = the inputs joined depth-wise (along dim 2, after atleast_3d)"""
    return _shape.cat([_to_3d(t) for t in tensors], 2)


def row_stack(tensors: Any) -> Tensor:
    """out = vstack(tensors)"""
    return _shape.vstack(tensors)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """out = input's values at ``indices`` along ``dim`` (other dims broadcast); flat with dim=None"""
    if dim is None:
        return _index.gather(_shape.reshape(input, (-1,)), 0, _shape.reshape(indices, (-1,)))
    d = normalize_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions"
        )
    shape_in, shape_idx = list(input.shape), list(indices.shape)
    shape_in[d] = shape_idx[d] = 1
    common = list(np.broadcast_shapes(tuple(shape_in), tuple(shape_idx)))
    want_in, want_idx = list(common), list(common)
    want_in[d], want_idx[d] = input.shape[d], indices.shape[d]
    x = input if list(input.shape) == want_in else _shape.expand(input, tuple(want_in))
    idx = indices if list(indices.shape) == want_idx else _shape.expand(indices, tuple(want_idx))
    return _index.gather(x, d, idx)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """out = whether each element of ``elements`` occurs in ``test_elements`` (no gradient)"""
    ref = elements if isinstance(elements, Tensor) else test_elements
    xp = ref.xp
    a = elements.data if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements.data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return _const(xp.asarray(xp.isin(a, b, assume_unique=assume_unique, invert=invert)))


def signbit(input: Tensor) -> Tensor:
    """out = whether the sign bit is set (True for -0.0 and negative numbers)"""
    return _const(input.xp.signbit(input.data))


def copysign(input: Any, other: Any) -> Tensor:
    """out = |input| with the sign of other (the sign bit, so -0.0 counts as negative)"""
    a, b = binary_operands(input, other)
    a = _float(a) if isinstance(a, Tensor) else float(a)
    ref = a if isinstance(a, Tensor) else _float(b)
    b_sign = ref.xp.signbit(b.data if isinstance(b, Tensor) else ref.xp.asarray(b))
    magnitude = _ew.abs(a) if isinstance(a, Tensor) else _const(ref.xp.asarray(abs(a), dtype=ref.data.dtype))
    return _ew.where(_const(b_sign), -magnitude, magnitude)


def erfc(input: Tensor) -> Tensor:
    """out = 1 - erf(input)"""
    return 1.0 - _ew.erf(_float(input))


class LogCumSumExp(Op):
    """out[i] = log(sum_{j <= i} e^x[j]) along ``dim`` (NumPy's logaddexp.accumulate: stable)

    The backward is the log-space form PyTorch uses (after TensorFlow): with g split into its positive
    and negative parts, grad_x = e^(x + revlogcumsumexp(log g+ - out)) - (the same for g-), where
    revlogcumsumexp runs from the end. Written
    with this op itself, so it can be differentiated again, and stable where out spans a wide range.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0) -> Any:
        ctx.dim = dim
        xp = xp_of(x)
        if xp is np:
            out = np.logaddexp.accumulate(x, axis=dim)
        else:  # CuPy has no logaddexp.accumulate: shift by the max, then a cumsum
            m = xp.max(x, axis=dim, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            with np.errstate(divide="ignore"):
                out = xp.log(xp.cumsum(xp.exp(x - m), axis=dim)) + m
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        d = ctx.dim

        def reverse_lcse(t: Tensor) -> Tensor:
            return _shape.flip(LogCumSumExp.apply(_shape.flip(t, (d,)), dim=d), (d,))

        # the dtype's lowest finite number stands for log(0): -inf would give inf - inf one order up
        # (one order up, lowest - lowest may overflow to inf: harmless, its exp is 0 or masked)
        lowest = float(np.finfo(grad.data.dtype).min)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_abs = _ew.log(_ew.abs(grad))
            pos = _ew.where(grad > 0, log_abs, lowest)
            neg = _ew.where(grad < 0, log_abs, lowest)
            return _ew.exp(reverse_lcse(pos - out) + x) - _ew.exp(reverse_lcse(neg - out) + x)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """out[i] = log(sum_{j <= i} e^input[j]) along ``dim``"""
    x = _float(input)
    if x.ndim == 0:
        normalize_dim(dim, 0)
        return _ew.clone(x)
    d = normalize_dim(dim, x.ndim)
    if x.data.size == 0:
        return _ew.clone(x)
    return LogCumSumExp.apply(x, dim=d)


def cov(input: Tensor, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    """out = the covariance of the variables (rows) over the observations (columns):
    (x - mean)(x - mean)^T / (N - correction)"""
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if fweights is not None or aweights is not None:
        raise NotImplementedError("ndgrad.cov: fweights and aweights are not supported")
    x = _float(input)
    x = _shape.reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x.shape[1]
    centered = x - _reduce.mean(x, 1, True)
    c = _la_matmul(centered, _shape.t(centered)) / float(max(n - correction, 0))
    return _shape.reshape(c, ()) if input.ndim < 2 else c


def _la_matmul(a: Tensor, b: Tensor) -> Tensor:
    from ndgrad.ops.linalg import matmul

    return matmul(a, b)


def corrcoef(input: Tensor) -> Tensor:
    """out = the Pearson correlation coefficients of the rows: cov / sqrt(var_i var_j), clipped to [-1, 1]"""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = _ew.sqrt(_shape.diagonal(c, 0, 0, 1))
    return _ew.clamp(c / _shape.unsqueeze(d, 1) / _shape.unsqueeze(d, 0), -1.0, 1.0)


def block_diag(*tensors: Tensor) -> Tensor:
    """out = the inputs (0-, 1- or 2-d) as blocks on the diagonal of a matrix of zeros"""
    from ndgrad.ops.pad import pad

    if not tensors:
        from ndgrad.ops.factory import empty

        return empty(1, 0)
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {i} has {t.ndim} dimensions"
            )
        mats.append(_shape.reshape(t, (1, -1)) if t.ndim < 2 else t)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = _dtype.promote_types(dt, m.dtype)
    total = sum(int(m.shape[1]) for m in mats)
    rows, left = [], 0
    for m in mats:
        width = int(m.shape[1])
        m = m if m.dtype is dt else m.to(dtype=dt)
        rows.append(pad(m, (left, total - left - width)))
        left += width
    return _shape.cat(rows, 0)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """out = sum_i (x[i+1] - x[i]) (y[i+1] + y[i]) / 2 along ``dim`` (spacing ``dx``, default 1)"""
    d = normalize_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return _reduce.sum(_float(y), d)
    hi, lo = _shape.narrow(y, d, 1, n - 1), _shape.narrow(y, d, 0, n - 1)
    if x is None:
        return _reduce.sum(hi + lo, d) * ((1.0 if dx is None else dx) / 2.0)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[d] = -1
        x = _shape.reshape(x, tuple(shape))
        dxs = _misc_diff_along(x, d)
    else:
        dxs = _misc_diff_along(x, normalize_dim(dim, x.ndim))
    return _reduce.sum(dxs * (hi + lo), d) / 2.0


def _misc_diff_along(x: Tensor, d: int) -> Tensor:
    n = x.shape[d]
    return _shape.narrow(x, d, 1, n - 1) - _shape.narrow(x, d, 0, n - 1)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """The input with each run of equal consecutive elements (or slices along ``dim``) kept once;
    optionally each element's run number (``inverse``) and the run lengths (``counts``)"""
    xp = input.xp
    if dim is None:
        flat = input.data.reshape(-1)
        rows = flat.reshape(-1, 1)
    else:
        d = normalize_dim(dim, input.ndim)
        flat = xp.moveaxis(input.data, d, 0)
        rows = flat.reshape(flat.shape[0], -1)
    n = rows.shape[0]
    start = xp.ones(n, dtype=bool)
    if n > 1:
        start[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    values = flat[start]
    if dim is not None:
        values = xp.moveaxis(values, 0, d)
    result = [_const(values)]
    if return_inverse:
        inverse = xp.cumsum(start) - 1
        result.append(_const(inverse.reshape(input.data.shape if dim is None else (-1,)).astype(np.int64)))
    if return_counts:
        bounds = xp.concatenate([xp.flatnonzero(start), xp.asarray([n])])
        result.append(_const(xp.diff(bounds).astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """out = beta * input + alpha * (mat @ vec); input is ignored when beta == 0"""
    from ndgrad.ops.linalg import mv

    return _scaled_add(input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """out = beta * input + alpha * outer(vec1, vec2); input is ignored when beta == 0"""
    from ndgrad.ops.linalg import outer

    return _scaled_add(input, outer(vec1, vec2), beta, alpha)


def _scaled_add(input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return _shape.expand(out, np.broadcast_shapes(tuple(out.shape), tuple(input.shape)))
    return out + (input if beta == 1 else input * beta)


def is_complex(input: Tensor) -> bool:
    """False: ndgrad has no complex dtypes."""
    return bool(input.data.dtype.kind == "c")


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of input along ``dim``: n near-equal parts (the first size % n one longer), or cut at
    the given indices"""
    d = normalize_dim(dim, input.ndim)
    length = input.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.data.item() if spec.ndim == 0 else [int(i) for i in spec.tolist()]
    if isinstance(spec, int | np.integer):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        size, extra = divmod(length, n)
        sizes = [size + 1] * extra + [size] * (n - extra)
        cuts = np.cumsum([0] + sizes).tolist()
    else:
        cuts = [0] + [min(max(int(i) if i >= 0 else int(i) + length, 0), length) for i in spec] + [length]
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        a = min(a, length)
        pieces.append(_shape.narrow(input, d, a, max(b - a, 0)))
    return tuple(pieces)


def _split_even(input: Tensor, sections: Any, dim: int, name: str) -> tuple[Tensor, ...]:
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
            f"{input.shape[dim]} is not divisible by the split_size {sections}!"
        )
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 1 (dim 0 for 1-d); an int must divide the size evenly"""
    if input.ndim < 1:
        raise RuntimeError(
            "torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 dimensions!"
        )
    return _split_even(input, sections, 1 if input.ndim > 1 else 0, "hsplit")


def vsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 0 (at least 2-d); an int must divide the size evenly"""
    if input.ndim < 2:
        raise RuntimeError(
            "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    return _split_even(input, sections, 0, "vsplit")


def dsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along dim 2 (at least 3-d); an int must divide the size evenly"""
    if input.ndim < 3:
        raise RuntimeError(
            "torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    return _split_even(input, sections, 2, "dsplit")


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """out = ||input - other||_p over all elements"""
    return _reduce.norm(_ew.sub(input, other), p)


def msort(input: Tensor) -> Tensor:
    """out = input sorted along dim 0"""
    return _reduce.sort(input, 0)[0]


def adjoint(input: Tensor) -> Tensor:
    """out = the transpose of the last two dims (a view; ndgrad has no complex conjugate)"""
    return _shape.transpose(input, -2, -1)


def positive(input: Tensor) -> Tensor:
    """out = input (refuses bool, as PyTorch does)"""
    if input.data.dtype.kind == "b":
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rsub(input: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """out = other - alpha * input"""
    return (
        _ew.sub(other, input, alpha=alpha)
        if isinstance(other, Tensor)
        else _ew.add(-_ew.mul(input, alpha), other)
    )


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """out = the greatest common divisor, elementwise (integers)"""
    a, b = binary_operands(input, other)
    return _const(a.xp.gcd(a.data, b.data if isinstance(b, Tensor) else b))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """out = the least common multiple, elementwise (integers)"""
    a, b = binary_operands(input, other)
    return _const(a.xp.lcm(a.data, b.data if isinstance(b, Tensor) else b))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """out = log2(2^input + 2^other)"""
    ln2 = math.log(2.0)
    return logaddexp(_float(input) * ln2, _float(other) * ln2) / ln2


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in an array of ``shape`` of flat (row-major) ``indices``"""
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if isinstance(indices, Tensor):
        if indices.data.dtype.kind not in "iu":
            raise TypeError("expected 'indices' to be integer dtype, but got " + indices.dtype.name)
        xp, data = indices.xp, indices.data
    else:
        xp, data = np, np.asarray(indices)
    size = int(np.prod(shape))
    data = xp.where(data < 0, data + size, data)
    if data.size and (bool((data < 0).any()) or bool((data >= size).any())):
        raise RuntimeError("'indices' must be in range [-size, size) of the shape")
    return tuple(_const(c.astype(np.int64)) for c in xp.unravel_index(data, shape))


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """out = a copy of input.narrow(dim, start, length)"""
    return _ew.clone(_shape.narrow(input, dim, start, length))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """out = input with out[..., index[i], ...] = source[..., i, ...] along ``dim``"""
    if input.ndim == 0:
        return _ew.clone(_shape.reshape(source, ()))
    d = normalize_dim(dim, input.ndim)
    moved = _shape.movedim(input, d, 0)
    src = _shape.movedim(source, d, 0) if source.ndim else source
    return _shape.movedim(_index.index_put(moved, (index,), src), 0, d)


def index_copy_(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In place: input[..., index[i], ...] = source[..., i, ...] along ``dim``"""
    return inplace(input, index_copy(input, dim, index, source))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """out = input with out.flatten()[index] = source (or += with ``accumulate``)"""
    flat = _shape.reshape(input, (-1,))
    out = _index.index_put(flat, (_shape.reshape(index, (-1,)),), _shape.reshape(source, (-1,)), accumulate)
    return _shape.reshape(out, tuple(input.shape))


def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In place: input.flatten()[index] = source (or += with ``accumulate``)"""
    return inplace(input, put(input, index, source, accumulate))


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """out = input summed down to ``size`` (which input must broadcast from): Tensor.sum_to_size"""
    target = tuple(
        int(s) for s in (size[0] if len(size) == 1 and isinstance(size[0], tuple | list) else size)
    )
    lead = input.ndim - len(target)
    if lead < 0 or np.broadcast_shapes(target, tuple(input.shape)) != tuple(input.shape):
        raise RuntimeError(f"size {list(target)} is not expandable to size {list(input.shape)}.")
    out = _reduce.sum(input, tuple(range(lead))) if lead else input
    dims = tuple(i for i, s in enumerate(target) if s == 1 and out.shape[i] != 1)
    return _reduce.sum(out, dims, True) if dims else out


# In-place forms (PyTorch has these as Tensor methods, and some at the top level too).
def floor_(input: Tensor) -> Tensor:
    return inplace(input, _ew.floor(input))


def ceil_(input: Tensor) -> Tensor:
    return inplace(input, _ew.ceil(input))


def trunc_(input: Tensor) -> Tensor:
    return inplace(input, _ew.trunc(input))


def round_(input: Tensor, decimals: int = 0) -> Tensor:
    return inplace(input, _ew.round(input, decimals=decimals))


def sign_(input: Tensor) -> Tensor:
    return inplace(input, _ew.sign(input))


def log_(input: Tensor) -> Tensor:
    return inplace(input, _ew.log(input))


def log1p_(input: Tensor) -> Tensor:
    return inplace(input, _ew.log1p(input))


def sin_(input: Tensor) -> Tensor:
    return inplace(input, _ew.sin(input))


def cos_(input: Tensor) -> Tensor:
    return inplace(input, _ew.cos(input))


def square_(input: Tensor) -> Tensor:
    return inplace(input, _ew.square(input))


def reciprocal_(input: Tensor) -> Tensor:
    return inplace(input, _ew.reciprocal(input))


def fmod_(input: Tensor, other: Any) -> Tensor:
    return inplace(input, _ew.fmod(input, other))


def remainder_(input: Tensor, other: Any) -> Tensor:
    return inplace(input, _ew.remainder(input, other))


def logical_not_(input: Tensor) -> Tensor:
    return inplace(input, _ew.logical_not(input))


def nan_to_num_(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    return inplace(input, _ew.nan_to_num(input, nan, posinf, neginf))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    return inplace(input, _shape.triu(input, diagonal))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    return inplace(input, _shape.tril(input, diagonal))
