"""Saving and loading (placeholder)."""

from __future__ import annotations

from typing import Any


def save(obj: Any, f: Any) -> None:
    raise NotImplementedError


def load(f: Any, map_location: Any = None, weights_only: bool = True) -> Any:
    raise NotImplementedError
