"""PyTorch's ``torch.nn.modules.batchnorm``: the batch norms live in ``normalization.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.normalization import (  # noqa: F401
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    _BatchNorm,
    _NormBase,
)

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
]
