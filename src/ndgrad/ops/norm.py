"""Normalization kernels: batch, layer, group, instance, RMS and local-response norm.

``Standardize`` is the fused core of batch/layer/group/instance norm: a one-pass forward
(mean and rstd over the normalized dims) and the closed-form backward, written in Tensor ops so
it can be differentiated again. The public functions check arguments, pick the dims to
normalize over, update running statistics where asked and apply the optional affine map.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype, _workspace
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Function, Op
from ndgrad.ops import elementwise as ew
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import require_float
from ndgrad.tensor import Tensor

__all__ = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "rms_norm",
    "local_response_norm",
]


# -- normalization -------------------------------------------------------------------------------


class Standardize(Op):
    """out = (x - mean) * rstd * weight + bias, with rstd = 1/sqrt(var + eps) over ``dims``

    The shared core of batch/layer/group/instance norm, with the affine map fused in (``weight`` and
    ``bias`` are optional and already broadcastable against x). The caller computes the statistics
    (it also needs them for running averages) and hands over its centred copy ``x - mean`` and a
    scratch buffer of the same shape, which forward turns in place into x_hat and the output.
    Saved are x and rstd, not x_hat: backward recomputes the mean and x_hat in three passes rather
    than hold a second input-sized array (or, for the mean, a second array of statistics) per norm
    layer until then.
    The gradient is the op ``StandardizeGrad`` below (the conv trio's pattern).
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
        param_shape = None if param is None else tuple(param.shape)
        ctx.save_for_backward(x, weight, rstd, param_shape, dims, eps)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, weight, rstd, param_shape, dims, eps = ctx.saved_tensors
        needs = (ctx.needs_input_grad + (False, False))[:3]
        # recomputed (see the class docstring), the mean as _standardize computed it
        xa = x.array
        xhat = _workspace.empty(xa.shape, xa.dtype, _xp(xa))  # reused next step: no page faults
        _xp(xa).subtract(xa, _mean_keep(xa, dims), out=xhat)
        xhat *= rstd.array
        return StandardizeGrad.apply(
            grad,
            x,
            weight,
            xhat=xhat,
            rstd=rstd.array,
            param_shape=param_shape,
            dims=dims,
            eps=eps,
            needs=needs,
        )


class StandardizeGrad(Function):
    """(dx, dweight, dbias) = Standardize's gradient for upstream g, an op of its own

    With gw = g * weight: dx = rstd (gw - mean(gw) - x_hat mean(gw x_hat)) = rstd P(gw),
    dweight = sum(g x_hat), dbias = sum(g). Forward computes these on arrays, in place and in few
    passes (``_standardize_backward``). Backward, for upstream A, B, C (None where unused), with
    the projection P (self-adjoint) and v = g * weight:
        dg = weight rstd P(A) + B x_hat + C,   dweight = g rstd P(A),
        dx = rstd P(B g) - rstd^2 (x_hat mean(A P(v)) + mean(v x_hat) P(A) + mean(A x_hat) P(v)),
    x_hat and rstd recomputed from x in Tensor ops, so that every further order works too.
    """

    @staticmethod
    def forward(
        ctx: Any,
        grad: Tensor,
        x: Tensor,
        weight: Tensor | None,
        xhat: Any = None,
        rstd: Any = None,
        param_shape: tuple[int, ...] | None = None,
        dims: tuple[int, ...] = (),
        eps: float = 0.0,
        needs: tuple[bool, ...] = (True, True, True),
    ) -> Any:
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(grad, x, weight, dims, eps)
        w = None if weight is None else weight.array
        return _standardize_backward(grad.array, w, param_shape, xhat, rstd, dims, needs)

    @staticmethod
    def backward(ctx: Any, a: Tensor | None, b: Tensor | None, c: Tensor | None) -> Any:
        g, x, w, dims, eps = ctx.saved_tensors
        xc = x - x.mean(dims, keepdim=True)
        r = ew.rsqrt((xc * xc).mean(dims, keepdim=True) + eps)
        xhat = xc * r

        def mean(v: Tensor) -> Tensor:
            return v.mean(dims, keepdim=True)

        def proj(v: Tensor) -> Tensor:
            return v - mean(v) - xhat * mean(v * xhat)

        v = g * w if w is not None else g
        pa = None if a is None else proj(a)
        dg = dx = dw = None
        for term in (
            None if pa is None else (pa * w * r if w is not None else pa * r),
            None if b is None else b * xhat,
            None if c is None else c.expand(g.shape),
        ):
            if term is not None:
                dg = term if dg is None else dg + term
        if b is not None:
            dx = proj(b * g) * r
        if pa is not None:
            pv = proj(v)
            second = xhat * mean(a * pv) + mean(v * xhat) * pa + mean(a * xhat) * pv
            dx = -(r * r) * second if dx is None else dx - (r * r) * second
            if w is not None:
                dw = g * r * pa
        return dg, dx, dw


def _trailing_count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    """The number of elements per row when ``dims`` are the last dims (and nothing is empty),
    else 0."""
    nd = len(shape)
    if dims != tuple(range(nd - len(dims), nd)) or 0 in shape:
        return 0
    return math.prod(shape[nd - len(dims) :])


def _sum_keep(a: Any, dims: tuple[int, ...]) -> Any:
    """a.sum(dims, keepdims=True); over the last dims, or dims 0 and 2.. (batch norm), as a BLAS
    matrix-vector product, several times faster than NumPy's reduction over short rows."""
    nd = a.ndim
    lead = (
        0 if dims == tuple(range(nd - len(dims), nd)) else 1 if dims == (0, *range(2, nd)) else -1
    )
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


def _mean_keep(x: Any, dims: tuple[int, ...]) -> Any:
    """x.mean(dims, keepdims=True), through ``_sum_keep``'s fast sums: Standardize's forward and
    backward both take it from here, so the backward's recomputed mean is the forward's, bit for
    bit."""
    if not x.size:
        return x.mean(axis=dims, keepdims=True)
    total = _sum_keep(x, dims)
    total *= 1.0 / math.prod(x.shape[d] for d in dims)
    return total


def _standardize_backward(
    g: Any,
    w: Any,
    praw: Any,
    xhat: Any,
    rstd: Any,
    dims: tuple[int, ...],
    needs: tuple[bool, ...],
) -> tuple[Tensor | None, ...]:
    """StandardizeGrad's forward on raw arrays: few passes, in place, dtype kept."""
    need_x, need_w, need_b = needs
    pshape = None if praw is None else (1,) * (xhat.ndim - len(praw)) + tuple(praw)
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
        tmp = _workspace.empty(g2.shape, g2.dtype, xp)  # the large arrays: workspace blocks
        if need_b:
            gb = xp.ones(rows, dtype=g.dtype) @ g2
        if need_w:
            gw = xp.ones(rows, dtype=g.dtype) @ xp.multiply(g2, xhat2, out=tmp)
        if need_x:
            ones = xp.ones(n, dtype=g.dtype)
            gx = _workspace.empty(g2.shape, g2.dtype, xp)
            if w is not None:
                xp.multiply(g2, w.reshape(n), out=gx)
            else:
                gx[...] = g2
            m1 = gx @ ones
            m2 = xp.multiply(gx, xhat2, out=tmp) @ ones
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
    """(x - mean) / sqrt(var + eps) * weight + bias over dims; also the mean and biased variance
    arrays."""
    x = input.array
    if x.dtype.kind != "f":  # PyTorch's norms have no integer kernels either
        raise NotImplementedError(
            f"\"native_norm\" not implemented for '{_dtype.torch_name(input)}'"
        )
    xp = _xp(x)
    # the statistics through _sum_keep: over the last dims (layer norm), row sums as BLAS
    # matrix-vector products, much faster than NumPy's reductions over short rows
    mean = _mean_keep(x, dims)
    centered = xp.subtract(x, mean)
    scratch = xp.multiply(centered, centered)
    if x.size:
        var = _sum_keep(scratch, dims)
        var *= 1.0 / math.prod(x.shape[d] for d in dims)
    else:
        var = scratch.mean(axis=dims, keepdims=True)
    rstd = xp.sqrt(var + eps)
    xp.reciprocal(rstd, out=rstd)
    rstd = rstd.astype(x.dtype, copy=False)
    out = Standardize.apply(
        input,
        weight,
        bias,
        centered=centered,
        scratch=scratch,
        rstd=rstd,
        dims=dims,
        eps=eps,
    )
    return out, mean, var


def _channel_shape(input: Tensor) -> tuple[int, ...]:
    """Shape that puts a per-channel (dim 1) vector against input: (C, 1, 1, ...)."""
    return (input.shape[1],) + (1,) * (input.ndim - 2)


def _affine(
    out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...] | None
) -> Tensor:
    if weight is not None:
        out = out * (weight.reshape(shape) if shape is not None else weight)
    if bias is not None:
        out = out + (bias.reshape(shape) if shape is not None else bias)
    return out


def _update_running(running: Tensor | None, batch: Any, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place and outside the graph."""
    if running is None:
        return
    batch = batch.reshape(running.shape).astype(running.array.dtype, copy=False)
    running.array *= 1 - momentum
    running.array += momentum * batch
    running._bump_version()


def _check_stat(name: str, t: Tensor | None, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _check_stats(channels: int, **stats: Tensor | None) -> None:
    """Each given per-channel tensor (running statistics, weight, bias) has ``channels``
    elements."""
    for name, t in stats.items():
        _check_stat(name, t, channels)


def _standardize_channels(
    input: Tensor, dims: tuple[int, ...], eps: float, weight: Tensor | None, bias: Tensor | None
) -> tuple[Tensor, Any, Any]:
    """``_standardize`` with per-channel (dim 1) weight and bias (batch and instance norm)."""
    shape = _channel_shape(input)
    return _standardize(
        input,
        dims,
        eps,
        None if weight is None else weight.reshape(shape),
        None if bias is None else bias.reshape(shape),
    )


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
    _check_stats(
        channels, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    shape = _channel_shape(input)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{list(input.shape)}"
            )
        dims = (0,) + tuple(range(2, input.ndim))
        out, mean, var = _standardize_channels(input, dims, eps, weight, bias)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / (count - 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError(
            f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation "
            "mode"
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
    shape = (
        (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
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
    """Normalize each of ``num_groups`` groups of channels per sample, then weight[c] * . +
    bias[c]"""
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    n, channels = input.shape[0], input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    _check_stats(channels, weight=weight, bias=bias)
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
    _check_stats(
        channels, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"{list(input.shape)}"
        )
    dims = tuple(range(2, input.ndim))
    out, mean, var = _standardize_channels(input, dims, eps, weight, bias)
    # the running statistics average the per-instance ones over the batch
    _update_running(running_mean, mean.mean(axis=0), momentum)
    _update_running(running_var, (var * (count / (count - 1))).mean(axis=0), momentum)
    return out


def rms_norm(
    input: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """out = input / sqrt(mean(input^2) + eps) * weight, the mean over the last dims"""
    require_float("rms_norm", input)
    shape = (
        (int(normalized_shape),) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    k = len(shape)
    if tuple(input.shape[input.ndim - k :]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input.array.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * ew.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return out * weight if weight is not None else out


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """out = input / (k + alpha / size * sum of input^2 over ``size`` neighbouring channels)^beta"""
    if input.array.dtype.kind == "b":
        require_float("avg_pool2d", input)
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    # the window sum over channels as a matmul with a banded 0/1 matrix (channels are few)
    c = np.arange(channels)
    band = (c[None, :] - c[:, None] >= -(size // 2)) & (c[None, :] - c[:, None] <= (size - 1) // 2)
    band_t = _const(_xp(input.array).asarray(band.astype(input.array.dtype)))
    summed = ((input * input).transpose(1, -1) @ band_t.t()).transpose(1, -1)
    div = (summed * (alpha / size) + k) ** beta
    return input / div
