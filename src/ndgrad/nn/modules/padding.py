"""Padding layers (PyTorch's ``torch.nn.modules.padding``): thin wrappers over ``F.pad`` that hold
the padding and its mode."""

from __future__ import annotations

from typing import Any

import ndgrad.nn.functional as F
from ndgrad.nn.module import Module
from ndgrad.tensor import Tensor

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
]


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        self.padding = (
            tuple(padding) if isinstance(padding, list | tuple) else (padding,) * (2 * self._n)
        )
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        if self._mode == "constant" and type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class ZeroPad1d(_PadNd):
    _n = 1

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(_PadNd):
    _n = 2

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ConstantPad1d(_PadNd):
    _n = 1


class ConstantPad2d(_PadNd):
    _n = 2


class ReflectionPad1d(_PadNd):
    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    _n = 2
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    _n = 2
    _mode = "replicate"
