"""Seeing inside: computation-graph drawings and training plots.

- ``draw_graph(tensor)`` -> a Graph with ``.mermaid``, ``.dot`` and ``.render(path)``.
- ``record_modules(model)`` lets ``draw_graph(..., collapse_modules=True)`` box each module.
- ``TrainingMonitor`` records loss, metrics, learning rate and gradient statistics, and plots them
  (live in a notebook; to a TensorBoard writer with ``writer=``).
- ``Graph.html(path)`` writes an interactive, self-contained explorer of the graph.
- ``progress(iterable)`` is tqdm's bar, in its notebook form inside Jupyter.
"""

from __future__ import annotations

from ndgrad.viz.graph import Graph, draw_graph, record_modules
from ndgrad.viz.monitor import TrainingMonitor, in_notebook, progress

__all__ = ["Graph", "draw_graph", "record_modules", "TrainingMonitor", "in_notebook", "progress"]
