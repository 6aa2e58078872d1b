"""Anomaly detection: while it is on, every backward function's outputs are checked for NaN.

    >>> with ndgrad.autograd.detect_anomaly():
    ...     ndgrad.tensor(-1.0, requires_grad=True).sqrt().backward()
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.

The engine reads the flag once per backward pass, so training with it off costs nothing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


state = _State()


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.enabled and state.check_nan


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on for a block.

    Args:
        check_nan: raise when a backward function returns NaN values (the only check ndgrad makes).
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._prev.append((state.enabled, state.check_nan))
        state.enabled, state.check_nan = True, self.check_nan

    def __exit__(self, *exc: object) -> None:
        state.enabled, state.check_nan = self._prev.pop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once as a function, or for a block as a context
    manager."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = bool(mode), check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        state.enabled, state.check_nan = self._prev


def check_grads(node: Any, in_grads: tuple[Any, ...]) -> None:
    """Raise if a gradient that ``node``'s backward returned holds a NaN (called by the engine)."""
    if not state.check_nan:
        return
    from ndgrad._backend import xp_of

    for i, g in enumerate(in_grads):
        if g is None:
            continue
        data = g.array
        if data.dtype.kind == "f" and bool(xp_of(data).isnan(data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
