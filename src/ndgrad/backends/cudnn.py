"""``ndgrad.backends.cudnn``: the flags PyTorch passes to cuDNN. ndgrad does not use cuDNN (its
convolutions are matrix products, on NumPy or CuPy): the flags are kept and change nothing."""

from __future__ import annotations

enabled = True
benchmark = False
benchmark_limit: int | None = 10
deterministic = False  # ndgrad's ops are deterministic anyway
allow_tf32 = True


def is_available() -> bool:
    """False: ndgrad runs no cuDNN kernels."""
    return False


def version() -> int | None:
    return None
