"""PyTorch's ``torch.nn.modules.padding``: the padding layers live in ``pooling.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.pooling import (  # noqa: F401
    ConstantPad1d,
    ConstantPad2d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    ZeroPad1d,
    ZeroPad2d,
    _PadNd,
)

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
