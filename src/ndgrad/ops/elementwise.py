"""Elementwise ops: the public module of the family, with casts, copies, ``fill_`` and ``copy_``.

The ops themselves live in ``arithmetic.py`` (binary arithmetic, ``where``), ``unary.py`` (unary
math), ``trig.py`` (trigonometric and hyperbolic functions), ``rounding.py`` (rounding, ``clamp``)
and ``compare.py`` (comparisons, logic, no gradient), each op's in-place form beside it. This module
gathers their names with star imports (each module's ``__all__``, written once where the names are
defined), so ``ndgrad.ops.elementwise.<name>`` names every elementwise op; ``ndgrad`` star-imports
the family modules themselves. Each op is a class whose ``forward`` works on raw arrays and whose
``backward`` is written in Tensor ops (so it can be differentiated again). Broadcasting is undone
once, in the engine: a backward returns gradients in the output's shape. The plain function under
each class is the public API."""

from __future__ import annotations

from typing import Any

from ndgrad import _backend, _dtype
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import _xp
from ndgrad.ops._util import inplace, writable_data
from ndgrad.ops.arithmetic import *  # noqa: F403
from ndgrad.ops.compare import *  # noqa: F403
from ndgrad.ops.rounding import *  # noqa: F403
from ndgrad.ops.trig import *  # noqa: F403
from ndgrad.ops.unary import *  # noqa: F403
from ndgrad.tensor import Tensor

# this module's own names; ``ndgrad`` star-imports the family modules for theirs
__all__ = ["clone", "zero_", "fill_", "copy_"]


# -- casts and copies ------------------------------------------------------------------------


class Cast(Op):
    """out = x as another dtype and/or on another device; the gradient goes back the same way"""

    @staticmethod
    def forward(ctx: Any, x: Any, dtype: Any = None, device: str | None = None) -> Any:
        src_device = _backend.device_of(x)
        ctx.save_for_backward(x.dtype, src_device)
        if device is not None and device != src_device:
            host = _backend.to_numpy(x)
            x = _backend.module_for(device).asarray(host)
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        src_dtype, src_device = ctx.saved_tensors
        return grad.to(dtype=_dtype.from_numpy_dtype(src_dtype), device=src_device)


def to(
    input: Tensor,
    *args: Any,
    dtype: Any = None,
    device: Any = None,
    copy: bool = False,
    non_blocking: bool = False,
) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _dtype.dtype) or (not isinstance(a, str) and _looks_like_dtype(a)):
            dtype = a
        elif a is not None:
            device = a
    np_dtype = _dtype.to_dtype(dtype).np if dtype is not None else None
    dev = None
    if device is not None:
        dev = str(device).split(":")[0]
        if dev not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {device}"
            )
        _backend.module_for(dev)  # raises a clear error if the backend is missing
    same_dtype = np_dtype is None or np_dtype == input.array.dtype
    same_device = dev is None or dev == _backend.device_of(input.array)
    if same_dtype and same_device:
        return input.clone() if copy else input
    return Cast.apply(input, np_dtype, dev)


def _looks_like_dtype(a: Any) -> bool:
    try:
        _dtype.to_dtype(a)
        return True
    except TypeError:
        return False


class Clone(Op):
    """out = a copy of x"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad


def clone(input: Tensor) -> Tensor:
    """out = a copy of input that stays in the graph"""
    return Clone.apply(input)


# -- fill and copy: in-place ops of their own (the other in-place forms sit beside their op) ---


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


class Fill(Op):
    """out = value everywhere; no gradient reaches x"""

    @staticmethod
    def forward(ctx: Any, x: Any, value: Any) -> Any:
        return _xp(x).full_like(x, value)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad * 0, None


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a one-element tensor)."""
    if isinstance(value, Tensor):
        value = value.item()
    if self.requires_grad and grad_mode.state.enabled:
        return inplace(self, Fill.apply(self, value))
    writable_data(self)[...] = value
    self._bump_version()
    return self


class Copy(Op):
    """out = src broadcast to x's shape; x's old values are overwritten, so its gradient is zero"""

    @staticmethod
    def forward(ctx: Any, x: Any, src: Any) -> Any:
        return _xp(x).broadcast_to(src, x.shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad * 0 if ctx.needs_input_grad[0] else None, grad


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast, moved to this device) into this tensor's memory."""
    if not isinstance(src, Tensor):
        from ndgrad.ops.factory import tensor

        src = tensor(src)
    moved = to(src, dtype=self.dtype, device=_backend.device_of(self.array))
    return inplace(self, Copy.apply(self, moved))
