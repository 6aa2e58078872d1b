"""PyTorch-style printing: ``tensor([[0.1000, 0.2000]], requires_grad=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ndgrad import _backend, _dtype

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor


def _float_formatter(values: np.ndarray) -> Callable[[float], str]:
    """PyTorch's choice, made from the finite non-zero values: whole numbers print as ``1.``,
    others with 4 decimals; scientific when they span more than 1000x, pass 1e8 or go below 1e-4."""
    mags = np.abs(values)
    if mags.size == 0:
        return lambda v: f"{v:.0f}."
    lo, hi = mags.min(), mags.max()
    whole = bool(np.all(values == np.ceil(values)))
    if hi / lo > 1000.0 or hi > 1.0e8 or (not whole and lo < 1.0e-4):
        return lambda v: f"{v:.4e}"
    if whole:
        return lambda v: f"{v:.0f}."
    return lambda v: f"{v:.4f}"


def _fmt(arr: np.ndarray) -> str:
    """The elements, right-aligned to one width as PyTorch prints them (``[ 1.0000, -2.5000]``)."""
    if arr.dtype.kind == "b":
        one: Callable[[Any], str] = lambda v: "True" if v else "False"  # noqa: E731
        shown = arr.ravel()
    elif arr.dtype.kind == "f":
        a64 = arr.astype(np.float64)
        shown = a64[np.isfinite(a64) & (a64 != 0)]  # the width comes from these, as in PyTorch
        finite = _float_formatter(shown)
        one = lambda v: finite(v) if np.isfinite(v) else str(v)  # noqa: E731
        if shown.size == 0:
            shown = a64.ravel()[:1]
    else:
        one = str
        shown = arr.ravel()
    width = max((len(one(v)) for v in shown.tolist()), default=0)
    return np.array2string(
        arr,
        separator=", ",
        formatter={"all": lambda v: one(v).rjust(width)},  # type: ignore[dict-item]
        threshold=1000,
        edgeitems=3,
        max_line_width=80 - len("tensor("),  # the lines are indented under "tensor("
    )


def tensor_repr(t: Tensor) -> str:
    arr = _backend.to_numpy(t.data)
    # indent continuation lines under "tensor(" (blank separator lines stay blank); PyTorch writes
    # a skipped run inside a row as "  ..." where NumPy writes " ..."
    lines = _fmt(arr).replace(", ...,", ",  ...,").split("\n")
    body = "\n".join([lines[0]] + [("       " + line) if line else line for line in lines[1:]])
    extras = []
    default_dtypes = (_dtype.get_default_dtype().np, np.dtype(np.int64), np.dtype(np.bool_))
    if arr.size == 0 and arr.ndim != 1:
        extras.append(f"size={tuple(arr.shape)}")
    if arr.dtype not in default_dtypes:
        extras.append(f"dtype=ndgrad.{_dtype.from_numpy_dtype(arr.dtype).name}")
    dev = _backend.device_of(t.data)
    if dev != "cpu":
        extras.insert(0, f"device='{dev}:0'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
