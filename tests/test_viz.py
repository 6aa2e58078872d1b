"""Graph drawing and training plots: valid Mermaid/DOT, images of the right kind and size."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ndgrad
from ndgrad.viz import TrainingMonitor, draw_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _scalar_graph() -> ndgrad.Tensor:
    a = ndgrad.tensor(2.0, requires_grad=True)
    b = ndgrad.tensor(-3.0, requires_grad=True)
    c = ndgrad.tensor(10.0, requires_grad=True)
    a.label, b.label, c.label = "a", "b", "c"
    d = a * b + c
    d.label = "d"
    d.retain_grad()
    e = d.relu()
    e.label = "e"
    e.backward()
    return e


def test_classic_scalar_graph_mermaid() -> None:
    g = draw_graph(_scalar_graph())
    text = g.mermaid
    assert text.startswith("flowchart TB")
    for piece in ("Relu", "d: Add", "Mul", "<b>a</b>", "grad -3", "grad 2", "data 4"):
        assert piece in text, piece
    assert text.count("-->") == 6


@needs_dot
def test_dot_is_accepted_by_graphviz(tmp_path: Path) -> None:
    g = draw_graph(_scalar_graph(), direction="LR")
    res = subprocess.run(["dot", "-Tsvg"], input=g.dot.encode(), capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    png = g.render(tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = g.render(tmp_path / "g.svg")
    assert "<svg" in svg.read_text()


def test_graph_of_a_model_names_parameters() -> None:
    w = ndgrad.randn(3, 2, requires_grad=True)
    x = ndgrad.randn(4, 2)
    loss = (x @ w.T).tanh().sum()
    g = draw_graph(loss, params={"fc1.weight": w})
    assert "fc1.weight" in g.mermaid and "4x3" in g.mermaid
    with pytest.raises(ValueError):
        draw_graph(loss, direction="sideways")


def test_monitor_plots_and_history(tmp_path: Path) -> None:
    from PIL import Image

    class Tiny:
        def __init__(self) -> None:
            self.w = ndgrad.randn(3, requires_grad=True)

        def named_parameters(self):  # type: ignore[no-untyped-def]
            yield "w", self.w

    model = Tiny()
    mon = TrainingMonitor(grad_every=2)
    for step in range(6):
        (model.w * model.w).sum().backward()
        mon.log_step(loss=1.0 / (step + 1), lr=0.1)
        mon.record_gradients(model)
        model.w.grad = None
    mon.log_epoch(loss=0.3, accuracy=0.9)
    assert [r["step"] for r in mon.gradients] == [0, 2, 4]
    curves = mon.plot_curves(tmp_path / "curves.png", size=(6, 3), dpi=50)
    flow = mon.plot_gradient_flow(tmp_path / "flow.png", size=(4, 3), dpi=50)
    for path, size in ((curves, (300, 150)), (flow, (200, 150))):
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size == size
    mon.save_json(tmp_path / "h.json")
    mon.save_csv(tmp_path / "h.csv")
    assert "loss" in (tmp_path / "h.csv").read_text().splitlines()[0]
    assert np.isclose(mon.steps[-1]["loss"], 1 / 6)
