"""Gather and scatter, index_select/index_add/index_fill/index_copy, masks, take and put.

Each builds a NumPy key from its index tensor (``_along_key`` for gather/scatter, ``_dim_key`` for
the index_* ops) and calls one of the indexing primitives (``Index``, ``IndexPut``) of
ops/index_primitives.py, which carry the gradients. Writing in place goes through ops/index.py's
``_put_`` and ``_write``, as ``t[key] = v`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd import grad_mode
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import inplace, normalize_dim
from ndgrad.ops.elementwise import clone, where
from ndgrad.ops.index import _cast_value, _put_, _torch_message, _write, getitem, index_put
from ndgrad.ops.index_primitives import Index, IndexPut
from ndgrad.tensor import Tensor

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "index_add",
    "index_fill",
    "masked_fill",
    "masked_select",
    "nonzero",
    "argwhere",
    "take",
    "take_along_dim",
    "masked_scatter",
    "index_copy",
]


# -- gather and scatter ------------------------------------------------------------------------


def _int_index(index: Any, op: str, input: Tensor) -> Any:
    """The array of an int32/int64 index tensor, on input's device."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    arr = index.array
    if arr.dtype != np.int64 and arr.dtype != np.int32:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if _backend.xp_of(arr) is not input.xp:
        arr = input.xp.asarray(_backend.to_numpy(arr))
    return arr


def _along_key(input: Tensor, dim: int, index: Any, op: str, src: Any = None) -> tuple[Any, ...]:
    """The key reading input[i][j][k] -> input[i][index[i][j][k]][k] (for dim 1) and so on."""
    idx = _int_index(index, op, input)
    n = max(input.ndim, 1)
    if idx.ndim != input.ndim and not (idx.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    d = normalize_dim(dim, n)
    idx = idx.reshape(idx.shape if idx.ndim else (1,))
    in_shape = tuple(input.shape) if input.ndim else (1,)
    bad = _out_of_range(idx, in_shape[d])
    if bad is not None:
        raise RuntimeError(
            f"index {bad} is out of bounds for dimension {d} with size {in_shape[d]}"
        )
    for k in range(n):
        if k != d and idx.shape[k] > in_shape[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                f"smaller than self {list(input.shape)} apart from dimension {d}"
            )
        if src is not None and idx.shape[k] > (src.shape[k] if src.ndim else 1):
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                f"smaller than src {list(src.shape)} apart from dimension {d}"
            )
    xp = input.xp
    key = []
    for k in range(n):
        if k == d:
            key.append(idx)
        else:
            shape = [1] * n
            shape[k] = idx.shape[k]
            key.append(xp.arange(idx.shape[k]).reshape(shape))
    if input.ndim == 0:
        key = [idx.reshape(index.shape)]  # a 0-d input is read as its one element
    return tuple(key)


def _out_of_range(idx: Any, n: int) -> int | None:
    """An index outside [0, n) (these ops take no negative indices, as in PyTorch), or None."""
    if idx.size == 0:
        return None
    lo, hi = int(idx.min()), int(idx.max())
    return lo if lo < 0 else hi if hi >= n else None


def _flat(input: Tensor) -> Tensor:
    return _shape.reshape(input, (1,)) if input.ndim == 0 else input


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (dim 0), input[i][index[i][j]] (dim 1), ...

    The gradient scatter-adds grad back to the positions read.
    """
    key = _along_key(input, dim, index, "gather")
    try:
        return Index.apply(_flat(input), key=key)
    except IndexError as e:
        raise RuntimeError(_torch_message(e)) from None


def _scatter_src(input: Tensor, index: Tensor, src: Any) -> Any:
    """src cut to index's shape (only that part is scattered), as input's dtype."""
    if not isinstance(src, Tensor):
        return src
    if src.array.dtype != input.array.dtype:
        raise RuntimeError(
            f"scatter(): Expected self.dtype to be equal to src.dtype, got {input.dtype.name} "
            f"and {src.dtype.name}"
        )
    if tuple(src.shape) != tuple(index.shape):
        src = getitem(src, tuple(slice(0, s) for s in index.shape))
    return src


def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    reduce: str | None = None,
    *,
    value: Any = None,
) -> Tensor:
    """out = input with out[index[i][j]][j] = src[i][j] (dim 0), ...; ``src`` may be a number.

    ``reduce='add'`` adds instead (= scatter_add); ``reduce='multiply'`` multiplies (no gradient).
    """
    src = value if src is None else src
    key = _along_key(input, dim, index, "scatter", src if isinstance(src, Tensor) else None)
    src = _scatter_src(input, index, src)
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    try:
        if reduce == "multiply":
            return _scatter_multiply(input, key, src)
        return IndexPut.apply(_flat(input), src, key=key, accumulate=reduce == "add").reshape(
            input.shape
        )
    except IndexError as e:
        raise RuntimeError(_torch_message(e)) from None


def _scatter_multiply(input: Tensor, key: tuple[Any, ...], src: Any) -> Tensor:
    if grad_mode.state.enabled and (
        input.requires_grad or (isinstance(src, Tensor) and src.requires_grad)
    ):
        raise RuntimeError("derivative for aten::scatter is not implemented")
    out = _flat(input).array.copy()
    input.xp.multiply.at(out, key, src.array if isinstance(src, Tensor) else src)
    return Tensor._make(out.reshape(input.shape), False, None)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """out = input with out[index[i][j]][j] += src[i][j] (dim 0), ...; repeated indices add up"""
    return scatter(input, dim, index, src, reduce="add")


def scatter_(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    reduce: str | None = None,
    *,
    value: Any = None,
) -> Tensor:
    """In-place scatter"""
    return _inplace_result(input, scatter(input, dim, index, src, reduce, value=value))


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place scatter_add"""
    return _inplace_result(input, scatter_add(input, dim, index, src))


def _inplace_result(t: Tensor, result: Tensor) -> Tensor:
    if grad_mode.state.enabled and result.requires_grad:
        return inplace(t, result)
    _write(t, (Ellipsis,), result.array, False)
    t._bump_version()
    return t


# -- index_select, index_add, index_fill -------------------------------------------------------


def _dim_key(input: Tensor, dim: int, index: Any, op: str) -> tuple[Any, ...]:
    """The key selecting positions ``index`` (a vector) along ``dim``: (:, :, index)."""
    idx = _int_index(index, op, input)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    bad = _out_of_range(idx, n)
    if bad is not None:  # PyTorch's words and exception types differ by op
        if op == "index_select":
            raise IndexError("index out of range in self")
        error = RuntimeError if op == "index_add_" else IndexError
        raise error(f"index {bad} is out of bounds for dimension {d} with size {n}")
    return (slice(None),) * d + (idx.reshape(-1),)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out = input[..., index, ...] along ``dim`` (index a vector)"""
    key = _dim_key(input, dim, index, "index_select")
    try:
        out = Index.apply(_flat(input), key=key)
    except IndexError:
        raise IndexError("index out of range in self") from None
    return _shape.reshape(out, ()) if input.ndim == 0 else out


def _index_add_value(
    input: Tensor, dim: int, key: tuple[Any, ...], source: Tensor, alpha: Any
) -> Tensor:
    """alpha * source, checked to have the shape of input[key] (input's, with len(index) at dim)."""
    d = len(key) - 1
    base = tuple(_flat(input).shape)
    want = base[:d] + (key[-1].shape[0],) + base[d + 1 :]
    if tuple(source.shape) != want and not (input.ndim == 0 and source.numel() == want[0]):
        raise RuntimeError(
            f"index_add_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {list(input.shape)} at dimension {dim} and source slice shape: "
            f"{list(source.shape)} at dimension {dim}."
        )
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(
            f"index_add_(): self ({input.dtype.name}) and source ({source.dtype.name}) must have "
            "the "
            "same scalar type"
        )
    value = source if tuple(source.shape) == want else _shape.reshape(source, want)
    return value * alpha if alpha != 1 else value


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """out = input with out[..., index[i], ...] += alpha * source[..., i, ...] along ``dim``"""
    key = _dim_key(input, dim, index, "index_add_")
    value = _index_add_value(input, dim, key, source, alpha)
    try:
        return IndexPut.apply(_flat(input), value, key=key, accumulate=True).reshape(input.shape)
    except IndexError:
        raise IndexError("index out of range in self") from None


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """In place: input[..., index[i], ...] += alpha * source[..., i, ...] along ``dim``"""
    if input.ndim == 0:
        return _inplace_result(input, index_add(input, dim, index, source, alpha=alpha))
    key = _dim_key(input, dim, index, "index_add_")
    return _put_(input, key, _index_add_value(input, dim, key, source, alpha), accumulate=True)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """out = input with out[..., index, ...] = value along ``dim`` (value a number or 0-d tensor)"""
    key = _dim_key(input, dim, index, "index_fill_")
    value = _cast_value(value, input)
    return IndexPut.apply(_flat(input), value, key=key).reshape(input.shape)


def index_fill_(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """In place: input[..., index, ...] = value along ``dim``"""
    return inplace(input, index_fill(input, dim, index, value))


# -- masks -------------------------------------------------------------------------------------


def _bool_mask(mask: Any, op: str) -> Tensor:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.array.dtype.kind != "b":
        raise RuntimeError(
            f"{op} only supports boolean masks, but got mask with dtype {mask.dtype.name}"
        )
    return mask


def _fill_value(value: Any, input: Tensor, op: str) -> Any:
    """A fill value: a 0-d tensor of input's dtype, or a Python number of input's kind."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        return value if value.dtype == input.dtype else value.to(dtype=input.dtype)
    kind = input.array.dtype.kind
    return bool(value) if kind == "b" else int(value) if kind in "iu" else float(value)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """out = value where mask (broadcast) is True, input elsewhere"""
    mask = _bool_mask(mask, "masked_fill_")
    return where(mask, _fill_value(value, input, "masked_fill_"), input)


def masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In place: input[mask] = value, mask broadcast to input's shape"""
    mask = _bool_mask(mask, "masked_fill_")
    value = _fill_value(value, input, "masked_fill_")
    if grad_mode.state.enabled and (
        input.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
    ):
        return inplace(input, masked_fill(input, mask, value))
    m = mask.array
    if m.shape != input.array.shape:
        try:
            m = input.xp.broadcast_to(m, input.array.shape)
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({list(input.shape)}) must match the size of tensor b "
                f"({list(mask.shape)}) for masked_fill_"
            ) from None
    _write(input, (m,), value.array if isinstance(value, Tensor) else value, False)
    input._bump_version()
    return input


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """out = the elements of input where mask (both broadcast) is True, as a 1-d tensor"""
    mask = _bool_mask(mask, "masked_select:")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    x = input if tuple(input.shape) == shape else _shape.expand(input, shape)
    m = mask.array if tuple(mask.shape) == shape else mask.xp.broadcast_to(mask.array, shape)
    return Index.apply(x, key=(m,))


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-d tensor per dim"""
    data = input.array.reshape(1) if input.ndim == 0 else input.array
    xp = input.xp
    found = [i.astype(np.int64) for i in xp.nonzero(data)]
    if as_tuple:
        return tuple(Tensor._make(i, False, None) for i in found)
    if input.ndim == 0:
        return Tensor._make(xp.zeros((found[0].shape[0], 0), dtype=np.int64), False, None)
    return Tensor._make(xp.stack(found, axis=1), False, None)


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, as an (n, ndim) tensor (= nonzero)"""
    return nonzero(input)


def take(input: Tensor, index: Tensor) -> Tensor:
    """out = input.flatten()[index], shaped like index"""
    if not isinstance(index, Tensor) or index.array.dtype != np.int64:
        got = index.dtype.name.capitalize() if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {got}")
    flat = _shape.reshape(input, (-1,))
    idx = _int_index(index, "take", input)
    n = flat.shape[0]
    try:
        return Index.apply(flat, key=(idx,))
    except IndexError:
        bad = int(idx[(idx >= n) | (idx < -n)].reshape(-1)[0])
        raise IndexError(
            f"out of range: tried to access index {bad} on a tensor of {n} elements."
        ) from None


# -- composed from the above: masked_scatter, take_along_dim, index_copy, put, fill_diagonal_ ---


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """out = input with the positions where ``mask`` (broadcast to input) is True filled, in order,
    by the first elements of ``source``; gradients flow to both"""
    if not isinstance(mask, Tensor) or mask.array.dtype.kind != "b":
        raise RuntimeError("masked_scatter_ only supports boolean masks")
    if source.dtype != input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype.name} "
            f"and {source.dtype.name}"
        )
    xp = input.xp
    try:
        flat_mask = xp.broadcast_to(mask.array, input.array.shape).reshape(-1)
    except ValueError:
        raise RuntimeError(
            f"The size of mask {list(mask.shape)} must be broadcastable to input "
            f"{list(input.shape)}"
        ) from None
    positions = xp.flatnonzero(flat_mask)
    k = int(positions.shape[0])
    if k > source.array.size:
        raise RuntimeError(
            "masked_scatter: expected source to have at least as many elements as ones in mask"
        )
    values = _shape.narrow(_shape.reshape(source, (-1,)), 0, 0, k)
    out = index_put(_shape.reshape(input, (-1,)), (_const(positions),), values)
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
    return inplace(input, masked_fill(input, _const(mask), fill_value))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """out = input's values at ``indices`` along ``dim`` (other dims broadcast); flat with
    dim=None"""
    if dim is None:
        return gather(_shape.reshape(input, (-1,)), 0, _shape.reshape(indices, (-1,)))
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
    return gather(x, d, idx)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """out = input with out[..., index[i], ...] = source[..., i, ...] along ``dim``"""
    if input.ndim == 0:
        return clone(_shape.reshape(source, ()))
    d = normalize_dim(dim, input.ndim)
    moved = _shape.movedim(input, d, 0)
    src = _shape.movedim(source, d, 0) if source.ndim else source
    return _shape.movedim(index_put(moved, (index,), src), 0, d)


def index_copy_(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In place: input[..., index[i], ...] = source[..., i, ...] along ``dim``"""
    return inplace(input, index_copy(input, dim, index, source))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """out = input with out.flatten()[index] = source (or += with ``accumulate``)"""
    flat = _shape.reshape(input, (-1,))
    out = index_put(
        flat, (_shape.reshape(index, (-1,)),), _shape.reshape(source, (-1,)), accumulate
    )
    return _shape.reshape(out, tuple(input.shape))


def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In place: input.flatten()[index] = source (or += with ``accumulate``)"""
    return inplace(input, put(input, index, source, accumulate))
