"""``ndgrad.backends.mkl``: whether NumPy's BLAS, which ndgrad's matmuls run on, is Intel MKL."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def is_available() -> bool:
    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # NumPy < 1.25 prints its configuration and returns None
        return False
    blas = (config or {}).get("Build Dependencies", {}).get("blas", {})
    return "mkl" in str(blas.get("name", "")).lower()
