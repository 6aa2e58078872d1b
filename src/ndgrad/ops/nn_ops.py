"""Neural-network kernels: linear maps, normalization, dropout, embedding, distances, attention.

Fused ops where it pays: ``Linear`` (one matmul forward, three backward), ``Standardize`` (the
shared core of batch/layer/group/instance norm: a one-pass forward and the closed-form backward),
``Embedding`` (a gather whose backward is a scatter-add), ``VectorNorm`` (p-norms with PyTorch's
zero-gradient at zero) and ``AttentionProbs`` (a stable masked softmax of q k^T). Every backward
is written in Tensor ops, so all of them can be differentiated again.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ndgrad import _backend
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as ew
from ndgrad.ops import random as _random
from ndgrad.ops._util import inplace, normalize_dim
from ndgrad.tensor import Tensor

__all__ = [
    "linear",
    "bilinear",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "rms_norm",
    "local_response_norm",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "embedding",
    "one_hot",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "cdist",
    "scaled_dot_product_attention",
    "pixel_shuffle",
    "pixel_unshuffle",
]


def _xp(a: Any) -> Any:
    return _backend.xp_of(a)


def _const(array: Any) -> Tensor:
    """A Tensor around an array that takes no part in the graph."""
    return Tensor._make(array, False, None)


_TORCH_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double"}


def _dtype_name(t: Tensor) -> str:
    """PyTorch's scalar-type name, as its error messages spell it (Float, Double, Long ...)."""
    return _TORCH_TYPE_NAMES.get(t.dtype.name, t.dtype.name.capitalize())


# -- linear maps ---------------------------------------------------------------------------------


class Linear(Op):
    """out = x W^T + b

    The batch dims are flattened so that each product is one 2-D matrix multiply (a stack of small
    ones is several times slower): dx = g W, dW = g^T x, db = sum of g over the batch.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any = None) -> Any:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        out = x.reshape(-1, x.shape[-1]) @ w.T
        if b is not None:
            out += b
        return out.reshape(x.shape[:-1] + (w.shape[0],))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        g2 = grad.reshape(-1, grad.shape[-1])
        if ctx.needs_input_grad[0]:
            gx = (g2 @ w).reshape(tuple(grad.shape[:-1]) + (w.shape[1],))
        if ctx.needs_input_grad[1]:
            gw = g2.mT @ x.reshape(-1, x.shape[-1])
        if ctx.needs_input_grad[2]:
            gb = g2.sum(0)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out = input @ weight^T + bias

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns:
        (*, out_features).
    """
    if input.data.dtype != weight.data.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_dtype_name(input)} and {_dtype_name(weight)}"
        )
    if weight.ndim != 2 or input.ndim == 0 or (bias is not None and tuple(bias.shape) != weight.shape[:1]):
        out = input @ weight.t()  # unusual shapes: the general matmul and broadcasting add
        return out + bias if bias is not None else out
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]"""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got {weight.ndim}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    n_out, n1, n2 = weight.shape
    if input1.shape[-1] != n1 or input2.shape[-1] != n2:
        raise RuntimeError(
            f"bilinear(): input sizes {input1.shape[-1]} and {input2.shape[-1]} do not match the "
            f"weight's {n1} and {n2}"
        )
    lead = tuple(input1.shape[:-1])
    a = input1.reshape(-1, n1)
    c = input2.reshape(-1, 1, n2)
    # (N, in1) @ (in1, out*in2): contract i with one matmul, then j with a product and a sum
    t = (a @ weight.permute(1, 0, 2).reshape(n1, n_out * n2)).reshape(-1, n_out, n2)
    out = (t * c).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (n_out,))


# -- normalization -------------------------------------------------------------------------------


class Standardize(Op):
    """out = (x - mean) * rstd * weight + bias, with rstd = 1/sqrt(var + eps) over ``dims``

    The shared core of batch/layer/group/instance norm, with the affine map fused in (``weight`` and
    ``bias`` are optional and already broadcastable against x). The caller computes the statistics
    (it also needs them for running averages) and hands over its centred copy ``x - mean`` and a
    scratch buffer of the same shape, which forward turns in place into x_hat and the output.
    Backward, with gw = g * weight: dx = rstd * (gw - mean(gw) - x_hat * mean(gw * x_hat)),
    dweight = sum(g * x_hat), dbias = sum(g). The ordinary (first-order) backward computes these on
    arrays, in place and in few passes; under create_graph it recomputes x_hat and rstd from x in
    Tensor ops, so that second derivatives see their dependence on x.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        weight: Any = None,
        bias: Any = None,
        centered: Any = None,
        scratch: Any = None,
        rstd: Any = None,
        dims: tuple[int, ...] = (),
        eps: float = 0.0,
    ) -> Any:
        xp = _xp(x)
        xhat = centered
        xhat *= rstd
        if weight is not None:
            out = xp.multiply(xhat, weight, out=scratch)
            if bias is not None:
                out += bias
        elif bias is not None:
            out = xp.add(xhat, bias, out=scratch)
        else:
            out = xhat
        param = weight if weight is not None else bias
        ctx.pshape = None if param is None else (1,) * (x.ndim - param.ndim) + tuple(param.shape)
        ctx.praw = None if param is None else param.shape
        ctx.save_for_backward(x, weight, xhat, rstd)
        ctx.dims, ctx.eps = dims, eps
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, weight, xhat, rstd = ctx.saved_tensors
        dims = ctx.dims
        need_x, need_w, need_b = (ctx.needs_input_grad + (False, False))[:3]
        if grad_mode.state.enabled:  # create_graph: x_hat and rstd must be functions of x
            xc = x - x.mean(dims, keepdim=True)
            rstd = ew.rsqrt((xc * xc).mean(dims, keepdim=True) + ctx.eps)
            xhat = xc * rstd
            gw = grad * weight if weight is not None else grad
            gx = None
            if need_x:
                gx = rstd * (gw - gw.mean(dims, keepdim=True) - xhat * (gw * xhat).mean(dims, keepdim=True))
            return gx, (grad * xhat if need_w else None), (grad if need_b else None)
        return _standardize_backward(
            grad.data,
            None if weight is None else weight.data,
            ctx.pshape,
            ctx.praw,
            xhat.data,
            rstd.data,
            dims,
            (need_x, need_w, need_b),
        )


def _trailing_count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    """The number of elements per row when ``dims`` are the last dims (and nothing is empty), else 0."""
    nd = len(shape)
    if dims != tuple(range(nd - len(dims), nd)) or 0 in shape:
        return 0
    return math.prod(shape[nd - len(dims) :])


def _sum_keep(a: Any, dims: tuple[int, ...]) -> Any:
    """a.sum(dims, keepdims=True); over the last dims, or dims 0 and 2.. (batch norm), as a BLAS
    matrix-vector product, several times faster than NumPy's reduction over short rows."""
    nd = a.ndim
    lead = 0 if dims == tuple(range(nd - len(dims), nd)) else 1 if dims == (0, *range(2, nd)) else -1
    if lead < 0 or a.size == 0 or (lead == 1 and nd < 3):
        return a.sum(axis=dims, keepdims=True)
    xp = _xp(a)
    k = nd - len(dims) if lead == 0 else 2
    n = math.prod(a.shape[k:])
    rows = a.reshape(-1, n) @ xp.ones(n, dtype=a.dtype)
    if lead == 1:  # (N, C) partial sums: add up the batch
        rows = xp.ones(a.shape[0], dtype=a.dtype) @ rows.reshape(a.shape[0], a.shape[1])
    kshape = tuple(1 if i in dims else a.shape[i] for i in range(nd))
    return rows.reshape(kshape)


def _standardize_backward(
    g: Any,
    w: Any,
    pshape: Any,
    praw: Any,
    xhat: Any,
    rstd: Any,
    dims: tuple[int, ...],
    needs: tuple[bool, ...],
) -> tuple[Tensor | None, ...]:
    """Standardize's first-order backward on raw arrays: few passes, in place, dtype kept."""
    need_x, need_w, need_b = needs
    xp = _xp(g)
    count = math.prod(xhat.shape[d] for d in dims)
    inv = 1.0 / count if count else math.nan
    n = _trailing_count(xhat.shape, dims)
    # the dims the affine parameters are shared over: their gradients are sums over these
    pdims = () if pshape is None else tuple(i for i, s in enumerate(pshape) if s == 1)

    gx = gw = gb = None
    if pshape is not None and all(pshape[d] == 1 for d in dims):
        # the parameters are constant within each group (batch/instance norm): two sums serve all
        sg = _sum_keep(g, dims)
        buf = xp.multiply(g, xhat)
        sgx = _sum_keep(buf, dims)
        if need_x:
            gx = xp.subtract(g, sg * inv)
            gx -= xp.multiply(xhat, sgx * inv, out=buf)
            gx *= rstd if w is None else rstd * w
        if need_w:
            gw = sgx.sum(axis=pdims, keepdims=True) if pdims else sgx
        if need_b:
            gb = sg.sum(axis=pdims, keepdims=True) if pdims else sg
    elif n and (pshape is None or pdims == tuple(range(len(pshape) - len(dims)))):
        # layer norm: statistics and parameters both over the last dims, as (rows, n) matrices
        rows = xhat.size // n
        g2, xhat2, r = g.reshape(rows, n), xhat.reshape(rows, n), rstd.reshape(rows)
        tmp = None
        if need_b:
            gb = xp.ones(rows, dtype=g.dtype) @ g2
        if need_w:
            tmp = xp.multiply(g2, xhat2)
            gw = xp.ones(rows, dtype=g.dtype) @ tmp
        if need_x:
            ones = xp.ones(n, dtype=g.dtype)
            gx = xp.multiply(g2, w.reshape(n)) if w is not None else g2.copy()
            m1 = gx @ ones
            tmp = xp.multiply(gx, xhat2, out=tmp)
            m2 = tmp @ ones
            m1 *= r
            m1 *= inv
            m2 *= r
            m2 *= inv
            gx *= r[:, None]
            gx -= m1[:, None]
            gx -= xp.multiply(xhat2, m2[:, None], out=tmp)
            gx = gx.reshape(xhat.shape)
    else:
        if need_w:
            gw = xp.multiply(g, xhat)
            gw = gw.sum(axis=pdims, keepdims=True) if pdims else gw
        if need_b:
            gb = g.sum(axis=pdims, keepdims=True) if pdims else g
        if need_x:
            gx = xp.multiply(g, w) if w is not None else g.copy()
            m1 = gx.mean(axis=dims, keepdims=True)
            tmp = xp.multiply(gx, xhat)
            m2 = tmp.mean(axis=dims, keepdims=True)
            gx -= m1
            gx -= xp.multiply(xhat, m2, out=tmp)
            gx *= rstd
    return (
        None if gx is None else _const(gx),
        None if gw is None else _const(gw.reshape(praw)),
        None if gb is None else _const(gb.reshape(praw)),
    )


def _standardize(
    input: Tensor,
    dims: tuple[int, ...],
    eps: float,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
) -> tuple[Tensor, Any, Any]:
    """(x - mean) / sqrt(var + eps) * weight + bias over dims; also the mean and biased variance arrays."""
    x = input.data
    xp = _xp(x)
    n = _trailing_count(x.shape, dims)
    if n:  # statistics over the last dims: row sums as matrix-vector products, much faster
        rows = x.size // n
        ones = xp.ones(n, dtype=x.dtype)
        kshape = x.shape[: x.ndim - len(dims)] + (1,) * len(dims)
        x2 = x.reshape(rows, n)
        mean = x2 @ ones
        mean *= 1.0 / n
        centered = xp.subtract(x2, mean[:, None])
        scratch = xp.multiply(centered, centered)
        var = scratch @ ones
        var *= 1.0 / n
        mean, var = mean.reshape(kshape), var.reshape(kshape)
        centered, scratch = centered.reshape(x.shape), scratch.reshape(x.shape)
    else:
        inv = 1.0 / math.prod(x.shape[d] for d in dims) if x.size else math.nan
        mean = _sum_keep(x, dims) * inv if x.size else x.mean(axis=dims, keepdims=True)
        centered = xp.subtract(x, mean)
        scratch = xp.multiply(centered, centered)
        var = _sum_keep(scratch, dims) * inv if x.size else scratch.mean(axis=dims, keepdims=True)
    rstd = xp.sqrt(var + eps)
    xp.reciprocal(rstd, out=rstd)
    rstd = rstd.astype(x.dtype, copy=False)
    out = Standardize.apply(
        input, weight, bias, centered=centered, scratch=scratch, rstd=rstd, dims=dims, eps=eps
    )
    return out, mean, var


def _channel_shape(input: Tensor) -> tuple[int, ...]:
    """Shape that puts a per-channel (dim 1) vector against input: (C, 1, 1, ...)."""
    return (input.shape[1],) + (1,) * (input.ndim - 2)


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...] | None) -> Tensor:
    if weight is not None:
        out = out * (weight.reshape(shape) if shape is not None else weight)
    if bias is not None:
        out = out + (bias.reshape(shape) if shape is not None else bias)
    return out


def _update_running(running: Tensor | None, batch: Any, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place and outside the graph."""
    if running is None:
        return
    batch = batch.reshape(running.shape).astype(running.data.dtype, copy=False)
    running.data *= 1 - momentum
    running.data += momentum * batch
    running._bump_version()


def _check_stat(name: str, t: Tensor | None, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """out = (input - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1)

    In training the statistics are the batch's (over every dim but 1) and ``running_mean`` /
    ``running_var`` move toward them in place (with the unbiased variance, as PyTorch does); in
    evaluation the running statistics are used.
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"batch_norm: expected input with at least 2 dims (N, C, ...), but got {input.ndim}"
        )
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_stat(name, t, channels)
    shape = _channel_shape(input)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        dims = (0,) + tuple(range(2, input.ndim))
        out, mean, var = _standardize(
            input,
            dims,
            eps,
            None if weight is None else weight.reshape(shape),
            None if bias is None else bias.reshape(shape),
        )
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / (count - 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError(
            f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode"
        )
    # evaluation is an affine map per channel: fold the statistics into one scale and one shift
    scale = ew.rsqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """out = (input - mean) / sqrt(var + eps) * weight + bias, statistics over the last dims"""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k :]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(t.shape)} and normalized_shape = {list(shape)}"
            )
    dims = tuple(range(input.ndim - k, input.ndim))
    out, _, _ = _standardize(input, dims, eps, weight, bias)
    return out


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each of ``num_groups`` groups of channels per sample, then weight[c] * . + bias[c]"""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, channels = input.shape[0], input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        _check_stat(name, t, channels)
    grouped = input.reshape(n, num_groups, -1)
    out, _, _ = _standardize(grouped, (2,), eps)
    return _affine(out.reshape(input.shape), weight, bias, _channel_shape(input))


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample over its spatial dims, then weight[c] * . + bias[c]"""
    if input.ndim < 3:
        raise RuntimeError(
            f"instance_norm: expected input with at least 3 dims (N, C, *), but got {input.ndim}"
        )
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_stat(name, t, channels)
    shape = _channel_shape(input)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {list(input.shape)}"
        )
    dims = tuple(range(2, input.ndim))
    out, mean, var = _standardize(
        input,
        dims,
        eps,
        None if weight is None else weight.reshape(shape),
        None if bias is None else bias.reshape(shape),
    )
    # the running statistics average the per-instance ones over the batch
    _update_running(running_mean, mean.mean(axis=0), momentum)
    _update_running(running_var, (var * (count / (count - 1))).mean(axis=0), momentum)
    return out


def rms_norm(
    input: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """out = input / sqrt(mean(input^2) + eps) * weight, the mean over the last dims"""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k :]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input.data.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * ew.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return out * weight if weight is not None else out


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """out = input / (k + alpha / size * sum of input^2 over ``size`` neighbouring channels)^beta"""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    # the window sum over channels as a matmul with a banded 0/1 matrix (channels are few)
    c = np.arange(channels)
    band = (c[None, :] - c[:, None] >= -(size // 2)) & (c[None, :] - c[:, None] <= (size - 1) // 2)
    band_t = _const(_xp(input.data).asarray(band.astype(input.data.dtype)))
    summed = ((input * input).transpose(1, -1) @ band_t.t()).transpose(1, -1)
    div = (summed * (alpha / size) + k) ** beta
    return input / div


# -- dropout -------------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape: tuple[int, ...], p: float) -> Any:
    """A boolean array of ``shape``, True with probability 1 - p, from the default generator."""
    draw = _random.default_generator.rng.random(shape, dtype=np.float32) >= p
    return _xp(input.data).asarray(draw)


def _dropout(input: Tensor, p: float, training: bool, inplace_: bool, shape: tuple[int, ...]) -> Tensor:
    """input * mask / (1 - p), the mask (broadcast from ``shape``) keeping each entry with prob 1 - p."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        out = input * 0.0
    else:
        scale = _keep_mask(input, shape, p).astype(input.data.dtype) * (1.0 / (1.0 - p))
        out = input * _const(scale)
    return inplace(input, out) if inplace_ else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """out = input * mask / (1 - p), each mask entry 0 with probability p (identity in eval)"""
    return _dropout(input, p, training, inplace, tuple(input.shape))


def _feature_shape(input: Tensor, batched: bool) -> tuple[int, ...]:
    """The mask shape of channel-wise dropout: one draw per (sample, channel)."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p"""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim == 3))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p (3-D input: as (N, C, L))"""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead.",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim >= 2))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p"""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead.",
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, _feature_shape(input, input.ndim != 4))


_SELU_ALPHA_SCALED = 1.7580993408473766  # selu's scale * alpha: where selu saturates


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace_: bool, shape: tuple[int, ...]) -> Tensor:
    """Set dropped entries to selu's saturation value, then an affine map restores mean and variance."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        out = input * 0.0
    else:
        keep = _keep_mask(input, shape, p).astype(input.data.dtype)
        a = 1.0 / math.sqrt((_SELU_ALPHA_SCALED**2 * p + 1) * (1 - p))
        b = (keep - 1) * (_SELU_ALPHA_SCALED * a) + _SELU_ALPHA_SCALED * a * p
        out = input * _const(keep * a) + _const(b.astype(input.data.dtype, copy=False))
    return inplace(input, out) if inplace_ else out


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps a selu network's zero mean and unit variance"""
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout of whole channels"""
    return _alpha_dropout(input, p, training, inplace, _feature_shape(input, input.ndim >= 2))


# -- embedding and one-hot ------------------------------------------------------------------------


class Embedding(Op):
    """out = weight[indices] (rows of weight); backward scatter-adds the gradient rows back"""

    @staticmethod
    def forward(
        ctx: Any, weight: Any, indices: Any, padding_idx: int | None = None, scale_grad: bool = False
    ) -> Any:
        ctx.save_for_backward(indices)
        ctx.num, ctx.padding_idx, ctx.scale_grad = weight.shape[0], padding_idx, scale_grad
        return _xp(weight).take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (indices,) = ctx.saved_tensors
        return EmbeddingGrad.apply(
            grad, indices, num=ctx.num, padding_idx=ctx.padding_idx, scale_grad=ctx.scale_grad
        ), None


class EmbeddingGrad(Op):
    """out[r] = sum of grad rows whose index is r (0 for padding_idx), optionally / count(r)

    Its backward gathers again, padding positions zeroed. It leaves out the 1/count: Embedding's
    own backward applies that once more on the way to the weight, and with it once the second
    derivative is exact (the same rule as PyTorch's embedding_dense_double_backward).
    """

    @staticmethod
    def forward(
        ctx: Any,
        grad: Any,
        indices: Any,
        num: int = 0,
        padding_idx: int | None = None,
        scale_grad: bool = False,
    ) -> Any:
        xp = _xp(grad)
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.shape[0], -1)
        keep = None
        if padding_idx is not None:
            keep = (flat != padding_idx).astype(grad.dtype)
            rows = rows * keep[:, None]
        if scale_grad:
            rows = rows / xp.bincount(flat, minlength=num)[flat][:, None].astype(grad.dtype)
        ctx.save_for_backward(indices, keep)
        out = xp.zeros((num, rows.shape[1]), dtype=grad.dtype)
        if xp is not np:  # CuPy
            import cupyx

            cupyx.scatter_add(out, flat, rows)
        elif flat.size:  # sort, then one sum per run of equal indices: ~4x faster than np.add.at
            order = np.argsort(flat, kind="stable")
            ids = flat[order]
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            out[ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        indices, keep = ctx.saved_tensors
        out = Embedding.apply(grad, indices)
        if keep is not None:
            out = out * keep.reshape(tuple(indices.shape) + (1,))
        return out, None


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """out = weight[input]: a row of ``weight`` for each index

    Args:
        input: integer indices, any shape.
        weight: (num_embeddings, embedding_dim).
        padding_idx: this row gets no gradient.
        max_norm: rows looked up with a larger ``norm_type``-norm are rescaled to it, in place.
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input``.
    Returns:
        input.shape + (embedding_dim,).
    """
    if input.data.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.dtype.name} instead (while checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % num
    idx = input.data
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, float(max_norm), float(norm_type))
    return Embedding.apply(weight, input, padding_idx=padding_idx, scale_grad=scale_grad_by_freq)


def _renorm_rows(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` that ``idx`` names down to norm max_norm, in place (no grad)."""
    xp = _xp(weight.data)
    rows = xp.unique(idx.reshape(-1))
    sub = weight.data[rows]
    norms = xp.linalg.norm(sub, ord=norm_type, axis=1) if norm_type != 2 else xp.sqrt((sub * sub).sum(1))
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.data.dtype)
    weight.data[rows] = sub * scale[:, None]
    weight._bump_version()


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """out[..., c] = 1 if tensor[...] == c else 0, as int64; num_classes=-1 means max + 1"""
    if tensor.data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor.data
    xp = _xp(idx)
    if idx.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(idx.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        top = int(idx.max())
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return _const(out)


# -- norms and distances -------------------------------------------------------------------------


class VectorNorm(Op):
    """out = (sum |x|^p)^(1/p) over ``dim``; the gradient is 0 where the norm is 0 (PyTorch's choice)"""

    @staticmethod
    def forward(ctx: Any, x: Any, p: float = 2.0, dim: int = -1, keepdim: bool = False) -> Any:
        xp = _xp(x)
        a = xp.abs(x)
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=dim, keepdims=True))
        elif p == 1:
            out = a.sum(axis=dim, keepdims=True)
        elif p == math.inf:
            out = a.max(axis=dim, keepdims=True)
        elif p == -math.inf:
            out = a.min(axis=dim, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=dim, keepdims=True).astype(x.dtype)
        else:
            out = (a**p).sum(axis=dim, keepdims=True) ** (1.0 / p)
        result = out if keepdim else xp.squeeze(out, axis=dim)
        ctx.save_for_backward(x, result)  # the output itself, so double backward sees its graph
        ctx.p, ctx.dim, ctx.kept_shape = p, dim, out.shape
        return result

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, norm = ctx.saved_tensors
        p = ctx.p
        if norm.shape != ctx.kept_shape:  # put the reduced dim back, so both broadcast against x
            grad, norm = grad.reshape(ctx.kept_shape), norm.reshape(ctx.kept_shape)
        if p == 0:
            return x * 0.0
        if p == 1:
            return grad * ew.sign(x)
        if p in (math.inf, -math.inf):
            hit = (ew.abs(x) == norm).to(dtype=x.dtype)
            return grad * ew.sign(x) * hit / hit.sum(ctx.dim, keepdim=True)
        zero = norm == 0
        safe = ew.where(zero, 1.0, norm)
        if p == 2:
            return ew.where(zero, 0.0, grad * x / safe)
        ratio = ew.abs(x) / safe
        return ew.where(zero, 0.0, grad * ew.sign(x) * ratio ** (p - 1))


def _vector_norm(x: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    return VectorNorm.apply(x, p=float(p), dim=normalize_dim(dim, x.ndim), keepdim=keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """out = input / max(||input||_p, eps) along ``dim``"""
    if input.ndim == 0:  # a 0-d tensor is its own (only) vector along dim 0 or -1
        normalize_dim(dim, 0)
        return input / ew.clamp(_vector_norm(input.reshape(1), p, 0), min=eps)
    return input / ew.clamp(_vector_norm(input, p, dim, True), min=eps)


def _clamp_value_only(t: Tensor, lo: float) -> Tensor:
    """max(t, lo) in value but with t's gradient (PyTorch clamps the norms under no_grad)."""
    xp = _xp(t.data)
    return t + _const(xp.maximum(t.data, lo) - t.data)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """out = sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast)"""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    d = normalize_dim(dim, len(shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = _clamp_value_only(_vector_norm(x1, 2, d, True), eps)
    n2 = _clamp_value_only(_vector_norm(x2, 2, d, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """out = ||x1 - x2 + eps||_p over the last dim"""
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        return _vector_norm(diff.reshape(1), p, 0, keepdim).reshape(())
    return _vector_norm(diff, p, -1, keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """out = ||x_i - x_j||_p for every pair of rows i < j, in row-major order"""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    xp = _xp(input.data)
    rows_i = Embedding.apply(input, _const(xp.asarray(i)))
    rows_j = Embedding.apply(input, _const(xp.asarray(j)))
    return _vector_norm(rows_i - rows_j, p, -1)


def cdist(
    x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
) -> Tensor:
    """out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p"""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    a = x1.reshape(tuple(x1.shape[:-1]) + (1, x1.shape[-1]))
    b = x2.reshape(tuple(x2.shape[:-2]) + (1,) + tuple(x2.shape[-2:]))
    return _vector_norm(a - b, p, -1)


# -- attention -----------------------------------------------------------------------------------


class AttentionProbs(Op):
    """P = softmax(scale * q k^T + bias) over the last dim; a row masked everywhere gives zeros

    Backward: dS = P * (dP - sum(dP * P)), dq = scale * dS k, dk = scale * dS^T q, dbias = dS.
    """

    @staticmethod
    def forward(ctx: Any, q: Any, k: Any, bias: Any = None, scale: float = 1.0) -> Any:
        xp = _xp(q)
        s = q @ xp.swapaxes(k, -1, -2)
        s *= scale
        if bias is not None:
            s = s + bias
        top = s.max(axis=-1, keepdims=True)
        top = xp.where(xp.isfinite(top), top, 0)  # a fully masked row: exp(-inf) = 0, no NaN
        e = xp.exp(s - top)
        total = e.sum(axis=-1, keepdims=True)
        probs = (e / xp.where(total == 0, 1, total)).astype(q.dtype, copy=False)
        ctx.save_for_backward(q, k, probs)
        ctx.scale = scale
        return probs

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        q, k, probs = ctx.saved_tensors
        ds = probs * (grad - (grad * probs).sum(-1, keepdim=True))
        gq = (ds @ k) * ctx.scale if ctx.needs_input_grad[0] else None
        gk = (ds.mT @ q) * ctx.scale if ctx.needs_input_grad[1] else None
        return gq, gk, ds if ctx.needs_input_grad[2] else None


def _mask_bias(
    attn_mask: Tensor | None, is_causal: bool, length: int, source: int, ref: Tensor
) -> Tensor | None:
    """The additive bias for the scores: 0 / -inf from a boolean mask (True = keep), a float mask as is."""
    xp = _xp(ref.data)
    keep = None
    if is_causal:
        keep = xp.tril(xp.ones((length, source), dtype=bool))
    bias = None
    if attn_mask is not None:
        if attn_mask.data.dtype.kind == "b":
            keep = attn_mask.data
        else:
            if attn_mask.data.dtype != ref.data.dtype:
                raise RuntimeError(
                    f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                    f"attn_mask.dtype: {attn_mask.dtype.name} and query.dtype: {ref.dtype.name} instead."
                )
            bias = attn_mask
    if keep is not None:
        neg = _const(xp.where(keep, 0.0, -math.inf).astype(ref.data.dtype))
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
        raise RuntimeError("scaled_dot_product_attention: query, key and value must be at least 2-D")
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
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
        )
    length, source = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    bias = _mask_bias(attn_mask, is_causal, length, source, query)
    probs = AttentionProbs.apply(query, key, bias, scale=s)
    if dropout_p > 0.0:
        probs = dropout(probs, dropout_p, training=True)
    return probs @ value


# -- pixel shuffle -------------------------------------------------------------------------------


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r), moving channel blocks into space"""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    if r <= 0 or c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle"""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    if r <= 0 or h % r or w % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but got "
            f"{h} and {w} with downscale_factor={r}"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))
