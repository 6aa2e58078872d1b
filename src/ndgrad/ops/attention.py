"""Attention kernel: scaled_dot_product_attention.

``AttentionProbs`` is the fused, numerically stable masked softmax of scale * q k^T (+ bias),
whose backward is written in Tensor ops so it can be differentiated again; a row masked
everywhere gives zeros rather than NaN. The public function builds the additive bias from
``attn_mask``/``is_causal``, repeats key/value heads for grouped-query attention, applies
dropout to the weights and multiplies by the values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _workspace
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Op
from ndgrad.ops._conv_util import _as_strided
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import require_float
from ndgrad.ops.dropout import dropout
from ndgrad.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


# -- attention -----------------------------------------------------------------------------------


def _probs(q: Any, k: Any, bias: Any, scale: float, lse: Any = None) -> tuple[Any, Any]:
    """(P, lse) on arrays: P = softmax(scale * q k^T + bias) over the last dim and lse its log
    normaliser per row, +inf for a row masked everywhere (whose P is zeros, not NaN). Given the lse
    of an earlier call on the same inputs, P = exp(scores - lse) skips the row reductions."""
    xp = _xp(q)
    # in place, in a workspace array: the scores are the largest array of a transformer layer
    s = _workspace.matmul(q, xp.swapaxes(k, -1, -2))
    s *= scale
    if bias is not None:
        s = (
            xp.add(s, bias, out=s)
            if np.broadcast_shapes(s.shape, bias.shape) == s.shape
            else s + bias
        )
    if lse is not None:
        s -= lse
        return xp.exp(s, out=s).astype(q.dtype, copy=False), lse
    top = s.max(axis=-1, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0)  # a fully masked row: exp(-inf) = 0, no NaN
    s -= top
    probs = xp.exp(s, out=s)
    # row sums as a matrix-vector product: several times faster than NumPy's sum over short rows
    total = (probs @ xp.ones(probs.shape[-1], dtype=probs.dtype))[..., None]
    empty = total == 0
    total = xp.where(empty, 1, total)
    probs /= total
    lse = xp.where(empty, math.inf, top + xp.log(total))
    return probs.astype(q.dtype, copy=False), lse


def _probs_grads(
    q: Tensor,
    k: Tensor,
    probs: Tensor,
    scale: float,
    grad: Tensor,
    rowdot: Tensor,
    needs: tuple[bool, ...],
) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """The gradients of q, k and bias from ``grad`` = scale * dL/dP and ``rowdot`` = its sum(grad
    * P) per row: the softmax's backward then gives dS = P (grad - rowdot) / scale, and the
    scores' dq = scale dS k, dk = scale dS^T q. Scaled ahead, where the caller's array is the
    smallest, so that dq and dk need no pass of their own. ``needs``: whether q, k, bias want one.
    """
    ds_scaled = probs * (grad - rowdot)
    gq = ds_scaled @ k if needs[0] else None
    gk = ds_scaled.mT @ q if needs[1] else None
    return gq, gk, ds_scaled / scale if needs[2] else None


class AttentionProbs(Op):
    """P = softmax(scale * q k^T + bias) over the last dim; a row masked everywhere gives zeros

    Backward: dS = P * (dP - sum(dP * P)), dq = scale * dS k, dk = scale * dS^T q, dbias = dS.
    ``lse``, the rows' log normalisers from an earlier forward on the same inputs (Attention's
    backward), only makes P cheaper to compute.
    """

    @staticmethod
    def forward(
        ctx: Any, q: Any, k: Any, bias: Any = None, scale: float = 1.0, lse: Any = None
    ) -> Any:
        probs, _ = _probs(q, k, bias, scale, lse)
        ctx.save_for_backward(q, k, probs, scale)
        return probs

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        q, k, probs, scale = ctx.saved_tensors
        grad = grad * scale
        rowdot = (grad * probs).sum(-1, keepdim=True)
        return _probs_grads(q, k, probs, scale, grad, rowdot, ctx.needs_input_grad)


class Attention(Op):
    """out = P v, P = softmax(scale * q k^T + bias): attention without dropout, in one node

    Backward recomputes P from q, k and the rows' log normalisers (AttentionProbs, so it can be
    differentiated again) rather than keeping it, as PyTorch's flash kernel does: P has L * S
    numbers per head, the normalisers L, and q, k and out are kept anyway (out by the next layer).
    dv = P^T dout, dP = dout v^T, then AttentionProbs' backward with sum(dP * P) = sum(dout * out)
    per row, a sum over Ev numbers instead of S.
    """

    @staticmethod
    def forward(ctx: Any, q: Any, k: Any, v: Any, bias: Any = None, scale: float = 1.0) -> Any:
        probs, lse = _probs(q, k, bias, scale)
        out = _times_values(probs, v, q)
        ctx.save_for_backward(q, k, v, bias, scale, lse, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        q, k, v, bias, scale, lse, out = ctx.saved_tensors
        nq, nk, nv, nbias = ctx.needs_input_grad
        probs = AttentionProbs.apply(q, k, bias, scale=scale, lse=lse.array)
        gv = probs.mT @ grad if nv else None
        gq = gk = gbias = None
        if nq or nk or nbias:
            grad = grad * scale  # (L, Ev) numbers per head: the smallest array to scale
            rowdot = (grad * out).sum(-1, keepdim=True)
            needs = (nq, nk, nbias)
            gq, gk, gbias = _probs_grads(q, k, probs, scale, grad @ v.mT, rowdot, needs)
        return gq, gk, gv, gbias


def _times_values(probs: Any, v: Any, q: Any) -> Any:
    """probs @ v, laid out in memory as q is (as PyTorch's CPU kernel does): for q a (B, L, H, E)
    array seen as (B, H, L, E), the usual split of one projection into heads, the result's
    transpose(-3, -2) is contiguous, so merging the heads back is a view, not a copy."""
    xp = _xp(v)
    batch = probs.shape[:-2]
    if (
        xp is not np  # NumPy's matmul writes a strided ``out``; CuPy keeps its own layout
        or q.ndim < 3
        or q.strides[-3] >= q.strides[-2]
        or not batch == q.shape[:-2] == v.shape[:-2]
    ):
        return _workspace.matmul(probs, v)
    shape = batch[:-1] + (probs.shape[-2], batch[-1], v.shape[-1])
    out = _workspace.empty(shape, np.result_type(probs.dtype, v.dtype), xp)
    xp.matmul(probs, v, out=xp.swapaxes(out, -2, -3))
    return xp.swapaxes(out, -2, -3)


def _causal_bias(length: int, source: int, dtype: Any, xp: Any) -> Any:
    """The (L, S) causal bias, 0 where j <= i and -inf above, as a read-only view of one row of
    L + S - 1 values: bias[i, j] depends on j - i only, so the node keeps L + S numbers, not L * S.
    """
    row = xp.full(length + source - 1, -math.inf, dtype=dtype)
    row[:length] = 0  # bias[i, j] = row[L - 1 - i + j]: kept where j - i <= 0
    return _as_strided(row[length - 1 :], (length, source), (-row.itemsize, row.itemsize))


def _mask_bias(
    attn_mask: Tensor | None, is_causal: bool, length: int, source: int, ref: Tensor
) -> Tensor | None:
    """The additive bias for the scores: 0 / -inf from a boolean mask (True = keep), a float mask
    as is."""
    xp = _xp(ref.array)
    if is_causal:  # never with attn_mask (the caller refuses both)
        return _const(_causal_bias(length, source, ref.array.dtype, xp))
    keep = None
    bias = None
    if attn_mask is not None:
        if attn_mask.array.dtype.kind == "b":
            keep = attn_mask.array
        else:
            if attn_mask.array.dtype != ref.array.dtype:
                raise RuntimeError(
                    "Expected attn_mask dtype to be bool or float or to match query dtype, but "
                    "got "
                    f"attn_mask.dtype: {attn_mask.dtype.name} and query.dtype: {ref.dtype.name} "
                    "instead."
                )
            bias = attn_mask
    if keep is not None:
        neg = _const(xp.where(keep, 0.0, -math.inf).astype(ref.array.dtype))
        bias = neg if bias is None else bias + neg
    return bias


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """(..., H, S, E) -> (..., H * groups, S, E), each head repeated ``groups`` times in a row."""
    shape = tuple(t.shape)
    wide = t.reshape(shape[:-2] + (1,) + shape[-2:]).expand(shape[:-2] + (groups,) + shape[-2:])
    return wide.reshape(shape[:-3] + (shape[-3] * groups,) + shape[-2:])


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """out = softmax(q k^T * scale + mask) v

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev).
        attn_mask: boolean (True = attend) or float (added to the scores), broadcast to (..., L, S).
        dropout_p: dropout on the attention weights.
        is_causal: position i attends only to j <= i (then attn_mask must be None).
        scale: defaults to 1 / sqrt(E).
        enable_gqa: key/value may have fewer heads (dim -3) than query; each serves a group.
    Returns:
        (..., L, Ev).
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: query, key and value must be at least 2-D"
        )
    require_float(
        "scaled_dot_product_attention",
        query,
        exc=RuntimeError,
        message="expected scalar type Float but found {dtype}",
    )
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key must have the same embedding size, got "
            f"{query.shape[-1]} and {key.shape[-1]}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value must have the same sequence length, got "
            f"{key.shape[-2]} and {value.shape[-2]}"
        )
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3]:
            raise RuntimeError(
                f"number of heads in query ({query.shape[-3]}) must be a multiple of those in key "
                f"({key.shape[-3]})"
            )
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True"
        )
    length, source = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    bias = _mask_bias(attn_mask, is_causal, length, source, query)
    if dropout_p <= 0.0:
        return Attention.apply(query, key, value, bias, scale=s)
    probs = dropout(AttentionProbs.apply(query, key, bias, scale=s), dropout_p, training=True)
    return probs @ value
