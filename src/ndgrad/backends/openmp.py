"""``ndgrad.backends.openmp``: ndgrad has no OpenMP kernels of its own (NumPy's BLAS threads
apart)."""

from __future__ import annotations


def is_available() -> bool:
    return False
