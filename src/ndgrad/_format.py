"""PyTorch-style printing: ``tensor([[0.1000, 0.2000]], requires_grad=True)``.

The layout follows ``torch/_tensor_str.py`` and reads ``ndgrad.set_printoptions`` (stored in
``ndgrad.ops.settings.print_options``) each time a tensor is printed: ``precision`` digits,
summarising with ``...`` when there are more than ``threshold`` elements (``edgeitems`` kept at each
end of each dim), ``linewidth`` columns per row of a vector, and ``sci_mode`` (True / False, or None
to let the values decide).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ndgrad import _backend, _dtype

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

_PREFIX = "tensor("


class _Formatter:
    """One element width and style for the whole tensor, chosen as PyTorch does from the finite
    non-zero values: whole numbers print as ``1.``; scientific when they span more than 1000x, pass
    1e8 or go below 1e-4, unless ``sci_mode`` is True or False."""

    def __init__(self, values: np.ndarray, opts: dict[str, Any]) -> None:
        self.precision = int(opts["precision"])
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max([len(str(v)) for v in values.ravel().tolist()] + [1])
            return
        flat = values.astype(np.float64).ravel()
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return  # PyTorch returns here, before applying sci_mode
        mags = np.abs(shown)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if opts["sci_mode"] is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(opts["sci_mode"])
        p = self.precision
        if self.sci_mode:
            strs = [f"{v:.{p}e}" for v in shown.tolist()]
        elif self.int_mode:
            strs = [f"{v:.0f}." for v in shown.tolist()]  # the "." marks a float dtype
        else:
            strs = [f"{v:.{p}f}" for v in shown.tolist()]
        self.width = max(len(s) for s in strs)

    def format(self, value: Any) -> str:
        if not self.floating:
            out = str(value)
        elif self.sci_mode:
            out = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            out = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            out = f"{value:.{self.precision}f}"
        return out.rjust(self.width)


def _summarized(arr: np.ndarray, edge: int) -> np.ndarray:
    """The elements that a summarised print shows: ``edge`` from each end of every long dim."""
    if arr.ndim == 1:
        # PyTorch's slices, kept as they are: with edge 0, ``arr[-0:]`` is the whole vector
        return np.concatenate([arr[:edge], arr[-edge:]]) if arr.shape[0] > 2 * edge else arr
    if arr.ndim > 1 and edge == 0:
        return arr[(slice(0, 0),) * arr.ndim]
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            arr = np.take(arr, np.r_[0:edge, n - edge : n], axis=axis)
    return arr


def _vector_str(
    arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: dict[str, Any]
) -> str:
    edge = int(opts["edgeitems"])
    per_line = max(1, math.floor((opts["linewidth"] - indent) / (fmt.width + 2)))
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = [fmt.format(v) for v in arr[:edge].tolist()] + [" ..."]
        data += [fmt.format(v) for v in arr[-edge:].tolist()]
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(
    arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: dict[str, Any]
) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, opts)
    edge, n = int(opts["edgeitems"]), arr.shape[0]
    if summarize and n > 2 * edge:
        head = [_tensor_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(edge)]
        tail = [_tensor_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n - edge, n)]
        rows = head + ["..."] + tail
    else:
        rows = [_tensor_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_repr(t: Tensor) -> str:
    from ndgrad.ops.settings import print_options  # imported here: settings imports Tensor

    arr = _backend.to_numpy(t.array)
    if arr.size == 0:
        body = "[]"
    else:
        shown = arr.astype(np.float32) if arr.dtype == np.float16 else arr  # as PyTorch does
        summarize = arr.size > print_options["threshold"]
        values = _summarized(shown, int(print_options["edgeitems"])) if summarize else shown
        fmt = _Formatter(values, print_options)
        body = _tensor_str(shown, len(_PREFIX), summarize, fmt, print_options)
    extras = []
    default_dtypes: tuple[np.dtype, ...] = (_dtype.get_default_dtype().np,)
    if arr.size != 0:  # with no elements to show, an int64 or bool dtype is printed too
        default_dtypes += (np.dtype(np.int64), np.dtype(np.bool_))
    if (arr.size == 0 and arr.ndim != 1) or (arr.size != 0 and not print_options["edgeitems"]):
        extras.append(f"size={tuple(arr.shape)}")  # PyTorch adds it when no items are shown
    if arr.dtype not in default_dtypes:
        extras.append(f"dtype=ndgrad.{_dtype.from_numpy_dtype(arr.dtype).name}")
    dev = _backend.device_of(t.array)
    if dev != "cpu":
        extras.insert(0, f"device='{dev}:0'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes(_PREFIX + body, extras, print_options["linewidth"])


def _add_suffixes(text: str, suffixes: list[str], linewidth: int) -> str:
    """Append ``, size=...``, ``, dtype=...``, ... starting a new line (indented under "tensor(")
    where one would pass ``linewidth``, measured as PyTorch measures it."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * len(_PREFIX) + suffix)
            last_line_len = len(_PREFIX) + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"
