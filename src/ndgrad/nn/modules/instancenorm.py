"""PyTorch's ``torch.nn.modules.instancenorm``: the instance norms live in ``normalization.py``
here."""

from __future__ import annotations

from ndgrad.nn.modules.normalization import (  # noqa: F401
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    _InstanceNorm,
)

__all__ = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
]
