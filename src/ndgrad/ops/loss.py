"""Loss functions (``ndgrad.nn.functional``): PyTorch's signatures, defaults and reductions.

This file holds the classification losses: cross_entropy and nll_loss (class-index or
probability targets) and the binary ones (binary_cross_entropy, with logits, and the logistic
soft-margin losses). The other losses live beside it and are re-exported here, so this module's
``__all__`` is the whole family: ops/loss_regression.py (mse, l1, smooth_l1, huber, kl_div,
poisson and gaussian NLL), ops/loss_margin.py (margin, ranking, embedding and triplet losses),
ops/loss_ctc.py (ctc_loss); ops/_loss_util.py has the helpers they share.

Most losses are short compositions of elementwise ops and ``sum``/``mean``, so their gradients
(and second-order gradients) come from those ops. Four here have fused ops of their own, because
a composition would be slower or numerically worse:

- ``CrossEntropy`` (class-index targets): log-softmax and NLL in one pass, never materialising
  the log-probabilities; its backward is ``g * (s * softmax(x) - q)`` with ``q`` the smoothed,
  weighted one-hot target and ``s = sum(q)``.
- ``NLLLoss``: a gather forward, a (constant) one-hot backward.
- ``BinaryCrossEntropy``: log clamped at -100 like PyTorch, gradient ``(x - y) / max(x (1-x),
1e-12)``.
- ``BinaryCrossEntropyWithLogits``: the log-sigmoid form, stable for any logit.

Every ``reduction`` is one of 'mean' (the default), 'sum' or 'none'; the legacy ``size_average``
and ``reduce`` arguments are mapped to it as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.autograd.function import Op
from ndgrad.ops._loss_util import (
    _check_reduction,
    _const,
    _legacy,
    _no_weight_grad,
    _reduce,
)
from ndgrad.ops._util import require_float
from ndgrad.ops.activation import LogSigmoid
from ndgrad.ops.elementwise import log, sigmoid
from ndgrad.ops.loss_ctc import ctc_loss
from ndgrad.ops.loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ndgrad.ops.loss_regression import (
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from ndgrad.ops.softmax import LogSoftmax
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


# -- class-index targets: cross_entropy, nll_loss --------------------------------------------


def _class_dim_shape(w: Any, ndim: int) -> Any:
    """Class weights (C,) shaped to broadcast against (N, C, d1, ...)."""
    return w.reshape((1, -1) + (1,) * (ndim - 2))


class _Targets:
    """Class-index targets checked against the input, with what both losses need from them."""

    def __init__(self, x: Any, target: Tensor, weight: Tensor | None, ignore_index: int) -> None:
        xp = _backend.xp_of(x)
        n_classes = x.shape[1]
        t = target.array
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
        self.w = None if weight is None else weight.array.astype(x.dtype, copy=False)
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
            flat = (
                xp.arange(n).reshape(n, 1) * (c * rest)
                + t * rest
                + xp.arange(rest).reshape(1, rest)
            )
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


def _check_class_input(
    input: Tensor, target: Tensor, weight: Tensor | None
) -> tuple[Tensor, Tensor, bool]:
    """PyTorch's shape and dtype checks; an unbatched (C,) input becomes (1, C)."""
    if input.ndim == 0:
        raise RuntimeError("input tensor should be 1D or 2D (got a 0-D tensor)")
    if target.array.dtype.kind == "f" or target.array.dtype not in (np.int64, np.uint8):
        if target.array.dtype.kind == "f" and target.ndim not in (input.ndim - 1, 0):
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_dtype.torch_name(target)}"
        )
    unbatched = input.ndim == 1
    if unbatched:
        if target.ndim != 0:
            raise RuntimeError(
                "Expected a 0-D target for a 1-D (unbatched) input, got target of shape "
                f"{list(target.shape)}"
            )
        input = input.reshape(1, input.shape[0])
        target = target.reshape(1)
    elif target.ndim != input.ndim - 1:
        if input.ndim == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(
            f"only batches of spatial targets supported ({input.ndim - 1}D tensors) but got "
            "targets "
            f"of dimension: {target.ndim}"
        )
    if input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    if input.shape[2:] != target.shape[1:]:
        raise RuntimeError(
            f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
        )
    n_classes = input.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}"
        )
    return input, target, unbatched


class CrossEntropy(Op):
    """loss_i = -sum_c q_ic log softmax(x_i)_c, q_i = (1-eps) w_t onehot(t_i) + eps/C w

    Fused log-softmax + NLL: the forward needs only logsumexp(x) and x at the target, so it is
    stable for any logits; the gradient ``g * (s * softmax(x) - q)``, ``s = sum_c q_ic``, is the op
    ``CrossEntropyGrad`` below (the conv trio's pattern: a fast gradient that is an op itself).
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
        ctx.save_for_backward(x, lse, tg, eps)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, lse, tg, eps = ctx.saved_tensors
        return CrossEntropyGrad.apply(grad, x, lse=lse.array, tg=tg, eps=eps), None


class CrossEntropyGrad(Op):
    """out = g * (s * p - q), p = softmax(x): CrossEntropy's gradient in x (q, s as there)

    Forward: one array, updated in place (``lse`` is the forward's logsumexp, so p = e^(x - lse)).
    Backward, with upstream G: dg = sum_c G (s p - q); dx = s g p (G - sum_c G p), where p is
    recomputed as exp(LogSoftmax(x)) so that every further order differentiates through it too.
    """

    @staticmethod
    def forward(ctx: Any, g: Any, x: Any, lse: Any = None, tg: Any = None, eps: float = 0.0) -> Any:
        xp = _backend.xp_of(x)
        d = xp.empty(x.shape, dtype=x.dtype)
        xp.subtract(x, lse, out=d)
        xp.exp(d, out=d)  # softmax
        s = _q_sum(tg, eps, x.dtype)
        if s is not None:
            d *= s
        _subtract_q(d, tg, eps)
        d *= xp.expand_dims(g, 1)
        ctx.save_for_backward(g, x, tg, eps)
        return d

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        g, x, tg, eps = ctx.saved_tensors
        s = _q_sum(tg, eps, x.array.dtype)
        neg_q = _backend.xp_of(x.array).zeros(x.shape, dtype=x.array.dtype)
        _subtract_q(neg_q, tg, eps)
        sp = LogSoftmax.apply(x, 1).exp()
        p = sp
        if s is not None:
            sp = sp * _const(s)
        dg = (grad * (sp + _const(neg_q))).sum(1) if ctx.needs_input_grad[0] else None
        dx = None
        if ctx.needs_input_grad[1]:
            gp = grad * p
            dx = sp * (grad - gp.sum(1, keepdim=True)) * g.reshape(g.shape[:1] + (1,) + g.shape[1:])
        return dg, dx


def _subtract_q(out: Any, tg: _Targets, eps: float) -> None:
    """out -= q in place: q = (1 - eps) w_t onehot(t) + eps/C w, zero at ignored elements."""
    xp = _backend.xp_of(out)
    if eps > 0:
        smooth = (eps / tg.n_classes) * (1.0 if tg.w is None else _class_dim_shape(tg.w, out.ndim))
        out -= smooth if tg.mask is None else smooth * xp.expand_dims(tg.mask, 1)
    on_target = (1 - eps) * (1.0 if tg.wt is None else tg.wt)  # wt = w[t_i] * mask_i
    tg.add_at_targets(out, -xp.asarray(on_target, dtype=out.dtype))


def _q_sum(tg: _Targets, eps: float, dtype: Any) -> Any:
    """s = sum_c q with a class dim, or None where it is exactly 1 (no weights, nothing ignored)."""
    if tg.wt is None:
        return None
    w_sum = tg.n_classes if tg.w is None else float(tg.w.sum())
    mask = 1.0 if tg.mask is None else tg.mask
    s = (1 - eps) * tg.wt + (eps / tg.n_classes) * w_sum * mask
    return _backend.xp_of(tg.wt).expand_dims(s.astype(dtype, copy=False), 1)


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
    tg = _Targets(x.array, t, weight, ignore_index)
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
    if target.array.dtype.kind != "f":
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_dtype.torch_name(target)}"
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
        ctx.save_for_backward(tg, x.shape, x.dtype)
        return loss

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        tg, shape, dtype = ctx.saved_tensors
        xp = _backend.xp_of(tg.t)
        neg_q = xp.zeros(shape, dtype=dtype)
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
    require_float("nll_loss_out_frame", input)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    _no_weight_grad("nll_loss_forward", weight)
    x, t, unbatched = _check_class_input(input, target, weight)
    tg = _Targets(x.array, t, weight, ignore_index)
    return _class_loss(NLLLoss.apply(x, tg=tg), tg, reduction, unbatched)


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
    require_float("binary_cross_entropy", input)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"Found dtype {_dtype.torch_name(target)} but expected {_dtype.torch_name(input)}"
        )
    for name, arr in (("input", input.array), ("target", target.array)):
        if arr.size and not bool(((arr >= 0) & (arr <= 1)).all()):
            # NaN is refused too, as in PyTorch
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    _no_weight_grad("binary_cross_entropy", weight)
    loss = BinaryCrossEntropy.apply(input, target)
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
            gy = -grad * x if pw is None else -grad * (x + (pw - 1) * LogSigmoid.apply(x))
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
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    _no_weight_grad("binary_cross_entropy_with_logits", weight, pos_weight)
    require_float("log_sigmoid_cpu", input)
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
    return _reduce(-LogSigmoid.apply(input * target), reduction)


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
    require_float("log_sigmoid_cpu", input)
    loss = -(target * LogSigmoid.apply(input) + (1 - target) * LogSigmoid.apply(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) * (1.0 / input.shape[class_dim])
    return _reduce(loss, reduction)
