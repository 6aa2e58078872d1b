"""Regression and distribution losses: mse, l1, smooth_l1, huber, kl_div, poisson_nll, gaussian_nll.

All are short compositions of elementwise ops and ``sum``/``mean``, so their gradients (and
second-order gradients) come from those ops. They are re-exported by ops/loss.py, the loss
family's public face.
"""

from __future__ import annotations

import math
import warnings

from ndgrad import _backend
from ndgrad.ops._loss_util import _check_reduction, _const, _legacy, _reduce, _warn_size
from ndgrad.ops._util import require_float, require_float_pair
from ndgrad.ops.elementwise import log, where
from ndgrad.tensor import Tensor

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
]


# -- regression losses -----------------------------------------------------------------------


def _weighted(
    loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, mean_by_weight: bool
) -> Tensor:
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'."
        )
    return _reduce(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """loss = (input - target)^2, times ``weight`` (then 'mean' divides by sum(weight))"""
    _warn_size(input, target)
    reduction = _legacy(size_average, reduce, reduction)
    require_float_pair("mse_cpu", input, target)
    d = input - target
    return _weighted(d * d, weight, input, reduction, mean_by_weight=True)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """loss = |input - target|, times ``weight`` (then 'mean' divides by sum(weight))"""
    _warn_size(input, target)
    reduction = _legacy(size_average, reduce, reduction)
    return _weighted((input - target).abs(), weight, input, reduction, mean_by_weight=True)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """loss = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)"""
    _warn_size(input, target)
    reduction = _legacy(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    require_float_pair("smooth_l1_cpu", input, target)
    d = input - target
    a = d.abs()
    if beta == 0.0:
        return _reduce(a, reduction)
    return _reduce(where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """loss = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), times ``weight``"""
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_reduction(reduction)
    require_float_pair("huber_cpu", input, target)
    d = input - target
    a = d.abs()
    loss = where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _weighted(loss, weight, input, reduction, mean_by_weight=False)


# -- distributions ---------------------------------------------------------------------------


def _xlogx(t: Tensor) -> Tensor:
    """t log t, 0 at t = 0, with a finite gradient there"""
    pos = t > 0
    return where(pos, t * log(where(pos, t, 1.0)), 0.0)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """loss = target (log target - input), input being log-probabilities

    ``log_target=True`` takes the target as log-probabilities: loss = e^target (target - input).
    ``reduction='batchmean'`` divides the sum by the batch size (the KL divergence's definition).
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction != "batchmean":
        _check_reduction(reduction)
    for name, t in (("input", input), ("target", target)):
        require_float(
            "kl_div",
            t,
            exc=RuntimeError,
            message=f"kl_div: Integral inputs not supported. ({name} is {{dtype}})",
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = e^input - target input (log_input) or input - target log(input + eps)

    ``full`` adds Stirling's term t log t - t + 0.5 log(2 pi t) where t > 1.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        safe = where(big, target, 2.0)
        stirling = safe * log(safe) - safe + 0.5 * log(safe * (2 * math.pi))
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """loss = 0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi)]

    ``var`` may have one dim fewer than ``input`` or a size-1 dim where input has more (one
    variance shared). The clamp at ``eps`` passes the gradient through unchanged, like PyTorch's
    in-place clamp under no_grad.
    """
    if isinstance(var, int | float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _const(input.xp.full(input.shape, float(var), dtype=input.array.dtype))
    elif var.array.size and bool((var.array < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.reshape(var.shape + (1,))
        elif (
            input.ndim == var.ndim
            and sum(v for i, v in zip(input.shape, var.shape, strict=True) if i != v) == 1
        ):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    require_float(  # PyTorch clamps var in place: a float eps can't be written into integers
        "gaussian_nll_loss",
        var,
        exc=RuntimeError,
        message="result type Float can't be cast to the desired output type {dtype}",
    )
    xp = _backend.xp_of(var.array)
    var = var + _const(xp.maximum(var.array, eps) - var.array)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
