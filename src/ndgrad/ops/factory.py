"""Tensor factories: ``tensor``, ``from_numpy``, ``zeros``, ``ones``, ``full``, ``arange`` ...
and their ``*_like`` forms."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.ops.random import _size
from ndgrad.tensor import Tensor


def _infer_dtype(data: Any) -> _dtype.dtype:
    """PyTorch's inference: Python floats give the default dtype, ints int64, bools bool."""
    if isinstance(data, bool | np.bool_):
        return _dtype.bool_
    if isinstance(data, int | np.integer) and not isinstance(data, np.integer):
        return _dtype.int64
    if isinstance(data, float) and not isinstance(data, np.generic):  # np.float64 keeps its dtype
        return _dtype.get_default_dtype()
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and not isinstance(data, np.ndarray | np.generic):
        return _dtype.get_default_dtype()  # a list of Python floats
    if arr.dtype.kind == "f" and arr.size == 0 and not isinstance(data, np.ndarray):
        return _dtype.get_default_dtype()
    if arr.dtype.kind == "i" and not isinstance(data, np.ndarray | np.generic):
        return _dtype.int64
    return _dtype.from_numpy_dtype(arr.dtype)


def _from_nested(data: Any) -> Any:
    """Lists that hold tensors (``[t1, t2]`` of scalars) become arrays."""
    if isinstance(data, Tensor):
        return _backend.to_numpy(data.array)
    if isinstance(data, list | tuple) and any(isinstance(d, Tensor | list | tuple) for d in data):
        return [_from_nested(d) for d in data]
    return data


def tensor(
    data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, a NumPy array or a tensor).

    Example:
        >>> ndgrad.tensor([[1.0, 2.0]], requires_grad=True)
        tensor([[1., 2.]], requires_grad=True)
    """
    if isinstance(data, Tensor):
        arr = data.array.copy()
        d = _dtype.to_dtype(dtype) if dtype is not None else data.dtype
        dev = str(device) if device is not None else str(data.device)
    else:
        data = _from_nested(data)
        d = _dtype.to_dtype(dtype) if dtype is not None else _infer_dtype(data)
        xp = _backend.xp_of(data)
        if xp is not np:
            arr = data.copy()
        else:
            try:
                arr = np.array(data)
            except ValueError as e:
                raise ValueError(f"could not build a tensor from the data: {e}") from None
            if arr.dtype == object:
                raise TypeError(
                    f"can't convert data of type {type(data).__name__} with ragged or non-numeric "
                    "elements to a tensor"
                )
        dev = str(device) if device is not None else _backend.device_of(data)
    arr = arr.astype(d.np, copy=False)
    if _backend.device_of(arr) != dev.split(":")[0]:
        arr = _backend.module_for(dev).asarray(_backend.to_numpy(arr))
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when no conversion is
    needed."""
    if isinstance(data, Tensor):
        return (
            data.to(dtype=dtype, device=device) if dtype is not None or device is not None else data
        )
    if (
        isinstance(data, np.ndarray)
        and (dtype is None or _dtype.to_dtype(dtype).np == data.dtype)
        and device in (None, "cpu")
    ):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``: changing one changes the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray, False, None)


def _make(arr: Any, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _xp(device: Any) -> Any:
    return np if device is None else _backend.module_for(str(device))


def _dt(dtype: Any, default: Any = None) -> Any:
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.to_dtype(dtype).np


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size."""
    return _make(_xp(device).zeros(_size(size), dtype=_dt(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    return _make(_xp(device).ones(_size(size), dtype=_dt(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of the given size."""
    return _make(_xp(device).empty(_size(size), dtype=_dt(dtype)), requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of the given size filled with ``fill_value`` (its dtype inferred from the value)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = _infer_dtype(fill_value)
    return _make(
        _xp(device).full(
            _size(tuple(size) if isinstance(size, list | tuple) else (size,)),
            fill_value,
            dtype=_dt(dtype, default),
        ),
        requires_grad,
    )


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return zeros(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def ones_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return ones(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def empty_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return empty(
        *input.shape,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return full(
        tuple(input.shape),
        fill_value,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; ints give int64, floats the
    default dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"upper bound and larger bound inconsistent with step sign: start={start}, end={end}, "
            f"step={step}"
        )
    default = _dtype.int64 if all(isinstance(v, int) for v in vals) else _dtype.get_default_dtype()
    n = max(0, math.ceil((end - start) / step))
    arr = (
        (np.arange(n, dtype=np.float64) * step + start)
        if default is not _dtype.int64
        else np.arange(start, end, step)
    )
    arr = arr.astype(_dt(dtype, default))
    return _make(_xp(device).asarray(arr), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.linspace(start, end, steps).astype(_dt(dtype))
    return _make(_xp(device).asarray(arr), requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    arr = np.logspace(start, end, steps, base=base).astype(_dt(dtype))
    return _make(_xp(device).asarray(arr), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The n x m identity matrix."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _make(_xp(device).eye(n, m, dtype=_dt(dtype)), requires_grad)


def scalar_tensor(value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    return tensor(value, dtype=dtype or _dtype.get_default_dtype(), device=device)
