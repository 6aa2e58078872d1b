"""Dropout kernels: dropout, dropout1d/2d/3d, alpha_dropout and feature_alpha_dropout.

Each draws a keep mask from the default generator (one draw per element, or per channel for the
feature variants) and composes the output from existing ops, so no custom backward is needed:
the gradient flows through the multiply by the scaled mask. ``inplace=True`` writes the result
back into the input the way PyTorch's in-place variants do.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ndgrad._backend import xp_of as _xp
from ndgrad.ops import random as _random
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import inplace, require_float
from ndgrad.tensor import Tensor

__all__ = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]


# -- dropout -------------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape: tuple[int, ...], p: float) -> Any:
    """A boolean array of ``shape``, True with probability 1 - p, from the default generator."""
    draw = _random.default_generator.rng.random(shape, dtype=np.float32) >= p
    return _xp(input.array).asarray(draw)


def _dropout(
    input: Tensor,
    p: float,
    training: bool,
    inplace_: bool,
    shape: tuple[int, ...],
    alpha: bool = False,
) -> Tensor:
    """input * mask / (1 - p), the mask (broadcast from ``shape``) keeping each entry with
    probability 1 - p; with ``alpha``, alpha dropout's map of the mask instead (``_alpha_map``)."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        out = input * 0.0 if input.array.dtype.kind == "f" else input * 0
    else:
        require_float(  # the mask is scaled by 1 / (1 - p): PyTorch's cast back to input fails
            "dropout",
            input,
            exc=RuntimeError,
            message="result type Float can't be cast to the desired output type {dtype}",
        )
        keep = _keep_mask(input, shape, p).astype(input.array.dtype)
        out = _alpha_map(input, keep, p) if alpha else input * _const(keep * (1.0 / (1.0 - p)))
    return inplace(input, out) if inplace_ else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """out = input * mask / (1 - p), each mask entry 0 with probability p (identity in eval)"""
    return _dropout(input, p, training, inplace, tuple(input.shape))


def _feature_shape(input: Tensor, batched: bool) -> tuple[int, ...]:
    """The mask shape of channel-wise dropout: one draw per (sample, channel)."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p"""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim == 3))


def _warn_rank(fn: str, ndim: int) -> None:
    """PyTorch's deprecation warning for an input rank that ``fn`` does not expect."""
    warnings.warn(
        f"{fn}: Received a {ndim}-D input to {fn}, which is deprecated and will result in an "
        "error in a future release. To retain the behavior and silence this warning, please use "
        "dropout instead.",
        stacklevel=3,
    )


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p (3-D input: as (N, C, L))"""
    _check_p(p)
    if input.ndim not in (3, 4):
        _warn_rank("dropout2d", input.ndim)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the "
            "channel dim.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim >= 2))


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p"""
    _check_p(p)
    if input.ndim not in (4, 5):
        _warn_rank("dropout3d", input.ndim)
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim != 4))


_SELU_ALPHA_SCALED = 1.7580993408473766  # selu's scale * alpha: where selu saturates


def _alpha_map(input: Tensor, keep: Any, p: float) -> Tensor:
    """Set dropped entries to selu's saturation value, then an affine map restores mean and
    variance."""
    a = 1.0 / math.sqrt((_SELU_ALPHA_SCALED**2 * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_ALPHA_SCALED * a) + _SELU_ALPHA_SCALED * a * p
    return input * _const(keep * a) + _const(b.astype(input.array.dtype, copy=False))


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout that keeps a selu network's zero mean and unit variance"""
    return _dropout(input, p, training, inplace, tuple(input.shape), alpha=True)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout of whole channels"""
    shape = _feature_shape(input, input.ndim >= 2)
    return _dropout(input, p, training, inplace, shape, alpha=True)
