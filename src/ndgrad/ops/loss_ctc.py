"""Connectionist temporal classification loss (``ctc_loss``), one fused op.

``CTCLoss`` runs the alpha (forward) recursion over the blank-extended labels in log space, all
batch lanes at once, and its backward the beta recursion, giving PyTorch's gradient (exp(lp)
minus each class's posterior occupation); there is no second-order gradient. ops/loss.py
re-exports ``ctc_loss``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd.function import Op, once_differentiable
from ndgrad.ops._loss_util import _check_reduction, _const
from ndgrad.tensor import Tensor

__all__ = ["ctc_loss"]


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
            tgt_len > 0,
            xp.take_along_axis(last, xp.maximum(end - 1, 0)[:, None], axis=1)[:, 0],
            -np.inf,
        )
        nll = -xp.logaddexp(a_end, a_pre)
        inf = xp.isinf(nll) if zero_infinity else None
        if inf is not None:
            nll = xp.where(inf, 0, nll)
        ctx.save_for_backward(lp, labels, alpha, emit, skip, in_len, tgt_len, nll, inf)
        return nll.astype(lp.dtype, copy=False)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> Any:
        *saved, inf = ctx.saved_tensors  # inf: where the loss was infinite, if zero_infinity
        lp, labels, alpha, emit, skip, in_len, tgt_len, nll = (s.array for s in saved)
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
            (xp.arange(n_time)[:, None, None] * n + xp.arange(n)[None, :, None]) * n_classes
            + labels
        ).ravel()
        summed = xp.bincount(
            flat, weights=xp.nan_to_num(occ).ravel(), minlength=n_time * n * n_classes
        )
        active = (xp.arange(n_time)[:, None] < in_len[None, :])[:, :, None]
        g = xp.where(active, xp.exp(lp) - summed.reshape(lp.shape).astype(lp.dtype), 0)
        if inf is not None:
            g = xp.where(inf.array[None, :, None], 0, g)
        return _const(g.astype(lp.dtype, copy=False)) * grad.reshape(1, n, 1), None, None, None


def _lengths(xp: Any, v: Any, n: int, name: str) -> Any:
    a = v.array if isinstance(v, Tensor) else np.asarray(v)
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
            f"Expected input_lengths to have value at most {n_time}, but got value "
            f"{int(in_len.max())}"
        )
    t = targets.array.astype(np.int64, copy=False)
    max_len = int(tgt_len.max()) if n else 0
    if t.ndim == 1:  # concatenated: gather each sequence into a padded row
        offsets = xp.cumsum(tgt_len) - tgt_len
        idx = offsets[:, None] + xp.arange(max_len)[None, :]
        inside = xp.arange(max_len)[None, :] < tgt_len[:, None]
        padded = xp.where(
            inside, t[xp.clip(idx, 0, max(t.shape[0] - 1, 0))] if t.size else blank, blank
        )
    else:
        if max_len > t.shape[1]:
            raise RuntimeError(
                f"Expected tensor to have size at least {max_len} at dimension 1, but got size "
                f"{t.shape[1]}"
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
        divisor = xp.maximum(tgt_len, 1).astype(log_probs.array.dtype)
        return (loss / _const(divisor)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss
