"""ndgrad.utils."""

from ndgrad.utils import data  # noqa: F401
