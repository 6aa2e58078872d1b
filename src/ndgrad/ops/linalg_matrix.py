"""Matrix functions (``ndgrad.linalg``): inv, det, slogdet/logdet, solve, svdvals and the norms.

Each is one op with a closed-form backward written in Tensor ops (``Inv`` is the building block:
det, logdet and solve all differentiate through an inverse or another solve), so gradients can be
differentiated again; ``SvdVals`` (and ``Det`` at a singular matrix) is first order only, so its
backward is marked ``once_differentiable``. The products (matmul, einsum, tensordot,
cross) are in ops/linalg.py, which re-exports everything here, and ``src/ndgrad/linalg.py`` gives
these functions PyTorch's ``torch.linalg`` names.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op, once_differentiable, raise_once_differentiable
from ndgrad.ops import reduce as _reduce
from ndgrad.tensor import Tensor

__all__ = ["inverse", "det", "logdet", "slogdet"]

_SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])  # type: ignore[name-match]


def _dims_str(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape)


# -- inverse, determinant, solve -------------------------------------------------------------


def _check_square(name: str, a: Tensor) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"linalg.{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )
    if a.array.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_name(a)}"
        )


class Inv(Op):
    """out = A^-1; dA = -out^T g out^T"""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        xp = _xp(a)
        try:
            out = xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(
                "linalg.inv: The input matrix is singular, the inversion could not be completed."
            ) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        inv_t = out.mT
        return -(inv_t @ grad @ inv_t)


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a batch)"""
    _check_square("inv", A)
    return Inv.apply(A)


inverse = inv


class Det(Op):
    """out = det(A); dA = g * out * A^-T (for singular A, g times the adjugate's transpose)"""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = _xp(a).asarray(_xp(a).linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        a, out = ctx.saved_tensors
        g = (grad * out).reshape(out.shape + (1, 1))
        if not bool((out.array == 0).any()):
            return g * Inv.apply(a).mT
        # singular A: d det / dA is the cofactor matrix, from an SVD (first order only)
        if grad_mode.state.enabled:
            raise_once_differentiable(ctx)
        cof = _cofactor(a.array)
        return grad.reshape(out.shape + (1, 1)) * Tensor._make(cof, False, None)


def _cofactor(a: Any) -> Any:
    """adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T for A = U diag(s) V^T."""
    xp = _xp(a)
    u, s, vh = xp.linalg.svd(a)
    n = s.shape[-1]
    others = xp.where(xp.eye(n, dtype=bool), 1.0, s[..., None, :]).prod(
        axis=-1
    )  # prod_{j != i} s_j
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a batch)"""
    _check_square("det", A)
    return Det.apply(A)


class LogAbsDet(Op):
    """out = log |det(A)|; dA = g * A^-T"""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        _, out = _xp(a).linalg.slogdet(a)
        ctx.save_for_backward(a)
        return _xp(a).asarray(out)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad.reshape(grad.shape + (1, 1)) * Inv.apply(a).mT


def slogdet(A: Tensor) -> Any:
    """(sign, log|det A|): the determinant without overflow; sign is 0 for singular A"""
    _check_square("slogdet", A)
    sign = _xp(A.array).sign(_xp(A.array).linalg.det(A.array))
    return _SlogdetResult(Tensor._make(_xp(A.array).asarray(sign), False, None), LogAbsDet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """log det(A): NaN where det(A) < 0, -inf where A is singular"""
    sign, logabs = slogdet(input)
    nan = Tensor._make(
        _xp(sign.array).where(sign.array < 0, math.nan, 0.0).astype(logabs.array.dtype), False, None
    )
    return logabs + nan


class Solve(Op):
    """X = A^-1 B (B a batch of matrices); dB = A^-T g, dA = -dB X^T"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        try:
            x = _xp(a).linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise RuntimeError(
                "torch.linalg.solve: The solver failed because the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, x = ctx.saved_tensors
        gb = Solve.apply(a.mT, grad)
        ga = -(gb @ x.mT) if ctx.needs_input_grad[0] else None
        return ga, gb if ctx.needs_input_grad[1] else None


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (or X A = B when ``left=False``); B a (batch of) matrix or vector"""
    _check_square("solve", A)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    b = B.reshape(tuple(B.shape) + (1,)) if vector else B
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({_dims_str(A.shape[-2:])} and {_dims_str(b.shape[-2:])})"
        )
    if A.array.dtype != B.array.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_dtype.torch_name(A)} and B of type {_dtype.torch_name(B)} instead"
        )
    x = Solve.apply(A, b)
    return x.reshape(tuple(x.shape[:-1])) if vector else x


# -- norms -----------------------------------------------------------------------------------


class SvdVals(Op):
    """out = the singular values of A, descending; dA = U diag(g) V^T (first order: U and V are
    taken as constants)"""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        u, s, vh = _xp(a).linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        u, vh = ctx.saved_tensors
        return (u * grad.reshape(grad.shape[:-1] + (1, grad.shape[-1]))) @ vh


def svdvals(A: Tensor) -> Tensor:
    """The singular values of A (of each matrix in a batch), descending"""
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return SvdVals.apply(A)


def _float_check(name: str, x: Tensor, dtype: Any) -> Tensor:
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.array.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_name(x)}"
        )
    return x


def vector_norm(
    x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """(sum |x|^ord)^(1/ord) over ``dim`` (all dims when None); inf: max |x|, -inf: min |x|,
    0: the number of nonzeros"""
    x = _float_check("vector_norm", x, dtype)
    dims = _reduce._reduce_dims(dim, x.ndim)
    if abs(ord) == math.inf and any(x.shape[d] == 0 for d in dims):
        raise RuntimeError(
            "linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
            "operation "
            "does not have an identity"
        )
    return _reduce._vector_norm(x, ord, dims, keepdim)


def matrix_norm(
    A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc' (sum of singular values), 1 / -1
    (max / min column sum of |A|), inf / -inf (max / min row sum), 2 / -2 (max / min singular
    value)"""
    from ndgrad.ops._util import normalize_dim

    A = _float_check("matrix_norm", A, dtype)
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    d0, d1 = (normalize_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _reduce.PNorm.apply(A, 2.0, tuple(sorted((d0, d1))), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        s = svdvals(A.permute(*rest, d0, d1))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            out = out.reshape(tuple(1 if i in (d0, d1) else n for i, n in enumerate(A.shape)))
        return out
    if ord in (1, -1, math.inf, -math.inf):
        inner_dim, outer_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(inner_dim, keepdim=True)
        out = sums.amax(outer_dim, keepdim=True) if ord > 0 else sums.amin(outer_dim, keepdim=True)
        if not keepdim:
            out = out.reshape(tuple(n for i, n in enumerate(A.shape) if i not in (d0, d1)))
        return out
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(
    A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """linalg.norm: a vector norm (``dim`` an int, or ``ord`` None with ``dim`` None: of all
    elements) or a matrix norm (``dim`` a pair, or a 2-d input with ``ord`` given)"""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(
        "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
        f"{A.ndim}D."
    )
