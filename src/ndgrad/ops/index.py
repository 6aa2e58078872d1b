"""Indexing ops: ``t[key]``, ``t[key] = v``, gather/scatter, index_select/index_add, masks, take.

Three primitives carry every gradient here; the public functions only build a NumPy-style key
(a tuple of ints, slices, None, Ellipsis, integer and boolean arrays) and call one of them:

- ``Index``: out = x[key]. Its gradient puts grad back where it was read (``IndexAccumulate``).
- ``IndexAccumulate``: out = zeros with out[key] += g, repeated positions adding up. Its gradient
  reads grad[key] again (``Index``).
- ``IndexPut``: out = x with out[key] = v (or += v). Its gradients: grad with zeros at key for x
  (grad itself when accumulating) and grad[key] for v.

Keys follow PyTorch's rules, which are NumPy's (several advanced indices, mixed with slices and
None, broadcast together) except for where integers put the advanced dims (``_torch_order``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import inplace, normalize_dim
from ndgrad.tensor import Tensor

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "index_add",
    "index_fill",
    "index_put",
    "index_put_",
    "masked_fill",
    "masked_select",
    "nonzero",
    "argwhere",
    "take",
]


# -- the primitives ----------------------------------------------------------------------------


class Index(Op):
    """out = x[key] (a view for basic keys; a copy when the key holds arrays)"""

    @staticmethod
    def forward(ctx: Any, x: Any, key: tuple[Any, ...] = ()) -> Any:
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return IndexAccumulate.apply(grad, shape=ctx.shape, key=ctx.key)


class IndexAccumulate(Op):
    """out = zeros(shape) with out[key] += g, repeated positions adding up.

    Index's gradient: the same as ``IndexPut(zeros, g, accumulate=True)``, fused to save a copy.
    """

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...] = (), key: tuple[Any, ...] = ()) -> Any:
        ctx.key = key
        out = _backend.xp_of(g).zeros(shape, dtype=g.dtype)
        _add_at(out, key, g)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return Index.apply(grad, key=ctx.key)


class IndexPut(Op):
    """out = x with out[key] = v, or out[key] += v (repeats adding up) when ``accumulate``"""

    @staticmethod
    def forward(
        ctx: Any, x: Any, v: Any, key: tuple[Any, ...] = (), accumulate: bool = False
    ) -> Any:
        ctx.key, ctx.accumulate = key, accumulate
        out = _backend.xp_of(x).array(x, copy=True)  # an array even when x is a NumPy scalar
        if accumulate:
            _add_at(out, key, v)
        else:
            out[key] = v
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        gx = gv = None
        if ctx.needs_input_grad[0]:  # overwritten positions got none of the old x
            gx = grad if ctx.accumulate else IndexPut.apply(grad, 0, key=ctx.key)
        if ctx.needs_input_grad[1]:  # the engine sums it back over v's broadcast dims
            gv = Index.apply(grad, key=ctx.key)
        return gx, gv


def _is_int_array(k: Any) -> bool:
    return hasattr(k, "dtype") and k.dtype.kind in "iu"


def _add_at(out: Any, key: tuple[Any, ...], v: Any) -> None:
    """out[key] += v in place, where positions named more than once add up (NumPy's add.at)."""
    if not any(_is_int_array(k) for k in key):
        out[key] += v  # slices, ints and masks never name a position twice
        return
    xp = _backend.xp_of(out)
    if hasattr(xp.add, "at"):
        xp.add.at(out, key, v)
    else:  # pragma: no cover - older CuPy
        import cupyx  # type: ignore[import-not-found]

        cupyx.scatter_add(out, key, v)


# -- building keys -----------------------------------------------------------------------------


def _index_array(k: Any, t: Tensor) -> Any:
    """An index given as a tensor, array or list: an int or bool array on ``t``'s device."""
    if isinstance(k, Tensor):
        arr = k.array
    else:
        arr = np.asarray(k)
        if arr.size == 0 and arr.dtype.kind == "f":  # ``x[[]]`` indexes with nothing
            arr = arr.astype(np.int64)
    kind, size = arr.dtype.kind, arr.dtype.itemsize
    if not (kind == "b" or (kind == "i" and size >= 4) or (kind == "u" and size == 1)):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if kind == "u":  # PyTorch reads a byte tensor as a mask
        arr = arr.astype(bool)
    xp = t.xp
    if _backend.xp_of(arr) is not xp:
        arr = xp.asarray(_backend.to_numpy(arr))
    return arr


def _key(t: Tensor, index: Any) -> tuple[tuple[Any, ...], bool]:
    """``index`` as a NumPy key, and whether it is basic (ints, slices, None, Ellipsis only).

    An Ellipsis is appended when missing: then NumPy returns a 0-d array (a view), not a scalar.
    """
    if type(index) is int or (type(index) is slice and index.step is None):
        return (index, Ellipsis), True  # the most common keys, fast
    items = index if isinstance(index, tuple) else (index,)
    key: list[Any] = []
    basic = True
    for k in items:
        if k is None or k is Ellipsis:
            key.append(k)
        elif isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            key.append(k)
        elif isinstance(k, bool | np.bool_):
            key.append(bool(k))
            basic = False
        elif isinstance(k, int | np.integer):
            key.append(int(k))
        elif isinstance(k, Tensor) and k.array.ndim == 0 and k.array.dtype.kind == "i":
            key.append(int(k.item()))  # a 0-d integer tensor acts as an int, as in PyTorch
        else:
            key.append(_index_array(k, t))
            basic = False
    if not any(k is Ellipsis for k in key):
        key.append(Ellipsis)
    return tuple(key), basic


def _is_advanced(k: Any) -> bool:
    return isinstance(k, bool) or hasattr(k, "dtype")


def _torch_order(ndim: int, key: tuple[Any, ...]) -> tuple[int, tuple[int, ...] | None]:
    """Where PyTorch's layout of ``x[key]`` differs from NumPy's: (result ndim, permutation).

    PyTorch applies integer indices first (as ``select``), then the arrays; NumPy treats an int
    as one more advanced index. So ``x[0, :, i]`` puts i's dims after the slice in PyTorch and
    first in NumPy. Both put the broadcast dims of the arrays at the place of the first advanced
    index when the advanced indices are adjacent, else first: only that place can differ. The
    permutation takes NumPy's result to PyTorch's (None when they agree).
    """
    consumed = 0
    for k in key:
        if isinstance(k, slice | int) and not isinstance(k, bool):
            consumed += 1
        elif hasattr(k, "dtype"):
            consumed += k.ndim if k.dtype.kind == "b" else 1
    ellipsis = ndim - consumed
    blocks = [max(1, k.ndim) if k.dtype.kind == "b" else k.ndim for k in key if hasattr(k, "dtype")]
    block = max(blocks + [1 if any(isinstance(k, bool) for k in key) else 0])
    others = sum(1 for k in key if k is None or isinstance(k, slice)) + ellipsis
    is_int = [isinstance(k, int) and not isinstance(k, bool) for k in key]
    if not any(is_int) or not blocks:
        return others + block, None

    def place(items: list[Any], advanced: Any) -> int:
        where = [i for i, k in enumerate(items) if advanced(k)]
        if where[-1] - where[0] + 1 != len(where):
            return 0
        return sum(ellipsis if k is Ellipsis else 1 for k in items[: where[0]])

    numpy_at = place(list(key), lambda k: _is_advanced(k) or isinstance(k, int))
    torch_at = place([k for k, i in zip(key, is_int, strict=True) if not i], _is_advanced)
    if numpy_at == torch_at:
        return others + block, None

    def numpy_dim(o: int) -> int:
        return o if o < numpy_at else o + block

    order = [numpy_dim(o) for o in range(torch_at)] + [numpy_at + b for b in range(block)]
    order += [numpy_dim(o) for o in range(torch_at, others)]
    return others + block, tuple(order)


def _torch_message(e: Exception) -> str:
    """NumPy's indexing error messages in PyTorch's words."""
    msg = str(e)
    if msg.startswith("too many indices"):
        return "too many indices for tensor of dimension " + msg.split("array is ")[1].split("-")[0]
    return msg.replace("axis", "dimension").replace("array", "tensor")


def _write(t: Tensor, key: tuple[Any, ...], v: Any, accumulate: bool) -> None:
    """t.array[key] = v (or += v) in place, with PyTorch's errors."""
    if isinstance(t.array, np.generic):  # a 0-d result NumPy gave as a scalar: make it an array
        t.array = np.array(t.array)
    elif t.array.ndim == 0 and type(t.array) is np.ndarray and not t.array.flags.writeable:
        t.array = t.array.copy()
    try:
        if accumulate:
            _add_at(t.array, key, v)
        else:
            t.array[key] = v
    except IndexError as e:
        raise IndexError(_torch_message(e)) from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation."
            ) from None
        raise RuntimeError(_torch_message(e)) from None


def _put_(t: Tensor, key: tuple[Any, ...], value: Any, accumulate: bool = False) -> Tensor:
    """t[key] = value (or += value) in t's memory; recorded as an IndexPut when autograd needs
    it."""
    value = _cast_value(value, t)
    if grad_mode.state.enabled and (
        t.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
    ):
        if isinstance(value, Tensor):
            value = _drop_leading_ones(value)
        try:
            result = IndexPut.apply(t, value, key=key, accumulate=accumulate)
        except IndexError as e:
            raise IndexError(_torch_message(e)) from None
        except ValueError as e:
            raise RuntimeError(_torch_message(e)) from None
        return inplace(t, result)
    _write(t, key, value.array if isinstance(value, Tensor) else value, accumulate)
    t._bump_version()
    return t


def _cast_value(value: Any, t: Tensor) -> Any:
    """A value to write into ``t``: a tensor of t's dtype and device, or a Python number."""
    if isinstance(value, Tensor):
        if value.array.dtype != t.array.dtype or type(value.array) is not type(t.array):
            value = value.to(dtype=t.dtype, device=t.device)
        return value
    if isinstance(value, int | float | bool | np.number | np.bool_):
        return value
    from ndgrad.ops.factory import tensor

    return tensor(value, dtype=t.dtype, device=t.device)


def _drop_leading_ones(v: Tensor) -> Tensor:
    """v without leading size-1 dims (NumPy accepts them in assignments; sum_to would not)."""
    lead = 0
    while lead < v.ndim and v.shape[lead] == 1:
        lead += 1
    return _shape.reshape(v, v.shape[lead:]) if lead else v


# -- __getitem__ and __setitem__ ---------------------------------------------------------------


def getitem(t: Tensor, index: Any) -> Tensor:
    """``t[index]``: ints, slices, None, Ellipsis give a view; int/bool arrays and lists a copy.

    Example:
        >>> x = ndgrad.arange(12.0).reshape(3, 4)
        >>> x[1:, [0, 0, 3]]
        tensor([[ 4.,  4.,  7.],
                [ 8.,  8., 11.]])
    """
    key, basic = _key(t, index)
    try:
        out = Index.apply(t, key=key)
    except IndexError as e:
        raise IndexError(_torch_message(e)) from None
    if basic:
        return _shape._as_view(out, t)
    _, order = _torch_order(t.ndim, key)
    return out if order is None else _shape.permute(out, order)


def setitem(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value``: value (a number or a tensor) is broadcast and cast to t's dtype.

    Under autograd, gradients flow to the old ``t`` (zero where written) and to ``value``.
    """
    key, basic = _key(t, index)
    if not basic and isinstance(value, Tensor):
        ndim, order = _torch_order(t.ndim, key)
        if order is not None:  # value comes in PyTorch's layout: bring it to NumPy's
            value = _drop_leading_ones(value)
            value = _shape.reshape(value, (1,) * (ndim - value.ndim) + tuple(value.shape))
            inverse = [0] * ndim
            for i, d in enumerate(order):
                inverse[d] = i
            value = _shape.permute(value, tuple(inverse))
    _put_(t, key, value)


def index_put(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """out = input with out[indices] = values (or += when ``accumulate``); indices: a tuple of
    tensors"""
    key, _ = _key(input, tuple(indices))
    values = _cast_value(values, input)
    if isinstance(values, Tensor):
        values = _drop_leading_ones(values)
    return IndexPut.apply(input, values, key=key, accumulate=accumulate)


def index_put_(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """In place: input[indices] = values (or += when ``accumulate``)"""
    key, _ = _key(input, tuple(indices))
    return _put_(input, key, values, accumulate)


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
    from ndgrad.ops.elementwise import where

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
