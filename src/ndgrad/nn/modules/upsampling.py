"""PyTorch's ``torch.nn.modules.upsampling``: the upsampling layers live in ``pooling.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.pooling import (  # noqa: F401
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = [
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
]
