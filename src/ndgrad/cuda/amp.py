"""``ndgrad.cuda.amp``: PyTorch's older spelling of ``ndgrad.amp`` for CUDA (pass-throughs here).

``autocast(enabled=..., dtype=...)`` is ``ndgrad.amp.autocast("cuda", ...)``; ``GradScaler(...)`` is
``ndgrad.amp.GradScaler("cuda", ...)``. ndgrad has no mixed precision: see ``ndgrad.amp``.
"""

from __future__ import annotations

from typing import Any

from ndgrad import amp as _amp

__all__ = ["GradScaler", "autocast"]


class autocast(_amp.autocast):  # noqa: N801  (PyTorch's name)
    """``ndgrad.amp.autocast("cuda", ...)``: does nothing, ndgrad computes in the inputs' dtype."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``ndgrad.amp.GradScaler("cuda", ...)``: scales by 1 (ndgrad computes in full precision)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )
