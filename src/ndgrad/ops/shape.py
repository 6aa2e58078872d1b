"""Shape ops: reshape, view, transpose, permute, expand, cat, stack, split, flip, pad ...

View ops return tensors that share memory (and the version counter) with their input.
"""

from __future__ import annotations

from typing import Any

from ndgrad.autograd.function import Op
from ndgrad.ops._util import normalize_dim
from ndgrad.tensor import Tensor


def _as_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out`` as a view of ``base``: one version counter, so in-place changes are seen."""
    out._vc = base._shared_vc()
    out._base = base if base._base is None else base._base
    return out


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


class Reshape(Op):
    """out = x with a new shape, same elements in row-major order"""

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...] = ()) -> Any:
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.in_shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """out = input with shape ``shape`` (one dim may be -1)"""
    shape = _shape_arg(shape)
    try:
        out = Reshape.apply(input, shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {input.numel()}") from None
    return _as_view(out, input)


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like reshape (ndgrad copies when the memory layout needs it, where PyTorch would raise)"""
    return reshape(input, *shape)


class Expand(Op):
    """out = x broadcast to a larger shape (a view); the gradient is summed back by the engine"""

    @staticmethod
    def forward(ctx: Any, x: Any, shape: tuple[int, ...] = ()) -> Any:
        from ndgrad import _backend

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
    return expand(input, tuple(shape))


class Permute(Op):
    """out = x with its dims reordered (a view)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = ()) -> Any:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(tuple(inverse))


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
    if n == 0:
        return input
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


def pad(input: Tensor, pad: Any, mode: str = "constant", value: Any = None) -> Tensor:
    raise NotImplementedError  # filled in by the shape work
