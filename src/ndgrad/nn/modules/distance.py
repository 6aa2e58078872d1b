"""PyTorch's ``torch.nn.modules.distance``: the layers live in ``misc.py`` here."""

from __future__ import annotations

from ndgrad.nn.modules.misc import (  # noqa: F401
    CosineSimilarity,
    PairwiseDistance,
)

__all__ = [
    "CosineSimilarity",
    "PairwiseDistance",
]
