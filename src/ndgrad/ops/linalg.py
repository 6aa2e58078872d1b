"""Linear algebra: matmul and friends, einsum, tensordot, and ``ndgrad.linalg``'s inv, det, solve, norms."""

from __future__ import annotations

from typing import Any

from ndgrad.autograd.function import Op
from ndgrad.ops._util import binary_operands
from ndgrad.tensor import Tensor


class MatMul(Op):
    """out = a @ b (NumPy's matmul: 1-d operands and batch broadcasting included)"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g @ b2.mT
            if a.ndim == 1:
                ga = ga.squeeze(-2)
        if ctx.needs_input_grad[1]:
            gb = a2.mT @ g
            if b.ndim == 1:
                gb = gb.squeeze(-1)
        return ga, gb


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """out = input @ other"""
    a, b = binary_operands(input, other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, a.shape))} and "
            f"{'x'.join(map(str, b.shape))})"
        )
    return MatMul.apply(a, b)
