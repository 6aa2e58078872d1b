"""Indexing: ``t[key]``, ``t[key] = v`` and ``index_put``, with PyTorch's rules for keys.

The public functions here only build a NumPy-style key (a tuple of ints, slices, None, Ellipsis,
integer and boolean arrays) and call one of the three primitives of ops/index_primitives.py
(``Index``, ``IndexAccumulate``, ``IndexPut``), which carry the gradients. Gather and scatter,
index_select/index_add/index_fill, the masks and take are in ops/gather_scatter.py.

Keys follow PyTorch's rules, which are NumPy's (several advanced indices, mixed with slices and
None, broadcast together) except for where integers put the advanced dims (``_torch_order``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd import grad_mode
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import inplace
from ndgrad.ops.index_primitives import Index, IndexPut, _add_at
from ndgrad.tensor import Tensor

__all__ = ["index_put", "index_put_"]


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
            value = _shape.permute(value, _shape._inverse(order))
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
