"""Trigonometric and hyperbolic functions: ``sin``, ``cos``, ``tan``, their inverses, ``sinh``,
``cosh`` and ``tanh``, with the in-place forms PyTorch has (``sin_``, ``cos_``, ``tanh_``).

Split out of ``unary.py``, whose helpers they use: float math on integer or bool input computes in
the default float dtype (``_float_input``), as in PyTorch. ``tanh``'s backward reuses its output.
Part of the elementwise family, gathered (with ``ndgrad``'s names) by ``elementwise.py``.
"""

from __future__ import annotations

from typing import Any

from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import _float_input, _quiet, _xp
from ndgrad.ops._util import inplace
from ndgrad.ops.unary import rsqrt
from ndgrad.tensor import Tensor

__all__ = [
    "sin",
    "cos",
    "tan",
    "asin",
    "arcsin",
    "acos",
    "arccos",
    "atan",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "sin_",
    "tanh_",
]


class Sin(Op):
    """out = sin(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).sin(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * cos(x)


def sin(input: Tensor) -> Tensor:
    """out = sin(input)"""
    return Sin.apply(_float_input(input))


def sin_(input: Tensor) -> Tensor:
    """In place: input = sin(input)"""
    return inplace(input, sin(input))


class Cos(Op):
    """out = cos(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).cos(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


def cos(input: Tensor) -> Tensor:
    """out = cos(input)"""
    return Cos.apply(_float_input(input))


def cos_(input: Tensor) -> Tensor:
    """In place: input = cos(input)"""
    return inplace(input, cos(input))


class Tan(Op):
    """out = tan(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


def tan(input: Tensor) -> Tensor:
    """out = tan(input)"""
    return Tan.apply(_float_input(input))


class Asin(Op):
    """out = asin(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arcsin(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


def asin(input: Tensor) -> Tensor:
    """out = asin(input)"""
    return Asin.apply(_float_input(input))


arcsin = asin


class Acos(Op):
    """out = acos(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arccos(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)


def acos(input: Tensor) -> Tensor:
    """out = acos(input)"""
    return Acos.apply(_float_input(input))


arccos = acos


class Atan(Op):
    """out = atan(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arctan(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


def atan(input: Tensor) -> Tensor:
    """out = atan(input)"""
    return Atan.apply(_float_input(input))


arctan = atan


class Sinh(Op):
    """out = sinh(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).sinh(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


def sinh(input: Tensor) -> Tensor:
    """out = sinh(input)"""
    return Sinh.apply(_float_input(input))


class Cosh(Op):
    """out = cosh(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).cosh(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


def cosh(input: Tensor) -> Tensor:
    """out = cosh(input)"""
    return Cosh.apply(_float_input(input))


class Tanh(Op):
    """out = tanh(x)"""

    backward_on_arrays = True  # its backward is operators only

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def tanh(input: Tensor) -> Tensor:
    """out = tanh(input)"""
    return Tanh.apply(_float_input(input))


def tanh_(input: Tensor) -> Tensor:
    """In place: input = tanh(input)"""
    return inplace(input, tanh(input))
