"""Seeing inside: computation-graph drawings and training plots.

- ``draw_graph(tensor)`` -> a Graph with ``.mermaid``, ``.dot`` and ``.render(path)``.
- ``record_modules(model)`` lets ``draw_graph(..., collapse_modules=True)`` box each module.
- ``TrainingMonitor`` records loss, metrics, learning rate and gradient statistics, and plots them.
"""

from __future__ import annotations

from ndgrad.viz.graph import Graph, draw_graph, record_modules
from ndgrad.viz.monitor import TrainingMonitor

__all__ = ["Graph", "draw_graph", "record_modules", "TrainingMonitor"]
