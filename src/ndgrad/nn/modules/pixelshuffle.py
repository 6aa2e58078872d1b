"""PyTorch's ``torch.nn.modules.pixelshuffle``: the layers live in ``misc.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.misc import (  # noqa: F401
    PixelShuffle,
    PixelUnshuffle,
)

__all__ = [
    "PixelShuffle",
    "PixelUnshuffle",
]
