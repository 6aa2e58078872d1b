"""Joining and splitting: cat, stack, hstack, vstack, split, chunk, unbind.

Split out of ops/shape.py, whose view helpers it uses.
Three primitives carry the gradients: Cat (each input gets its slice of grad), and Split and
Unbind, multi-output Functions whose pieces are views of the input and whose gradient is the cat
(or stack) of the pieces' gradients. The view helpers (``_as_view``, ``narrow``, ``unsqueeze``)
stay in ops/shape.py and are imported from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _backend, _dtype, _workspace
from ndgrad.autograd.function import Function, Op
from ndgrad.ops._util import normalize_dim
from ndgrad.ops.shape import _as_view, _dims_arg, narrow, reshape, unsqueeze
from ndgrad.tensor import Tensor

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind"]


# -- joining -----------------------------------------------------------------------------------


class Cat(Op):
    """out = the inputs joined along ``dim``; each input's gradient is its slice of grad"""

    @staticmethod
    def forward(ctx: Any, *xs: Any, dim: int = 0) -> Any:
        sizes = tuple(x.shape[dim] for x in xs)
        ctx.save_for_backward(dim, sizes)
        xp = _backend.xp_of(xs[0])
        shape = xs[0].shape[:dim] + (sum(sizes),) + xs[0].shape[dim + 1 :]
        # into a workspace array (a training step's next call reuses it: no page faults)
        out = _workspace.empty(shape, np.result_type(*[x.dtype for x in xs]), xp)
        return xp.concatenate(xs, axis=dim, out=out)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        dim, sizes = ctx.saved_tensors
        grads: list[Tensor | None] = []
        start = 0
        for size, needed in zip(sizes, ctx.needs_input_grad, strict=True):
            grads.append(narrow(grad, dim, start, size) if needed else None)
            start += size
        return tuple(grads)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """out = ``tensors`` joined along ``dim`` (1-d empty tensors are skipped, as in PyTorch)"""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [x for x in tensors if not (x.ndim == 1 and x.shape[0] == 0)]
    if not kept:
        return _as_dtype(tensors[0], _cat_dtype(tensors)).clone()
    d = normalize_dim(dim, kept[0].ndim)
    ref = kept[0].shape
    for i, x in enumerate(tensors):
        if x.ndim == 1 and x.shape[0] == 0:
            continue
        if x.ndim != len(ref):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(ref)} and {x.ndim}"
            )
        for k in range(len(ref)):
            if k != d and x.shape[k] != ref[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} "
                    f"but got size {x.shape[k]} for tensor number {i} in the list."
                )
    target = _cat_dtype(tensors)
    return Cat.apply(*[_as_dtype(x, target) for x in kept], dim=d)


concat = cat
concatenate = cat


def _cat_dtype(tensors: list[Tensor]) -> _dtype.dtype:
    out = tensors[0].dtype
    for x in tensors[1:]:
        out = _dtype.promote_types(out, x.dtype)
    return out


def _as_dtype(x: Tensor, d: _dtype.dtype) -> Tensor:
    return x if x.dtype == d else x.to(dtype=d)


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """out = ``tensors`` (all of one shape) joined along a new dim ``dim``"""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(x.shape)} at entry {i}"
            )
    d = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(x, d) for x in tensors], d)


def hstack(tensors: Any) -> Tensor:
    """out = ``tensors`` joined column-wise (along dim 0 for 1-d tensors, else dim 1)"""
    ts = [reshape(x, (1,)) if x.ndim == 0 else x for x in tensors]
    return cat(ts, 0 if ts and ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """out = ``tensors`` joined row-wise (1-d tensors become rows)"""
    ts = [reshape(x, (1, -1)) if x.ndim < 2 else x for x in tensors]
    return cat(ts, 0)


# -- splitting ---------------------------------------------------------------------------------


class Split(Function):
    """outs = the slices of x along ``dim`` of the given sizes (views); grad = cat of their grads"""

    @staticmethod
    def forward(ctx: Any, x: Tensor, sizes: tuple[int, ...] = (), dim: int = 0) -> Any:
        ctx.save_for_backward(dim)
        lead = (slice(None),) * dim
        pieces = []
        start = 0
        for size in sizes:
            pieces.append(Tensor._make(x.array[lead + (slice(start, start + size),)], False, None))
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> Tensor:
        (dim,) = ctx.saved_tensors
        return cat(grads, dim)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``tensor`` along ``dim``: pieces of size ``split_size`` (the last may be smaller),
    or of the sizes in the list ``sections``"""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and n != 0):
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = tuple(min(step, n - s) for s in range(0, n, step)) if step else (0,)
        if not sizes:
            sizes = (0,)
    else:
        sizes = _dims_arg(split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                "at "
                f"dimension {dim}), but got split_sizes={list(sizes)}"
            )
    pieces = Split.apply(tensor, sizes=sizes, dim=d)
    return tuple(_as_view(p, tensor) for p in pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` views of size ceil(n / chunks) (fewer when n is small)"""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input.shape[normalize_dim(dim, input.ndim)]
    size = -(-n // chunks)
    if size == 0:  # an empty dim: PyTorch returns `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, size, dim)


class Unbind(Function):
    """outs = x[..., i, ...] for each i along ``dim`` (views); grad = stack of their grads"""

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int = 0) -> Any:
        ctx.save_for_backward(dim)
        lead = (slice(None),) * dim
        data = x.array
        return tuple(
            Tensor._make(data[lead + (i, Ellipsis)], False, None) for i in range(data.shape[dim])
        )

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> Tensor:
        (dim,) = ctx.saved_tensors
        return stack(grads, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, each without that dim (views)"""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] == 0:
        return ()
    return tuple(_as_view(p, input) for p in Unbind.apply(input, dim=d))
