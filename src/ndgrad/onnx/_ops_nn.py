"""Adapters for the layer-level ops: convolution, pooling, normalization and attention.

Each reads what its op keeps on the node today (a conv's saved ``geom``, a pool's saved argmax
indices, a norm's ``dims``/``eps``); when an op's internals change, only its adapter here changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad.onnx._emit import Emitter, to_numpy
from ndgrad.onnx._ops import adapter


@adapter("Conv")
def _conv(g: Emitter) -> list[str]:
    """y = conv(x, w) + b; the ``geom`` saved last holds stride, dilation, padding and groups"""
    geom = g.saved(-1)
    ins = [g.input(0), g.input(1)] + ([g.input(2)] if g.has_input(2) else [])
    attrs = _conv_attrs(geom)
    return [g.op("Conv", ins, **attrs)]


def _conv_attrs(geom: Any) -> dict[str, Any]:
    return {
        "kernel_shape": list(geom.kernel),
        "strides": list(geom.stride),
        "dilations": list(geom.dilation),
        "pads": list(geom.pad_lo) + list(geom.pad_hi),
        "group": int(geom.groups),
    }


@adapter("ConvTranspose")
def _conv_transpose(g: Emitter) -> list[str]:
    """The adjoint of the conv described by ``geom`` (whose input size is this op's output size)"""
    geom = g.saved(-1)
    ins = [g.input(0), g.input(1)] + ([g.input(2)] if g.has_input(2) else [])
    attrs = _conv_attrs(geom)
    base = [
        (p - 1) * s + v * (k - 1) + 1 - lo - hi
        for p, s, v, k, lo, hi in zip(
            geom.out_size, geom.stride, geom.dilation, geom.kernel, geom.pad_lo, geom.pad_hi
        )
    ]
    attrs["output_padding"] = [int(n - b) for n, b in zip(geom.in_size, base)]
    return [g.op("ConvTranspose", ins, **attrs)]


@adapter("AvgPool")
def _avg_pool(g: Emitter) -> list[str]:
    """sum over each window / divisor: ONNX's AveragePool counting the padding, rescaled when the
    divisor is not the window size (count_include_pad=False, divisor_override)"""
    geom, divisor = g.saved(0), to_numpy(g.saved(1))  # AvgPool saves (geom, divisor)
    window = math.prod(geom.kernel)
    y = g.op(
        "AveragePool",
        [g.input(0)],
        kernel_shape=list(geom.kernel),
        strides=list(geom.stride),
        pads=list(geom.pad) + list(geom.hi),
        count_include_pad=1,
    )
    if divisor.size == 1 and float(divisor) == window:
        return [y]
    scale = (window / divisor.astype(np.float64)).astype(g.out_value().dtype)
    return [g.op("Mul", [y, g.const(scale, "pool_scale")])]


def _max_pool_params(g: Emitter) -> tuple[list[int], list[int], list[int], list[int], int]:
    """kernel, stride, padding, dilation and ceil_mode of a max pool: from its nn module when it was
    made by one, else the one window layout (kernel = stride = in/out) that every argmax fits."""
    assert g.node is not None
    in_shape = g.saved(1)  # PoolGather saves (idx, x.shape, unique)
    d = len(in_shape) - 2
    module = g.a.modules.get(g.node.scope)
    if module is not None and type(module).__name__.startswith("MaxPool"):

        def tup(v: Any) -> list[int]:
            return [int(v)] * d if isinstance(v, int) else [int(x) for x in v]

        stride = module.stride if module.stride not in (None, (), []) else module.kernel_size
        return (
            tup(module.kernel_size),
            tup(stride),
            tup(module.padding),
            tup(module.dilation),
            int(module.ceil_mode),
        )
    size, out = list(in_shape[2:]), list(to_numpy(g.saved(0)).shape[2:])
    if any(s % o for s, o in zip(size, out)):
        raise g.fail(
            "a functional max pool whose window cannot be read from the graph (use an nn.MaxPoolNd "
            "module, or kernel_size == stride dividing the input)"
        )
    kernel = [s // o for s, o in zip(size, out)]
    idx = to_numpy(g.saved(0))
    coords = np.unravel_index(idx, size)
    for axis, (c, k) in enumerate(zip(coords, kernel)):
        shape = [1] * idx.ndim
        shape[2 + axis] = out[axis]
        start = (np.arange(out[axis]) * k).reshape(shape)
        if ((c < start) | (c >= start + k)).any():
            raise g.fail(
                "a functional max pool with overlapping or padded windows (use an nn.MaxPoolNd "
                "module)"
            )
    return kernel, kernel, [0] * d, [1] * d, 0


@adapter("PoolGather")
def _max_pool(g: Emitter) -> list[str]:
    kernel, stride, pad, dilation, ceil = _max_pool_params(g)
    y = g.op(
        "MaxPool",
        [g.input(0)],
        kernel_shape=kernel,
        strides=stride,
        pads=pad + pad,
        dilations=dilation,
        ceil_mode=ceil,
    )
    return [y]


@adapter("Standardize")
def _standardize(g: Emitter) -> list[str]:
    """(x - mean) / sqrt(var + eps) * weight + bias over ``dims`` (layer, group, instance and batch
    norm with batch statistics all record this op)"""
    dims, eps = g.saved(-2), g.saved(-1)  # Standardize saves (x, weight, rstd, shape, dims, eps)
    dims, like = [int(d) for d in dims], g.out_value()
    x = g.input(0)
    centered = g.op("Sub", [x, g.reduce("ReduceMean", x, dims, True)])
    var = g.reduce("ReduceMean", g.op("Mul", [centered, centered]), dims, True)
    rstd = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [var, g.scalar(float(eps), like)])])])
    y = g.op("Mul", [centered, rstd])
    if g.has_input(1):
        y = g.op("Mul", [y, g.input(1)])
    if g.has_input(2):
        y = g.op("Add", [y, g.input(2)])
    return [y]


@adapter("Attention")
def _attention(g: Emitter) -> list[str]:
    """out = softmax(scale * q k^T + bias) v. A mask made inside scaled_dot_product_attention
    (is_causal, a boolean attn_mask) is the bias the node keeps: a constant, checked against the
    second trace."""
    like = g.out_value()
    q, k = g.input(0), g.input(1)
    rank = len(g.value(0).shape)
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=perm)])
    # Attention saves (q, k, v, bias, scale, lse, out)
    scores = g.op("Mul", [scores, g.scalar(float(g.saved(4)), like)])
    if g.has_input(3):
        scores = g.op("Add", [scores, g.input(3)])
    elif g.saved(3) is not None:
        scores = g.op("Add", [scores, g.saved_name(3)])
    return [g.op("MatMul", [g.op("Softmax", [scores], axis=-1), g.input(2)])]


@adapter("AttentionProbs")
def _attention_probs(g: Emitter) -> list[str]:
    """P = softmax(scale * q k^T + bias). A mask made inside scaled_dot_product_attention
    (is_causal, a boolean attn_mask) is not kept by the node: it is read from where P is exactly
    zero, and checked by recomputing P from the saved q and k."""
    like = g.out_value()
    q, k = g.input(0), g.input(1)
    rank = len(g.value(0).shape)
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=perm)])
    scores = g.op("Mul", [scores, g.scalar(float(g.saved(3)), like)])  # saved (q, k, P, scale)
    if g.has_input(2):
        scores = g.op("Add", [scores, g.input(2)])
    else:
        keep = _inferred_mask(g)
        if keep is not None:
            neg = g.const(np.where(keep, 0.0, -np.inf).astype(like.dtype), "attn_mask")
            scores = g.op("Add", [scores, neg])
    return [g.op("Softmax", [scores], axis=-1)]


def _inferred_mask(g: Emitter) -> np.ndarray | None:
    """The (L, S) keep-mask that explains the zeros of the saved probabilities, or None for none."""
    keep = _mask_of(g, g.fn)
    if g.node_b is not None and g.node_b is not g.node:
        keep_b = _mask_of(g, g.node_b.fn)
        same = keep is None if keep_b is None else keep is not None and np.array_equal(keep, keep_b)
        if not same:
            raise g.fail(
                "an attention mask that depends on a dynamic axis is not kept in the graph"
            )
    return keep


def _mask_of(g: Emitter, fn: Any) -> np.ndarray | None:
    q, k, probs, scale = fn.saved_tensors
    q, k, probs = (to_numpy(t).astype(np.float64) for t in (q, k, probs))
    keep = (probs != 0).reshape(-1, *probs.shape[-2:])
    if not (keep == keep[0]).all():
        raise g.fail("an attention mask that differs across the batch is not kept in the graph")
    s = scale * (q @ np.swapaxes(k, -1, -2))
    s = np.where(keep[0], s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    ref = e / e.sum(-1, keepdims=True)
    if not np.allclose(ref, probs, rtol=1e-3, atol=1e-5):
        raise g.fail(
            "attention with a float attn_mask made inside forward: the graph does not keep the "
            "mask "
            "(make it a parameter or buffer, or pass it as a model input)"
        )
    return None if keep[0].all() else keep[0]
