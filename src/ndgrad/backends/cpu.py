"""``ndgrad.backends.cpu``: the CPU's vector capability, as PyTorch names it."""

from __future__ import annotations

import functools


@functools.cache
def get_cpu_capability() -> str:
    """ "AVX512", "AVX2" or "DEFAULT": the widest of these NumPy found on this CPU."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # pragma: no cover - older NumPy
        from numpy.core._multiarray_umath import __cpu_features__ as features  # type: ignore[no-redef]
    if features.get("AVX512F"):
        return "AVX512"
    if features.get("AVX2"):
        return "AVX2"
    return "DEFAULT"
