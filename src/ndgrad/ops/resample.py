"""Resampling: interpolate and upsample (``ndgrad.nn.functional``).

Linear resampling is a product with small constant (out, in) matrices along each spatial dim:
nearest and nearest-exact pick one input per output, linear/bilinear/trilinear blend two neighbours
per dim, and 'area' is adaptive average pooling (from ``pool``, which also provides the shared
``_along_dims`` product). No op of its own is needed: the gradient, and its gradient, is a matmul.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad.ops._util import require_float
from ndgrad.ops.pool_adaptive import _adaptive_avg_poolnd, _along_dims, adaptive_avg_pool1d
from ndgrad.tensor import Tensor

__all__ = ["interpolate", "upsample"]


def _nearest_matrix(n: int, o: int, scale: float, exact: bool) -> np.ndarray:
    dst = np.arange(o, dtype=np.float64)
    src = np.floor((dst + 0.5) * scale) if exact else np.floor(dst * scale)
    src = np.minimum(src.astype(np.int64), n - 1)
    m = np.zeros((o, n))
    m[np.arange(o), src] = 1.0
    return m


def _linear_matrix(n: int, o: int, scale: float, align_corners: bool) -> np.ndarray:
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        src = dst * ((n - 1) / (o - 1)) if o > 1 else dst * 0.0
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    w1 = src - i0
    m = np.zeros((o, n))
    np.add.at(m, (np.arange(o), i0), 1.0 - w1)
    np.add.at(m, (np.arange(o), i1), w1)
    return m


_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}


# PyTorch's CPU kernel of each mode, named when it refuses an integer or bool input
_KERNELS = {
    "nearest": "compute_indices_weights_nearest",
    "nearest-exact": "compute_indices_weights_nearest",
    "linear": "compute_indices_weights_linear",
    "bilinear": "upsample_bilinear2d_channels_last",
    "trilinear": "compute_indices_weights_linear",
    "area": "adaptive_avg_pool2d",
}


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of (N, C, *S) by ``size`` or ``scale_factor``.

    Modes: 'nearest' (src = floor(dst * in / out)), 'nearest-exact', 'linear' (3-d input),
    'bilinear' (4-d), 'trilinear' (5-d), 'area' (adaptive average pooling). Each dim is resampled
    by a product with a constant (out, in) matrix, so the gradient (and its gradient) is a matmul.
    """
    d = input.ndim - 2
    if d < 1:
        raise ValueError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D)"
        )
    known = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
    if mode not in known:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
            "modes: "
            f"{' | '.join(known)} (got {mode})"
        )
    if mode in _LINEAR_MODES and _LINEAR_MODES[mode] != d:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode] + 2}D input"
        )
    if align_corners is not None and mode not in _LINEAR_MODES:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by ndgrad")
    if input.array.dtype.kind != "f" and not (
        mode.startswith("nearest") and input.array.dtype == np.uint8  # images resize as bytes
    ):
        require_float(_KERNELS[mode], input)
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    if size is not None:
        out = (
            (int(size),) * d if isinstance(size, int | np.integer) else tuple(int(s) for s in size)
        )
        if len(out) != d:
            raise ValueError(
                "Input and output must have the same number of spatial dimensions, but got input "
                "with "
                f"spatial dimensions of {list(in_size)} and output size of {list(out)}. Please "
                "provide input "
                "tensor in "
                "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        scales = [n / o for n, o in zip(in_size, out, strict=True)]
    else:
        factors = (
            (float(scale_factor),) * d
            if isinstance(scale_factor, int | float)
            else tuple(map(float, scale_factor))
        )
        if len(factors) != d:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got "
                "input with "
                f"spatial dimensions of {list(in_size)} and scale_factor of shape {list(factors)}."
            )
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, factors, strict=True))
        if recompute_scale_factor:
            scales = [n / o for n, o in zip(in_size, out, strict=True)]
        else:
            scales = [1.0 / f for f in factors]
    if mode == "area":
        return adaptive_avg_pool1d(input, out) if d == 1 else _adaptive_avg_poolnd(input, out, d)
    if mode in _LINEAR_MODES:
        corners = bool(align_corners)
        mats = [
            _linear_matrix(n, o, s, corners) for n, o, s in zip(in_size, out, scales, strict=True)
        ]
    else:
        exact = mode == "nearest-exact"
        mats = [
            _nearest_matrix(n, o, s, exact) for n, o, s in zip(in_size, out, scales, strict=True)
        ]
    return _along_dims(input, mats)


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (as in PyTorch)."""
    return interpolate(input, size, scale_factor, mode, align_corners)
