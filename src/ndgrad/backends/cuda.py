"""``ndgrad.backends.cuda``: PyTorch's CUDA kernel switches. ndgrad's GPU kernels are CuPy's; the
switches are kept and change nothing (ndgrad's float32 matmuls stay float32)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def is_built() -> bool:
    """True when CuPy is installed (ndgrad's CUDA support), whether or not a GPU is visible."""
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False
    return True


class _MatmulFlags:
    """``ndgrad.backends.cuda.matmul``: reduced-precision matmul switches (accepted)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True
        self._precision = "highest"


matmul = _MatmulFlags()

# scaled_dot_product_attention's kernel choices: ndgrad has one kernel, so these only record a flag
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled() -> bool:
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    _sdp["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(
    enable_flash: bool = True,
    enable_math: bool = True,
    enable_mem_efficient: bool = True,
    enable_cudnn: bool = True,
) -> Iterator[None]:
    """Set the attention-kernel flags inside the block (ndgrad runs its one kernel regardless)."""
    saved = dict(_sdp)
    _sdp.update(
        flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient, cudnn=enable_cudnn
    )
    try:
        yield
    finally:
        _sdp.update(saved)
