"""``ndgrad.linalg``: PyTorch's ``torch.linalg`` names for the linear-algebra ops in
``ndgrad/ops/linalg.py``.

>>> A = ndgrad.tensor([[2.0, 0.0], [0.0, 4.0]])
>>> ndgrad.linalg.det(A)
tensor(8.)
"""

from __future__ import annotations

from ndgrad.ops.linalg import det, inv, matmul, matrix_norm, slogdet, solve, svdvals, vector_norm
from ndgrad.ops.linalg import linalg_cross as cross
from ndgrad.ops.linalg import linalg_norm as norm

__all__ = [
    "cross",
    "det",
    "inv",
    "matmul",
    "matrix_norm",
    "norm",
    "slogdet",
    "solve",
    "svdvals",
    "vector_norm",
]
