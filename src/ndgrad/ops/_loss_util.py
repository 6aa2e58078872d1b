"""Helpers shared by the loss files (ops/loss*.py): reductions, legacy arguments, checks.

Every ``reduction`` is one of 'mean' (the default), 'sum' or 'none' (``_reduce``); the legacy
``size_average`` and ``reduce`` arguments are mapped to it as PyTorch does (``_legacy``). The rest
are PyTorch's argument checks and its error messages.
"""

from __future__ import annotations

import warnings

from ndgrad.autograd import grad_mode
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
    sa, sb = a.shape, b.shape
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            raise RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i}"
            )


def _no_weight_grad(fn: str, *weights: Tensor | None) -> None:
    """PyTorch gives no gradient for these class weights, and says so rather than return none."""
    for w in weights:
        if w is not None and w.requires_grad and grad_mode.state.enabled:
            raise RuntimeError(
                f"The function '{fn}' is not differentiable with respect to argument 'weight'. "
                "This input cannot have requires_grad True."
            )
