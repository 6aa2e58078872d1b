"""Counting, searching and order statistics: ``unique``, ``bincount``, ``searchsorted``,
``bucketize``, ``histc``, ``kthvalue``, ``quantile``, ``nanmean``, ``mode``, ``cummax`` / ``cummin``
and ``msort``.

The counting and searching functions return integer tensors with no gradient. The order statistics
sort or scan the raw array for positions, then ``gather`` the values, so gradients flow through the
gather to the chosen elements.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.ops import elementwise as _ew
from ndgrad.ops import gather_scatter as _gs
from ndgrad.ops import reduce as _reduce
from ndgrad.ops import shape as _shape
from ndgrad.ops import sort as _sort
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import normalize_dim, refuse_bool, require_float
from ndgrad.tensor import Tensor

__all__ = [
    "unique",
    "bincount",
    "searchsorted",
    "bucketize",
    "histc",
    "histogram",
    "kthvalue",
    "quantile",
    "nanquantile",
    "nanmean",
    "mode",
    "cummax",
    "cummin",
    "unique_consecutive",
    "msort",
]


_HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])  # type: ignore[name-match]
_KthvalueResult = namedtuple("kthvalue", ["values", "indices"])  # type: ignore[name-match]


_ModeResult = namedtuple("mode", ["values", "indices"])  # type: ignore[name-match]


_CummaxResult = namedtuple("cummax", ["values", "indices"])  # type: ignore[name-match]


_CumminResult = namedtuple("cummin", ["values", "indices"])  # type: ignore[name-match]


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
    data = input.array
    if dim is None:
        values, inverse, counts = xp.unique(
            data.reshape(-1), return_inverse=True, return_counts=True
        )
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
    if input.ndim != 1 or input.array.dtype.kind not in "iub":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = input.xp
    data = input.array
    if data.size and int(data.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _const(xp.bincount(data, minlength=minlength).astype(xp.int64))
    if weights.shape != input.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = weights.array
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
    refuse_bool("searchsorted_out_cpu", sorted_sequence)
    seq = sorted_sequence.array
    xp = sorted_sequence.xp
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.array, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input.array
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
        cmp = (
            seq[..., None, :] <= values[..., :, None]
            if right
            else seq[..., None, :] < values[..., :, None]
        )
        out = cmp.sum(-1)
    return _const(xp.asarray(out).astype(out_dtype))


def bucketize(
    input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
) -> Tensor:
    """out = the bucket index of each element: boundaries[i-1] < x <= boundaries[i] (right=False),
    boundaries[i-1] <= x < boundaries[i] (right=True)"""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """out = counts of input in ``bins`` equal bins over [min, max] (the data's range if min ==
    max); elements outside are ignored"""
    require_float("histogram_cpu", input)
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    xp = input.xp
    data = input.array.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = xp.histogram(data, bins=bins, range=(lo, hi))
    return _const(counts.astype(data.dtype))


def histogram(
    input: Tensor,
    bins: int | Tensor = 100,
    *,
    range: tuple[float, float] | None = None,  # noqa: A002  (PyTorch's keyword)
    weight: Tensor | None = None,
    density: bool = False,
) -> Any:
    """(hist, bin_edges): counts (or summed ``weight``) of input in ``bins`` equal bins over
    ``range`` (the data's range by default), or between the edges of a 1-d ``bins`` tensor;
    ``density`` divides by the total times the bin width"""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for {input.dtype.name!r}')
    xp = input.xp
    data = input.array.reshape(-1)
    edges: Any
    if isinstance(bins, Tensor):
        edges = bins.array.astype(data.dtype)
    else:
        if bins <= 0:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0"
            )
        lo, hi = (
            (float(data.min()), float(data.max()))
            if range is None and data.size
            else (range or (0.0, 0.0))
        )
        if lo > hi:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                "dimension 0"
            )
        edges = xp.histogram_bin_edges(data, bins=bins, range=(lo, hi)).astype(data.dtype)
    w = None if weight is None else weight.array.reshape(-1)
    hist, _ = xp.histogram(data, bins=edges, weights=w, density=density)
    return _HistogramResult(_const(hist.astype(data.dtype)), _const(edges))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """(values, indices) of the k-th smallest element along ``dim`` (k counts from 1)"""
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    xp = input.xp
    if input.ndim == 0:
        return _KthvalueResult(_ew.clone(input), _const(xp.zeros((), dtype=np.int64)))
    # a partial sort (O(n)) puts the k-th smallest at position k - 1; the gradient goes through
    # gather
    order = xp.argpartition(input.array, k - 1, axis=d)
    idx = _const(xp.take(order, [k - 1], axis=d).astype(np.int64))
    v, i = _gs.gather(input, d, idx), idx
    if not keepdim:
        v, i = _shape.squeeze(v, d), _shape.squeeze(i, d)
    return _KthvalueResult(v, i)


_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """out = the q-th quantile of input along ``dim`` (all elements if None): the sorted values at
    rank q * (n - 1), interpolated. A NaN in a row makes its quantiles NaN. With a 1-d ``q``, the
    quantiles are the first dim of the result."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """quantile ignoring NaNs (a row of only NaNs gives NaN)"""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(
    input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool
) -> Tensor:
    name = "nanquantile" if ignore_nan else "quantile"
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _QUANTILE_MODES:
        raise ValueError(
            f"{name}() interpolation must be one of {', '.join(_QUANTILE_MODES)}. Got "
            f"{interpolation}"
        )
    xp = input.xp
    q_scalar = not isinstance(q, Tensor)
    qa = xp.asarray([float(q)] if q_scalar else q.array, dtype=input.array.dtype).reshape(-1)
    if not q_scalar and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if qa.size and (bool((qa < 0).any()) or bool((qa > 1).any())):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.array.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    orig_ndim = input.ndim
    if dim is None:
        x, d = _shape.reshape(input, (-1,)), 0
    else:
        d = normalize_dim(dim, orig_ndim)
        x = input if orig_ndim else _shape.reshape(input, (1,))
    x = _shape.movedim(x, d, -1)  # rows along the last dim
    values = _sort.sort(x, -1)[0]  # NaNs sort last
    nan = xp.isnan(x.array)
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
    v_lo = _gs.gather(values, -1, _const(lo))
    v_hi = _gs.gather(values, -1, _const(hi))
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
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{_dtype.torch_name(input)}"
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
    data = xp.moveaxis(input.array, d, -1)
    order = xp.argsort(data, axis=-1, kind="stable")
    s = xp.take_along_axis(data, order, axis=-1)
    start, end = _run_bounds(xp, s)
    best = xp.argmax(end - start, axis=-1)[..., None]  # first longest run: the smallest value
    last = xp.take_along_axis(end, best, axis=-1)  # stable sort: the run's last is the last index
    idx = xp.take_along_axis(order, last, axis=-1).astype(np.int64)
    idx = xp.moveaxis(idx, -1, d)
    values = _gs.gather(input, d, _const(idx))
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
    data = input.array
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
    return _gs.gather(input, d, _const(idx)), _const(idx)


def cummax(input: Tensor, dim: int) -> Any:
    """(values, indices): out[i] = max(input[:i+1]) along ``dim`` and where it was (the latest
    tie)"""
    return _CummaxResult(*_cum_extreme(input, dim, True))


def cummin(input: Tensor, dim: int) -> Any:
    """(values, indices): out[i] = min(input[:i+1]) along ``dim`` and where it was (the latest
    tie)"""
    return _CumminResult(*_cum_extreme(input, dim, False))


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """The input with each run of equal consecutive elements (or slices along ``dim``) kept once;
    optionally each element's run number (``inverse``) and the run lengths (``counts``)"""
    xp = input.xp
    if dim is None:
        flat = input.array.reshape(-1)
        rows = flat.reshape(-1, 1)
    else:
        d = normalize_dim(dim, input.ndim)
        flat = xp.moveaxis(input.array, d, 0)
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
        result.append(
            _const(inverse.reshape(input.array.shape if dim is None else (-1,)).astype(np.int64))
        )
    if return_counts:
        bounds = xp.concatenate([xp.flatnonzero(start), xp.asarray([n])])
        result.append(_const(xp.diff(bounds).astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


def msort(input: Tensor) -> Tensor:
    """out = input sorted along dim 0"""
    return _sort.sort(input, 0)[0]
