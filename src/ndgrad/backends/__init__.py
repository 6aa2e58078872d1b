"""``ndgrad.backends``: PyTorch's switches for the libraries under its kernels.

ndgrad's kernels are NumPy's (CuPy's on a GPU), so these flags change nothing here; programs that
set them (``ndgrad.backends.cudnn.benchmark = True``) run unchanged, and the ``is_available()``
questions answer for ndgrad honestly: no cuDNN, MPS, oneDNN or OpenMP of its own.
"""

from __future__ import annotations

from ndgrad.backends import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = [
    "cpu",
    "cuda",
    "cudnn",
    "get_float32_matmul_precision",
    "mkl",
    "mkldnn",
    "mps",
    "openmp",
    "set_float32_matmul_precision",
]

_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted ("highest", "high" or "medium"): ndgrad's float32 matmuls are always full float32.

    As in PyTorch, "high" and "medium" set ``backends.cuda.matmul.allow_tf32``.
    """
    if precision not in _PRECISIONS:
        raise RuntimeError(f"Invalid value {precision!r}: expected one of {', '.join(_PRECISIONS)}")
    cuda.matmul._precision = precision
    cuda.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    return cuda.matmul._precision
