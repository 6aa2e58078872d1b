"""``ndgrad.autograd.profiler``: PyTorch's older path to the profiler (``torch.autograd.profiler``).

``with ndgrad.autograd.profiler.profile() as prof:`` is ``ndgrad.profiler.profile``; see
``ndgrad/profiler.py`` and docs/profiler.md.
"""

from __future__ import annotations

from ndgrad.profiler import EventList, FunctionEvent, FunctionEventAvg, profile, record_function

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function"]
