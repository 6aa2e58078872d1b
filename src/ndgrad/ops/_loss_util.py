"""Helpers shared by the loss files (ops/loss*.py): reductions, legacy arguments, checks.

Every ``reduction`` is one of 'mean' (the default), 'sum' or 'none' (``_reduce``); the legacy
``size_average`` and ``reduce`` arguments are mapped to it as PyTorch does (``_legacy``). The rest
are PyTorch's argument checks and its error messages.
"""

from __future__ import annotations

import warnings

from ndgrad.autograd import grad_mode
from ndgrad.ops._util import broadcast_error
from ndgrad.ops._util import const as _const  # noqa: F401 - re-exported to the loss files
from ndgrad.tensor import Tensor


def _legacy(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        stacklevel=3,
    )
    return ret


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """'none' -> loss, 'mean' -> loss.mean(), 'sum' -> loss.sum()."""
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
        _broadcast_check(input, target)


def _broadcast_check(a: Tensor, b: Tensor) -> None:
    """PyTorch's error for shapes that do not broadcast."""
    err = broadcast_error(a.shape, b.shape)
    if err is not None:
        raise err


def _no_weight_grad(fn: str, *weights: Tensor | None) -> None:
    """PyTorch gives no gradient for these class weights, and says so rather than return none."""
    for w in weights:
        if w is not None and w.requires_grad and grad_mode.state.enabled:
            raise RuntimeError(
                f"The function '{fn}' is not differentiable with respect to argument 'weight'. "
                "This input cannot have requires_grad True."
            )
