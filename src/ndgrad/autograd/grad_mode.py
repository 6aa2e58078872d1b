"""Grad modes: whether ops record the graph. ``no_grad`` and friends work as context managers
and as decorators, like PyTorch's."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


state = _State()


def is_grad_enabled() -> bool:
    """True when operations record the graph for autograd."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    return state.inference


class _GradModeContext:
    """Base of the grad-mode context managers: sets a mode on enter, restores it on exit."""

    mode = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(state.enabled)
        state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev.pop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def clone(self) -> _GradModeContext:
        return type(self)()


class no_grad(_GradModeContext):
    """Disable graph recording: results have ``requires_grad=False`` and cost no graph.

    Example:
        >>> x = ndgrad.ones(2, requires_grad=True)
        >>> with ndgrad.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``: at once as a function, or for a block as a context manager."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._prev.append(state.enabled)
        state.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev.pop()

    def __call__(self, func: F) -> F:
        mode = self.mode
        state.enabled = self._prev.pop()

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def clone(self) -> _GradModeContext:
        return set_grad_enabled(self.mode)


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (ndgrad has no separate inference tensors); ``inference_mode(False)`` is
    a no-op."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.inference_on = bool(mode)
        self._prev_inf: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(state.enabled)
        self._prev_inf.append(state.inference)
        if self.inference_on:
            state.enabled = False
            state.inference = True

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev.pop()
        state.inference = self._prev_inf.pop()

    def __call__(self, func: F) -> F:
        on = self.inference_on

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(on):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
