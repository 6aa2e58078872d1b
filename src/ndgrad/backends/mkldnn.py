"""``ndgrad.backends.mkldnn``: oneDNN, which ndgrad does not use (``enabled`` is kept, unused)."""

from __future__ import annotations

enabled = True
deterministic = False


def is_available() -> bool:
    return False
