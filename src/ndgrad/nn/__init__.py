"""ndgrad.nn (placeholder)."""

from __future__ import annotations

from ndgrad.nn import functional  # noqa: F401
