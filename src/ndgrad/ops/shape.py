"""Shape ops: reshape, view, transpose, permute, expand, narrow, flip, diagonal ...

Joining and splitting (cat, stack, hstack, vstack, split, chunk, unbind) live in ops/join.py, which
imports this module's view helpers; padding is in ops/pad.py.

View ops (reshape when the memory allows it, view, squeeze, unsqueeze, transpose, permute, expand,
narrow, select, diagonal, unfold and the pieces of split/chunk/unbind) return tensors that share
memory, and the version counter, with their input. Most ops here are composed from a few
primitives: Reshape, Expand, Permute, Cat, Split/Unbind (ops/join.py) and ``Index`` (basic
indexing, in ops/index_primitives.py), so their gradients come for free.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _workspace
from ndgrad.autograd.function import Op
from ndgrad.ops._util import inplace, normalize_dim, normalize_dims
from ndgrad.ops.index_primitives import Index, IndexPut
from ndgrad.tensor import Tensor

__all__ = [
    "reshape",
    "view",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "permute",
    "movedim",
    "moveaxis",
    "expand",
    "broadcast_to",
    "repeat",
    "tile",
    "flip",
    "roll",
    "narrow",
    "select",
    "tril",
    "triu",
    "diagonal",
    "contiguous",
]


def _as_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out`` as a view of ``base``: one version counter, so in-place changes are seen."""
    out._vc = base._shared_vc()
    out._base = base if base._base is None else base._base
    return out


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _inverse(order: Any) -> tuple[int, ...]:
    """The permutation that undoes ``order``: ``x.permute(order).permute(_inverse(order))`` is x."""
    inverse = [0] * len(order)
    for i, d in enumerate(order):
        inverse[d] = i
    return tuple(inverse)


def _dims_arg(dims: Any) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple."""
    if isinstance(dims, int | np.integer):
        return (int(dims),)
    return tuple(int(d) for d in dims)


# -- reshaping ---------------------------------------------------------------------------------


class Reshape(Op):
    """out = x with a new shape, same elements in row-major order"""

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...] = ()) -> Any:
        ctx.save_for_backward(x.shape)
        return _workspace.reshape(x, shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (in_shape,) = ctx.saved_tensors
        return grad.reshape(in_shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """out = input with shape ``shape`` (one dim may be -1); a view when the layout allows it"""
    shape = _shape_arg(shape)
    try:
        out = Reshape.apply(input, shape)
    except ValueError:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {input.numel()}"
        ) from None
    if not input.xp.may_share_memory(out.array, input.array) and input.array.size > 0:
        return out  # the layout needed a copy: not a view
    return _as_view(out, input)


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like reshape (ndgrad copies when the memory layout needs it, where PyTorch would raise)"""
    return reshape(input, *shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """out = input with dims ``start_dim..end_dim`` merged into one"""
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input.shape
    return reshape(input, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """out = input with dim ``dim`` split into ``sizes`` (one of them may be -1)"""
    d = normalize_dim(dim, input.ndim)
    sizes = _dims_arg(sizes)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    if (
        sizes.count(-1) > 1
        or (-1 not in sizes and known != n)
        or (-1 in sizes and (known == 0 or n % known))
    ):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({n}) in the input tensor"
        )
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:d] + sizes + input.shape[d + 1 :])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """out = input without its size-1 dims (only those in ``dim`` when given)"""
    dims = normalize_dims(dim, input.ndim) if dim is not None else range(input.ndim)
    shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return reshape(input, shape) if shape != input.shape else _as_view(_alias(input), input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """out = input with a new size-1 dim inserted at position ``dim``"""
    d = normalize_dim(dim, input.ndim + 1)
    return reshape(input, input.shape[:d] + (1,) + input.shape[d:])


def _alias(input: Tensor) -> Tensor:
    """A new tensor object for the same data (and graph position): what a no-op view returns."""
    return Reshape.apply(input, input.shape)


# -- broadcasting ------------------------------------------------------------------------------


class Expand(Op):
    """out = x broadcast to a larger shape (a view); the gradient is summed back by the engine"""

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...] = ()) -> Any:
        return _backend.xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad  # the engine's sum_to reduces it to the input's shape


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """out = input broadcast to ``sizes`` (-1 keeps a dim)"""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({input.ndim})"
        )
    shape = tuple(input.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    try:
        return _as_view(Expand.apply(input, shape), input)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor must match the existing size at non-singleton "
            f"dimensions. Target sizes: {list(sizes)}. Tensor sizes: {list(input.shape)}"
        ) from None


def broadcast_to(input: Tensor, shape: Any) -> Tensor:
    """out = input broadcast to ``shape``"""
    return expand(input, tuple(shape))


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """out = input tiled ``sizes[i]`` times along dim i (new leading dims for extra sizes).

    Composed: view each dim s as (1, s), expand it to (r, s), then merge back to r * s.
    """
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            "tensor"
        )
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    pairs = [(1, s) for s in shape]
    x = reshape(input, tuple(v for p in pairs for v in p))
    x = expand(x, tuple(v for r, s in zip(sizes, shape, strict=True) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(sizes, shape, strict=True)))


def tile(input: Tensor, *dims: Any) -> Tensor:
    """Like repeat, but ``dims`` shorter than input.ndim are padded with leading 1s"""
    reps = _shape_arg(dims)
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, reps)


# -- reordering dims ---------------------------------------------------------------------------


class Permute(Op):
    """out = x with its dims reordered (a view)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = ()) -> Any:
        ctx.save_for_backward(dims)
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (dims,) = ctx.saved_tensors
        return grad.permute(_inverse(dims))


def permute(input: Tensor, *dims: Any) -> Tensor:
    """out = input with dims in the order ``dims``"""
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _as_view(Permute.apply(input, dims), input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """out = input with dims ``dim0`` and ``dim1`` swapped"""
    n = input.ndim
    if n == 0:  # only dims 0 and -1 are valid, and nothing moves
        normalize_dim(dim0, n)
        normalize_dim(dim1, n)
        return _as_view(_alias(input), input)
    d0, d1 = normalize_dim(dim0, n), normalize_dim(dim1, n)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(input, tuple(dims))


swapaxes = transpose
swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-d and 1-d tensors are returned as they are)"""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """out = input with dims ``source`` moved to positions ``destination``, the rest in order"""
    src = [normalize_dim(d, input.ndim) for d in _dims_arg(source)]
    dst = [normalize_dim(d, input.ndim) for d in _dims_arg(destination)]
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(_dims_arg(source))} dims) "
            "should contain the same number of dims as destination "
            f"({list(_dims_arg(destination))} dims)"
        )
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `source` or `destination`")
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


# -- slicing -----------------------------------------------------------------------------------


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """out = input[..., start:start+length, ...] along ``dim`` (a view)"""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _basic_index(input, (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index: Any) -> Tensor:
    """out = input[..., index, ...] along ``dim``, without that dim (a view)"""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    i = int(index)
    if not -n <= i < n:
        raise IndexError(
            f"select(): index {i} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    return _basic_index(input, (slice(None),) * d + (i,))


def _basic_index(input: Tensor, key: tuple[Any, ...]) -> Tensor:
    """input[key] for a key of ints and slices checked in range: a view of input."""
    return _as_view(Index.apply(input, key=key + (Ellipsis,)), input)


# -- rearranging elements ----------------------------------------------------------------------


class Flip(Op):
    """out = x with the order of elements reversed along ``dims``"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = ()) -> Any:
        ctx.save_for_backward(dims)
        return _backend.xp_of(x).flip(x, dims).copy()  # a copy, as in PyTorch

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (dims,) = ctx.saved_tensors
        return flip(grad, dims)


def flip(input: Tensor, *dims: Any) -> Tensor:
    """out = input reversed along ``dims``"""
    d = normalize_dims(_shape_arg(dims), input.ndim) if input.ndim else ()
    return Flip.apply(input, dims=d)


class Roll(Op):
    """out = x shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor if None)"""

    @staticmethod
    def forward(ctx: Any, x: Any, shifts: Any = 0, dims: Any = None) -> Any:
        ctx.save_for_backward(shifts, dims)
        return _backend.xp_of(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        shifts, dims = ctx.saved_tensors
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return roll(grad, neg, dims)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """out = input rolled by ``shifts`` along ``dims``; elements leaving one end re-enter at the
    other"""
    if dims is None:
        s = _dims_arg(shifts)
        if len(s) != 1:
            raise RuntimeError(
                f"roll: shifts must be a scalar when dims is not given, got {list(s)}"
            )
        return Roll.apply(input, shifts=s[0], dims=None)
    s, d = _dims_arg(shifts), _dims_arg(dims)
    if len(s) != len(d):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(s)}, dims:{len(d)}")
    d = tuple(normalize_dim(x, input.ndim) for x in d)
    return Roll.apply(input, shifts=s, dims=d)


class Tril(Op):
    """out = x with the elements above diagonal ``k`` of the last two dims set to 0; the gradient
    is the same mask applied to grad"""

    fn = "tril"

    @classmethod
    def forward(cls, ctx: Any, x: Any, k: int = 0) -> Any:
        ctx.save_for_backward(k)
        return getattr(_backend.xp_of(x), cls.fn)(x, k)

    @classmethod
    def backward(cls, ctx: Any, grad: Tensor) -> Tensor:
        (k,) = ctx.saved_tensors
        return cls.apply(grad, k=k)


class Triu(Tril):
    """out = x with the elements below diagonal ``k`` of the last two dims set to 0"""

    fn = "triu"


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """out = the lower triangle of (each matrix in) input, from diagonal ``diagonal`` down"""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, k=int(diagonal))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    """In place: input = its lower triangle"""
    return inplace(input, tril(input, diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """out = the upper triangle of (each matrix in) input, from diagonal ``diagonal`` up"""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, k=int(diagonal))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    """In place: input = its upper triangle"""
    return inplace(input, triu(input, diagonal))


# -- strided views -----------------------------------------------------------------------------


def _strided(a: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    """A writable view of ``a``'s memory with the given shape and strides (in bytes)."""
    return _backend.xp_of(a).lib.stride_tricks.as_strided(a, shape, strides)


class Diagonal(Op):
    """out = x[..., i, i + offset] over dims (dim1, dim2), as a last dim (a writable view)"""

    @staticmethod
    def forward(ctx: Any, x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        ctx.save_for_backward(x.shape, offset, dim1, dim2)
        rest = [d for d in range(x.ndim) if d not in (dim1, dim2)]
        m = x.transpose(rest + [dim1, dim2])  # a view: the diagonal's dims last
        m = m[..., :, offset:] if offset >= 0 else m[..., -offset:, :]
        n = min(m.shape[-2], m.shape[-1])
        return _strided(m, m.shape[:-2] + (n,), m.strides[:-2] + (m.strides[-2] + m.strides[-1],))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        # place grad on the diagonal of zeros: with the two dims last, x[..., rows, cols] has the
        # diagonal's layout, so it is one index_put (differentiable again: its grad is a gather)
        in_shape, offset, d1, d2 = ctx.saved_tensors
        rest = [d for d in range(len(in_shape)) if d not in (d1, d2)]
        order = rest + [d1, d2]
        moved = tuple(in_shape[d] for d in order)
        xp = grad.xp
        n = grad.shape[-1]
        rows = xp.arange(n) + max(-offset, 0)
        cols = xp.arange(n) + max(offset, 0)
        zeros = Tensor._make(xp.zeros(moved, dtype=grad.array.dtype), False, None)
        full = IndexPut.apply(zeros, grad, key=(Ellipsis, rows, cols))
        return full.permute(_inverse(order))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """out = the diagonal ``offset`` of input over (dim1, dim2), appended as the last dim (a
    view)"""
    d1, d2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _as_view(Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2), input)


class Unfold(Op):
    """out[..., i, ..., k] = x[..., i * step + k, ...]: windows of ``size`` along ``dim`` (a
    view)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0, size: int = 1, step: int = 1) -> Any:
        ctx.save_for_backward(x.shape, dim, size, step)
        if x.ndim == 0:
            return x.reshape(1)
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1 :] + (size,)
        strides = (
            x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1 :] + (x.strides[dim],)
        )
        return _strided(x, shape, strides)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        in_shape, d, size, step = ctx.saved_tensors
        if len(in_shape) == 0:
            return grad.reshape(())
        # windows overlap when step < size: add each window back at its positions
        xp = grad.xp
        count = grad.shape[d]
        positions = xp.arange(count)[:, None] * step + xp.arange(size)[None, :]
        g = movedim(grad, -1, d + 1)  # (..., count, size, ...) like x[..., positions, ...]
        zeros = Tensor._make(xp.zeros(in_shape, dtype=grad.array.dtype), False, None)
        key = (slice(None),) * d + (positions,)
        return IndexPut.apply(zeros, g, key=key, accumulate=True)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: all windows of ``size`` elements, ``step`` apart, along ``dimension``"""
    d = normalize_dim(dimension, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return _as_view(Unfold.apply(input, dim=d, size=size, step=step), input)


def contiguous(input: Tensor) -> Tensor:
    """input itself if its memory is row-major contiguous, else a contiguous copy"""
    if input.array.flags.c_contiguous:
        return input
    from ndgrad.ops.elementwise import clone

    return clone(input)
