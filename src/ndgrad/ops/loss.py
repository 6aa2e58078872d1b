"""Loss functions (``ndgrad.nn.functional``): PyTorch's signatures, defaults and reductions.

Most losses are short compositions of elementwise ops and ``sum``/``mean``, so their gradients
(and second-order gradients) come from those ops. Four have fused ops of their own, because a
composition would be slower or numerically worse:

- ``CrossEntropy`` (class-index targets): log-softmax and NLL in one pass, never materialising
  the log-probabilities; its backward is ``g * (s * softmax(x) - q)`` with ``q`` the smoothed,
  weighted one-hot target and ``s = sum(q)``.
- ``NLLLoss``: a gather forward, a (constant) one-hot backward.
- ``BinaryCrossEntropy``: log clamped at -100 like PyTorch, gradient ``(x - y) / max(x (1-x), 1e-12)``.
- ``BinaryCrossEntropyWithLogits``: the log-sigmoid form, stable for any logit.

Every ``reduction`` is one of 'mean' (the default), 'sum' or 'none'; the legacy ``size_average``
and ``reduce`` arguments are mapped to it as PyTorch does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops.elementwise import log, minimum, sigmoid, where
from ndgrad.tensor import Tensor

__all__ = [
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "triplet_margin_with_distance_loss",
    "ctc_loss",
]


# -- shared helpers ----------------------------------------------------------------------------


def _const(a: Any) -> Tensor:
    """A raw array as a Tensor outside the graph."""
    return Tensor._make(a, False, None)


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


_SCALAR_NAMES = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
}


def _scalar_name(t: Tensor) -> str:
    """PyTorch's C++ name of a dtype, as its error messages print it (Long, Float, ...)."""
    name = str(t.data.dtype)
    return _SCALAR_NAMES.get(name, name)


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


class LogSoftmax(Op):
    """out = x - logsumexp(x, dim); the loss family's own copy, so losses need no other family"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = -1) -> Any:
        xp = _backend.xp_of(x)
        m = x.max(axis=dim, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        shifted = x - m
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True)


class LogSigmoid(Op):
    """out = log(sigmoid(x)) = -(max(-x, 0) + log1p(e^-|x|)), finite for any x"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = _backend.xp_of(x)
        ctx.save_for_backward(x)
        return xp.asarray(-(xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * sigmoid(-x)


def _log_sigmoid(x: Tensor) -> Tensor:
    return LogSigmoid.apply(x)


# -- class-index targets: cross_entropy, nll_loss --------------------------------------------


def _one_hot(xp: Any, t: Any, n_classes: int, dtype: Any) -> Any:
    """(N, C, d1, ...) one-hot of targets (N, d1, ...), the class dim second."""
    classes = xp.arange(n_classes).reshape((1, n_classes) + (1,) * (t.ndim - 1))
    return (xp.expand_dims(t, 1) == classes).astype(dtype)


def _class_dim_shape(w: Any, ndim: int) -> Any:
    """Class weights (C,) shaped to broadcast against (N, C, d1, ...)."""
    return w.reshape((1, -1) + (1,) * (ndim - 2))


class _Targets:
    """Class-index targets checked against the input, with what both losses need from them."""

    def __init__(self, x: Any, target: Tensor, weight: Tensor | None, ignore_index: int) -> None:
        xp = _backend.xp_of(x)
        n_classes = x.shape[1]
        t = target.data
        if t.dtype != np.int64:
            t = t.astype(np.int64)
        ignored = t == ignore_index
        bad = ((t < 0) | (t >= n_classes)) & ~ignored
        if bool(bad.any()):  # one host sync, as PyTorch's own check on CPU
            raise IndexError(
                f"Target {int(t[bad].ravel()[0])} is out of bounds. Expected class indices in "
                f"[0, {n_classes - 1}] ({n_classes} classes) or ignore_index={ignore_index}."
            )
        self.mask = None
        if bool(ignored.any()):
            self.mask = (~ignored).astype(x.dtype)
            t = xp.where(ignored, 0, t)
        self.t = t
        self.shape = x.shape
        self._flat: Any = None
        self.n_classes = n_classes
        self.w = None if weight is None else weight.data.astype(x.dtype, copy=False)
        # the weight of each element's own class, zero where ignored: sum_i wt_i normalises 'mean'
        wt = None if self.w is None else self.w[t]
        if self.mask is not None:
            wt = self.mask if wt is None else wt * self.mask
        self.wt = wt

    def flat_index(self) -> Any:
        """The flat positions of x[i, t_i, ...] in a C-contiguous array shaped like the input."""
        if self._flat is None:
            xp = _backend.xp_of(self.t)
            n, c = self.shape[0], self.shape[1]
            rest = self.t.size // n if n else 0
            t = self.t.reshape(n, rest)
            flat = xp.arange(n).reshape(n, 1) * (c * rest) + t * rest + xp.arange(rest).reshape(1, rest)
            self._flat = flat.reshape(-1)
        return self._flat

    def gather(self, x: Any) -> Any:
        """x[i, t_i, ...], shaped like the targets."""
        return x.reshape(-1)[self.flat_index()].reshape(self.t.shape)

    def add_at_targets(self, out: Any, values: Any) -> Any:
        """out[i, t_i, ...] += values[i, ...] for a C-contiguous ``out`` shaped like the input:
        a scatter through flat indices, so no (N, C, ...) one-hot is ever built."""
        xp = _backend.xp_of(out)
        out.reshape(-1)[self.flat_index()] += xp.broadcast_to(values, self.t.shape).reshape(-1)
        return out

    def denominator(self) -> float:
        if self.wt is None:
            return float(self.t.size)
        return float(self.wt.sum())


def _check_class_input(input: Tensor, target: Tensor, weight: Tensor | None) -> tuple[Tensor, Tensor, bool]:
    """PyTorch's shape and dtype checks; an unbatched (C,) input becomes (1, C)."""
    if input.ndim == 0:
        raise RuntimeError("input tensor should be 1D or 2D (got a 0-D tensor)")
    if target.data.dtype.kind == "f" or target.data.dtype not in (np.int64, np.uint8):
        if target.data.dtype.kind == "f" and target.ndim not in (input.ndim - 1, 0):
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_scalar_name(target)}")
    unbatched = input.ndim == 1
    if unbatched:
        if target.ndim != 0:
            raise RuntimeError(
                f"Expected a 0-D target for a 1-D (unbatched) input, got target of shape {list(target.shape)}"
            )
        input = input.reshape(1, input.shape[0])
        target = target.reshape(1)
    elif target.ndim != input.ndim - 1:
        if input.ndim == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(
            f"only batches of spatial targets supported ({input.ndim - 1}D tensors) but got targets "
            f"of dimension: {target.ndim}"
        )
    if input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    if input.shape[2:] != target.shape[1:]:
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
    n_classes = input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}"
        )
    return input, target, unbatched


class CrossEntropy(Op):
    """loss_i = -sum_c q_ic log softmax(x_i)_c, q_i = (1-eps) w_t onehot(t_i) + eps/C w

    Fused log-softmax + NLL: the forward needs only logsumexp(x) and x at the target, and the
    backward is ``g * (s * softmax(x) - q)`` with ``s = sum_c q_ic``: stable for any logits, and
    computed in place on one array for a first-order backward. When a graph of the gradient is
    being built (second order) the same formula is written in Tensor ops, softmax through
    ``LogSoftmax`` so that it stays differentiable in x.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, tg: _Targets | None = None, eps: float = 0.0) -> Any:
        assert tg is not None
        xp = _backend.xp_of(x)
        m = x.max(axis=1, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        e = x - m
        xp.exp(e, out=e)
        lse = xp.log(e.sum(axis=1, keepdims=True)) + m
        del e
        nll = lse[:, 0] - tg.gather(x)
        if tg.w is not None:
            nll = nll * tg.w[tg.t]
        loss = nll
        if eps > 0:
            n_classes = tg.n_classes
            if tg.w is None:
                smooth = n_classes * lse[:, 0] - x.sum(axis=1)
            else:  # sum_c w_c (lse - x_c)
                smooth = tg.w.sum() * lse[:, 0] - xp.einsum("nc...,c->n...", x, tg.w)
            loss = (1 - eps) * nll + (eps / n_classes) * smooth
        if tg.mask is not None:
            loss = loss * tg.mask
        ctx.tg, ctx.eps = tg, eps
        ctx.save_for_backward(x, lse)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, lse = ctx.saved_tensors
        tg, eps = ctx.tg, ctx.eps
        xp = _backend.xp_of(x.data)
        n_classes = tg.n_classes
        # q = on_target * onehot(t) + smooth, with smooth = eps/C * w * mask; s = sum_c q
        wt = 1.0 if tg.wt is None else tg.wt  # w[t_i] * mask_i
        on_target = (1 - eps) * wt
        s: Any = None  # s is exactly 1 without weights or ignored elements
        if tg.wt is not None:
            w_sum = n_classes if tg.w is None else float(tg.w.sum())
            s = on_target + (eps / n_classes) * w_sum * (1.0 if tg.mask is None else tg.mask)
            s = xp.expand_dims(s.astype(x.data.dtype, copy=False), 1)
        smooth: Any = None
        if eps > 0:
            smooth = (eps / n_classes) * (1.0 if tg.w is None else _class_dim_shape(tg.w, x.ndim))
            if tg.mask is not None:
                smooth = smooth * xp.expand_dims(tg.mask, 1)
        neg_on_target = -xp.asarray(on_target, dtype=x.data.dtype)
        g = grad.reshape(grad.shape[:1] + (1,) + grad.shape[1:])
        if not grad_mode.state.enabled:  # first order: one array, updated in place
            d = xp.empty(x.shape, dtype=x.data.dtype)
            xp.subtract(x.data, lse.data, out=d)
            xp.exp(d, out=d)  # softmax
            if s is not None:
                d *= s
            if smooth is not None:
                d -= smooth
            tg.add_at_targets(d, neg_on_target)
            d *= g.data
            return _const(d), None
        p = LogSoftmax.apply(x, 1).exp()
        if s is not None:
            p = p * _const(s)
        neg_q = xp.zeros(x.shape, dtype=x.data.dtype)
        if smooth is not None:
            neg_q -= smooth
        tg.add_at_targets(neg_q, neg_on_target)
        return g * (p + _const(neg_q)), None


def _class_loss(loss: Tensor, tg: _Targets, reduction: str, unbatched: bool) -> Tensor:
    """Reduce per-element class losses: 'mean' divides by the summed weights of counted targets."""
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    total = loss.sum()
    if reduction == "sum":
        return total
    denom = tg.denominator()
    return total * (1.0 / denom if denom != 0 else math.nan)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits and class indices or class probabilities.

    loss_i = -sum_c w_c y_ic log softmax(input_i)_c, y the one-hot (or probability) target,
    smoothed to ``(1 - label_smoothing) y + label_smoothing / C``.

    Args:
        input: logits (N, C), (N, C, d1, ...) or unbatched (C,).
        target: class indices (N,), (N, d1, ...) or () (int64 or uint8), or class probabilities
            shaped like ``input``.
        weight: per-class weights (C,); 'mean' then divides by the summed weights of the targets.
        ignore_index: a class index whose elements count nowhere (class-index targets only).
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: in [0, 1].

    Returns:
        The loss: a scalar, or shaped like the target (per element) with 'none'.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.shape == input.shape and input.ndim > 0:  # composed: the weight gets a gradient
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing)
    _no_weight_grad("nll_loss_forward", weight)
    x, t, unbatched = _check_class_input(input, target, weight)
    tg = _Targets(x.data, t, weight, ignore_index)
    loss = CrossEntropy.apply(x, tg=tg, eps=float(label_smoothing))
    return _class_loss(loss, tg, reduction, unbatched)


def _cross_entropy_probs(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """Probability targets: -sum_c w_c y_c log softmax(x)_c, composed (so y gets a gradient too)."""
    if target.data.dtype.kind != "f":
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, got {_scalar_name(target)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    cdim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[cdim]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}"
        )
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = LogSoftmax.apply(input, cdim) * target
    if weight is not None:
        terms = terms * weight.reshape((n_classes,) + (1,) * (input.ndim - cdim - 1))
    return _reduce(-terms.sum(cdim), reduction)


class NLLLoss(Op):
    """loss_i = -w_{t_i} x[i, t_i]: a gather; the gradient puts -g w_t back at the targets"""

    @staticmethod
    def forward(ctx: Any, x: Any, tg: _Targets | None = None) -> Any:
        assert tg is not None
        loss = -tg.gather(x)
        if tg.wt is not None:
            loss = loss * tg.wt
        ctx.tg = tg
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return loss

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        tg = ctx.tg
        xp = _backend.xp_of(tg.t)
        neg_q = xp.zeros(ctx.shape, dtype=ctx.dtype)
        tg.add_at_targets(neg_q, -1.0 if tg.wt is None else -tg.wt)
        g = grad.reshape(grad.shape[:1] + (1,) + grad.shape[1:])
        return g * _const(neg_q), None


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities at class indices: loss_i = -w_t input[i, t_i].

    Args:
        input: log-probabilities (N, C), (N, C, d1, ...) or unbatched (C,).
        target: class indices (N,), (N, d1, ...) or (), int64 or uint8.
        weight: per-class weights (C,); 'mean' divides by the summed weights of the targets.
        ignore_index: a class index whose elements count nowhere.
        reduction: 'mean', 'sum' or 'none'.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    _no_weight_grad("nll_loss_forward", weight)
    x, t, unbatched = _check_class_input(input, target, weight)
    tg = _Targets(x.data, t, weight, ignore_index)
    return _class_loss(NLLLoss.apply(x, tg=tg), tg, reduction, unbatched)


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
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
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
    d = input - target
    a = d.abs()
    loss = where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _weighted(loss, weight, input, reduction, mean_by_weight=False)


# -- binary classification -------------------------------------------------------------------


class BinaryCrossEntropy(Op):
    """loss = -(y max(log x, -100) + (1 - y) max(log(1 - x), -100))

    The gradient is PyTorch's ``(x - y) / max(x (1 - x), 1e-12)``, finite at x = 0 or 1.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any) -> Any:
        xp = _backend.xp_of(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)
        ctx.save_for_backward(x, y)
        return xp.asarray(-(y * log_x + (1 - y) * log_1mx))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - y) / (x * (1 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gy = grad * (log(1 - x).clamp(min=-100) - log(x).clamp(min=-100))
        return gx, gy


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 like PyTorch

    Args:
        input: probabilities in [0, 1].
        target: shaped like ``input`` (values in [0, 1]).
        weight: broadcast against the elementwise loss (no gradient).
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    xd = input.data
    if xd.size and bool(((xd < 0) | (xd > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    _no_weight_grad("binary_cross_entropy", weight)
    loss = BinaryCrossEntropy.apply(input, target.to(dtype=input.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogits(Op):
    """loss = (1 - y) x - (1 + (pw - 1) y) log sigmoid(x), pw the positive-class weight

    Backward: d/dx = (1 + (pw - 1) y) sigmoid(x) - pw y,  d/dy = -x - (pw - 1) log sigmoid(x).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, pos_weight: Any = None) -> Any:
        xp = _backend.xp_of(x)
        log_sig = -(xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x))))
        if pos_weight is None:
            loss = (1 - y) * x - log_sig
        else:
            loss = (1 - y) * x - (1 + (pos_weight - 1) * y) * log_sig
        ctx.save_for_backward(x, y, pos_weight)
        return xp.asarray(loss, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, y, pw = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            if pw is None:
                gx = grad * (sigmoid(x) - y)
            else:
                gx = grad * ((1 + (pw - 1) * y) * sigmoid(x) - pw * y)
        if ctx.needs_input_grad[1]:
            gy = -grad * x if pw is None else -grad * (x + (pw - 1) * _log_sigmoid(x))
        return gx, gy, None


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """loss = -w (pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), stable for any logit x

    Args:
        input: logits.
        target: shaped like ``input`` (values in [0, 1]).
        weight: broadcast against the elementwise loss (no gradient).
        pos_weight: weight of the positive term, broadcast along the last (class) dim.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _no_weight_grad("binary_cross_entropy_with_logits", weight, pos_weight)
    loss = BinaryCrossEntropyWithLogits.apply(input, target.to(dtype=input.dtype), pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss = log(1 + e^(-y x)), for targets y in {1, -1}"""
    reduction = _legacy(size_average, reduce, reduction)
    return _reduce(-_log_sigmoid(input * target), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """loss_i = -mean_c w_c (y_ic log sigmoid(x_ic) + (1 - y_ic) log sigmoid(-x_ic))"""
    reduction = _legacy(size_average, reduce, reduction)
    loss = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) * (1.0 / input.shape[class_dim])
    return _reduce(loss, reduction)


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
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction != "batchmean":
        _check_reduction(reduction)
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
        var = _const(input.xp.full(input.shape, float(var), dtype=input.data.dtype))
    elif var.data.size and bool((var.data < 0).any()):
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
    xp = _backend.xp_of(var.data)
    var = var + _const(xp.maximum(var.data, eps) - var.data)
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# -- margin and embedding losses ------------------------------------------------------------


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
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


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
    margin_term = where(target != 1, (margin - input).clamp(min=0), 0.0)
    self_term = where(target != -1, input, 0.0)
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
            f"cosine_embedding_loss: expected 1D or 2D inputs of the same size, got {list(input1.shape)} "
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
        raise NotImplementedError(f"triplet_margin_loss: p={p} is not supported (use a finite p > 0)")
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
        ctx.t, ctx.n_classes = t, x.shape[1]
        return xp.take_along_axis(x, xp.expand_dims(t, 1), axis=1)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        xp = _backend.xp_of(ctx.t)
        return grad * _const(_one_hot(xp, ctx.t, ctx.n_classes, grad.data.dtype))


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
    t = target.data.reshape(-1).astype(np.int64, copy=False)
    n, n_classes = x.shape
    if t.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if t.size and bool(((t < 0) | (t >= n_classes)).any()):
        raise RuntimeError("target out of range")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got {list(weight.shape)}")
    xp = _backend.xp_of(x.data)
    z = (x - _PickClass.apply(x, t=t) + margin).clamp(min=0)
    if p == 2:
        z = z * z
    others = 1 - _one_hot(xp, t, n_classes, x.data.dtype)
    if weight is not None:
        others = others * xp.expand_dims(weight.data.astype(x.data.dtype)[t], 1)
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
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape or input.ndim not in (1, 2):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    unbatched = input.ndim == 1
    x = input.reshape(1, input.shape[0]) if unbatched else input
    xp = _backend.xp_of(x.data)
    n_classes = x.shape[1]
    t = target.data.reshape(x.shape).astype(np.int64, copy=False)
    listed = xp.cumprod(t != -1, axis=1).astype(bool)  # entries before the first -1
    if bool((listed & ((t < 0) | (t >= n_classes))).any()):
        raise RuntimeError("target index out of range")
    classes = xp.arange(n_classes)
    # count[i, c]: how often c is listed; is_target[i, c]: whether it is listed at all
    count = ((t[:, :, None] == classes) & listed[:, :, None]).sum(axis=1).astype(x.data.dtype)
    not_target = (count == 0).astype(x.data.dtype)
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


# -- CTC -------------------------------------------------------------------------------------------


def _logaddexp3(xp: Any, a: Any, b: Any, c: Any) -> Any:
    m = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe)) + safe


def _shift(xp: Any, a: Any, k: int) -> Any:
    """a shifted k places right (k > 0) or left (k < 0) along the last axis, filled with -inf."""
    out = xp.full_like(a, -np.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTCLoss(Op):
    """loss_n = -log sum over alignments of prod_t p(t, label), by the alpha (forward) recursion

    Over the extended labels l' = (blank, l1, blank, l2, ..., blank): alpha_t(s) =
    lp_t(l'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s differs from
    l'_{s-2} and is not blank). Vectorised over the batch and the labels, one step per time frame.
    The gradient is PyTorch's: exp(lp) - posterior occupation of each class (the gradient with
    respect to the logits under a log_softmax); no second-order gradient.
    """

    @staticmethod
    def forward(
        ctx: Any,
        lp: Any,
        labels: Any = None,
        in_len: Any = None,
        tgt_len: Any = None,
        zero_infinity: bool = False,
    ) -> Any:
        xp = _backend.xp_of(lp)
        n_time, n = lp.shape[0], lp.shape[1]
        k = labels.shape[1]
        emit = xp.take_along_axis(lp, xp.broadcast_to(labels, (n_time, n, k)), axis=2)  # (T, N, K)
        skip = xp.zeros((n, k), dtype=bool)
        skip[:, 2:] = (labels[:, 2:] != labels[:, :-2]) & (xp.arange(k)[2:] % 2 == 1)
        alpha = xp.full((n_time, n, k), -np.inf, dtype=lp.dtype)
        if n_time:
            alpha[0, :, :2] = emit[0, :, :2]
        for t in range(1, n_time):
            a = alpha[t - 1]
            two_back = xp.where(skip, _shift(xp, a, 2), -np.inf)
            alpha[t] = xp.where(
                (t < in_len)[:, None], _logaddexp3(xp, a, _shift(xp, a, 1), two_back) + emit[t], a
            )
        last = alpha[xp.maximum(in_len - 1, 0), xp.arange(n)]  # (N, K)
        end = 2 * tgt_len
        a_end = xp.take_along_axis(last, end[:, None], axis=1)[:, 0]
        a_pre = xp.where(
            tgt_len > 0, xp.take_along_axis(last, xp.maximum(end - 1, 0)[:, None], axis=1)[:, 0], -np.inf
        )
        nll = -xp.logaddexp(a_end, a_pre)
        ctx.inf = xp.isinf(nll) if zero_infinity else None
        if zero_infinity:
            nll = xp.where(ctx.inf, 0, nll)
        ctx.save_for_backward(lp, labels, alpha, emit, skip, in_len, tgt_len, nll)
        return nll.astype(lp.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        lp, labels, alpha, emit, skip, in_len, tgt_len, nll = (s.data for s in ctx.saved_tensors)
        xp = _backend.xp_of(lp)
        n_time, n, n_classes = lp.shape
        k = labels.shape[1]
        s_idx = xp.arange(k)
        end = 2 * tgt_len
        is_end = (s_idx == end[:, None]) | ((s_idx == end[:, None] - 1) & (tgt_len > 0)[:, None])
        skip_next = xp.zeros_like(skip)
        skip_next[:, :-2] = skip[:, 2:]  # may s jump to s + 2
        beta = xp.full((n, k), -np.inf, dtype=lp.dtype)
        occ = xp.zeros((n_time, n, k), dtype=lp.dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            for t in range(n_time - 1, -1, -1):
                two_ahead = xp.where(skip_next, _shift(xp, beta, -2), -np.inf)
                rec = _logaddexp3(xp, beta, _shift(xp, beta, -1), two_ahead) + emit[t]
                start = xp.where(is_end, emit[t], -np.inf)
                last = (t == in_len - 1)[:, None]
                beta = xp.where(last, start, xp.where((t < in_len - 1)[:, None], rec, -np.inf))
                # posterior of state s at time t: alpha beta / (p(l) lp(l'_s))
                occ[t] = xp.exp(alpha[t] + beta - emit[t] + nll[:, None])
        flat = (
            (xp.arange(n_time)[:, None, None] * n + xp.arange(n)[None, :, None]) * n_classes + labels
        ).ravel()
        summed = xp.bincount(flat, weights=xp.nan_to_num(occ).ravel(), minlength=n_time * n * n_classes)
        active = (xp.arange(n_time)[:, None] < in_len[None, :])[:, :, None]
        g = xp.where(active, xp.exp(lp) - summed.reshape(lp.shape).astype(lp.dtype), 0)
        if ctx.inf is not None:
            g = xp.where(ctx.inf[None, :, None], 0, g)
        return _const(g.astype(lp.dtype, copy=False)) * grad.reshape(1, n, 1), None, None, None


def _lengths(xp: Any, v: Any, n: int, name: str) -> Any:
    a = v.data if isinstance(v, Tensor) else np.asarray(v)
    a = xp.asarray(a, dtype=np.int64).reshape(-1)
    if a.shape[0] != n:
        raise RuntimeError(f"{name} must be of size batch_size ({n}), got {a.shape[0]}")
    return a


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification: -log p(target | log_probs), summed over alignments.

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities (a log_softmax output).
        targets: (N, S) padded, or 1-D: all targets concatenated.
        input_lengths, target_lengths: (N,) tensors or sequences of ints (scalars when unbatched).
        blank: the blank class.
        reduction: 'mean' divides each loss by its target length, then averages; 'sum'; 'none'.
        zero_infinity: impossible alignments give loss 0 and gradient 0 instead of inf.
    """
    _check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.reshape(log_probs.shape[0], 1, log_probs.shape[1])
        targets = targets.reshape(1, -1)
    if log_probs.ndim != 3:
        raise RuntimeError(
            f"ctc_loss expects log_probs of shape (T, N, C) or (T, C), got {list(log_probs.shape)}"
        )
    xp = log_probs.xp
    n_time, n, n_classes = log_probs.shape
    in_len = _lengths(xp, input_lengths, n, "input_lengths")
    tgt_len = _lengths(xp, target_lengths, n, "target_lengths")
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    if n and bool((in_len > n_time).any()):
        raise RuntimeError(
            f"Expected input_lengths to have value at most {n_time}, but got value {int(in_len.max())}"
        )
    t = targets.data.astype(np.int64, copy=False)
    max_len = int(tgt_len.max()) if n else 0
    if t.ndim == 1:  # concatenated: gather each sequence into a padded row
        offsets = xp.cumsum(tgt_len) - tgt_len
        idx = offsets[:, None] + xp.arange(max_len)[None, :]
        inside = xp.arange(max_len)[None, :] < tgt_len[:, None]
        padded = xp.where(inside, t[xp.clip(idx, 0, max(t.shape[0] - 1, 0))] if t.size else blank, blank)
    else:
        if max_len > t.shape[1]:
            raise RuntimeError(
                f"Expected tensor to have size at least {max_len} at dimension 1, but got size {t.shape[1]}"
            )
        padded = t[:, :max_len]
        inside = xp.arange(max_len)[None, :] < tgt_len[:, None]
        padded = xp.where(inside, padded, blank)
    labels = xp.full((n, 2 * max_len + 1), blank, dtype=np.int64)
    labels[:, 1::2] = padded
    loss = CTCLoss.apply(
        log_probs, labels=labels, in_len=in_len, tgt_len=tgt_len, zero_infinity=zero_infinity
    )
    if reduction == "mean":
        divisor = xp.maximum(tgt_len, 1).astype(log_probs.data.dtype)
        return (loss / _const(divisor)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss
