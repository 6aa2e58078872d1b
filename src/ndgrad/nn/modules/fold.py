"""PyTorch's ``torch.nn.modules.fold``: the layers live in ``misc.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.misc import (  # noqa: F401
    Fold,
    Unfold,
)

__all__ = [
    "Fold",
    "Unfold",
]
