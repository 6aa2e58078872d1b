"""Automatic mixed precision, as pass-throughs: ndgrad has no mixed precision.

PyTorch's AMP runs chosen ops in float16/bfloat16 under ``autocast`` and scales the loss with a
``GradScaler`` so small float16 gradients do not underflow. ndgrad computes every op in its inputs'
dtype, so here ``autocast`` changes nothing and ``GradScaler`` scales by 1. Training loops written
for AMP run unchanged, in full precision:

>>> scaler = ndgrad.amp.GradScaler()
>>> with ndgrad.autocast("cpu"):
...     loss = model(x).sum()
>>> scaler.scale(loss).backward()
>>> scaler.step(optimizer)
>>> scaler.update()
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["autocast", "GradScaler", "is_autocast_available"]


class autocast:  # noqa: N801  (PyTorch's name)
    """A context manager (and decorator) that does nothing: ndgrad has no mixed precision.

    Args:
        device_type: "cpu" or "cuda" (checked, then ignored).
        dtype: the autocast dtype PyTorch would use (ignored).
        enabled: whether autocasting would be on (ignored).
        cache_enabled: PyTorch's weight-cast cache (ignored).
    """

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device_type, self.fast_dtype, self._enabled = device_type, dtype, enabled

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_available(device_type: str) -> bool:
    """True for "cpu" and "cuda": autocast accepts them (and does nothing)."""
    return device_type in ("cpu", "cuda")


class GradScaler:
    """A loss scaler that scales by 1: ``scale(loss)`` returns ``loss``, ``step(opt)`` calls
    ``opt.step()``; ``update`` and ``unscale_`` do nothing. ndgrad computes in full precision, so no
    gradient underflows and none needs scaling."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._enabled = enabled
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        return None

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        return None

    def get_scale(self) -> float:
        return 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {
            "scale": 1.0,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": 0,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled "
                "instance of GradScaler."
            )
        self._growth_factor = state_dict.get("growth_factor", self._growth_factor)
        self._backoff_factor = state_dict.get("backoff_factor", self._backoff_factor)
        self._growth_interval = state_dict.get("growth_interval", self._growth_interval)
