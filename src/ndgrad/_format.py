"""PyTorch-style printing: ``tensor([[0.1000, 0.2000]], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ndgrad import _backend, _dtype

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor


def _float_formatter(arr: np.ndarray) -> tuple[str, int]:
    """PyTorch's choice: integers-valued floats print as ``1.``, else 4 decimals or scientific."""
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return "fixed", 0
    if np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return "int", 0
    amax, amin = np.abs(finite).max(), np.abs(finite[finite != 0]).min() if np.any(finite != 0) else 0
    if amax >= 1e8 or (amin != 0 and amin < 1e-4) or (amin != 0 and amax / amin > 1000 and amax > 1e3):
        return "sci", 4
    return "fixed", 4


def _fmt(arr: np.ndarray) -> str:
    if arr.dtype.kind == "b":
        fmt = {"bool": lambda v: "True" if v else "False"}
        return np.array2string(arr, separator=", ", formatter=fmt, threshold=1000, edgeitems=3, max_line_width=80)  # type: ignore[arg-type]
    if arr.dtype.kind != "f":
        return np.array2string(arr, separator=", ", threshold=1000, edgeitems=3, max_line_width=80)
    kind, prec = _float_formatter(arr.astype(np.float64))
    if kind == "int":
        formatter = {"float_kind": lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)}
    elif kind == "sci":
        formatter = {"float_kind": lambda v: f"{v:.{prec}e}"}
    else:
        formatter = {"float_kind": lambda v: f"{v:.{prec}f}" if np.isfinite(v) else str(v)}
    return np.array2string(arr, separator=", ", formatter=formatter, threshold=1000, edgeitems=3, max_line_width=80)  # type: ignore[arg-type]


def tensor_repr(t: Tensor) -> str:
    arr = _backend.to_numpy(t.data)
    body = _fmt(arr).replace("\n", "\n       ")
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
