"""Margin, ranking and embedding losses: margin_ranking, hinge_embedding, cosine_embedding,
triplet_margin (with p-norm or any distance), multi_margin and multilabel_margin.

Compositions of elementwise ops and reductions, except ``_PickClass`` (each sample's score at
its target class, with a one-hot backward). The logistic "soft margin" losses, built on
log-sigmoid, stay with the binary losses in ops/loss.py, which re-exports everything here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd.function import Op
from ndgrad.ops._loss_util import _check_reduction, _const, _legacy, _no_weight_grad, _reduce
from ndgrad.ops._util import require_float
from ndgrad.ops.elementwise import minimum, where
from ndgrad.tensor import Tensor

__all__ = [
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_with_distance_loss",
]


# -- margin and embedding losses ------------------------------------------------------------


def _one_hot(xp: Any, t: Any, n_classes: int, dtype: Any) -> Any:
    """(N, C, d1, ...) one-hot of targets (N, d1, ...), the class dim second."""
    classes = xp.arange(n_classes).reshape((1, n_classes) + (1,) * (t.ndim - 1))
    return (xp.expand_dims(t, 1) == classes).astype(dtype)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = max(0, -y (x1 - x2) + margin)"""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    # margin is a double in PyTorch's signature: integer inputs give a default-float loss
    return _reduce((-target * (input1 - input2) + float(margin)).clamp(min=0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = x where y == 1, max(0, margin - x) where y == -1 (other targets add both)"""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    kind = input.array.dtype.kind
    if kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    zero: float = 0.0 if kind in "fc" else 0  # PyTorch keeps an integer input's dtype (and
    margin = margin if kind in "fc" else int(margin)  # truncates the margin to it)
    margin_term = where(target != 1, (margin - input).clamp(min=0), zero)
    self_term = where(target != -1, input, zero)
    return _reduce(margin_term + self_term, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = 1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1"""
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(
            "cosine_embedding_loss: expected 1D or 2D inputs of the same size, got "
            f"{list(input1.shape)} "
            f"and {list(input2.shape)}"
        )
    if target.ndim != input1.ndim - 1:
        raise RuntimeError(
            f"{input1.ndim}D target tensor expects {input1.ndim}D input tensors, but found inputs "
            f"with sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    dim = input1.ndim - 1
    eps = 1e-12  # PyTorch's EPSILON, keeping the norms away from zero
    dot = (input1 * input2).sum(dim)
    norms = (((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)).sqrt()
    cos = dot / norms
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (PyTorch's pairwise_distance)"""
    d = x1 - x2 + eps
    dim = max(x1.ndim, x2.ndim) - 1
    if p == 2:
        return (d * d).sum(dim).sqrt()
    if p == 1:
        return d.abs().sum(dim)
    return (d.abs() ** p).sum(dim) ** (1.0 / p)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = max(0, margin + d(a, p) - d(a, n)), d the p-norm distance over the last dim

    ``swap`` uses min(d(a, n), d(p, n)) as the negative distance.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )
    if not math.isfinite(p) or p <= 0:
        raise NotImplementedError(
            f"triplet_margin_loss: p={p} is not supported (use a finite p > 0)"
        )
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


class _PickClass(Op):
    """out[i] = x[i, t_i] (kept as (N, 1)); the gradient is g placed at the targets"""

    @staticmethod
    def forward(ctx: Any, x: Any, t: Any = None) -> Any:
        xp = _backend.xp_of(x)
        ctx.save_for_backward(t, x.shape[1])
        return xp.take_along_axis(x, xp.expand_dims(t, 1), axis=1)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        t, n_classes = ctx.saved_tensors
        xp = _backend.xp_of(t.array)
        return grad * _const(_one_hot(xp, t.array, n_classes, grad.array.dtype))


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss_i = sum_{j != t_i} w_t max(0, margin - x[i, t_i] + x[i, j])^p / C, p in {1, 2}"""
    require_float("multi_margin_loss_cpu_kernel", input)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    _no_weight_grad("multi_margin_loss", weight)
    unbatched = input.ndim == 1
    x = input.reshape(1, input.shape[0]) if unbatched else input
    if x.ndim != 2:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    t = target.array.reshape(-1).astype(np.int64, copy=False)
    n, n_classes = x.shape
    if t.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if t.size and bool(((t < 0) | (t >= n_classes)).any()):
        raise RuntimeError("target out of range")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"inconsistent weight size, expected {n_classes} but got {list(weight.shape)}"
        )
    xp = _backend.xp_of(x.array)
    z = (x - _PickClass.apply(x, t=t) + margin).clamp(min=0)
    if p == 2:
        z = z * z
    others = 1 - _one_hot(xp, t, n_classes, x.array.dtype)
    if weight is not None:
        others = others * xp.expand_dims(weight.array.astype(x.array.dtype)[t], 1)
    loss = (z * _const(others)).sum(1) * (1.0 / n_classes)
    if unbatched:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss_i = sum_{j in y_i} sum_{k not in y_i} max(0, 1 - (x[i, j] - x[i, k])) / C

    ``target`` holds class indices, the list of row i ending at its first -1.
    """
    require_float("multilabel_margin_loss_forward_out_frame", input)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape or input.ndim not in (1, 2):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    unbatched = input.ndim == 1
    x = input.reshape(1, input.shape[0]) if unbatched else input
    xp = _backend.xp_of(x.array)
    n_classes = x.shape[1]
    t = target.array.reshape(x.shape).astype(np.int64, copy=False)
    listed = xp.cumprod(t != -1, axis=1).astype(bool)  # entries before the first -1
    if bool((listed & ((t < 0) | (t >= n_classes))).any()):
        raise RuntimeError("target index out of range")
    classes = xp.arange(n_classes)
    # count[i, c]: how often c is listed; is_target[i, c]: whether it is listed at all
    count = ((t[:, :, None] == classes) & listed[:, :, None]).sum(axis=1).astype(x.array.dtype)
    not_target = (count == 0).astype(x.array.dtype)
    pairs = count[:, :, None] * not_target[:, None, :]  # (N, j listed, k not listed)
    n = x.shape[0]
    hinge = (1 - x.reshape(n, n_classes, 1) + x.reshape(n, 1, n_classes)).clamp(min=0)
    loss = (hinge * _const(pairs)).sum((1, 2)) * (1.0 / n_classes)
    if unbatched:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """loss = max(0, margin + d(a, p) - d(a, n)) for any distance function d (default: L2)"""
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )
    if distance_function is None:

        def distance_function(a: Tensor, b: Tensor) -> Tensor:
            return _pairwise_distance(a, b, 2.0, 1e-6)

    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance_function(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)
