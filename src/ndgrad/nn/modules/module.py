"""PyTorch's ``torch.nn.modules.module``: ``Module`` lives in ``ndgrad/nn/module.py`` here."""

from __future__ import annotations

from ndgrad.nn.module import Module  # noqa: F401

__all__ = ["Module"]
