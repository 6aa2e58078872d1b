"""Neural-network kernels: linear maps, embedding, one-hot, distances, pixel shuffle.

Fused ops where it pays: ``Linear`` (one matmul forward, three backward), ``Embedding`` (a gather
whose backward is a scatter-add) and ``VectorNorm`` (p-norms with PyTorch's zero-gradient at
zero). Every backward is written in Tensor ops, so all of them can be differentiated again.
Normalization lives in ops/norm.py, dropout in ops/dropout.py and attention in ops/attention.py;
their public functions (and op classes and helpers) are re-exported here, so
``ndgrad.ops.nn_ops`` still offers the whole nn kernel set under the same ``__all__``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import xp_of as _xp
from ndgrad._workspace import matmul as _ws_matmul
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as ew
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import normalize_dim, refuse_bool, require_float, require_float_pair
from ndgrad.ops.attention import (  # noqa: F401
    AttentionProbs,
    _mask_bias,
    _repeat_heads,
    scaled_dot_product_attention,
)
from ndgrad.ops.dropout import (  # noqa: F401
    _SELU_ALPHA_SCALED,
    _alpha_map,
    _check_p,
    _dropout,
    _feature_shape,
    _keep_mask,
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from ndgrad.ops.norm import (  # noqa: F401
    Standardize,
    _affine,
    _channel_shape,
    _check_stat,
    _standardize,
    _standardize_backward,
    _sum_keep,
    _trailing_count,
    _update_running,
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
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


# -- linear maps ---------------------------------------------------------------------------------


class Linear(Op):
    """out = x W^T + b

    The batch dims are flattened so that each product is one 2-D matrix multiply (a stack of small
    ones is several times slower): dx = g W, dW = g^T x, db = sum of g over the batch.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any = None) -> Any:
        ctx.save_for_backward(
            x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None
        )
        out = _ws_matmul(x.reshape(-1, x.shape[-1]), w.T)  # a workspace block: no page faults
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
    if input.array.dtype != weight.array.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_dtype.torch_name(input)} and "
            f"{_dtype.torch_name(weight)}"
        )
    if (
        weight.ndim != 2
        or input.ndim == 0
        or (bias is not None and tuple(bias.shape) != weight.shape[:1])
    ):
        out = input @ weight.t()  # unusual shapes: the general matmul and broadcasting add
        return out + bias if bias is not None else out
    refuse_bool("addmm_impl_cpu_", input)
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]"""
    if input1.array.dtype.kind == "b":  # integers multiply as PyTorch's do; bools don't
        require_float("bmm", input1)
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
    prod = t * c
    out = prod.sum(-1, dtype=prod.dtype)  # an integer bilinear keeps its dtype, as in PyTorch
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (n_out,))


# -- embedding and one-hot ------------------------------------------------------------------------


class Embedding(Op):
    """out = weight[indices] (rows of weight); backward scatter-adds the gradient rows back"""

    @staticmethod
    def forward(
        ctx: Any,
        weight: Any,
        indices: Any,
        padding_idx: int | None = None,
        scale_grad: bool = False,
    ) -> Any:
        # Python numbers: a NumPy integer would come back from saved_tensors as a Tensor
        pad = None if padding_idx is None else int(padding_idx)
        ctx.save_for_backward(indices, weight.shape[0], pad, bool(scale_grad))
        return _xp(weight).take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        indices, num, padding_idx, scale_grad = ctx.saved_tensors
        return EmbeddingGrad.apply(
            grad, indices, num=num, padding_idx=padding_idx, scale_grad=scale_grad
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
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.dtype.name} instead (while checking arguments for "
            "embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % num
    idx = input.array
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, float(max_norm), float(norm_type))
    return Embedding.apply(weight, input, padding_idx=padding_idx, scale_grad=scale_grad_by_freq)


def _renorm_rows(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` that ``idx`` names down to norm max_norm, in place (no grad)."""
    xp = _xp(weight.array)
    rows = xp.unique(idx.reshape(-1))
    sub = weight.array[rows]
    norms = (
        xp.linalg.norm(sub, ord=norm_type, axis=1)
        if norm_type != 2
        else xp.sqrt((sub * sub).sum(1))
    )
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.array.dtype)
    weight.array[rows] = sub * scale[:, None]
    weight._bump_version()


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """out[..., c] = 1 if tensor[...] == c else 0, as int64; num_classes=-1 means max + 1"""
    if tensor.array.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor.array
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
    """out = (sum |x|^p)^(1/p) over ``dim``; the gradient is 0 where the norm is 0 (PyTorch's
    choice)"""

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
        # the output itself, so double backward sees its graph
        ctx.save_for_backward(x, result, float(p), int(dim), out.shape)
        return result

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, norm, p, dim, kept_shape = ctx.saved_tensors
        if norm.shape != kept_shape:  # put the reduced dim back, so both broadcast against x
            grad, norm = grad.reshape(kept_shape), norm.reshape(kept_shape)
        if p == 0:
            return x * 0.0
        if p == 1:
            return grad * ew.sign(x)
        if p in (math.inf, -math.inf):
            hit = (ew.abs(x) == norm).to(dtype=x.dtype)
            return grad * ew.sign(x) * hit / hit.sum(dim, keepdim=True)
        zero = norm == 0
        safe = ew.where(zero, 1.0, norm)
        if p == 2:
            return ew.where(zero, 0.0, grad * x / safe)
        ratio = ew.abs(x) / safe
        return ew.where(zero, 0.0, grad * ew.sign(x) * ratio ** (p - 1))


def _vector_norm(x: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    return VectorNorm.apply(x, p=float(p), dim=normalize_dim(dim, x.ndim), keepdim=keepdim)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None
) -> Tensor:
    """out = input / max(||input||_p, eps) along ``dim``"""
    require_float(
        "normalize",
        input,
        exc=RuntimeError,
        message="linalg.vector_norm: Expected a floating point or complex tensor as input. "
        "Got {dtype}",
    )
    if input.ndim == 0:  # a 0-d tensor is its own (only) vector along dim 0 or -1
        normalize_dim(dim, 0)
        return input / ew.clamp(_vector_norm(input.reshape(1), p, 0), min=eps)
    return input / ew.clamp(_vector_norm(input, p, dim, True), min=eps)


def _clamp_value_only(t: Tensor, lo: float) -> Tensor:
    """max(t, lo) in value but with t's gradient (PyTorch clamps the norms under no_grad)."""
    xp = _xp(t.array)
    return t + _const(xp.maximum(t.array, lo) - t.array)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """out = sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs
    broadcast)"""
    require_float_pair(
        "cosine_similarity",
        x1,
        x2,
        exc=RuntimeError,
        message="expected common dtype to be floating point, yet common dtype is {dtype}",
    )
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
    require_float(
        "pdist",
        input,
        exc=RuntimeError,
        message="pdist only supports floating-point dtypes, got: {dtype}",
    )
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    xp = _xp(input.array)
    rows_i = Embedding.apply(input, _const(xp.asarray(i)))
    rows_j = Embedding.apply(input, _const(xp.asarray(j)))
    return _vector_norm(rows_i - rows_j, p, -1)


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p"""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    for name, x in (("X1", x1), ("X2", x2)):
        require_float(
            "cdist",
            x,
            exc=RuntimeError,
            message=f"cdist only supports floating-point dtypes, {name} got: {{dtype}}",
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    a = x1.reshape(tuple(x1.shape[:-1]) + (1, x1.shape[-1]))
    b = x2.reshape(tuple(x2.shape[:-2]) + (1,) + tuple(x2.shape[-2:]))
    return _vector_norm(a - b, p, -1)


# -- pixel shuffle -------------------------------------------------------------------------------


def _check_image(input: Tensor, fn: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{fn} expects input to have at least 3 dimensions, but got input with {input.ndim} "
            "dimension(s)"
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r), moving channel blocks into space"""
    r = int(upscale_factor)
    _check_image(input, "pixel_shuffle")
    *lead, c, h, w = input.shape
    if r <= 0 or c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            "of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle"""
    r = int(downscale_factor)
    _check_image(input, "pixel_unshuffle")
    *lead, c, h, w = input.shape
    if r <= 0 or h % r or w % r:
        raise RuntimeError(
            "pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
            "got "
            f"{h} and {w} with downscale_factor={r}"
        )
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))
