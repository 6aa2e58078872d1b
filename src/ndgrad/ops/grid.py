"""Matrices, grids, stacks and splits: ``diag*``, ``trace``, ``kron``, ``meshgrid``,
``cartesian_prod``, ``block_diag``, ``tril/triu_indices``, ``rot90``, flips, ``atleast_*d``, the
extra stacks and ``tensor_split`` / ``h/v/dsplit``.

All but ``DiagEmbed`` (which has its own backward) are compositions of shape, index and
elementwise ops, so their gradients come for free; the index generators have none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import to_numpy, xp_of
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as _ew
from ndgrad.ops import gather_scatter as _gs
from ndgrad.ops import join as _join
from ndgrad.ops import reduce as _reduce
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import normalize_dim, refuse_bool
from ndgrad.tensor import Tensor

__all__ = [
    "diag_embed",
    "diag",
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
    "triu_indices",
    "tril_indices",
    "rot90",
    "fliplr",
    "flipud",
    "dstack",
    "row_stack",
    "block_diag",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
]


class DiagEmbed(Op):
    """out[..., i, i + offset] = x[..., i] over output dims (dim1, dim2), zeros elsewhere"""

    @staticmethod
    def forward(ctx: Any, x: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        ctx.save_for_backward(int(offset), int(dim1), int(dim2))
        xp = xp_of(x)
        n = x.shape[-1]
        m = n + abs(offset)
        out = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
        i = xp.arange(n)
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x
        return xp.moveaxis(out, (-2, -1), (dim1, dim2))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        offset, dim1, dim2 = ctx.saved_tensors
        return _shape.diagonal(grad, offset, dim1, dim2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """out[..., i, i + offset] = input[..., i]: the last dim of input as diagonals over (dim1,
    dim2)"""
    ndim = input.ndim + 1
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.ndim == 0:
        input = _shape.reshape(input, (1,))
    return DiagEmbed.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d input as the ``diagonal``-th diagonal of a square matrix; a 2-d input's diagonal (a
    copy)"""
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
    refuse_bool("trace", input)
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
    """Coordinate grids: out[k][i0, i1, ...] = tensors[k][i_k] ('ij'); 'xy' swaps the first two
    dims"""
    ts = _tensor_list(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but received: {indexing}"
        )
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D"
            )
    sizes = [int(t.array.size) for t in ts]
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
    return _join.stack([_shape.reshape(g, (-1,)) for g in grids], 1)


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
        tensors,
        lambda t: _shape.reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t,
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
    return _join.cat(ts, 1)


def ravel(input: Tensor) -> Tensor:
    """out = input flattened to 1-d"""
    return _shape.reshape(input, (-1,))


def diff(
    input: Tensor,
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """out[i] = input[i + 1] - input[i] along ``dim``, ``n`` times (logical xor for bool)"""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = normalize_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = _join.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = _shape.narrow(x, d, 1, length - 1), _shape.narrow(x, d, 0, length - 1)
        x = _ew.logical_xor(hi, lo) if x.array.dtype.kind == "b" else _ew.sub(hi, lo)
    return x


def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """out = each element (or slice along ``dim``) of input repeated ``repeats`` times in place.

    With ``input`` alone (an int vector r), out = arange(len(r)) with element i repeated r[i] times.
    """
    if repeats is None:
        return _const(input.xp.asarray(_repeat_index(input.array)))
    if dim is None:
        input, d = _shape.reshape(input, (-1,)), 0
    else:
        d = normalize_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.array.size == 1 and repeats.ndim <= 1:
        repeats = int(repeats.array.reshape(()).item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        shape = tuple(input.shape)
        x = _shape.unsqueeze(input, d + 1)
        x = _shape.expand(x, shape[: d + 1] + (repeats,) + shape[d + 1 :])
        return _shape.reshape(x, shape[:d] + (shape[d] * repeats,) + shape[d + 1 :])
    counts = repeats.array if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.shape[0] != input.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim")
    return _gs.index_select(input, d, _const(input.xp.asarray(_repeat_index(counts))))


def _repeat_index(counts: Any) -> np.ndarray:
    """arange(len(counts)) with element i repeated counts[i] times (on the host: the output size
    depends on the values, and CuPy's repeat takes no array of counts)"""
    counts = to_numpy(counts)
    if counts.ndim != 1 or counts.dtype.kind not in "iu":
        raise RuntimeError("repeat_interleave only accepts a 1-d integer tensor of repeats")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    """out = the (2, N) row and column indices of the upper triangle (j - i >= offset), row-major"""
    from ndgrad.ops.factory import tensor

    rows, cols = np.triu_indices(row, offset, col)
    return tensor(np.stack([rows, cols]), dtype=dtype or _dtype.int64, device=device)


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
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
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
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
    return _join.cat([_to_3d(t) for t in tensors], 2)


def row_stack(tensors: Any) -> Tensor:
    """out = vstack(tensors)"""
    return _join.vstack(tensors)


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
    return _join.cat(rows, 0)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of input along ``dim``: n near-equal parts (the first size % n one longer), or cut at
    the given indices"""
    d = normalize_dim(dim, input.ndim)
    length = input.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.array.item() if spec.ndim == 0 else [int(i) for i in spec.tolist()]
    if isinstance(spec, int | np.integer):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        size, extra = divmod(length, n)
        sizes = [size + 1] * extra + [size] * (n - extra)
        cuts = np.cumsum([0] + sizes).tolist()
    else:
        cuts = (
            [0]
            + [min(max(int(i) if i >= 0 else int(i) + length, 0), length) for i in spec]
            + [length]
        )
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
            "torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 "
            "dimensions!"
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
